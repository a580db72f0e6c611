using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>
/// Model-seeded successive halving over <c>train_samples</c> (as BOHB combines TPE with Hyperband): repeated brackets,
/// each starting eta^(rungs-1) candidates at the lowest rung and promoting the best 1/eta of each rung (constraint
/// domination, rank, crowding) to eta times more samples, up to the space's largest <c>train_samples</c>. The first
/// bracket starts from distinct random candidates; every later bracket's candidates come from the
/// <see cref="TpeSampler"/> fitted on the highest rung that has enough results (the pending ones of the same bracket
/// act as constant liars). Candidates over the memory budget are never proposed, and a candidate is never started twice.
/// Rungs and brackets are synchronous, so the sequence depends only on the seed and the results.
/// </summary>
public sealed class TpeHalvingStrategy : IStrategy
{
    private readonly StrategyContext _context;
    private readonly int _eta;
    private readonly RungReplicates _replicates;
    private readonly TpeSampler _sampler;
    private readonly int _minObservations;
    private readonly IEnumerator<Candidate> _random;
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly List<(int Rung, Candidate Base)> _byId = [];
    private readonly Dictionary<int, TrialOutcome> _outcomes = [];
    private List<Candidate> _rungCandidates = [];
    private int _rung;
    private int _rungStart;
    private int _rungNext;
    private bool _finished;

    /// <param name="rungReplicates">Replicates of each rung, lowest first (null: the study's replicates for every trial).</param>
    public TpeHalvingStrategy(StrategyContext context, int minTrainSamples, int eta = 3, TpeOptions? options = null, IReadOnlyList<int>? rungReplicates = null)
    {
        if (eta < 2) throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be >= 2");
        _context = context;
        _eta = eta;
        RungSamples = SuccessiveHalvingStrategy.Rungs(context.Space, minTrainSamples, eta, "tpe-halving");
        _replicates = new RungReplicates(context.Space, RungSamples, rungReplicates, "tpe-halving");
        var baseSpace = WithoutFidelity(context.Space);
        var o = options ?? new TpeOptions();
        _sampler = new TpeSampler(baseSpace, o, TpeStrategy.Known(context));
        _minObservations = o.StartupTrials ?? 5;
        _random = Sampling.Distinct(baseSpace, new Random(context.Seed)).GetEnumerator();
        StartBracket();
    }

    public string Name => "tpe-halving";
    public IReadOnlyList<int> RungSamples { get; }
    /// <summary>Candidates a full bracket starts at the lowest rung.</summary>
    public int BracketSize => (int)Math.Pow(_eta, RungSamples.Count - 1);
    public bool IsFinished => _finished || _byId.Count >= _context.Trials;

    public Proposal? Ask()
    {
        if (IsFinished) return null;
        if (_rungNext >= _rungCandidates.Count)
        {
            for (var id = _rungStart; id < _byId.Count; id++)
            {
                if (!_outcomes.ContainsKey(id)) return null;
            }
            if (!Promote()) StartBracket();
            if (_finished) return null;
        }
        var baseCandidate = _rungCandidates[_rungNext++];
        var id0 = _byId.Count;
        _byId.Add((_rung, baseCandidate));
        var candidate = _replicates.Apply(baseCandidate.With(SearchSpace.TrainSamplesName, (long)RungSamples[_rung]), _rung);
        return new Proposal(id0, candidate);
    }

    public void Tell(TrialOutcome outcome) => _outcomes[outcome.Id] = outcome;

    private bool Promote()
    {
        if (_rung + 1 >= RungSamples.Count) return false;
        var ids = Enumerable.Range(_rungStart, _byId.Count - _rungStart).Where(id => _outcomes[id].Kind == OutcomeKind.Complete).ToList();
        if (ids.Count == 0) return false;
        var keep = Math.Max(1, (int)Math.Ceiling((_byId.Count - _rungStart) / (double)_eta));
        var order = ParetoMath.BestFirst(ids.Select(id => _outcomes[id].Point).ToList());
        _rungCandidates = order.Take(keep).Select(i => _byId[ids[i]].Base).ToList();
        _rung++;
        _rungStart = _byId.Count;
        _rungNext = 0;
        return true;
    }

    private void StartBracket()
    {
        var remaining = _context.Trials - _byId.Count;
        var size = BracketSize;
        while (size > 1 && Cost(size) > remaining) size--;
        _rung = 0;
        _rungStart = _byId.Count;
        _rungNext = 0;
        _rungCandidates = [];
        var model = ModelRung();
        for (var i = 0; i < size; i++)
        {
            Candidate? next = null;
            if (model is { } observed)
            {
                var random = new Random(unchecked(_context.Seed * 1_000_003 + _byId.Count + i));
                next = _sampler.Propose(observed, _rungCandidates, Allowed, random);
            }
            next ??= NextRandom();
            if (next is null) break;
            _rungCandidates.Add(next);
            _started.Add(next.Key);
        }
        if (_rungCandidates.Count == 0) _finished = true;
    }

    /// <summary>Observations of the highest rung with at least the minimum number of completed results (null: none yet).</summary>
    private List<Observation>? ModelRung()
    {
        for (var rung = RungSamples.Count - 1; rung >= 0; rung--)
        {
            var observed = Enumerable.Range(0, _byId.Count).Where(id => _byId[id].Rung == rung && _outcomes.ContainsKey(id))
                .Select(id => new Observation(_byId[id].Base, _outcomes[id].Point)).ToList();
            if (observed.Count(o => o.Point.Objectives is not null) >= _minObservations) return observed;
        }
        return null;
    }

    private int Cost(int n)
    {
        var total = 0;
        for (var rung = 0; rung < RungSamples.Count; rung++)
        {
            total += n;
            n = Math.Max(1, (int)Math.Ceiling(n / (double)_eta));
        }
        return total;
    }

    private bool Allowed(Candidate candidate) =>
        !_started.Contains(candidate.Key) && _context.WithinMemoryBudget(candidate.With(SearchSpace.TrainSamplesName, (long)RungSamples[^1]));

    private Candidate? NextRandom()
    {
        while (_random.MoveNext())
        {
            if (Allowed(_random.Current)) return _random.Current;
        }
        return null;
    }

    private static SearchSpace WithoutFidelity(SearchSpace space)
    {
        var dims = space.Dimensions.Where(d => d.Name != SearchSpace.TrainSamplesName).ToList();
        return dims.Count > 0 ? new SearchSpace(space.Name, dims)
            : throw new ArgumentException($"tpe-halving needs a parameter to search besides '{SearchSpace.TrainSamplesName}'");
    }
}
