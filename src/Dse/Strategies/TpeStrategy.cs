using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>
/// Model-based multi-objective search (<see cref="TpeSampler"/>): a few distinct random proposals, then each proposal
/// from the TPE model of the trials told so far. Memory is analytic, so candidates over the memory budget are filtered
/// out before they are proposed (never trained, never even recorded as skipped), and no candidate is proposed twice.
/// <para>
/// Parallel workers and determinism: proposal i is made from the outcomes of trials 0 .. i - batch only (it waits until
/// they are all told); the batch - 1 proposals before it are still pending as far as the model is concerned, whether
/// or not their results have arrived, and join the bad group (a constant liar). So the sequence depends only on the
/// seed, the batch size and the results, never on which worker finished first; with batch = workers, every worker
/// always has a distinct proposal to evaluate.
/// </para>
/// </summary>
public sealed class TpeStrategy : IStrategy
{
    private readonly StrategyContext _context;
    private readonly TpeSampler _sampler;
    private readonly int _startup;
    private readonly List<Candidate> _proposed = [];
    private readonly HashSet<string> _proposedKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<int, TrialOutcome> _outcomes = [];
    private readonly IEnumerator<Candidate> _random;
    private bool _exhausted;

    public TpeStrategy(StrategyContext context, TpeOptions? options = null)
    {
        _context = context;
        var o = options ?? new TpeOptions();
        _sampler = new TpeSampler(context.Space, o, Known(context));
        _startup = o.StartupTrials ?? Math.Clamp(context.Trials / 20, 5, 10);
        _random = Sampling.Distinct(context.Space, new Random(context.Seed)).GetEnumerator();
    }

    /// <summary>Memory as an exactly known objective, when it is one and the evaluator prices it (see <see cref="TpeSampler"/>).</summary>
    internal static KnownObjective? Known(StrategyContext context) =>
        context is { Memory: { } memory, MemoryObjective: { } index } && index >= 0 && index < context.ObjectiveCount ? new KnownObjective(index, memory) : null;

    public string Name => "tpe";

    public bool IsFinished => _exhausted || _proposed.Count >= _context.Trials;

    public Proposal? Ask()
    {
        if (IsFinished) return null;
        var id = _proposed.Count;
        Candidate? next;
        var known = id - Math.Max(1, _context.Batch);   // outcomes 0..known are the model's; the rest are pending
        if (id < _startup || known < 0) next = NextRandom();   // no result can be known yet
        else
        {
            for (var i = 0; i <= known; i++)
            {
                if (!_outcomes.ContainsKey(i)) return null;
            }
            var observed = Enumerable.Range(0, known + 1).Select(i => new Observation(_proposed[i], _outcomes[i].Point)).ToList();
            var pending = _proposed.Skip(known + 1).ToList();
            var random = new Random(unchecked(_context.Seed * 1_000_003 + id));
            next = _sampler.Propose(observed, pending, Allowed, random) ?? NextRandom();
        }
        if (next is null)
        {
            _exhausted = true;   // every allowed candidate of a finite space has been proposed
            return null;
        }
        _proposed.Add(next);
        _proposedKeys.Add(next.Key);
        return new Proposal(id, next);
    }

    public void Tell(TrialOutcome outcome) => _outcomes[outcome.Id] = outcome;

    private bool Allowed(Candidate candidate) => !_proposedKeys.Contains(candidate.Key) && _context.WithinMemoryBudget(candidate);

    private Candidate? NextRandom()
    {
        while (_random.MoveNext())
        {
            if (Allowed(_random.Current)) return _random.Current;
        }
        return null;
    }
}
