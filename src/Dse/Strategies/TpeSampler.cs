using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>Tuning of the multi-objective TPE sampler (defaults chosen on experiments/search-bench; see docs/dse.md).</summary>
/// <param name="StartupTrials">Random (distinct, within budget) proposals before the model is used; null = clamp(trials / 20, 5, 10).</param>
/// <param name="Candidates">Draws from the good density scored per proposal (Optuna's n_ei_candidates).</param>
/// <param name="Gamma">Fraction of the observations in the good group (by constraint domination, rank, crowding), at most <paramref name="MaxGood"/>.</param>
public sealed record TpeOptions(int? StartupTrials = null, int Candidates = 24, double Gamma = 0.15, int MaxGood = 25);

/// <summary>An observation for the model: a candidate and how it ranked (null objectives = skipped or failed).</summary>
internal readonly record struct Observation(Candidate Candidate, RankedPoint Point);

/// <summary>
/// Multi-objective Tree-structured Parzen Estimator (after Ozaki et al. 2020, MOTPE, and Optuna's TPESampler): the told
/// trials are split into a good group (the best gamma fraction by constraint domination, non-dominated rank and crowding
/// distance) and a bad group; per dimension a Parzen density l(x) is fitted to the good values and g(x) to the bad ones
/// (univariate, so a parameter absent from a trial is simply left out of its density); candidates are drawn from l and
/// the one with the largest l(x)/g(x) is proposed. Pending proposals join the bad group (a constant liar), so a batch
/// of parallel proposals spreads out instead of repeating. Candidates the filter refuses (over the memory budget, which
/// is analytic, or already proposed) are never proposed.
/// </summary>
internal sealed class TpeSampler(SearchSpace space, TpeOptions options)
{
    private readonly Dimension[] _dims = space.Dimensions.Where(d => d.Kind != DimensionKind.Fixed).ToArray();

    public SearchSpace Space => space;

    /// <summary>
    /// The best-scoring candidate drawn from the good density that <paramref name="allowed"/> accepts, or null when
    /// none was found within the draw limit (the caller then falls back to a random allowed candidate).
    /// </summary>
    public Candidate? Propose(IReadOnlyList<Observation> observed, IReadOnlyList<Candidate> pending, Func<Candidate, bool> allowed, Random random)
    {
        var (good, bad) = Split(observed);
        bad.AddRange(pending);
        var lower = _dims.Select(d => Fit(d, good)).ToArray();
        var upper = _dims.Select(d => Fit(d, bad)).ToArray();
        Candidate? best = null;
        var bestScore = double.NegativeInfinity;
        var accepted = 0;
        for (var draw = 0; draw < options.Candidates * 50 && accepted < options.Candidates; draw++)
        {
            var coordinates = lower.Select(l => l.Sample(random)).ToArray();
            var candidate = Decode(coordinates);
            if (!allowed(candidate)) continue;
            accepted++;
            double score = 0;
            for (var d = 0; d < _dims.Length; d++)
            {
                var x = Coordinate(_dims[d], candidate);
                if (x is { } value) score += lower[d].LogDensity(value) - upper[d].LogDensity(value);
            }
            if (score > bestScore)
            {
                bestScore = score;
                best = candidate;
            }
        }
        return best;
    }

    /// <summary>Good = the first ceil(gamma n) (at most MaxGood, at least 1) in best-first order; the rest bad.</summary>
    internal (List<Candidate> Good, List<Candidate> Bad) Split(IReadOnlyList<Observation> observed)
    {
        var order = ParetoMath.BestFirst(observed.Select(o => o.Point).ToList());
        var feasible = observed.Count(o => o.Point.Feasible);
        var goodCount = Math.Clamp((int)Math.Ceiling(options.Gamma * observed.Count), 1, options.MaxGood);
        if (feasible > 0) goodCount = Math.Min(goodCount, feasible);   // never learn from infeasible points as good
        var good = order.Take(goodCount).Select(i => observed[i].Candidate).ToList();
        var bad = order.Skip(goodCount).Select(i => observed[i].Candidate).ToList();
        return (good, bad);
    }

    /// <summary>
    /// The dimension's density over the group: only the trials that carry the parameter count (a conditional parameter
    /// is modelled over the trials where it was active, as Optuna's TPE does), so l and g of rounding are fitted on
    /// the fixed-point trials alone, and a group with no active trial gives the prior.
    /// </summary>
    internal static ParzenEstimator Fit(Dimension dimension, List<Candidate> group)
    {
        var values = new List<double>(group.Count);
        foreach (var c in group)
        {
            if (Coordinate(dimension, c) is { } x) values.Add(x);
        }
        return new ParzenEstimator(dimension, values);
    }

    /// <summary>The candidate of one drawn coordinate per searched dimension; conditional parameters whose conditions fail are left out.</summary>
    private Candidate Decode(double[] coordinates)
    {
        var values = new ParameterValue[space.Dimensions.Count];
        var next = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var d = space.Dimensions[i];
            values[i] = d.Kind == DimensionKind.Fixed ? d.Choices[0] : d.Decode(coordinates[next++]);
        }
        return space.Build(values);
    }

    /// <summary>The dimension's coordinate of a candidate (choice index or gene), null if the candidate lacks it or holds a value outside it.</summary>
    internal static double? Coordinate(Dimension dimension, Candidate candidate)
    {
        if (!candidate.TryGet(dimension.Name, out var value)) return null;
        if (dimension.Kind == DimensionKind.Choice)
        {
            for (var j = 0; j < dimension.Choices.Count; j++)
            {
                var choice = dimension.Choices[j];
                if (choice == value || (choice.IsNumeric && value.IsNumeric && choice.AsDouble.Equals(value.AsDouble))) return j;
            }
            return null;
        }
        if (!value.IsNumeric) return null;
        var x = value.AsDouble;
        return dimension.Log ? Math.Log(x) : x;
    }
}
