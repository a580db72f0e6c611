using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;

namespace FSpiNN.Dse.Tests;

public sealed class ParetoTests
{
    private const double ZetaMinusHalf = -0.207886224977354566017306720;

    /// <summary>
    /// n+1 front points x_i = i/n make the exact hypervolume a left Riemann sum of sqrt(x). Its Euler-Maclaurin expansion
    /// (sum of sqrt(i) = 2/3 n^1.5 + 1/2 n^0.5 + zeta(-1/2) + n^-0.5/24 + O(n^-2.5)) gives
    /// HV_n = 2/3 - 1/(2n) + zeta(-1/2) n^-1.5 + 1/(24 n^2) + O(n^-4); adding the known terms back recovers the limit.
    /// </summary>
    [Test]
    public void Zdt1FrontHypervolumeMatchesClosedFormTwoThirds()
    {
        const int n = 20_000;
        var points = Enumerable.Range(0, n + 1).Select(i => new[] { i / (double)n, 1 - Math.Sqrt(i / (double)n) }).ToList();
        var hv = Hypervolume.Compute(points, [1.0, 1.0]);
        var limit = hv + 1.0 / (2 * n) - ZetaMinusHalf / Math.Pow(n, 1.5) - 1.0 / (24.0 * n * n);
        Assert.That(limit, Is.EqualTo(2.0 / 3.0).Within(1e-9));
        Assert.That(hv, Is.LessThan(2.0 / 3.0));
    }

    /// <summary>For ZDT2 (f2 = 1 - f1^2) the left sum is exact: HV_n = 1/3 - 1/(2n) + 1/(6 n^2).</summary>
    [Test]
    public void Zdt2FrontHypervolumeMatchesClosedFormOneThird()
    {
        const int n = 20_000;
        var points = Enumerable.Range(0, n + 1).Select(i => new[] { i / (double)n, 1 - Math.Pow(i / (double)n, 2) }).ToList();
        var hv = Hypervolume.Compute(points, [1.0, 1.0]);
        Assert.That(hv + 1.0 / (2 * n) - 1.0 / (6.0 * n * n), Is.EqualTo(1.0 / 3.0).Within(1e-9));
    }

    [Test]
    public void ThreeDimensionalHypervolumeMatchesInclusionExclusion()
    {
        double[] a = [0.2, 0.6, 0.5], b = [0.6, 0.2, 0.3], c = [0.5, 0.5, 0.1];
        static double Box(double[] p) => (1 - p[0]) * (1 - p[1]) * (1 - p[2]);
        static double[] Max(params double[][] ps) => [ps.Max(p => p[0]), ps.Max(p => p[1]), ps.Max(p => p[2])];
        var expected = Box(a) + Box(b) + Box(c) - Box(Max(a, b)) - Box(Max(a, c)) - Box(Max(b, c)) + Box(Max(a, b, c));
        Assert.That(Hypervolume.Compute([a, b, c, [0.9, 0.9, 0.9]], [1.0, 1.0, 1.0]), Is.EqualTo(expected).Within(1e-12));
    }

    /// <summary>
    /// The 3-D sweep against a brute force that needs no algorithm: on a grid of k x k x k cells, a cell counts if some
    /// point is below its lower corner; points on the grid make that exact. Random sets with ties in every coordinate,
    /// dominated points, duplicates and points outside the reference box.
    /// </summary>
    [Test]
    public void ThreeDimensionalHypervolumeMatchesCellCountingOnRandomGridSets()
    {
        const int k = 12;
        var random = new Random(7);
        for (var round = 0; round < 40; round++)
        {
            var points = Enumerable.Range(0, random.Next(1, 60))
                .Select(_ => new double[] { random.Next(0, k + 2), random.Next(0, k + 2), random.Next(0, k + 2) }).ToList();
            var cells = 0;
            for (var x = 0; x < k; x++)
                for (var y = 0; y < k; y++)
                    for (var z = 0; z < k; z++)
                        if (points.Any(p => p[0] <= x && p[1] <= y && p[2] <= z)) cells++;
            Assert.That(Hypervolume.Compute(points, [k, k, k]), Is.EqualTo(cells).Within(1e-9), $"round {round}");
        }
    }

    [Test]
    public void ConstraintDominationPutsFeasibleFirstThenSmallerViolation()
    {
        var points = new List<RankedPoint> { new([0.9, 0.9], 0), new([0.0, 0.0], 0.5), new([0.0, 0.0], 0.1), new([0.5, 0.1], 0), new([0.1, 0.5], 0) };
        var ranks = ParetoMath.NonDominatedRanks(points);
        Assert.That(ranks, Is.EqualTo(new[] { 1, 3, 2, 0, 0 }));
    }

    /// <summary>
    /// Budget: population 100 for 250 generations = 25,000 evaluations (SBX eta 15, p_c 0.9; polynomial mutation eta 20, p_m 1/30).
    /// True hypervolume at (1.1, 1.1) is 2/3 + 0.1 + 0.11 = 0.87667.
    /// </summary>
    [Test]
    public void Nsga2ReachesNinetyNinePercentOfZdt1HypervolumeWithin25000Evaluations()
    {
        var dims = Enumerable.Range(0, 30).Select(i => Dimension.Range($"x{i:00}", false, 0, 1, null, false)).ToList();
        var space = new SearchSpace("zdt1", dims);
        var strategy = new Nsga2Strategy(new StrategyContext(space, 2, 25_000, Seed: 7), new Nsga2Options(PopulationSize: 100));
        var results = new List<double[]>();
        while (strategy.Ask() is { } p)
        {
            var x = Enumerable.Range(0, 30).Select(i => p.Candidate[$"x{i:00}"].AsDouble).ToArray();
            var f1 = x[0];
            var g = 1 + 9 * x.Skip(1).Average();
            double[] f = [f1, g * (1 - Math.Sqrt(f1 / g))];
            results.Add(f);
            strategy.Tell(new TrialOutcome(p.Id, p.Candidate, OutcomeKind.Complete, f, 0));
        }
        Assert.That(results, Has.Count.EqualTo(25_000));
        var trueHv = 2.0 / 3.0 + 0.1 + 0.11;
        var hv = Hypervolume.Compute(results, [1.1, 1.1]);
        Assert.That(hv / trueHv, Is.GreaterThanOrEqualTo(0.99), $"hypervolume {hv:F5} of {trueHv:F5}");
    }
}
