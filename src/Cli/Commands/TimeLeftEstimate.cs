using FSpiNN.Dse;
using FSpiNN.Dse.Study;

namespace FSpiNN.Cli.Commands;

/// <summary>
/// Time left in a study from a per-trial cost model calibrated on the trials done, not from the mean duration of unlike
/// trials: a trial's work is its training samples x its neurons (simulation time grows with both), the seconds per unit
/// of work are the finished trials' total duration over their total work, and the trials not yet proposed are assumed
/// to cost what the trials at the highest fidelity seen so far cost (a halving study's later rungs train more), scaled
/// by the share of trials that were trained rather than skipped.
/// </summary>
internal static class TimeLeftEstimate
{
    public static double Work(TrialRecord t) => Math.Max(1, t.TrainSamples) * Neurons(t.Candidate);

    private static double Neurons(Candidate c) => c.TryGet("neurons", out var v) && v.IsNumeric ? Math.Max(1, v.AsDouble) : 100;

    /// <summary>Null until a trial has completed with a duration.</summary>
    public static TimeSpan? Estimate(IReadOnlyList<TrialRecord> trials, int total, int workers, DateTime nowUtc)
    {
        var timed = trials.Where(t => t.Status == TrialStatus.Complete && t.DurationSeconds > 0).ToList();
        if (timed.Count == 0) return null;
        var secondsPerWork = timed.Sum(t => t.DurationSeconds!.Value) / timed.Sum(Work);
        // a running trial: its estimated cost less the time it has already run
        var running = trials.Where(t => t.Status == TrialStatus.Running)
            .Sum(t => Math.Max(0, Work(t) * secondsPerWork - (nowUtc - DateTime.SpecifyKind(t.StartedUtc, DateTimeKind.Utc)).TotalSeconds));
        var unstarted = Math.Max(0, total - trials.Count);
        var fidelity = timed.Max(t => t.TrainSamples);
        var typicalWork = timed.Where(t => t.TrainSamples == fidelity).Average(Work);
        var decided = trials.Count(t => t.IsTerminal);
        var trainedShare = decided == 0 ? 1 : (double)trials.Count(t => t.IsTerminal && t.Status != TrialStatus.Skipped) / decided;
        var seconds = running + unstarted * trainedShare * typicalWork * secondsPerWork;
        return TimeSpan.FromSeconds(seconds / Math.Max(1, workers));
    }
}
