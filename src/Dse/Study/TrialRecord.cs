namespace FSpiNN.Dse.Study;

/// <summary>Trial states as stored (upper case in the store).</summary>
public enum TrialStatus { Running, Complete, Failed, Skipped, Pruned }

/// <summary>
/// Why a trial failed: its configuration (rerunning it would fail again) or its environment (I/O, out of memory, a
/// missing folder...), which a later run retries.
/// </summary>
public enum FailureCause { Configuration, Environment }

/// <summary>
/// Who runs a trial: a worker id unique per runner, plus host, pid and process start (to tell a dead pid from a reused
/// one; only checked for trials of the same host, other hosts are judged by their lease).
/// </summary>
public sealed record WorkerIdentity(string Id, string Host, int Pid, long ProcessStartTicks)
{
    /// <param name="host">Host name to record (default: this machine's); tests pose as several hosts.</param>
    public static WorkerIdentity ForCurrentProcess(int workerIndex, string? host = null)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        host ??= Environment.MachineName;
        return new WorkerIdentity($"{host}:{process.Id}:{workerIndex}:{Guid.NewGuid().ToString("N")[..8]}",
            host, process.Id, process.StartTime.ToUniversalTime().Ticks);
    }
}

/// <summary>
/// One stored trial. Objective fields are null when not measured (running, failed, skipped keeps its memory estimate).
/// <see cref="LeaseUntilUtc"/> (storage clock) is when a RUNNING trial may be taken over unless renewed;
/// <see cref="Sequence"/> is the storage's sequence number of the row's last write (0 for a record not read from a storage).
/// </summary>
public sealed record TrialRecord(
    int Number,
    Candidate Candidate,
    int TrainSamples,
    TrialStatus Status,
    double? Accuracy,
    double? MemoryBytes,
    double? TrainEnergyJoules,
    double? InferenceEnergyJoules,
    IReadOnlyDictionary<string, double> Metrics,
    string? DetailsJson,
    double? Violation,
    string? Error,
    int Seed,
    string CodeVersion,
    string WorkerId,
    string Host,
    int Pid,
    long ProcessStartTicks,
    int Attempts,
    DateTime StartedUtc,
    DateTime? FinishedUtc,
    DateTime HeartbeatUtc,
    double? DurationSeconds,
    DateTime? LeaseUntilUtc = null,
    FailureCause? Cause = null,
    long Sequence = 0)
{
    public bool IsTerminal => Status != TrialStatus.Running;

    /// <summary>
    /// The accuracy as measured: count, mean, standard deviation and 95 % interval over the trial's replicates (count 1
    /// and no spread for a trial evaluated once); null unless complete.
    /// </summary>
    public Statistics.Replicates? AccuracyReplicates => Status == TrialStatus.Complete ? Statistics.ReplicateEvaluation.Read(Metrics, Accuracy) : null;

    public EvaluationResult? Result => Status == TrialStatus.Complete
        ? new EvaluationResult(Accuracy ?? 0, MemoryBytes ?? 0, TrainEnergyJoules ?? 0, InferenceEnergyJoules ?? 0, Metrics, DetailsJson)
        : null;
}

/// <summary>
/// One finished replicate of a trial evaluated more than once (see <see cref="IStudyStorage.StoreReplicate"/>): its
/// number (1-based), the candidate and fidelity it measured (so that a row left by a discarded proposal is never
/// mistaken for another candidate's), the seed it trained with (null: the evaluator has none), its result as the
/// evaluator returned it, and who measured it when.
/// </summary>
public sealed record ReplicateRecord(int TrialNumber, int Replicate, string CandidateKey, int TrainSamples, ulong? Seed,
    EvaluationResult Result, string WorkerId, DateTime FinishedUtc, double DurationSeconds);
