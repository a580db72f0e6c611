using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// The progress a runner reports is tallied as trials change (not recounted over every stored trial at each report,
/// which made a report O(n log n) per trial): every report must still equal a recount of the trials it carries.
/// </summary>
public sealed class StudyProgressTests
{
    /// <summary>Fails every 4-bit bindsnet candidate (a configuration failure), like a real evaluator that throws.</summary>
    private sealed class FailingSome(ICandidateEvaluator inner) : ICandidateEvaluator
    {
        public IReadOnlyList<ParameterSpec> Parameters => inner.Parameters;
        public string DataFingerprint => inner.DataFingerprint;
        public double EstimateMemoryBytes(Candidate candidate) => inner.EstimateMemoryBytes(candidate);

        public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken) =>
            candidate.TryGet("bits", out var bits) && bits.AsDouble == 4 && candidate.TryGet("network", out var network) && network.ToString() == "bindsnet"
                ? throw new ArgumentException("this configuration cannot be trained")
                : inner.Evaluate(candidate, trainSamples, cancellationToken);
    }

    private sealed class Recorder : IProgress<StudyProgress>
    {
        public readonly List<StudyProgress> Reports = [];
        public void Report(StudyProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Test]
    public void EveryReportEqualsARecountOfItsTrials()
    {
        // a memory budget that skips the largest candidates, and failures: every counter is exercised
        var definition = Worker.Definition("random", 60, 3, memoryBudget: 300_000, maxNeurons: 400);
        var storage = new InMemoryStudyStorage(definition);
        var recorder = new Recorder();
        var evaluators = Enumerable.Range(0, 2).Select(_ => (ICandidateEvaluator)new FailingSome(new SyntheticEvaluator())).ToList();
        WorkerPool.RunAsync(storage, SyntheticEvaluator.TestSpace(maxNeurons: 400), evaluators, Worker.FastOptions with { Log = null }, recorder)
            .GetAwaiter().GetResult();

        Assert.That(recorder.Reports, Is.Not.Empty);
        foreach (var p in recorder.Reports)
        {
            var trials = p.Trials;
            Assert.That(trials.Select(t => t.Number), Is.Ordered.And.Unique, "trials by number, each once");
            Assert.That(p.Finished, Is.EqualTo(trials.Count(t => t.IsTerminal)));
            Assert.That(p.Skipped, Is.EqualTo(trials.Count(t => t.Status == TrialStatus.Skipped)));
            Assert.That(p.Failed, Is.EqualTo(trials.Count(t => t.Status == TrialStatus.Failed)));
            var feasible = trials.Where(t => t.Status == TrialStatus.Complete && (t.Violation ?? 0) <= 0).ToList();
            Assert.That(p.BestFeasibleAccuracy, Is.EqualTo(feasible.Count == 0 ? null : feasible.Max(t => t.Accuracy ?? 0)));
        }
        var last = recorder.Reports.MaxBy(p => p.Finished);
        Assert.That(last.Skipped, Is.GreaterThan(0), "the budget skipped some candidates");
        Assert.That(last.Failed, Is.GreaterThan(0), "some trials failed");
        Assert.That(last.Trials.Select(t => t.Number), Is.EqualTo(storage.LoadTrials().Select(t => t.Number)));
    }
}
