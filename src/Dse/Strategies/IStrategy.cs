using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>A proposal: trial number <paramref name="Id"/> (0, 1, 2, ... in ask order) and the candidate to evaluate.</summary>
public readonly record struct Proposal(int Id, Candidate Candidate);

/// <summary>How a trial ended, as a strategy sees it.</summary>
public enum OutcomeKind { Complete, Skipped, Failed }

/// <summary>
/// A told result: objectives in minimisation form (null if not evaluated) and total constraint violation (0 = feasible).
/// </summary>
public sealed record TrialOutcome(int Id, Candidate Candidate, OutcomeKind Kind, double[]? Objectives, double Violation)
{
    public RankedPoint Point => Kind switch
    {
        OutcomeKind.Complete => new RankedPoint(Objectives, Violation),
        OutcomeKind.Skipped => new RankedPoint(null, Math.Max(Violation, 1e-12)),
        _ => new RankedPoint(null, double.MaxValue),
    };
}

/// <summary>
/// Ask/tell search strategy. Strategies never touch storage. They must be deterministic for a seed and
/// batch-synchronous: what they ask next may depend only on outcomes of completed batches, processed in id order,
/// so that any order of <see cref="Tell"/> within a batch gives the same sequence (several workers replay the same one).
/// </summary>
public interface IStrategy
{
    string Name { get; }

    /// <summary>The next proposal, or null when none can be made until pending outcomes are told (or when finished).</summary>
    Proposal? Ask();

    void Tell(TrialOutcome outcome);

    /// <summary>True when no further proposal will ever be made.</summary>
    bool IsFinished { get; }
}

/// <summary>
/// What every strategy is built from. <paramref name="Memory"/> is the evaluator's analytic memory (instant, known before
/// training) and <paramref name="MemoryBudget"/> its limit: model-based strategies never propose a candidate over it.
/// <paramref name="Batch"/> is how many proposals may be pending at once (the number of parallel workers).
/// <paramref name="MemoryObjective"/> is the index of memory among the told objectives (null when it is not one): with
/// <paramref name="Memory"/> it lets the model-based sampler use a candidate's exact memory when choosing.
/// </summary>
public sealed record StrategyContext(SearchSpace Space, int ObjectiveCount, int Trials, int Seed,
    Func<Candidate, double>? Memory = null, double? MemoryBudget = null, int Batch = 1, int? MemoryObjective = null)
{
    public bool WithinMemoryBudget(Candidate candidate) =>
        Memory is null || MemoryBudget is not { } limit || Memory(candidate) <= limit;
}

public static class StrategyFactory
{
    private static readonly string[] BuiltIn = ["grid", "random", "nsga2", "halving", "tpe", "tpe-halving"];
    private static readonly Lock RegistrationLock = new();
    private static (string Name, Func<StrategyContext, IStrategy> Create)[] _registered = [];

    /// <summary>Every strategy name: the engine's own, then those an adapter registered (<see cref="Register"/>).</summary>
    public static IReadOnlyList<string> Names => [.. BuiltIn, .. _registered.Select(r => r.Name)];

    /// <summary>
    /// Adds a strategy that knows the evaluator's parameters, such as the SNN adapter's "fspinn" (an
    /// <see cref="OrderedGridStrategy"/> by neurons and bits): the engine names no domain parameter itself. Registering
    /// a name again replaces its factory (so an adapter may register at every start); an engine name cannot be replaced.
    /// </summary>
    public static void Register(string name, Func<StrategyContext, IStrategy> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        if (BuiltIn.Contains(name)) throw new ArgumentException($"strategy '{name}' is the engine's own and cannot be registered again", nameof(name));
        lock (RegistrationLock)
            _registered = [.. _registered.Where(r => r.Name != name), (name, create)];
    }

    /// <summary>
    /// explore's strategy when none is named: grid while the whole space fits in the trial budget (every point is
    /// evaluated anyway), else the model-based <see cref="TpeStrategy"/>.
    /// </summary>
    public static string Default(SearchSpace space, int trials) => space.IsFinite && space.Count <= trials ? "grid" : "tpe";

    /// <summary>The strategies that promote over rungs of training samples (and so can take a replicate count per rung).</summary>
    public static bool IsMultiFidelity(string name) => name is "halving" or "tpe-halving";

    /// <summary>
    /// Creates a strategy by name. <paramref name="minTrainSamples"/> is the lowest rung of successive halving;
    /// <paramref name="rungReplicates"/> (halving strategies only) the replicates of each rung, lowest first.
    /// </summary>
    public static IStrategy Create(string name, StrategyContext context, int minTrainSamples = 100, IReadOnlyList<int>? rungReplicates = null)
    {
        if (rungReplicates is { Count: > 0 } && !IsMultiFidelity(name))
            throw new ArgumentException($"a replicate count per rung ({string.Join(",", rungReplicates)}) needs a strategy with rungs (halving, tpe-halving), not {name}; give one count for every trial instead");
        return name switch
        {
            "grid" => new GridStrategy(context),
            "random" => new RandomStrategy(context),
            "nsga2" => new Nsga2Strategy(context),
            "halving" => new SuccessiveHalvingStrategy(context, minTrainSamples, rungReplicates: rungReplicates),
            "tpe" => new TpeStrategy(context),
            "tpe-halving" => new TpeHalvingStrategy(context, minTrainSamples, rungReplicates: rungReplicates),
            _ when _registered.FirstOrDefault(r => r.Name == name) is { Create: { } create } => create(context),
            _ => throw new ArgumentException($"unknown strategy '{name}' (expected {string.Join(", ", Names)})", nameof(name)),
        };
    }
}

/// <summary>
/// The replicates of each rung of a halving strategy (multi-fidelity promotion can measure the few candidates of the
/// top rungs more often than the many of the lowest): set on each proposal as the <c>replicates</c> parameter.
/// </summary>
internal sealed class RungReplicates
{
    private readonly IReadOnlyList<int>? _counts;

    public RungReplicates(SearchSpace space, IReadOnlyList<int> rungSamples, IReadOnlyList<int>? counts, string strategyName)
    {
        if (counts is not { Count: > 0 }) return;
        if (counts.Count != rungSamples.Count)
            throw new ArgumentException($"{strategyName} has {rungSamples.Count} rungs ({string.Join(", ", rungSamples)} training samples) but the replicate counts " +
                $"{string.Join(",", counts)} give {counts.Count}: give one count per rung, lowest rung first");
        if (counts.Any(c => c is < 1 or > Statistics.ReplicateEvaluation.MaxReplicates))
            throw new ArgumentException($"replicate counts must be within 1..{Statistics.ReplicateEvaluation.MaxReplicates}, got {string.Join(",", counts)}");
        if (space.Find(Statistics.ReplicateEvaluation.ParameterName) is not null)
            throw new ArgumentException($"space '{space.Name}' sets '{Statistics.ReplicateEvaluation.ParameterName}' and replicates per rung are given too: keep one of them");
        _counts = counts;
    }

    /// <summary><paramref name="candidate"/> with the replicates of rung <paramref name="rung"/> (unchanged without per-rung counts).</summary>
    public Candidate Apply(Candidate candidate, int rung) =>
        _counts is null ? candidate : candidate.With(Statistics.ReplicateEvaluation.ParameterName, (long)_counts[rung]);
}

/// <summary>Shared plumbing for strategies that emit a precomputed list of proposals.</summary>
public abstract class ListStrategy : IStrategy
{
    private IEnumerator<Candidate>? _source;
    private int _next;
    private bool _exhausted;

    protected ListStrategy(StrategyContext context) => Context = context;

    protected StrategyContext Context { get; }
    public abstract string Name { get; }
    protected abstract IEnumerable<Candidate> Candidates();

    public Proposal? Ask()
    {
        if (_exhausted) return null;
        _source ??= Candidates().GetEnumerator();
        if (_next >= Context.Trials || !_source.MoveNext())
        {
            _exhausted = true;
            return null;
        }
        return new Proposal(_next++, _source.Current);
    }

    public void Tell(TrialOutcome outcome) { }

    public bool IsFinished => _exhausted;
}

/// <summary>Exhaustive grid in space order (last parameter fastest), at most Trials points.</summary>
public sealed class GridStrategy(StrategyContext context) : ListStrategy(context)
{
    public override string Name => "grid";
    protected override IEnumerable<Candidate> Candidates() => Context.Space.Grid();
}

/// <summary>Uniform random sampling; on a finite space, without replacement (a seeded shuffle of the grid) when it is small enough.</summary>
public sealed class RandomStrategy(StrategyContext context) : ListStrategy(context)
{
    public override string Name => "random";
    protected override IEnumerable<Candidate> Candidates() => Sampling.Distinct(Context.Space, new Random(Context.Seed));
}

/// <summary>
/// Every grid point, the largest values of the parameters <paramref name="largestFirst"/> first (by the first named, then
/// the next; a candidate without a numeric value counts as 0), ties in grid order. Registered under a name by an
/// adapter that knows which parameters make a candidate expensive (the SNN adapter's "fspinn": neurons, then bits).
/// </summary>
public sealed class OrderedGridStrategy(StrategyContext context, string name, IReadOnlyList<string> largestFirst) : ListStrategy(context)
{
    private readonly IReadOnlyList<string> _largestFirst = largestFirst.Count > 0 ? largestFirst
        : throw new ArgumentException($"strategy '{name}' orders the grid by no parameter: name at least one", nameof(largestFirst));

    public override string Name => name;

    protected override IEnumerable<Candidate> Candidates()
    {
        var grid = Context.Space.Grid().Select((c, i) => (c, i)).ToList();
        var ordered = grid.OrderByDescending(x => Numeric(x.c, _largestFirst[0]));
        foreach (var parameter in _largestFirst.Skip(1)) ordered = ordered.ThenByDescending(x => Numeric(x.c, parameter));
        return ordered.ThenBy(x => x.i).Select(x => x.c);
    }

    private static double Numeric(Candidate c, string name) =>
        c.TryGet(name, out var v) && v.IsNumeric ? v.AsDouble : 0;
}

internal static class Sampling
{
    private const long ShuffleLimit = 200_000;

    /// <summary>An endless (or, for small finite spaces, exhaustive) stream of distinct candidates.</summary>
    public static IEnumerable<Candidate> Distinct(SearchSpace space, Random random)
    {
        if (space.IsFinite && space.Count <= ShuffleLimit)
        {
            var order = Enumerable.Range(0, (int)space.Count).ToArray();
            random.Shuffle(order);
            foreach (var i in order) yield return space.GridPoint(i);
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var misses = 0;
        while (misses < 1000)
        {
            var c = space.Sample(random);
            if (seen.Add(c.Key))
            {
                misses = 0;
                yield return c;
            }
            else misses++;
        }
    }
}
