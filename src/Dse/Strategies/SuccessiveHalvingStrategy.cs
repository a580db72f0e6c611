using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>
/// Multi-objective successive halving over <c>train_samples</c>: n candidates at the lowest rung, the best 1/eta of each
/// rung (non-dominated rank under constraint domination, then crowding distance) promoted to eta times more samples,
/// up to the space's largest <c>train_samples</c>. Skipped or failed candidates are never promoted. n is the largest
/// count whose whole schedule fits in the trial budget.
/// </summary>
public sealed class SuccessiveHalvingStrategy : IStrategy
{
    private readonly StrategyContext _context;
    private readonly int _eta;
    private readonly RungReplicates _replicates;
    private readonly Dictionary<int, TrialOutcome> _outcomes = [];
    private readonly List<Candidate> _rungCandidates = [];  // base candidates (without fidelity) of the current rung
    private int _rung;
    private int _rungStart;
    private int _rungNext;
    private int _nextId;
    private bool _finished;

    /// <summary>
    /// Training samples of each rung, lowest first: the space's largest train_samples value divided by eta until it
    /// would fall below <paramref name="minTrainSamples"/>. Shared with <see cref="TpeHalvingStrategy"/>.
    /// </summary>
    internal static IReadOnlyList<int> Rungs(SearchSpace space, int minTrainSamples, int eta, string strategyName)
    {
        var fidelity = space.Find(SearchSpace.TrainSamplesName)
            ?? throw new ArgumentException($"{strategyName} needs '{SearchSpace.TrainSamplesName}' in the space (its largest value is the top rung)");
        var max = (int)(fidelity.Kind is DimensionKind.Fixed or DimensionKind.Choice ? fidelity.Choices.Max(v => v.AsDouble) : fidelity.Max);
        if (minTrainSamples < 1 || minTrainSamples > max)
            throw new ArgumentOutOfRangeException(nameof(minTrainSamples), minTrainSamples, $"the lowest rung must be within 1..{max} training samples");
        var rungs = new List<int>();
        for (double r = max; r >= minTrainSamples - 1e-9; r /= eta) rungs.Add((int)Math.Round(r));
        rungs.Reverse();
        return rungs;
    }

    /// <param name="rungReplicates">Replicates of each rung, lowest first (null: the study's replicates for every trial).</param>
    public SuccessiveHalvingStrategy(StrategyContext context, int minTrainSamples, int eta = 3, IReadOnlyList<int>? rungReplicates = null)
    {
        if (eta < 2) throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be >= 2");
        _context = context;
        _eta = eta;
        RungSamples = Rungs(context.Space, minTrainSamples, eta, "successive halving");
        _replicates = new RungReplicates(context.Space, RungSamples, rungReplicates, "halving");
        var n = 1;
        while (ScheduleCost(n + 1) <= context.Trials) n++;
        InitialCount = ScheduleCost(n) <= context.Trials ? n : 0;
        _rungCandidates.AddRange(Sampling.Distinct(WithoutFidelity(context.Space), new Random(context.Seed)).Take(InitialCount));
        if (_rungCandidates.Count == 0) _finished = true;
    }

    public string Name => "halving";
    public IReadOnlyList<int> RungSamples { get; }
    public int InitialCount { get; }
    public bool IsFinished => _finished;

    private int ScheduleCost(int n)
    {
        var total = 0;
        var count = n;
        foreach (var _ in RungSamples)
        {
            total += count;
            count = Math.Max(1, (int)Math.Ceiling(count / (double)_eta));
        }
        return total;
    }

    private static SearchSpace WithoutFidelity(SearchSpace space)
    {
        var dims = space.Dimensions.Where(d => d.Name != SearchSpace.TrainSamplesName).ToList();
        return dims.Count == 0 ? new SearchSpace(space.Name, [Dimension.Fixed("__none", 0)]) : new SearchSpace(space.Name, dims);
    }

    public Proposal? Ask()
    {
        if (_finished) return null;
        if (_rungNext >= _rungCandidates.Count)
        {
            for (var id = _rungStart; id < _nextId; id++)
            {
                if (!_outcomes.ContainsKey(id)) return null;
            }
            if (!Promote()) return null;
        }
        var baseCandidate = _rungCandidates[_rungNext++];
        var candidate = _replicates.Apply(Strip(baseCandidate).With(SearchSpace.TrainSamplesName, (long)RungSamples[_rung]), _rung);
        return new Proposal(_nextId++, candidate);
    }

    private static Candidate Strip(Candidate c) =>
        new(c.Values.Where(v => v.Key != "__none").ToArray());

    private bool Promote()
    {
        var ids = Enumerable.Range(_rungStart, _nextId - _rungStart).ToList();
        var promotable = ids.Where(id => _outcomes[id].Kind == OutcomeKind.Complete).ToList();
        var keep = Math.Max(1, (int)Math.Ceiling(ids.Count / (double)_eta));
        if (_rung + 1 >= RungSamples.Count || promotable.Count == 0)
        {
            _finished = true;
            return false;
        }
        var order = ParetoMath.BestFirst(promotable.Select(id => _outcomes[id].Point).ToList());
        var next = order.Take(keep).Select(i => _rungCandidates[promotable[i] - _rungStart]).ToList();
        _rungCandidates.Clear();
        _rungCandidates.AddRange(next);
        _rung++;
        _rungStart = _nextId;
        _rungNext = 0;
        return true;
    }

    public void Tell(TrialOutcome outcome) => _outcomes[outcome.Id] = outcome;
}
