using System.Diagnostics;
using System.Text.Json.Nodes;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;

namespace FSpiNN.Dse.Study;

/// <summary>Timing knobs of a worker. Defaults suit real trials (minutes); tests shorten them.</summary>
public sealed record RunnerOptions(TimeSpan HeartbeatInterval, TimeSpan StaleAfter, TimeSpan PollInterval, int MaxAttempts = 2)
{
    public static RunnerOptions Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
}

/// <summary>
/// Progress after each finished trial (by any worker this runner saw). <paramref name="Remaining"/> is this worker's
/// view (mean evaluation time x trials left, not divided among workers). <paramref name="Trials"/> is the store snapshot
/// the numbers were computed from.
/// </summary>
public readonly record struct StudyProgress(int Finished, int Total, int Skipped, int Failed, double? BestFeasibleAccuracy, TimeSpan Elapsed,
    TimeSpan? Remaining, IReadOnlyList<TrialRecord> Trials);

/// <summary>
/// Drives one worker: replays the stored trials into a fresh strategy (deterministic for a seed), claims the next
/// unclaimed or abandoned trial in a BEGIN IMMEDIATE transaction, skips it if over the memory budget, evaluates it with a
/// heartbeat, and writes the result. Several runners (threads or processes) may share one store.
/// </summary>
public sealed class StudyRunner
{
    private readonly string _storePath;
    private readonly StudyDefinition _definition;
    private readonly SearchSpace _space;
    private readonly ICandidateEvaluator _evaluator;
    private readonly RunnerOptions _options;
    private readonly WorkerIdentity _worker;
    private readonly Lazy<double?> _maxSpaceMemory;

    public StudyRunner(string storePath, StudyDefinition definition, SearchSpace space, ICandidateEvaluator evaluator,
        RunnerOptions? options = null, int workerIndex = 0)
    {
        _storePath = storePath;
        _definition = definition;
        _space = space;
        _evaluator = evaluator;
        _options = options ?? RunnerOptions.Default;
        _worker = WorkerIdentity.ForCurrentProcess(workerIndex);
        _maxSpaceMemory = new Lazy<double?>(MaxSpaceMemory);
    }

    public WorkerIdentity Worker => _worker;

    /// <summary>Creates the strategy a study definition names; <paramref name="memory"/> (the evaluator's analytic memory) lets it avoid over-budget candidates.</summary>
    public static IStrategy CreateStrategy(StudyDefinition d, SearchSpace space, Func<Candidate, double>? memory = null) =>
        StrategyFactory.Create(d.Strategy, new StrategyContext(space, d.Objectives.Count, d.Trials, d.Seed, memory, d.Budgets.MemoryBytes, d.Batch), d.MinTrainSamples);

    /// <summary>Runs until the strategy is finished and no trial is left running anywhere (or cancelled). Returns the number of trials this worker evaluated or skipped.</summary>
    public int Run(IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var store = StudyStore.OpenOrCreate(_storePath, _definition);
        var strategy = CreateStrategy(_definition, _space, _evaluator.EstimateMemoryBytes);
        var asked = new List<Proposal>();
        var told = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        var done = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (claim, trials, allDone) = store.InTransaction(() => Sync(store, strategy, asked, told));
            Report(progress, trials, clock.Elapsed, strategy);
            if (claim is { } trial)
            {
                Evaluate(store, trial, cancellationToken);
                done++;
                continue;
            }
            if (allDone) return done;
            cancellationToken.WaitHandle.WaitOne(_options.PollInterval);
        }
    }

    private (TrialRecord? Claim, IReadOnlyList<TrialRecord> Trials, bool AllDone) Sync(StudyStore store, IStrategy strategy, List<Proposal> asked, HashSet<int> told)
    {
        var trials = store.LoadTrials();
        var byNumber = trials.ToDictionary(t => t.Number);
        var now = DateTime.UtcNow;
        foreach (var p in asked)
        {
            if (!told.Contains(p.Id) && byNumber.TryGetValue(p.Id, out var t) && t.IsTerminal) TellStored(strategy, t, told);
        }
        UpdateHypervolume(store, trials);
        // A proposal whose row was removed after a cancelled evaluation is claimed afresh.
        foreach (var p in asked)
        {
            if (told.Contains(p.Id) || byNumber.ContainsKey(p.Id)) continue;
            var fresh = NewRecord(p.Id, p.Candidate, TrainSamples(p.Candidate), now);
            store.InsertTrial(fresh);
            return (fresh, trials, false);
        }
        // Abandoned trials (dead process or stale heartbeat) among those already asked are rerun first.
        foreach (var p in asked)
        {
            if (told.Contains(p.Id) || !byNumber.TryGetValue(p.Id, out var t) || !IsAbandoned(t, now)) continue;
            if (Reclaim(store, t, now, strategy, told) is { } reclaimed) return (reclaimed, trials, false);
        }
        while (strategy.Ask() is { } proposal)
        {
            asked.Add(proposal);
            if (byNumber.TryGetValue(proposal.Id, out var existing))
            {
                if (existing.Candidate.Key != proposal.Candidate.Key)
                    throw new StudyMismatchException($"store '{_storePath}': trial {proposal.Id} holds {existing.Candidate.Key} but the strategy proposes {proposal.Candidate.Key}; the store was written by a different strategy version or seed");
                if (existing.IsTerminal)
                {
                    TellStored(strategy, existing, told);
                    continue;
                }
                if (IsAbandoned(existing, now) && Reclaim(store, existing, now, strategy, told) is { } reclaimed) return (reclaimed, trials, false);
                continue; // running elsewhere
            }
            var candidate = proposal.Candidate;
            var samples = TrainSamples(candidate);
            var memory = _evaluator.EstimateMemoryBytes(candidate);
            var budgets = _definition.Budgets;
            var fresh = NewRecord(proposal.Id, candidate, samples, now);
            if (budgets.MemoryBytes is { } limit && memory > limit)
            {
                var skipped = fresh with
                {
                    Status = TrialStatus.Skipped, MemoryBytes = memory, Violation = budgets.MemoryViolation(memory),
                    Error = $"analytic memory {Units.FormatBytes(memory)} exceeds the budget {Units.FormatBytes(limit)}; not trained",
                    FinishedUtc = now, DurationSeconds = 0,
                };
                store.InsertTrial(skipped);
                TellStored(strategy, skipped, told);
                continue;
            }
            if (FindReusable(trials, candidate, samples) is { } source)
            {
                // Same configuration and fidelity already evaluated: record the stored result instead of retraining.
                var reused = fresh with
                {
                    Status = TrialStatus.Complete, Accuracy = source.Accuracy, MemoryBytes = source.MemoryBytes,
                    TrainEnergyJoules = source.TrainEnergyJoules, InferenceEnergyJoules = source.InferenceEnergyJoules,
                    Metrics = source.Metrics, DetailsJson = source.DetailsJson, Violation = source.Violation,
                    Error = $"result reused from trial {source.Number} (same configuration and train_samples)",
                    FinishedUtc = now, DurationSeconds = 0,
                };
                store.InsertTrial(reused);
                TellStored(strategy, reused, told);
                continue;
            }
            store.InsertTrial(fresh);
            return (fresh, trials, false);
        }
        var allDone = strategy.IsFinished && asked.All(p => told.Contains(p.Id));
        if (!allDone && asked.Count == 0 && !strategy.IsFinished)
            allDone = false;
        return (null, trials, allDone);
    }

    private static TrialRecord? FindReusable(IReadOnlyList<TrialRecord> trials, Candidate candidate, int samples) =>
        trials.FirstOrDefault(t => t.Status == TrialStatus.Complete && t.TrainSamples == samples && t.Candidate.Key == candidate.Key);

    private TrialRecord NewRecord(int number, Candidate candidate, int samples, DateTime now) => new(
        number, candidate, samples, TrialStatus.Running, null, null, null, null, new Dictionary<string, double>(), null, null, null,
        _definition.Seed, StudyStore.CodeVersion, _worker.Id, _worker.Host, _worker.Pid, _worker.ProcessStartTicks, 1, now, null, now, null);

    private TrialRecord? Reclaim(StudyStore store, TrialRecord t, DateTime now, IStrategy strategy, HashSet<int> told)
    {
        if (t.Attempts >= _options.MaxAttempts)
        {
            var failed = t with
            {
                Status = TrialStatus.Failed, FinishedUtc = now,
                Error = $"abandoned {t.Attempts} times (worker {t.WorkerId} died or stopped sending heartbeats); not retried again",
            };
            store.UpdateTrial(failed);
            TellStored(strategy, failed, told);
            return null;
        }
        var claim = t with
        {
            Attempts = t.Attempts + 1, WorkerId = _worker.Id, Host = _worker.Host, Pid = _worker.Pid,
            ProcessStartTicks = _worker.ProcessStartTicks, StartedUtc = now, HeartbeatUtc = now, CodeVersion = StudyStore.CodeVersion,
            Error = $"rerun: attempt {t.Attempts} by {t.WorkerId} was abandoned",
        };
        store.UpdateTrial(claim);
        return claim;
    }

    private bool IsAbandoned(TrialRecord t, DateTime now)
    {
        if (t.Status != TrialStatus.Running || t.WorkerId == _worker.Id) return false;
        if (t.Host == _worker.Host && !ProcessAlive(t.Pid, t.ProcessStartTicks)) return true;
        return now - t.HeartbeatUtc > _options.StaleAfter;
    }

    private static bool ProcessAlive(int pid, long startTicks)
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

    private void Evaluate(StudyStore store, TrialRecord trial, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            using var connection = StudyStore.Reconnect(store);
            while (!heartbeatStop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.HeartbeatInterval, heartbeatStop.Token).ConfigureAwait(false);
                    connection.Heartbeat(_worker.Id, [trial.Number]);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Microsoft.Data.Sqlite.SqliteException)
                {
                    // a missed heartbeat is retried next interval; staleness needs many in a row
                }
            }
        }, CancellationToken.None);
        TrialRecord final;
        try
        {
            var result = _evaluator.Evaluate(trial.Candidate, trial.TrainSamples, cancellationToken);
            var v = _definition.Budgets.Violations(_definition.Objectives, result);
            final = trial with
            {
                Status = TrialStatus.Complete, Accuracy = result.Accuracy, MemoryBytes = result.MemoryBytes,
                TrainEnergyJoules = result.TrainEnergyJoules, InferenceEnergyJoules = result.InferenceEnergyJoules,
                Metrics = result.Metrics, DetailsJson = result.DetailsJson, Violation = v.Memory + v.Energy + v.Accuracy,
            };
        }
        catch (Exception e) when (e is OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            // Cancelled (possibly wrapped, e.g. by Parallel): never stored as COMPLETE or FAILED. The row is removed so
            // that a resumed run proposes and evaluates it afresh, without counting it as an abandoned attempt.
            heartbeatStop.Cancel();
            heartbeat.Wait(CancellationToken.None);
            store.InTransaction(() => store.DeleteRunningTrial(trial.Number, _worker.Id));
            throw new OperationCanceledException($"trial {trial.Number} was cancelled and discarded", e, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            final = trial with { Status = TrialStatus.Failed, Error = $"{e.GetType().Name}: {e.Message}" };
        }
        heartbeatStop.Cancel();
        heartbeat.Wait(CancellationToken.None);
        final = final with { FinishedUtc = DateTime.UtcNow, HeartbeatUtc = DateTime.UtcNow, DurationSeconds = clock.Elapsed.TotalSeconds };
        store.InTransaction(() =>
        {
            var current = store.LoadTrials().FirstOrDefault(t => t.Number == trial.Number);
            if (current is null || current.IsTerminal || current.WorkerId != _worker.Id) return 0; // someone else took it over
            store.UpdateTrial(final);
            UpdateHypervolume(store, store.LoadTrials());
            return 0;
        });
    }

    /// <summary>
    /// Appends the hypervolume history entries that became known (see <see cref="StudyResults.HypervolumeHistory"/>:
    /// trial-number order, closed prefix only, so the history does not depend on worker timing). The reference point
    /// (<see cref="StudyResults.HypervolumeReference"/>) is fixed in the store's meta the first time it is known.
    /// Called inside the store transaction.
    /// </summary>
    private void UpdateHypervolume(StudyStore store, IReadOnlyList<TrialRecord> trials)
    {
        string? refJson = null;
        double[] reference;
        if (store.Meta().TryGetValue("hv_reference", out var stored))
        {
            refJson = stored;
            reference = JsonNode.Parse(stored)!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        }
        else
        {
            if (StudyResults.HypervolumeReference(_definition, trials, _maxSpaceMemory.Value) is not { } computed) return;
            reference = computed;
        }
        var known = store.HypervolumeHistory().Count;
        var entries = StudyResults.HypervolumeHistory(_definition, trials, reference, known);
        if (entries.Count == 0) return;
        if (refJson is null)
        {
            refJson = new JsonArray(reference.Select(x => (JsonNode?)x).ToArray()).ToJsonString();
            store.SetMeta("hv_reference", refJson);
        }
        foreach (var e in entries) store.AppendHypervolume(e.CompletedCount, e.TrialNumber, e.Hypervolume, refJson);
    }

    /// <summary>Largest analytic memory of the space (grid, or 4096 seeded samples of a continuous/huge space); null when the memory reference does not need it.</summary>
    private double? MaxSpaceMemory()
    {
        if (!_definition.Objectives.Contains(Objective.Memory) || _definition.Budgets.MemoryBytes is not null) return null;
        return SpaceMemory.Estimate(_space, _evaluator, _definition.Seed).Max(x => x.Bytes);
    }

    private void TellStored(IStrategy strategy, TrialRecord t, HashSet<int> told)
    {
        if (!told.Add(t.Number)) return;
        strategy.Tell(ToOutcome(t));
    }

    private void Report(IProgress<StudyProgress>? progress, IReadOnlyList<TrialRecord> trials, TimeSpan elapsed, IStrategy strategy)
    {
        if (progress is null) return;
        var finished = trials.Count(t => t.IsTerminal);
        var total = (int)Math.Max(trials.Count, Math.Min(_definition.Trials, _space.Count));
        var best = trials.Where(t => t.Status == TrialStatus.Complete && (t.Violation ?? 0) <= 0).Select(t => t.Accuracy ?? 0).DefaultIfEmpty(double.NaN).Max();
        var evaluated = trials.Where(t => t.Status == TrialStatus.Complete && t.DurationSeconds > 0).ToList();
        TimeSpan? remaining = evaluated.Count > 0 && !strategy.IsFinished || evaluated.Count > 0 && finished < total
            ? TimeSpan.FromSeconds(evaluated.Average(t => t.DurationSeconds!.Value) * Math.Max(0, total - finished))
            : null;
        progress.Report(new StudyProgress(finished, total, trials.Count(t => t.Status == TrialStatus.Skipped),
            trials.Count(t => t.Status == TrialStatus.Failed), double.IsNaN(best) ? null : best, elapsed, remaining, trials));
    }

    /// <summary>The strategy's view of a stored trial.</summary>
    public TrialOutcome ToOutcome(TrialRecord t) => t.Status switch
    {
        TrialStatus.Complete => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Complete, StudyResults.Minimised(_definition.Objectives, t.Result!), t.Violation ?? 0),
        TrialStatus.Skipped => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Skipped, null, t.Violation ?? 1),
        _ => new TrialOutcome(t.Number, t.Candidate, OutcomeKind.Failed, null, double.MaxValue),
    };
}
