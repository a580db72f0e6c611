using System.Text.Json.Nodes;
using FSpiNN.Dse.Study;
using FSpiNN.Snn.Data;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary><see cref="StoredTrialPricing"/>: stored trials priced again from the configuration and counts they stored.</summary>
public sealed class RepriceTests
{
    private static readonly StudyDefinition Definition = new("tiny", "{}", "grid", 1, 3,
        [Objective.Accuracy, Objective.Memory, Objective.TrainEnergy], new Budgets(MemoryBytes: 1e9), "data", 10, 40);

    /// <summary>One tiny real evaluation shared by the tests (each takes what it needs from it).</summary>
    private static readonly Lazy<EvaluationResult> Shared = new(Evaluate);

    private static EvaluationResult Evaluated() => Shared.Value;

    private static EvaluationResult Evaluate()
    {
        var sample = DatasetCatalog.Load(null);
        var evaluator = new SnnEvaluator(new DatasetPair(sample.Train.Take(30), sample.Test!.Take(10)), new SnnEvaluatorOptions { Threads = 1 });
        var candidate = new Candidate([new("network", ParameterValue.Of("bindsnet")), new("neurons", ParameterValue.Of(8L)),
            new("presentation_ms", ParameterValue.Of(50.0))]);
        return evaluator.Evaluate(candidate, 30, CancellationToken.None);
    }

    private static TrialRecord Trial(int number, EvaluationResult r, string? details) => new TrialRecord(
        number, new Candidate([]), 30, TrialStatus.Complete, null, r.Metrics, details, 0, null, 1, "test", "w", "h", 1, 0, 1,
        DateTime.UnixEpoch, DateTime.UnixEpoch, DateTime.UnixEpoch, 1) { Objectives = Definition.Objectives }
        .WithResult(r with { MemoryBytes = r.MemoryBytes * 3, TrainEnergyJoules = r.TrainEnergyJoules * 3, InferenceEnergyJoules = r.InferenceEnergyJoules * 3 })
        with { DetailsJson = details };

    [Test]
    public void Repricing_ReproducesTheEvaluatorsFigures_FromTheStoredCounts_AndLeavesTrialsWithoutCountsAlone()
    {
        var r = Evaluated();
        // stored figures deliberately wrong (x3): the reprice must replace them with the current model's
        var (trials, summary) = StoredTrialPricing.Reprice(Definition, [Trial(0, r, r.DetailsJson), Trial(1, r, null)]);
        Assert.Multiple(() =>
        {
            Assert.That(summary, Is.EqualTo(new RepriceSummary(1, 0, 1)));
            Assert.That(trials[0].MemoryBytes, Is.EqualTo(r.MemoryBytes));
            Assert.That(trials[0].TrainEnergyJoules, Is.EqualTo(r.TrainEnergyJoules));
            Assert.That(trials[0].InferenceEnergyJoules, Is.EqualTo(r.InferenceEnergyJoules));
            Assert.That(trials[0].Accuracy, Is.EqualTo(r.Accuracy));
            Assert.That(trials[1].TrainEnergyJoules, Is.EqualTo(r.TrainEnergyJoules * 3), "no counts stored: kept");
        });
    }

    /// <summary>Issue 14: a trial measured with replicates stores each one's counts; each is priced and the means kept, as the trial was combined.</summary>
    [Test]
    public void AReplicatedTrial_IsRepricedFromEachReplicatesCounts_ToTheMeanItWasCombinedTo()
    {
        var sample = DatasetCatalog.Load(null);
        var evaluator = new SnnEvaluator(new DatasetPair(sample.Train.Take(30), sample.Test!.Take(10)), new SnnEvaluatorOptions { Threads = 1 });
        var candidate = new Candidate([new("network", ParameterValue.Of("bindsnet")), new("neurons", ParameterValue.Of(8L)),
            new("presentation_ms", ParameterValue.Of(50.0))]);
        var first = Evaluated();
        var second = evaluator.EvaluateReplicate(candidate, 30, 2, CancellationToken.None);
        Assert.That(second.TrainEnergyJoules, Is.Not.EqualTo(first.TrainEnergyJoules), "another seed, other counts");
        var combined = Statistics.ReplicateEvaluation.Combine([first, second]);
        var (trials, summary) = StoredTrialPricing.Reprice(Definition, [Trial(0, combined, combined.DetailsJson)]);
        Assert.Multiple(() =>
        {
            Assert.That(summary, Is.EqualTo(new RepriceSummary(1, 0, 0)));
            Assert.That(trials[0].TrainEnergyJoules, Is.EqualTo((first.TrainEnergyJoules + second.TrainEnergyJoules) / 2).Within(1e-15));
            Assert.That(trials[0].InferenceEnergyJoules, Is.EqualTo((first.InferenceEnergyJoules + second.InferenceEnergyJoules) / 2).Within(1e-15));
            Assert.That(trials[0].MemoryBytes, Is.EqualTo(first.MemoryBytes));
            Assert.That(trials[0].AccuracyReplicates!.Value.Count, Is.EqualTo(2), "the accuracy's measurement is kept");
        });
    }

    [Test]
    public void CountsRecordedBeforeExecutedWrites_ArePricedWithTheirWritesAsDense_AndSaidSo()
    {
        var r = Evaluated();
        var details = JsonNode.Parse(r.DetailsJson!)!.AsObject();
        foreach (var projection in details["training_counts"]!["Projections"]!.AsArray())
        {
            // an old record: no DenseWeightWrites, and its writes were the dense ones
            projection!["WeightWrites"] = projection["DenseWeightWrites"]!.GetValue<long>();
            projection.AsObject().Remove("DenseWeightWrites");
        }
        var (trials, summary) = StoredTrialPricing.Reprice(Definition, [Trial(0, r, details.ToJsonString())]);
        Assert.Multiple(() =>
        {
            Assert.That(summary.WithDenseWrites, Is.EqualTo(1));
            Assert.That(trials[0].TrainEnergyJoules, Is.GreaterThan(r.TrainEnergyJoules), "dense writes cost more than the executed ones");
        });
    }

    [Test]
    public void UnreadableStoredDetails_AreAClearError()
    {
        var r = Evaluated();
        var details = JsonNode.Parse(r.DetailsJson!)!.AsObject();
        details["config"]!["neurons"] = "many";
        Assert.That(() => StoredTrialPricing.Reprice(Definition, [Trial(4, r, details.ToJsonString())]),
            Throws.InstanceOf<StoreFormatException>().With.Message.Contains("trial 4"));
    }
}
