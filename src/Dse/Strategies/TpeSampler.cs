using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>Tuning of the multi-objective TPE sampler (defaults chosen on experiments/search-bench; see docs/dse.md).</summary>
/// <param name="StartupTrials">Random (distinct, within budget) proposals before the model is used; null = clamp(trials / 20, 5, 10).</param>
/// <param name="Candidates">Draws from the good density scored per proposal (Optuna's n_ei_candidates).</param>
/// <param name="Gamma">Fraction of the observations in the good group (by constraint domination, rank, crowding), at most <paramref name="MaxGood"/>.</param>
/// <param name="KnownMemory">Score candidates also by their exact memory (when memory is an objective and the evaluator prices it before training): see <see cref="TpeSampler"/>.</param>
public sealed record TpeOptions(int? StartupTrials = null, int Candidates = 24, double Gamma = 0.15, int MaxGood = 25, bool KnownMemory = true);

/// <summary>An objective known exactly before a candidate is evaluated (memory: the cost model is analytic), by its index among the told objectives.</summary>
internal readonly record struct KnownObjective(int Index, Func<Candidate, double> Value);

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
/// <para>
/// Memory as a known objective: a drawn candidate's memory is exact, so instead of leaving it to the densities the
/// score adds log(room), where room is the share of the other objectives' box (error and energy, each scaled to the
/// told feasible range widened by 10 % on both sides) that no told feasible trial with at most this memory dominates:
/// where a candidate would have to land to be non-dominated. A candidate larger than a trial that is already best in
/// everything else keeps only the margin beyond the told range; a candidate smaller than every told trial keeps it all.
/// </para>
/// </summary>
internal sealed class TpeSampler(SearchSpace space, TpeOptions options, KnownObjective? known = null)
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
        var room = options.KnownMemory && known is { } k ? OpenRoom.Create(observed, k.Index) : null;
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
            if (room is not null) score += Math.Log(room.Share(known!.Value.Value(candidate)));
            if (score > bestScore)
            {
                bestScore = score;
                best = candidate;
            }
        }
        return best;
    }

    /// <summary>
    /// The told feasible trials seen from one exactly known objective: for a value m of it, the share of the other
    /// objectives' box (scaled to the told range, widened by <see cref="Margin"/> each side) that the trials with a
    /// known value at most m leave undominated.
    /// </summary>
    internal sealed class OpenRoom
    {
        private const double Margin = 0.1;
        private readonly (double Known, double[] Others)[] _points;   // sorted by the known objective
        private readonly double _box;

        private OpenRoom((double, double[])[] points, int others)
        {
            _points = points;
            _box = Math.Pow(1 + 2 * Margin, others);
        }

        public static OpenRoom? Create(IReadOnlyList<Observation> observed, int knownIndex)
        {
            var told = observed.Where(o => o.Point.Feasible).Select(o => o.Point.Objectives!).ToList();
            if (told.Count < 2 || told[0].Length < 2) return null;
            var others = Enumerable.Range(0, told[0].Length).Where(i => i != knownIndex).ToArray();
            var low = others.Select(i => told.Min(p => p[i])).ToArray();
            var span = others.Select((i, j) => Math.Max(told.Max(p => p[i]) - low[j], 1e-300)).ToArray();
            var points = told.Select(p => (p[knownIndex], others.Select((i, j) => Margin + (p[i] - low[j]) / span[j]).ToArray()))
                .OrderBy(p => p.Item1).ToArray();
            return new OpenRoom(points, others.Length);
        }

        /// <summary>Share in (0, 1]: 1 when no told trial is as small, down to the margin's share behind an all-best one.</summary>
        public double Share(double known)
        {
            var covering = _points.TakeWhile(p => p.Known <= known).Select(p => p.Others).ToList();
            if (covering.Count == 0) return 1;
            var reference = Enumerable.Repeat(1 + 2 * Margin, covering[0].Length).ToArray();
            return Math.Max(1 - Hypervolume.Compute(covering, reference) / _box, 1e-9);
        }
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
