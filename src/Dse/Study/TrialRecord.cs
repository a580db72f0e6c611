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
/// One stored trial. <see cref="Values"/> is the objective vector of a COMPLETE trial (null otherwise), aligned with
/// <see cref="Objectives"/>, the study definition's objectives (as Optuna's FrozenTrial.values with the study's
/// directions); measurements that are not objectives (e.g. memory when only accuracy and energy are, or the memory
/// estimate of a skipped trial) are kept in <see cref="Metrics"/> under their <see cref="Dse.Objectives.MetricName"/>.
/// <see cref="LeaseUntilUtc"/> (storage clock) is when a RUNNING trial may be taken over unless renewed;
/// <see cref="Sequence"/> is the version of the row's last write in its storage (IStudyStorage: a sequence number, or on PostgreSQL the writing transaction's id; 0 for a record not read from a storage).
/// </summary>
public sealed record TrialRecord(
    int Number,
    Candidate Candidate,
    int TrainSamples,
    TrialStatus Status,
    IReadOnlyList<double>? Values,
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
    /// <summary>The study's objectives, in the order of <see cref="Values"/>.</summary>
    public IReadOnlyList<Objective> Objectives { get; init; } = [];

    public bool IsTerminal => Status != TrialStatus.Running;

    /// <summary>A measurement: the objective value if it is an objective, else the metric of that name; null when not measured.</summary>
    public double? Measured(Objective objective)
    {
        var index = IndexOf(objective);
        if (Values is { } values && index >= 0 && index < values.Count) return values[index];
        return Metrics.TryGetValue(Dse.Objectives.MetricName(objective), out var value) ? value : null;
    }

    private int IndexOf(Objective objective)
    {
        for (var i = 0; i < Objectives.Count; i++)
            if (Objectives[i] == objective) return i;
        return -1;
    }

    public double? Accuracy => Measured(Objective.Accuracy);
    public double? MemoryBytes => Measured(Objective.Memory);
    public double? TrainEnergyJoules => Measured(Objective.TrainEnergy);
    public double? InferenceEnergyJoules => Measured(Objective.InferenceEnergy);
    /// <summary>
    /// The accuracy as measured: count, mean, standard deviation and 95 % interval over the trial's replicates (count 1
    /// and no spread for a trial evaluated once); null unless complete.
    /// </summary>
    public Statistics.Replicates? AccuracyReplicates => Status == TrialStatus.Complete ? Statistics.ReplicateEvaluation.Read(Metrics, Accuracy) : null;

    public EvaluationResult? Result => Status == TrialStatus.Complete
        ? new EvaluationResult(Accuracy ?? 0, MemoryBytes ?? 0, TrainEnergyJoules ?? 0, InferenceEnergyJoules ?? 0, Metrics, DetailsJson)
        : null;

    /// <summary>
    /// This trial holding <paramref name="result"/>: the objective vector from it, its other measurements added to its
    /// metrics, its details (status, violation and times are the caller's).
    /// </summary>
    public TrialRecord WithResult(EvaluationResult result)
    {
        var metrics = new Dictionary<string, double>(result.Metrics);
        foreach (var o in Enum.GetValues<Objective>())
        {
            if (IndexOf(o) >= 0) metrics.Remove(Dse.Objectives.MetricName(o));
            else metrics[Dse.Objectives.MetricName(o)] = Dse.Objectives.Measure(o, result);
        }
        return this with { Values = [.. Objectives.Select(o => Dse.Objectives.Measure(o, result))], Metrics = metrics, DetailsJson = result.DetailsJson };
    }

    /// <summary>
    /// A record from the four measurement columns of stores before schema 3 (null: not measured): the objectives of a
    /// COMPLETE trial become its values, every other measured column a metric.
    /// </summary>
    public static (IReadOnlyList<double>? Values, IReadOnlyDictionary<string, double> Metrics) FromColumns(IReadOnlyList<Objective> objectives,
        TrialStatus status, IReadOnlyDictionary<string, double> metrics, double? accuracy, double? memoryBytes, double? trainEnergy, double? inferenceEnergy)
    {
        var merged = new Dictionary<string, double>(metrics);
        double? Column(Objective o) => o switch
        {
            Objective.Accuracy => accuracy,
            Objective.Memory => memoryBytes,
            Objective.TrainEnergy => trainEnergy,
            _ => inferenceEnergy,
        };
        var complete = status == TrialStatus.Complete;
        foreach (var o in Enum.GetValues<Objective>())
            if ((!complete || !objectives.Contains(o)) && Column(o) is { } v) merged[Dse.Objectives.MetricName(o)] = v;
        // schema 2 read a NULL measurement of a complete trial as 0 (see Result): kept
        IReadOnlyList<double>? values = complete ? [.. objectives.Select(o => Column(o) ?? 0)] : null;
        return (values, merged);
    }
}

/// <summary>
/// One finished replicate of a trial evaluated more than once (see <see cref="IStudyStorage.StoreReplicate"/>): its
/// number (1-based), the candidate and fidelity it measured (so that a row left by a discarded proposal is never
/// mistaken for another candidate's), the seed it trained with (null: the evaluator has none), its result as the
/// evaluator returned it, and who measured it when.
/// </summary>
public sealed record ReplicateRecord(int TrialNumber, int Replicate, string CandidateKey, int TrainSamples, ulong? Seed,
    EvaluationResult Result, string WorkerId, DateTime FinishedUtc, double DurationSeconds);
