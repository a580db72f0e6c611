using FSpiNN.Cli.Commands;
using FSpiNN.Dse;
using FSpiNN.Dse.Study;

namespace FSpiNN.Cli.Tests;

/// <summary>The time left comes from the work of N and samples, calibrated on the trials done, not from the mean of unlike trials.</summary>
[TestFixture]
public sealed class TimeLeftEstimateTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private static TrialRecord Trial(int number, int samples, int neurons, TrialStatus status, double? seconds, DateTime? started = null) =>
        new(number, new Candidate([new("neurons", ParameterValue.Of((long)neurons)), new("train_samples", ParameterValue.Of((long)samples))]), samples, status,
            [0.5, 1000, 1e-6, 1e-7], new Dictionary<string, double>(), null, 0, null, 1, "test", "w", "h", 1, 0, 1,
            started ?? Now.AddSeconds(-100), status == TrialStatus.Running ? null : Now, Now, seconds);

    [Test]
    public void LaterTrialsAtAHigherFidelityCostWhatTheirWorkSays()
    {
        // a halving study: three cheap trials at 100 samples (1 s each), one at 1000 (10 s); two more to come
        var trials = new[]
        {
            Trial(0, 100, 100, TrialStatus.Complete, 1), Trial(1, 100, 100, TrialStatus.Complete, 1), Trial(2, 100, 100, TrialStatus.Complete, 1),
            Trial(3, 1000, 100, TrialStatus.Complete, 10),
        };
        var left = TimeLeftEstimate.Estimate(trials, total: 6, workers: 1, Now);
        // 13 s for 130,000 units of work; each remaining trial at 1000 samples x 100 neurons = 10 s
        Assert.That(left!.Value.TotalSeconds, Is.EqualTo(20).Within(1e-9));
        var plainMean = trials.Average(t => t.DurationSeconds!.Value) * 2;
        Assert.That(plainMean, Is.EqualTo(6.5).Within(1e-9), "what the mean of unlike trials said");
    }

    [Test]
    public void ARunningTrialCountsWhatItHasLeftAndWorkersShareTheRest()
    {
        var trials = new[]
        {
            Trial(0, 1000, 100, TrialStatus.Complete, 40),
            Trial(1, 1000, 200, TrialStatus.Running, null, started: Now.AddSeconds(-30)), // twice the work: 80 s, 30 s done
        };
        Assert.That(TimeLeftEstimate.Estimate(trials, total: 3, workers: 1, Now)!.Value.TotalSeconds, Is.EqualTo(50 + 40).Within(1e-9));
        Assert.That(TimeLeftEstimate.Estimate(trials, total: 3, workers: 2, Now)!.Value.TotalSeconds, Is.EqualTo(45).Within(1e-9));
    }

    [Test]
    public void UnknownBeforeTheFirstTimedTrial() =>
        Assert.That(TimeLeftEstimate.Estimate([Trial(0, 100, 10, TrialStatus.Running, null)], 4, 1, Now), Is.Null);
}
