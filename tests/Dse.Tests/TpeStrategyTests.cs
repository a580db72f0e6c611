using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;

namespace FSpiNN.Dse.Tests;

public sealed class TpeStrategyTests
{
    private const int Evaluations = 100;

    private static SearchSpace UnitCube(string name, int n) =>
        new(name, [.. Enumerable.Range(0, n).Select(i => Dimension.Range($"x{i}", false, 0, 1, null, false))]);

    private static double[] Zdt1(double[] x)
    {
        var g = 1 + 9 * x.Skip(1).Average();
        return [x[0], g * (1 - Math.Sqrt(x[0] / g))];
    }

    /// <summary>DTLZ2 with 3 objectives: f = (1 + g) (cos cos, cos sin, sin) of the first two angles, g = sum (x_i - 0.5)^2 over the rest.</summary>
    private static double[] Dtlz2(double[] x)
    {
        var g = x.Skip(2).Sum(v => (v - 0.5) * (v - 0.5));
        var (a, b) = (x[0] * Math.PI / 2, x[1] * Math.PI / 2);
        return [(1 + g) * Math.Cos(a) * Math.Cos(b), (1 + g) * Math.Cos(a) * Math.Sin(b), (1 + g) * Math.Sin(a)];
    }

    private static List<double[]> Optimise(IStrategy strategy, Func<double[], double[]> problem, int n)
    {
        var results = new List<double[]>();
        while (results.Count < Evaluations && strategy.Ask() is { } p)
        {
            var x = Enumerable.Range(0, n).Select(i => p.Candidate[$"x{i}"].AsDouble).ToArray();
            var f = problem(x);
            results.Add(f);
            strategy.Tell(new TrialOutcome(p.Id, p.Candidate, OutcomeKind.Complete, f, 0));
        }
        return results;
    }

    private static double MeanHypervolume(string strategy, Func<double[], double[]> problem, int n, double[] reference) =>
        Enumerable.Range(1, 5).Average(seed =>
            Hypervolume.Compute(Optimise(StrategyFactory.Create(strategy, new StrategyContext(UnitCube("p", n), reference.Length, Evaluations, seed)), problem, n), reference));

    /// <summary>
    /// ZDT1, 5 variables, 100 evaluations, reference (1.1, 1.1) (true hypervolume 0.8767), mean over seeds 1-5.
    /// Measured at this commit: tpe 0.709, random 0.562 (see docs/dse.md); the target 0.67 sits between them.
    /// </summary>
    [Test]
    public void TpeReachesTheDocumentedZdt1HypervolumeAndBeatsRandom()
    {
        var tpe = MeanHypervolume("tpe", Zdt1, 5, [1.1, 1.1]);
        var random = MeanHypervolume("random", Zdt1, 5, [1.1, 1.1]);
        TestContext.Out.WriteLine($"ZDT1 hypervolume after {Evaluations}: tpe {tpe:F4}, random {random:F4}");
        Assert.That(tpe, Is.GreaterThanOrEqualTo(0.67));
        Assert.That(tpe, Is.GreaterThan(random));
    }

    /// <summary>
    /// DTLZ2, 3 objectives, 6 variables, 100 evaluations, reference (1.1, 1.1, 1.1) (true hypervolume 1.331 - pi/6 = 0.8074),
    /// mean over seeds 1-5. Measured at this commit: tpe 0.57, random 0.45; target 0.53.
    /// </summary>
    [Test]
    public void TpeReachesTheDocumentedDtlz2HypervolumeAndBeatsRandom()
    {
        var tpe = MeanHypervolume("tpe", Dtlz2, 6, [1.1, 1.1, 1.1]);
        var random = MeanHypervolume("random", Dtlz2, 6, [1.1, 1.1, 1.1]);
        TestContext.Out.WriteLine($"DTLZ2 hypervolume after {Evaluations}: tpe {tpe:F4}, random {random:F4}");
        Assert.That(tpe, Is.GreaterThanOrEqualTo(0.53));
        Assert.That(tpe, Is.GreaterThan(random));
    }
}
