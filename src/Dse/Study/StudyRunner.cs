using System.Diagnostics;
using System.Text.Json.Nodes;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Statistics;
using FSpiNN.Dse.Strategies;

namespace FSpiNN.Dse.Study;

/// <summary>
/// Timing knobs of a worker. <paramref name="HeartbeatInterval"/>: how often a running trial's lease is renewed;
/// <paramref name="Lease"/>: how long a trial stays its worker's without a renewal (then any worker may take it over;
/// on the same host a dead process is noticed at once). Defaults suit real trials (minutes); tests shorten them.
/// <paramref name="MaxAttempts"/>: an abandoned trial is rerun until it has this many attempts (2: at most one rerun).
/// <paramref name="Log"/> gets the worker's messages about the storage (lost connection, reconnected).
/// </summary>
public sealed record RunnerOptions(TimeSpan HeartbeatInterval, TimeSpan Lease, TimeSpan PollInterval, int MaxAttempts = 2)
{
    public static RunnerOptions Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));

    public TextWriter? Log { get; init; } = Console.Error;

    /// <summary>Longest wait between reconnection attempts to an unreachable storage (they start at 0.5 s and double).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Give up (and fail the run) after the storage was unreachable this long.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Host name recorded for this worker (default: this machine's); tests pose as several hosts.</summary>
    public string? Host { get; init; }

    /// <summary>Told how far a running trial's passes are (trial number, examples done in the current pass), from the evaluating thread.</summary>
    public Action<int, EvaluationProgress>? TrialProgress { get; init; }
}

/// <summary>
/// Progress after each finished trial (by any worker this runner saw). <paramref name="Remaining"/> is this worker's
/// view (mean evaluation time x trials left, not divided among workers). <paramref name="Trials"/> is the store snapshot
/// the numbers were computed from.
/// </summary>
public readonly record struct StudyProgress(int Finished, int Total, int Skipped, int Failed, double? BestFeasibleAccuracy, TimeSpan Elapsed,
    TimeSpan? Remaining, IReadOnlyList<TrialRecord> Trials);

/// <summary>
/// Drives one worker through the <see cref="IStudyStorage"/> contract: replays the stored trials into a fresh strategy
/// (deterministic for a seed), claims the next unclaimed or abandoned trial inside <see cref="IStudyStorage.Claim{T}"/>,
/// skips it if over the memory budget, evaluates it while renewing its lease, and stores the result. Several runners
/// (threads, processes, hosts) may share one study. The runner keeps its own copy of the trials and reads only what
/// changed since its last read. An unreachable storage is retried with backoff, and said so on the log. A trial with
/// several replicates (<see cref="ReplicateCount"/>) stores each as it finishes and, when rerun, evaluates only the
/// missing ones; its stored result is their combination (<see cref="ReplicateEvaluation.Combine"/>).
/// </summary>
public sealed class StudyRunner
{
    private readonly IStudyStorage _storage;
    private readonly StudyDefinition _definition;
    private readonly SearchSpace _space;
    private readonly ICandidateEvaluator _evaluator;
    private readonly RunnerOptions _options;
    private readonly WorkerIdentity _worker;
    private readonly Lazy<double?> _maxSpaceMemory;
    /// <summary>The handle heartbeats go through (kept for the whole run: a first connection can be slow to make).</summary>
    private IStudyStorage? _heartbeatStorage;

    /// <param name="storage">This runner's own handle (see <see cref="IStudyStorage.Reconnect"/>); the runner does not dispose it.</param>
    public StudyRunner(IStudyStorage storage, SearchSpace space, ICandidateEvaluator evaluator, RunnerOptions? options = null, int workerIndex = 0)
    {
        _storage = storage;
        _definition = storage.Definition;
        _space = space;
        _evaluator = evaluator;
        _options = options ?? RunnerOptions.Default;
        _worker = WorkerIdentity.ForCurrentProcess(workerIndex, _options.Host);
        _maxSpaceMemory = new Lazy<double?>(MaxSpaceMemory);
        var wanted = new[] { _definition.Replicates }.Concat(_definition.RungReplicates ?? [])
            .Concat(space.Find(ReplicateEvaluation.ParameterName)?.Choices.Select(c => (int)c.AsDouble) ?? []).Max();
        if (wanted > evaluator.MaxReplicates())
            throw new ArgumentException($"the study asks for {wanted} replicates per trial but the evaluator ({evaluator.GetType().Name}) supports at most {evaluator.MaxReplicates()}" +
                (evaluator.MaxReplicates() == 1 ? " (it has no training seed to vary)" : ""));
    }

    public WorkerIdentity Worker => _worker;

    /// <summary>Creates the strategy a study definition names; <paramref name="memory"/> (the evaluator's analytic memory) lets it avoid over-budget candidates.</summary>
    /// <summary>
    /// Creates the strategy a study definition names; <paramref name="memory"/> (the evaluator's analytic memory) lets it avoid over-budget candidates.
    /// Also refuses a space that searches over <c>replicates</c> (a measurement setting: it changes the error bar, not the design).
    /// </summary>
    public static IStrategy CreateStrategy(StudyDefinition d, SearchSpace space, Func<Candidate, double>? memory = null)
    {
        if (space.Find(ReplicateEvaluation.ParameterName) is { Kind: not DimensionKind.Fixed })
            throw new ArgumentException($"space '{space.Name}' searches over '{ReplicateEvaluation.ParameterName}': it is how often a trial is measured, not a design choice; " +
                $"fix it (\"fixed\": {{ \"{ReplicateEvaluation.ParameterName}\": 3 }}) or use explore --replicates");
        if (d.Replicates is < 1 or > ReplicateEvaluation.MaxReplicates)
            throw new ArgumentException($"replicates must be within 1..{ReplicateEvaluation.MaxReplicates}, got {d.Replicates}");
        return StrategyFactory.Create(d.Strategy, new StrategyContext(space, d.Objectives.Count, d.Trials, d.Seed, memory, d.Budgets.MemoryBytes, d.Batch,
            d.Objectives.Contains(Objective.Memory) ? d.Objectives.ToList().IndexOf(Objective.Memory) : null), d.MinTrainSamples, d.RungReplicates);
    }

    /// <summary>How many replicates <paramref name="c"/> is evaluated with: its <c>replicates</c> value (space or rung), else the study's.</summary>
    public int ReplicateCount(Candidate c) =>
        c.TryGet(ReplicateEvaluation.ParameterName, out var v) && v.IsNumeric ? (int)v.AsDouble : _definition.Replicates;

    /// <summary>What this runner knows of the study: its copy of the trials and where its strategy is.</summary>
    private sealed class State(IStrategy strategy)
    {
        public readonly IStrategy Strategy = strategy;
        public readonly Dictionary<int, TrialRecord> Trials = [];
        /// <summary>Asked and not yet told, by number.</summary>
        public readonly SortedDictionary<int, Proposal> Pending = [];
        /// <summary>Asked by <see cref="CatchUp"/> outside the claim lock and not yet handled: the claim takes it first.</summary>
        public readonly Queue<Proposal> Lookahead = [];
        public readonly HashSet<int> Told = [];
        /// <summary>Lowest-numbered completed trial per (candidate, train_samples): results reused instead of retrained.</summary>
        public readonly Dictionary<(string Key, int Samples), TrialRecord> Completed = [];
        public long Sequence;
        /// <summary>The storage's sequence number when this runner first read it: environment failures up to it are retried.</summary>
        public long? StartSequence;
        public HypervolumeTracker? Hypervolume;
        public string? ReferenceJson;
        public int HypervolumeKnown;
        /// <summary>What progress reports need, kept as the changes arrive (a report costs nothing per stored trial).</summary>
        public readonly ProgressTally Tally = new();
    }

    /// <summary>
    /// The numbers of <see cref="StudyProgress"/>, updated per changed trial (O(log n) for the sorted snapshot, O(1) for
    /// the rest) instead of recounted over every stored trial at every report.
    /// </summary>
    private sealed class ProgressTally
    {
        private static readonly Comparer<TrialRecord> ByNumber = Comparer<TrialRecord>.Create((a, b) => a.Number.CompareTo(b.Number));
        private double? _best;
        private bool _bestStale;

        /// <summary>Every trial, by number: an immutable list, so that a report can hand it out while the runner goes on.</summary>
        public System.Collections.Immutable.ImmutableList<TrialRecord> Trials { get; private set; } = [];
        public int Finished { get; private set; }
        public int Skipped { get; private set; }
        public int Failed { get; private set; }
        public int Evaluated { get; private set; }
        public double EvaluatedSeconds { get; private set; }

        /// <summary>Replaces <paramref name="old"/> (null: a new trial) by <paramref name="updated"/> (null: removed).</summary>
        public void Change(TrialRecord? old, TrialRecord? updated)
        {
            if (old is not null) Count(old, -1);
            if (updated is not null) Count(updated, +1);
            var probe = updated ?? old;
            if (probe is null) return;
            var index = Trials.BinarySearch(probe, ByNumber);
            Trials = (index >= 0, updated) switch
            {
                (true, null) => Trials.RemoveAt(index),
                (true, { } u) => Trials.SetItem(index, u),
                (false, { } u) => Trials.Insert(~index, u),
                _ => Trials,
            };
        }

        private void Count(TrialRecord t, int sign)
        {
            if (t.IsTerminal) Finished += sign;
            if (t.Status == TrialStatus.Skipped) Skipped += sign;
            if (t.Status == TrialStatus.Failed) Failed += sign;
            if (t.Status != TrialStatus.Complete) return;
            if (t.DurationSeconds is { } seconds && seconds > 0)
            {
                Evaluated += sign;
                EvaluatedSeconds += sign * seconds;
            }
            if ((t.Violation ?? 0) > 0) return;
            var accuracy = t.Accuracy ?? 0;
            if (sign > 0 && !_bestStale) _best = Math.Max(_best ?? accuracy, accuracy);
            else if (sign < 0 && accuracy >= (_best ?? double.NegativeInfinity)) _bestStale = true; // the best left: recount when asked (rare)
        }

        /// <summary>Best accuracy among complete trials within the budgets (null: none yet).</summary>
        public double? BestFeasibleAccuracy()
        {
            if (_bestStale)
            {
                _best = Trials.Where(t => t.Status == TrialStatus.Complete && (t.Violation ?? 0) <= 0).Select(t => (double?)(t.Accuracy ?? 0)).Max();
                _bestStale = false;
            }
            return _best;
        }
    }

    /// <summary>Runs until the strategy is finished and no trial is left running anywhere (or cancelled). Returns the number of trials this worker evaluated or skipped.</summary>
    public int Run(IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var state = _loaded ?? new State(CreateStrategy(_definition, _space, _evaluator.EstimateMemoryBytes));
        _loaded = null;
        var clock = Stopwatch.StartNew();
        var done = 0;
        try
        {
            return RunLoop(state, progress, clock, ref done, cancellationToken);
        }
        finally
        {
            _heartbeatStorage?.Dispose();
            _heartbeatStorage = null;
        }
    }

    /// <summary>Set by <see cref="Load"/>, taken by <see cref="Run"/>.</summary>
    private State? _loaded;

    /// <summary>
    /// Reads the stored trials and replays the strategy over them, which <see cref="Run"/> does first anyway: a caller
    /// that times the run without that one-time cost (the store benchmark's workers) calls it before starting the clock.
    /// </summary>
    public void Load(CancellationToken cancellationToken = default)
    {
        var state = _loaded ??= new State(CreateStrategy(_definition, _space, _evaluator.EstimateMemoryBytes));
        WithRetry("reading the study", () => CatchUp(state), cancellationToken);
    }

    /// <summary>
    /// Claim, evaluate, store the result, until the study is done. The result is stored on its own, as soon as the
    /// trial ends, not inside the next claim (<see cref="IClaimTransaction.Finish"/>): that fusion measured no gain at
    /// 16 workers (experiments/store-bench/README.md) and left a worker polling for ever once, after a server outage
    /// longer than the lease (PostgresFaultTests.ServerRestartAndAStopLongerThanTheLeaseLoseAndDoubleNothing). Most
    /// likely cause, from the code and the stuck worker's database: on PostgreSQL a finish sent before the claim's
    /// reads is read back by them, so <see cref="Sync"/> applied an uncommitted row and moved the state's sequence past
    /// it; the commit failed with the server, another worker's write later took that sequence number, and this worker
    /// never read it, waiting on a trial it still believed running elsewhere. A failed claim now resets the runner's
    /// state (<see cref="Claim"/>), which also closes that path; the fusion stays unused for want of a measured gain.
    /// </summary>
    private int RunLoop(State state, IProgress<StudyProgress>? progress, Stopwatch clock, ref int done, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WithRetry("reading the study", () => CatchUp(state), cancellationToken);
            var (claim, allDone) = Claim(ref state, cancellationToken);
            Report(progress, state, clock.Elapsed);
            if (claim is { } trial)
            {
                var final = Evaluate(trial, cancellationToken);
                // false: another worker took the trial over after our lease expired; its result will be stored instead
                WithRetry($"storing trial {final.Number}", () => _storage.Finish(final), CancellationToken.None);
                done++;
                continue;
            }
            if (allDone) return done;
            cancellationToken.WaitHandle.WaitOne(_options.PollInterval);
        }
    }

    /// <summary>
    /// One claim transaction, retried while the storage is unreachable. A claim that fails has already changed the
    /// runner's state: its body told the strategy about the rows it wrote (skipped candidates, reused results) and
    /// applied what it read, and the storage kept none of its writes. That view is thrown away and the study read afresh
    /// before the next attempt; a runner that kept it ended its study with those rows missing
    /// (FailedClaimTests), or waited for ever on a trial it believed running elsewhere.
    /// </summary>
    private (TrialRecord? Claim, bool AllDone) Claim(ref State state, CancellationToken cancellationToken)
    {
        Stopwatch? failing = null;
        while (true)
        {
            var view = state;
            try
            {
                return _storage.Claim(tx => Sync(tx, view));
            }
            catch (StorageUnavailableException e)
            {
                failing ??= Stopwatch.StartNew();
                if (failing.Elapsed > _options.GiveUpAfter)
                    throw new StorageUnavailableException($"{e.Message}; gave up claiming a trial after {failing.Elapsed.TotalMinutes:0} min", e);
                _options.Log?.WriteLine($"worker {_worker.Id}: {e.Message} while claiming a trial; reading the study afresh");
                // the start stays this run's: environment failures stored since are this run's own, not retried
                state = new State(CreateStrategy(_definition, _space, _evaluator.EstimateMemoryBytes)) { StartSequence = view.StartSequence };
                var fresh = state;
                WithRetry("reading the study", () => CatchUp(fresh), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs a storage operation, retrying while the storage is unreachable: waits 0.5, 1, 2... s (at most
    /// <see cref="RunnerOptions.MaxBackoff"/>), says so on the log once per outage, and that it is back.
    /// </summary>
    private T WithRetry<T>(string what, Func<T> operation, CancellationToken cancellationToken)
    {
        Stopwatch? outage = null;
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                var result = operation();
                if (outage is not null)
                    _options.Log?.WriteLine($"worker {_worker.Id}: reconnected to {_storage.Location} after {outage.Elapsed.TotalSeconds:0.0} s");
                return result;
            }
            catch (StorageUnavailableException e)
            {
                outage ??= Stopwatch.StartNew();
                if (outage.Elapsed > _options.GiveUpAfter)
                    throw new StorageUnavailableException($"{e.Message}; gave up {what} after {outage.Elapsed.TotalMinutes:0} min", e);
                _options.Log?.WriteLine($"worker {_worker.Id}: {e.Message} while {what}; retrying in {delay.TotalSeconds:0.0} s");
                if (cancellationToken.WaitHandle.WaitOne(delay)) cancellationToken.ThrowIfCancellationRequested();
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Brings the runner's copy of the trials up to date (only the rows changed since its last read).</summary>
    private static DateTime Apply(TrialChanges changes, State state)
    {
        foreach (var c in changes.Changes)
        {
            state.Tally.Change(state.Trials.GetValueOrDefault(c.Number), c.Trial);
            if (c.Trial is not { } t)
            {
                state.Trials.Remove(c.Number);
                continue;
            }
            state.Trials[c.Number] = t;
            if (t.Status == TrialStatus.Complete && !state.Completed.ContainsKey((t.Candidate.Key, t.TrainSamples)) ||
                t.Status == TrialStatus.Complete && state.Completed[(t.Candidate.Key, t.TrainSamples)].Number > t.Number)
                state.Completed[(t.Candidate.Key, t.TrainSamples)] = t;
        }
        state.Sequence = changes.Sequence;
        state.StartSequence ??= changes.Sequence;
        return changes.NowUtc;
    }

    /// <summary>
    /// Outside the claim lock: reads what changed since the last read, tells the strategy the stored results it waits
    /// for, and replays the strategy over stored finished trials, so that the claim transaction, which every worker
    /// of the study waits for, only handles the few changes made since (a worker joining a study of 10,000 trials
    /// replays them here, not while holding the lock). Writes nothing. Returns true (for <see cref="WithRetry{T}"/>).
    /// </summary>
    private bool CatchUp(State state)
    {
        Apply(_storage.ReadChanges(state.Sequence), state);
        foreach (var (number, _) in state.Pending.ToList())
            if (state.Trials.TryGetValue(number, out var t) && t.IsTerminal && !IsRetryable(t, state)) TellStored(state, t);
        // A proposal depends only on the results told before it (strategies replay identically on every worker), so
        // asking here gives what the claim would ask; the first one that needs the lock waits in Lookahead.
        while (state.Lookahead.Count == 0 && state.Strategy.Ask() is { } proposal)
        {
            if (state.Trials.TryGetValue(proposal.Id, out var stored) && stored.Candidate.Key == proposal.Candidate.Key
                && stored.IsTerminal && !IsRetryable(stored, state))
            {
                state.Pending[proposal.Id] = proposal;
                TellStored(state, stored);
                continue;
            }
            state.Lookahead.Enqueue(proposal);
        }
        return true;
    }

    /// <summary>
    /// A failure of the environment stored before this runner started (its version at or below the cursor of the
    /// runner's first read): retried instead of told. On PostgreSQL that cursor is the oldest transaction running at
    /// that read, so a failure committed during it counts as earlier and is retried once more.
    /// </summary>
    private static bool IsRetryable(TrialRecord t, State state) =>
        t is { Status: TrialStatus.Failed, Cause: FailureCause.Environment } && t.Sequence <= state.StartSequence;

    /// <summary>One claim transaction: catch up, tell the strategy, then claim (in this order of preference) a trial of
    /// this worker left by a lost connection, a proposal whose row was discarded, an abandoned trial, an environment
    /// failure of an earlier run, or the strategy's next proposal.</summary>
    private (TrialRecord? Claim, bool AllDone) Sync(IClaimTransaction tx, State state)
    {
        var now = Apply(tx.ReadChanges(state.Sequence), state);
        foreach (var (number, _) in state.Pending.ToList())
            if (state.Trials.TryGetValue(number, out var t) && t.IsTerminal && !IsRetryable(t, state)) TellStored(state, t);
        UpdateHypervolume(tx, state);
        foreach (var (number, proposal) in state.Pending.ToList())
        {
            if (!state.Trials.TryGetValue(number, out var t))
            {
                // a proposal whose row was removed after a cancelled evaluation is claimed afresh
                var fresh = NewRecord(number, proposal.Candidate, TrainSamples(proposal.Candidate));
                tx.Insert(fresh, _options.Lease);
                return (fresh, false);
            }
            if (t.Status == TrialStatus.Running && t.WorkerId == _worker.Id) return (t, false); // claimed, but the answer was lost with the connection
            if (IsRetryable(t, state) && Take(tx, t, TrialStatus.Running, $"rerun: attempt {t.Attempts} failed because of its environment ({t.Error})") is { } retried)
                return (retried, false);
            if (IsAbandoned(t, now) && Reclaim(tx, t, state, now) is { } reclaimed) return (reclaimed, false);
        }
        while ((state.Lookahead.Count > 0 ? state.Lookahead.Dequeue() : state.Strategy.Ask()) is { } proposal)
        {
            state.Pending[proposal.Id] = proposal;
            if (state.Trials.TryGetValue(proposal.Id, out var existing))
            {
                if (existing.Candidate.Key != proposal.Candidate.Key)
                    throw new StudyMismatchException($"store '{_storage.Location}': trial {proposal.Id} holds {existing.Candidate.Key} but the strategy proposes {proposal.Candidate.Key}; the store was written by a different strategy version or seed");
                if (existing.IsTerminal && !IsRetryable(existing, state))
                {
                    TellStored(state, existing);
                    continue;
                }
                if (IsRetryable(existing, state) && Take(tx, existing, TrialStatus.Running, $"rerun: attempt {existing.Attempts} failed because of its environment ({existing.Error})") is { } retried)
                    return (retried, false);
                if (existing.Status == TrialStatus.Running && existing.WorkerId == _worker.Id) return (existing, false);
                if (IsAbandoned(existing, now) && Reclaim(tx, existing, state, now) is { } reclaimed) return (reclaimed, false);
                continue; // running elsewhere
            }
            var candidate = proposal.Candidate;
            var samples = TrainSamples(candidate);
            var memory = _evaluator.EstimateMemoryBytes(candidate);
            var budgets = _definition.Budgets;
            var fresh = NewRecord(proposal.Id, candidate, samples);
            if (budgets.MemoryBytes is { } limit && memory > limit)
            {
                var skipped = fresh with
                {
                    Status = TrialStatus.Skipped, Metrics = new Dictionary<string, double> { [Objectives.MetricName(Objective.Memory)] = memory },
                    Violation = budgets.MemoryViolation(memory),
                    Error = $"analytic memory {Units.FormatBytes(memory)} exceeds the budget {Units.FormatBytes(limit)}; not trained",
                    FinishedUtc = fresh.StartedUtc, DurationSeconds = 0,
                };
                tx.Insert(skipped, _options.Lease);
                TellStored(state, skipped);
                continue;
            }
            if (state.Completed.TryGetValue((candidate.Key, samples), out var source))
            {
                // Same configuration and fidelity already evaluated: record the stored result instead of retraining.
                var reused = fresh with
                {
                    Status = TrialStatus.Complete, Values = source.Values, Metrics = source.Metrics, DetailsJson = source.DetailsJson, Violation = source.Violation,
                    Error = $"result reused from trial {source.Number} (same configuration and train_samples)",
                    FinishedUtc = fresh.StartedUtc, DurationSeconds = 0,
                };
                tx.Insert(reused, _options.Lease);
                TellStored(state, reused);
                continue;
            }
            tx.Insert(fresh, _options.Lease);
            return (fresh, false);
        }
        return (null, state.Strategy.IsFinished && state.Pending.Count == 0);
    }

    private TrialRecord NewRecord(int number, Candidate candidate, int samples)
    {
        var now = DateTime.UtcNow;
        return new(number, candidate, samples, TrialStatus.Running, null, new Dictionary<string, double>(), null, null, null,
            _definition.Seed, StudyStorage.CodeVersion, _worker.Id, _worker.Host, _worker.Pid, _worker.ProcessStartTicks, 1, now, null, now, null)
        { Objectives = _definition.Objectives };
    }

    /// <summary>Makes <paramref name="t"/> this worker's (or fails it for good) if it is still as last read; null if not.</summary>
    private TrialRecord? Take(IClaimTransaction tx, TrialRecord t, TrialStatus status, string note, int attempts = 0)
    {
        var now = DateTime.UtcNow;
        var taken = t with
        {
            Status = status, Attempts = attempts > 0 ? attempts : t.Attempts, WorkerId = _worker.Id, Host = _worker.Host, Pid = _worker.Pid,
            ProcessStartTicks = _worker.ProcessStartTicks, StartedUtc = now, HeartbeatUtc = now, CodeVersion = StudyStorage.CodeVersion,
            Error = note, FinishedUtc = status == TrialStatus.Running ? null : now, Cause = null,
        };
        return tx.Replace(taken, t.Sequence, _options.Lease) ? taken : null;
    }

    private TrialRecord? Reclaim(IClaimTransaction tx, TrialRecord t, State state, DateTime now)
    {
        var why = WhyAbandoned(t, now);
        if (t.Attempts >= _options.MaxAttempts)
        {
            var failed = t with
            {
                Status = TrialStatus.Failed, FinishedUtc = DateTime.UtcNow, Cause = FailureCause.Configuration,
                Error = $"abandoned {t.Attempts} times (worker {t.WorkerId} died or stopped renewing its lease: {why}); not retried again",
            };
            if (tx.Replace(failed, t.Sequence, _options.Lease))
            {
                TellStored(state, failed);
                _options.Log?.WriteLine($"worker {_worker.Id}: trial {t.Number} of {t.WorkerId} failed for good ({why}; {t.Attempts} attempts)");
            }
            return null;
        }
        var taken = Take(tx, t, TrialStatus.Running, $"rerun: attempt {t.Attempts} by {t.WorkerId} was abandoned ({why})", t.Attempts + 1);
        if (taken is not null) _options.Log?.WriteLine($"worker {_worker.Id}: took over trial {t.Number} from {t.WorkerId} ({why})");
        return taken;
    }

    /// <summary>Why <see cref="IsAbandoned"/> said so, for the log and the stored error.</summary>
    private string WhyAbandoned(TrialRecord t, DateTime storageNow) => t.Host == _worker.Host && !ProcessAlive(t.Pid, t.ProcessStartTicks)
        ? $"process {t.Pid} of this host is gone"
        : $"lease expired at {t.LeaseUntilUtc ?? t.HeartbeatUtc + _options.Lease:HH:mm:ss.fff}, storage time {storageNow:HH:mm:ss.fff}";

    /// <summary>
    /// Another worker's RUNNING trial whose lease expired (storage clock), or, on this host, whose process is gone.
    /// </summary>
    private bool IsAbandoned(TrialRecord t, DateTime storageNow)
    {
        if (t.Status != TrialStatus.Running || t.WorkerId == _worker.Id) return false;
        if (t.Host == _worker.Host && !ProcessAlive(t.Pid, t.ProcessStartTicks)) return true;
        return (t.LeaseUntilUtc ?? t.HeartbeatUtc + _options.Lease) < storageNow;
    }

    /// <summary>
    /// When each process of this host (pid, start) was last found alive. A claim checks every running trial of the
    /// other workers of this host: reading /proc for each of them at every claim cost 15 process look-ups per trial at
    /// 16 workers, inside the claim lock (about an eighth of a worker's CPU in the store benchmark). A process found alive is
    /// believed alive for <see cref="AliveRecheck"/>; one found gone stays gone (pids are told apart by start time).
    /// </summary>
    private readonly Dictionary<(int Pid, long StartTicks), long> _aliveAt = [];

    /// <summary>How long a same-host process found alive is not looked up again (a dead one is then noticed this much later, still far within a lease).</summary>
    private static readonly TimeSpan AliveRecheck = TimeSpan.FromSeconds(1);

    private bool ProcessAlive(int pid, long startTicks)
    {
        var now = Stopwatch.GetTimestamp();
        if (_aliveAt.TryGetValue((pid, startTicks), out var seen) && Stopwatch.GetElapsedTime(seen, now) < AliveRecheck) return true;
        if (_aliveAt.Count > 4096) _aliveAt.Clear(); // a long study on a busy host: forget old processes rather than grow
        if (!LookUpProcessAlive(pid, startTicks))
        {
            _aliveAt.Remove((pid, startTicks));
            return false;
        }
        _aliveAt[(pid, startTicks)] = now;
        return true;
    }

    private static bool LookUpProcessAlive(int pid, long startTicks)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            try
            {
                return Math.Abs(process.StartTime.ToUniversalTime().Ticks - startTicks) < TimeSpan.TicksPerSecond;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private int TrainSamples(Candidate c) =>
        c.TryGet(SearchSpace.TrainSamplesName, out var v) && v.IsNumeric ? (int)v.AsDouble : _definition.DefaultTrainSamples;

    /// <summary>
    /// Failures that say nothing about the configuration: stored FAILED with cause environment, and retried by a later
    /// run. Out of memory counts (a smaller machine or more workers than fit), as does a cancellation that did not come
    /// from this run's token.
    /// </summary>
    public static bool IsEnvironmentFailure(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        if (e is AggregateException many) return many.InnerExceptions.All(IsEnvironmentFailure);
        return e is IOException or UnauthorizedAccessException or OutOfMemoryException or InsufficientExecutionStackException or OperationCanceledException
            || e.InnerException is { } inner && IsEnvironmentFailure(inner);
    }

    /// <summary>Evaluates a claimed trial while renewing its lease; returns its final record, which the caller stores.</summary>
    private TrialRecord Evaluate(TrialRecord trial, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // a timer, not a task: a trial shorter than the interval starts and stops nothing on another thread
        var renewal = new LeaseRenewal(_heartbeatStorage ??= _storage.Reconnect(), _worker.Id, trial.Number, _options.Lease, _options.HeartbeatInterval);
        TrialRecord final;
        try
        {
            var report = _options.TrialProgress;
            var replicates = ReplicateCount(trial.Candidate);
            var (result, kept) = replicates == 1
                ? (_evaluator.Evaluate(trial.Candidate, trial.TrainSamples, report is null ? null : pass => report(trial.Number, pass), cancellationToken), 0)
                : EvaluateReplicates(trial, replicates, cancellationToken);
            var v = _definition.Budgets.Violations(_definition.Objectives, result);
            final = trial.WithResult(result) with
            {
                Status = TrialStatus.Complete, Violation = v.Memory + v.Energy + v.Accuracy,
                Error = kept == 0 ? trial.Error : $"{(trial.Error is null ? "" : trial.Error + "; ")}{kept} of {replicates} replicates kept from an earlier attempt",
            };
        }
        catch (Exception e) when (e is OperationCanceledException && cancellationToken.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            // Cancelled (possibly wrapped, e.g. by Parallel): never stored as COMPLETE or FAILED. The row is removed so
            // that a resumed run proposes and evaluates it afresh, without counting it as an abandoned attempt.
            renewal.Stop();
            try
            {
                _storage.Discard(_worker.Id, trial.Number);
            }
            catch (StorageUnavailableException)
            {
                // left RUNNING: its lease expires and it is rerun (as after a kill)
            }
            throw new OperationCanceledException($"trial {trial.Number} was cancelled and discarded", e, cancellationToken);
        }
        catch (Exception e)
        {
            var cause = IsEnvironmentFailure(e) ? FailureCause.Environment : FailureCause.Configuration;
            var error = e is ReplicateFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            final = trial with { Status = TrialStatus.Failed, Error = error, Cause = cause };
        }
        renewal.Stop();
        return final with { FinishedUtc = DateTime.UtcNow, HeartbeatUtc = DateTime.UtcNow, DurationSeconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// Renews a running trial's lease every interval on the runner's heartbeat handle, from a timer thread, until
    /// <see cref="Stop"/>, which waits for a renewal in progress (so none runs after the result is stored).
    /// </summary>
    private sealed class LeaseRenewal
    {
        private readonly Lock _gate = new();
        private readonly Timer _timer;
        private bool _stopped;

        public LeaseRenewal(IStudyStorage storage, string workerId, int number, TimeSpan lease, TimeSpan interval)
        {
            _timer = new Timer(_ =>
            {
                lock (_gate) // renewals never overlap (the handle serves one thread at a time), nor run after Stop
                {
                    if (_stopped) return;
                    try
                    {
                        storage.Heartbeat(workerId, number, lease);
                    }
                    catch (StorageUnavailableException)
                    {
                        // renewed at the next interval; the claim loop reports outages (and a server restart extends leases)
                    }
                }
            }, null, interval, interval);
        }

        public void Stop()
        {
            lock (_gate) _stopped = true;
            _timer.Dispose();
        }
    }

    /// <summary>
    /// Evaluates the replicates of <paramref name="trial"/> that are not stored yet (those of an earlier attempt at the
    /// same candidate, fidelity and seed are kept), storing each as it finishes, and combines them
    /// (<see cref="ReplicateEvaluation.Combine"/>). Returns the combined result and how many replicates were kept.
    /// </summary>
    private (EvaluationResult Result, int Kept) EvaluateReplicates(TrialRecord trial, int count, CancellationToken cancellationToken)
    {
        var stored = WithRetry($"reading the replicates of trial {trial.Number}", () => _storage.ReadReplicates(trial.Number), cancellationToken)
            .Where(r => r.Replicate <= count && r.CandidateKey == trial.Candidate.Key && r.TrainSamples == trial.TrainSamples
                        && r.Seed == _evaluator.ReplicateSeed(r.Replicate))
            .ToDictionary(r => r.Replicate, r => r.Result);
        var kept = stored.Count;
        for (var k = 1; k <= count; k++)
        {
            if (stored.ContainsKey(k)) continue;
            var clock = Stopwatch.StartNew();
            EvaluationResult result;
            try
            {
                result = _evaluator.EvaluateReplicate(trial.Candidate, trial.TrainSamples, k, cancellationToken);
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested || cancellationToken.IsCancellationRequested))
            {
                throw new ReplicateFailedException(k, count, e);
            }
            stored[k] = result;
            var record = new ReplicateRecord(trial.Number, k, trial.Candidate.Key, trial.TrainSamples, _evaluator.ReplicateSeed(k), result,
                _worker.Id, DateTime.UtcNow, clock.Elapsed.TotalSeconds);
            // false: the trial was taken over (our lease expired); the new owner measures what is missing
            WithRetry($"storing replicate {k} of trial {trial.Number}", () => _storage.StoreReplicate(_worker.Id, record), CancellationToken.None);
        }
        return (ReplicateEvaluation.Combine([.. Enumerable.Range(1, count).Select(k => stored[k])]), kept);
    }

    /// <summary>Replicate k of n failed: the trial fails with the replicate's cause (environment or configuration).</summary>
    private sealed class ReplicateFailedException(int replicate, int count, Exception inner)
        : Exception($"replicate {replicate} of {count}: {inner.GetType().Name}: {inner.Message}", inner);

    /// <summary>
    /// Appends the hypervolume history entries that became known (see <see cref="StudyResults.HypervolumeHistory"/>:
    /// trial-number order, closed prefix only, so the history does not depend on worker timing). The reference point
    /// (<see cref="StudyResults.HypervolumeReference"/>) is fixed in the store the first time it is known.
    /// Called inside the claim transaction; the trials it needs were read by <see cref="CatchUp"/> or the claim.
    /// </summary>
    private void UpdateHypervolume(IClaimTransaction tx, State state)
    {
        if (state.Hypervolume is null)
        {
            var refJson = tx.HypervolumeReference();
            double[] reference;
            if (refJson is not null) reference = JsonNode.Parse(refJson)!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            else
            {
                if (StudyResults.HypervolumeReference(_definition, [.. state.Trials.Values], _maxSpaceMemory.Value) is not { } computed) return;
                reference = computed;
                refJson = new JsonArray(reference.Select(x => (JsonNode?)x).ToArray()).ToJsonString();
            }
            state.Hypervolume = new HypervolumeTracker(_definition, reference);
            state.ReferenceJson = refJson;
        }
        // Only the entries no worker has stored yet are computed: each entry is computed once in the study, by the
        // first claimer that sees its trial finished, instead of once per worker inside the lock.
        var known = Math.Max(state.HypervolumeKnown, tx.HypervolumeCount());
        var entries = new List<HypervolumePoint>();
        state.Hypervolume.Advance(n => state.Trials.GetValueOrDefault(n), known, entries);
        state.HypervolumeKnown = known;
        if (entries.Count == 0) return;
        if (known == 0 && tx.HypervolumeReference() is null) tx.SetHypervolumeReference(state.ReferenceJson!);
        foreach (var e in entries.Where(e => e.CompletedCount > known))
            tx.AppendHypervolume(new StoredHypervolume(e.CompletedCount, e.TrialNumber, e.Hypervolume, state.ReferenceJson!));
        state.HypervolumeKnown = entries[^1].CompletedCount;
    }

    /// <summary>Largest analytic memory of the space (grid, or 4096 seeded samples of a continuous/huge space); null when the memory reference does not need it.</summary>
    private double? MaxSpaceMemory()
    {
        if (!_definition.Objectives.Contains(Objective.Memory) || _definition.Budgets.MemoryBytes is not null) return null;
        return SpaceMemory.Estimate(_space, _evaluator, _definition.Seed).Max(x => x.Bytes);
    }

    private void TellStored(State state, TrialRecord t)
    {
        state.Pending.Remove(t.Number);
        if (!state.Told.Add(t.Number)) return;
        state.Strategy.Tell(ToOutcome(t));
    }

    private void Report(IProgress<StudyProgress>? progress, State state, TimeSpan elapsed)
    {
        if (progress is null) return;
        var tally = state.Tally;
        var trials = tally.Trials;
        var finished = tally.Finished;
        var total = (int)Math.Max(trials.Count, Math.Min(_definition.Trials, _space.Count));
        TimeSpan? remaining = tally.Evaluated > 0 && (!state.Strategy.IsFinished || finished < total)
            ? TimeSpan.FromSeconds(tally.EvaluatedSeconds / tally.Evaluated * Math.Max(0, total - finished))
            : null;
        progress.Report(new StudyProgress(finished, total, tally.Skipped, tally.Failed, tally.BestFeasibleAccuracy(), elapsed, remaining, trials));
    }

    /// <summary>The strategy's view of a stored trial.</summary>
    public TrialOutcome ToOutcome(TrialRecord t) => t.Status switch
    {
        TrialStatus.Complete => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Complete, StudyResults.Minimised(_definition.Objectives, t.Result!), t.Violation ?? 0),
        TrialStatus.Skipped => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Skipped, null, t.Violation ?? 1),
        _ => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Failed, null, double.MaxValue),
    };
}
