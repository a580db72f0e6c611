using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>The real evaluator on a few sample images: config mapping, analytic memory, PTQ reuse, determinism.</summary>
public sealed class SnnEvaluatorTests
{
    private static readonly DatasetPair Data = Small();
    private string _cache = "";

    /// <summary>A model-cache folder per test, not created (the evaluator creates it when it stores a model).</summary>
    [SetUp]
    public void ChooseCacheFolder() => _cache = Path.Combine(Path.GetTempPath(), "fspinn-model-cache-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void DeleteCacheFolder()
    {
        try { if (Directory.Exists(_cache)) Directory.Delete(_cache, true); } catch (IOException) { }
    }

    private static DatasetPair Small()
    {
        var sample = DatasetCatalog.Load(null);
        return new DatasetPair(sample.Train.Take(40), sample.Test!.Take(20));
    }

    private static Candidate Make(params (string Name, ParameterValue Value)[] values) =>
        new([.. values.Select(v => new KeyValuePair<string, ParameterValue>(v.Name, v.Value))]);

    private static Candidate Tiny(string network, int bits, string quantize) =>
        Make(("network", network), ("neurons", 8), ("bits", bits), ("quantize", quantize), ("rounding", "rn"), ("presentation_ms", 50.0));

    [Test]
    public void AnEvaluationReportsItsTrainingLabellingAndTestingPasses()
    {
        var evaluator = new SnnEvaluator(Data, new SnnEvaluatorOptions { Seed = 3, Threads = 1 });
        var passes = new List<EvaluationProgress>();
        ((ICandidateEvaluator)evaluator).Evaluate(Tiny("fspinn", 8, "ptq"), 12, passes.Add, CancellationToken.None);
        Assert.That(passes.Select(p => p.Phase).Distinct(), Is.EqualTo(new[] { "train", "label", "test" }));
        Assert.That(passes.Last(p => p.Phase == "train"), Is.EqualTo(new EvaluationProgress("train", 12, 12)));
        Assert.That(passes.Last(p => p.Phase == "test"), Is.EqualTo(new EvaluationProgress("test", 20, 20)));
    }

    [Test]
    public void TheRunnerTellsWhichTrialAPassBelongsTo()
    {
        var evaluator = new SnnEvaluator(Data, new SnnEvaluatorOptions { Seed = 3, Threads = 1 });
        var space = Space.SearchSpace.Parse("""
            {"name": "p", "parameters": {"neurons": [4, 6]}, "fixed": {"network": "fspinn", "bits": 8, "quantize": "ptq", "presentation_ms": 50.0, "train_samples": 10}}
            """, "p");
        var definition = new Study.StudyDefinition(space.Name, space.ToCanonicalJson(), "grid", 1, 2, [Objective.Accuracy, Objective.Memory], new Budgets(),
            evaluator.DataFingerprint, 10, 10);
        var seen = new System.Collections.Concurrent.ConcurrentBag<(int Trial, string Phase)>();
        using var store = new Study.InMemoryStudyStorage(definition, null);
        var options = TestWorker.Worker.FastOptions with { Log = null, TrialProgress = (trial, pass) => seen.Add((trial, pass.Phase)) };
        new Study.StudyRunner(store, space, evaluator, options).Run();
        Assert.That(seen.Select(s => s.Trial).Distinct().Order(), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(seen.Where(s => s.Trial == 1).Select(s => s.Phase).Distinct(), Is.EquivalentTo(new[] { "train", "label", "test" }));
    }

    [Test]
    public void ToConfig_MapsPresetNeuronsBitsAndQuantization()
    {
        Assert.Multiple(() =>
        {
            var f32 = SnnEvaluator.ToConfig(Make(("network", "fspinn"), ("neurons", 30), ("bits", 32)));
            Assert.That(f32.Preset, Is.EqualTo("fspinn"));
            Assert.That(f32.Neurons, Is.EqualTo(30));
            Assert.That(f32.Quantize, Is.EqualTo(QuantizationMode.None), "32 bits means float32 weights");

            var b8 = SnnEvaluator.ToConfig(Make(("network", "bindsnet"), ("bits", 8)));
            Assert.That(b8.Quantize, Is.EqualTo(QuantizationMode.InTraining), "a width without quantize means in-training");
            Assert.That(b8.WeightBits, Is.EqualTo(8));

            var ptq = SnnEvaluator.ToConfig(Make(("network", "bindsnet"), ("bits", 4), ("quantize", "ptq"), ("w_inh_exc", 120.0)));
            Assert.That(ptq.Quantize, Is.EqualTo(QuantizationMode.PostTraining));
            Assert.That(ptq.InhToExcWeight, Is.EqualTo(120.0));
        });
        Assert.Throws<ConfigException>(() => SnnEvaluator.ToConfig(Make(("no_such_parameter", 1))));
        Assert.That(Assert.Throws<ConfigException>(() => SnnEvaluator.ToConfig(Make(("bits", 0))))!.Message, Does.Contain("[1, 32]"));
    }

    /// <summary>Candidate values reach the table typed (no text in between): exact doubles, flags, and the table's refusals.</summary>
    [Test]
    public void ToConfig_HandsTypedValuesToTheParameterTable()
    {
        var config = SnnEvaluator.ToConfig(Make(("network", "fspinn"), ("dt", 0.1 + 0.2), ("adaptive_potentiation", false), ("w_inh", 17), ("stdp", "PostPre")));
        Assert.Multiple(() =>
        {
            Assert.That(config.Dt, Is.EqualTo(0.1 + 0.2), "the candidate's double");
            Assert.That(config.AdaptivePotentiation, Is.False);
            Assert.That(config.LateralInhibition, Is.EqualTo(17.0), "an integer value of a real parameter");
            Assert.That(config.Stdp, Is.EqualTo(StdpRule.PostPre), "choices are case-insensitive, as with --set");
            Assert.That(Assert.Throws<ConfigException>(() => SnnEvaluator.ToConfig(Make(("w_inh", 2e6))))!.Message, Does.Contain("must be in [0, 1000000], got 2000000"));
            Assert.That(Assert.Throws<ConfigException>(() => SnnEvaluator.ToConfig(Make(("inhibition", "sideways"))))!.Message, Does.Contain("'sideways' is not one of layer, lateral"));
        });
    }

    [Test]
    public void AnalyticMemory_ShrinksWithTheWeightWidth()
    {
        var evaluator = new SnnEvaluator(Data);
        var m32 = evaluator.EstimateMemoryBytes(Tiny("fspinn", 32, "ptq"));
        var m8 = evaluator.EstimateMemoryBytes(Tiny("fspinn", 8, "ptq"));
        var m4 = evaluator.EstimateMemoryBytes(Tiny("fspinn", 4, "ptq"));
        Assert.That(m32, Is.GreaterThan(m8));
        Assert.That(m8, Is.GreaterThan(m4));
        // 784x8 input weights at 32 vs 8 bits, and the lateral inhibition as simulated: one value, float32 vs Q8.0 (w_inh = 250)
        Assert.That(m32 - m8, Is.EqualTo((784 * 8 + 1) * (32 - 8) / 8.0).Within(1e-9));
    }

    [Test]
    public void PostTrainingQuantizationVariants_ReuseOneTrainedFloatNetwork()
    {
        var evaluator = new SnnEvaluator(Data, new SnnEvaluatorOptions { Threads = 1 });
        var r8 = evaluator.Evaluate(Tiny("bindsnet", 8, "ptq"), 40, CancellationToken.None);
        Assert.That(evaluator.ReusedTrainings, Is.Zero);
        var r4 = evaluator.Evaluate(Tiny("bindsnet", 4, "ptq"), 40, CancellationToken.None);
        Assert.That(evaluator.ReusedTrainings, Is.EqualTo(1), "the 4-bit variant is quantized from the cached float network");
        var other = evaluator.Evaluate(Tiny("fspinn", 4, "ptq"), 40, CancellationToken.None);
        Assert.That(evaluator.ReusedTrainings, Is.EqualTo(1), "a different network is trained");
        Assert.Multiple(() =>
        {
            Assert.That(r8.Metrics["reused_training"], Is.Zero);
            Assert.That(r4.Metrics["reused_training"], Is.EqualTo(1));
            Assert.That(r4.Metrics["train_examples"], Is.EqualTo(r8.Metrics["train_examples"]));
            Assert.That(r4.MemoryBytes, Is.LessThan(r8.MemoryBytes));
            Assert.That(r8.Metrics["weight_bytes_held"], Is.EqualTo(784 * 8), "8-bit weights are held as bytes");
            Assert.That(r4.Metrics["weight_bytes_held"], Is.EqualTo(784 * 8), "4-bit codes are held in bytes too");
            Assert.That(other.Metrics["reused_training"], Is.Zero);
            Assert.That(r8.Accuracy, Is.InRange(0.0, 1.0));
            Assert.That(r8.TrainEnergyJoules, Is.GreaterThan(0));
            Assert.That(r8.InferenceEnergyJoules, Is.GreaterThan(0));
        });
    }

    [Test]
    public void SameCandidate_SameResultInAFreshEvaluator()
    {
        var candidate = Tiny("fspinn", 8, "itq");
        var a = new SnnEvaluator(Data, new SnnEvaluatorOptions { Threads = 1 }).Evaluate(candidate, 40, CancellationToken.None);
        var b = new SnnEvaluator(Data, new SnnEvaluatorOptions { Threads = 2 }).Evaluate(candidate, 40, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(b.Accuracy, Is.EqualTo(a.Accuracy));
            Assert.That(b.TrainEnergyJoules, Is.EqualTo(a.TrainEnergyJoules));
            Assert.That(b.InferenceEnergyJoules, Is.EqualTo(a.InferenceEnergyJoules));
            Assert.That(b.DetailsJson, Is.EqualTo(a.DetailsJson));
        });
    }

    [Test]
    public void ModelCache_AFreshEvaluatorLoadsTheTrainingAndGetsTheSameResult_ACorruptFileIsRetrained()
    {
        var options = new SnnEvaluatorOptions { Threads = 1, ModelCacheDirectory = _cache };
        var candidate = Tiny("bindsnet", 8, "itq");
        var first = new SnnEvaluator(Data, options);
        var a = first.Evaluate(candidate, 40, CancellationToken.None);
        var files = Directory.GetFiles(_cache, "*.model");
        Assert.That(files, Has.Length.EqualTo(1), "one training, one stored model");
        Assert.That(first.LoadedFromCache, Is.Zero);

        var second = new SnnEvaluator(Data, options);
        var b = second.Evaluate(candidate, 40, CancellationToken.None);
        Assert.That(second.LoadedFromCache, Is.EqualTo(1), "the fresh evaluator loads the stored training");
        Assert.That(b.DetailsJson, Is.EqualTo(a.DetailsJson), "same weights, counts, confusion");
        Assert.That(b.Accuracy, Is.EqualTo(a.Accuracy));

        var other = new SnnEvaluator(Data, options);
        _ = other.Evaluate(candidate, 30, CancellationToken.None);
        Assert.That(other.LoadedFromCache, Is.Zero, "a different sample count is a different training");

        File.WriteAllBytes(files[0], [1, 2, 3]);
        var third = new SnnEvaluator(Data, options);
        var c = third.Evaluate(candidate, 40, CancellationToken.None);
        Assert.That(third.LoadedFromCache, Is.Zero, "a corrupt file is not used");
        Assert.That(c.DetailsJson, Is.EqualTo(a.DetailsJson), "and the retraining gives the same result");
        Assert.That(FSpiNN.Snn.Models.ModelFile.Load(files[0]).Config, Is.EqualTo(SnnEvaluator.ToConfig(candidate)), "the corrupt file was replaced");
    }

    [Test]
    public void ModelCache_SharesTheFloatTrainingBetweenEveryWidthOfAPostTrainingQuantizedNetwork()
    {
        var options = new SnnEvaluatorOptions { Threads = 1, ModelCacheDirectory = _cache };
        _ = new SnnEvaluator(Data, options).Evaluate(Tiny("fspinn", 4, "ptq"), 40, CancellationToken.None);
        var later = new SnnEvaluator(Data, options);
        _ = later.Evaluate(Tiny("fspinn", 32, "ptq"), 40, CancellationToken.None);
        _ = later.Evaluate(Tiny("fspinn", 8, "ptq"), 40, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(_cache, "*.model"), Has.Length.EqualTo(1), "one float training for all widths");
            Assert.That(later.LoadedFromCache, Is.EqualTo(2), "the 32-bit and the 8-bit variant both load it instead of training");
        });
    }

    [Test]
    public void LabelSamples_LabelsOnFewerExamplesAndIsNotPartOfTheNetwork()
    {
        var evaluator = new SnnEvaluator(Data, new SnnEvaluatorOptions { Threads = 1 });
        var all = evaluator.Evaluate(Tiny("fspinn", 8, "ptq"), 40, CancellationToken.None);
        var fewer = evaluator.Evaluate(Tiny("fspinn", 8, "ptq").With(SnnEvaluator.LabelSamplesName, ParameterValue.Of(10L)), 40, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(SnnEvaluator.ToConfig(Tiny("fspinn", 8, "ptq").With(SnnEvaluator.LabelSamplesName, ParameterValue.Of(10L))),
                Is.EqualTo(SnnEvaluator.ToConfig(Tiny("fspinn", 8, "ptq"))));
            Assert.That(fewer.Metrics["reused_training"], Is.EqualTo(1), "the same trained network");
            Assert.That(evaluator.Parameters.Select(p => p.Name), Does.Contain(SnnEvaluator.LabelSamplesName));
            Assert.That(all.Metrics["label_examples"], Is.EqualTo(40), "default: the training samples");
            Assert.That(fewer.Metrics["label_examples"], Is.EqualTo(10));
        });
    }

    [Test]
    public void DatasetWithoutTestSplit_IsRefusedWithAReason()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new SnnEvaluator(new DatasetPair(Data.Train, null)));
        Assert.That(e!.Message, Does.Contain("no test split"));
    }
}

/// <summary>SnnCost prices the exact counts of a real (tiny) training run.</summary>
public sealed class SnnCostTests
{
    [Test]
    public void TimestepBasedUpdates_PriceTheAccumulatorAddsTheRunRecorded()
    {
        var data = FSpiNN.Snn.Data.DatasetCatalog.Load(null).Train.Take(6);
        var config = NetworkPresets.Create("bindsnet", 10) with { UpdateInterval = 25, PresentationMs = 50 };
        var model = FSpiNN.Snn.Models.SnnModel.Create(config, data.PixelsPerImage, seed: 3);
        FSpiNN.Snn.Training.Protocol.Train(model, data, 0, 1);
        var counts = model.TrainingCounts;
        Assert.That(counts.AccumulatorUpdates, Is.GreaterThan(0), "the run added changes into the accumulator");

        var report = SnnCost.Estimate(config, counts, new FSpiNN.Snn.Simulation.WorkCounts());
        var accumulator = report.Training.Items.Where(i => i.Component == "buffer:dw").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(accumulator, Has.Count.EqualTo(3), "add, read, write");
            Assert.That(accumulator.Select(i => i.Count), Is.All.EqualTo(counts.AccumulatorUpdates));
            Assert.That(report.Memory.Component("buffer:dw").Bits, Is.EqualTo(784L * 10 * 32));
        });
    }
}

/// <summary>Post-training quantization: training is priced on the float network, inference on the quantized one.</summary>
public sealed class PostTrainingQuantizationCostTests
{
    [Test]
    public void PtqTrainsLikeFloatAndInfersLikeFixedPoint()
    {
        var data = FSpiNN.Snn.Data.DatasetCatalog.Load(null).Train.Take(4);
        var floatConfig = NetworkPresets.Create("bindsnet", 12) with { PresentationMs = 40 };
        var model = FSpiNN.Snn.Models.SnnModel.Create(floatConfig, data.PixelsPerImage, seed: 5);
        FSpiNN.Snn.Training.Protocol.Train(model, data, 0, 1);
        FSpiNN.Snn.Training.Protocol.Label(model, data, 0, 1);
        var training = model.TrainingCounts;
        var inference = model.InferenceCounts;
        var ptq = floatConfig with { Quantize = QuantizationMode.PostTraining, WeightBits = 8, WeightFractionBits = 7 };
        var itq = ptq with { Quantize = QuantizationMode.InTraining };

        var asFloat = SnnCost.Estimate(floatConfig, training, inference);
        var asPtq = SnnCost.Estimate(ptq, training, inference);
        var asItq = SnnCost.Estimate(itq, training, inference);
        Assert.Multiple(() =>
        {
            Assert.That(asPtq.Training.TotalJoules, Is.EqualTo(asFloat.Training.TotalJoules), "PTQ learns with float32 weights");
            Assert.That(asPtq.TrainingMemoryBytes, Is.EqualTo(asFloat.TrainingMemoryBytes));
            Assert.That(asPtq.Inference.TotalJoules, Is.EqualTo(asItq.Inference.TotalJoules), "and infers with the 8-bit ones");
            Assert.That(asPtq.InferenceMemoryBytes, Is.EqualTo(asItq.InferenceMemoryBytes));
            Assert.That(asItq.Training.TotalJoules, Is.LessThan(asFloat.Training.TotalJoules), "in-training quantization saves training energy");
            Assert.That(asPtq.Rows.Single(r => r.Section == "memory" && r.Item == "total" && r.Phase == "training").Value,
                Is.EqualTo(asFloat.TrainingMemoryBytes), "the report rows agree");
        });
    }
}
