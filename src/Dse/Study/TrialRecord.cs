namespace FSpiNN.Dse.Study;

/// <summary>Trial states as stored (upper case in the store).</summary>
public enum TrialStatus { Running, Complete, Failed, Skipped, Pruned }

/// <summary>Who runs a trial: a worker id unique per runner, plus host, pid and process start (to tell a dead pid from a reused one).</summary>
public sealed record WorkerIdentity(string Id, string Host, int Pid, long ProcessStartTicks)
{
    public static WorkerIdentity ForCurrentProcess(int workerIndex)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new WorkerIdentity($"{Environment.MachineName}:{process.Id}:{workerIndex}:{Guid.NewGuid().ToString("N")[..8]}",
            Environment.MachineName, process.Id, process.StartTime.ToUniversalTime().Ticks);
    }
}

/// <summary>One stored trial. Objective fields are null when not measured (running, failed, skipped keeps its memory estimate).</summary>
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
    double? DurationSeconds)
{
    public bool IsTerminal => Status != TrialStatus.Running;

    public EvaluationResult? Result => Status == TrialStatus.Complete
        ? new EvaluationResult(Accuracy ?? 0, MemoryBytes ?? 0, TrainEnergyJoules ?? 0, InferenceEnergyJoules ?? 0, Metrics, DetailsJson)
        : null;
}
