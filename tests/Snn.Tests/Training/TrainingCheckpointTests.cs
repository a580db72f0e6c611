using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Training;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Training;

/// <summary>
/// A training stopped after a checkpoint and resumed from it gives the model of an uninterrupted training, byte for byte
/// (presets that reset between examples); a checkpoint of another training is refused, naming what differs.
/// </summary>
public sealed class TrainingCheckpointTests
{
    private static readonly FSpiNN.Snn.Data.Dataset Train = Digits(30, seed: 1);
    private const int Epochs = 2;
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fspinn-checkpoint-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static IEnumerable<TestCaseData> ExactCases()
    {
        yield return new TestCaseData(TinyPreset("bindsnet")).SetName("bindsnet float");
        yield return new TestCaseData(TinyPreset("fspinn")).SetName("fspinn 8-bit in-training SR");
        yield return new TestCaseData(TinyPreset("bindsnet") with { AdaptivePotentiation = true, UpdateInterval = 10 })
            .SetName("bindsnet adaptive k_p, timestep updates");
        yield return new TestCaseData(TinyPreset("bindsnet") with { Quantize = QuantizationMode.InTraining, WeightBits = 16, Rounding = RoundingMode.Nearest })
            .SetName("bindsnet 16-bit in-training RN");
    }

    private static byte[] Bytes(SnnModel model, string path)
    {
        ModelFile.Save(model, path);
        return File.ReadAllBytes(path);
    }

    /// <summary>Trains the plan with a checkpoint after every example and keeps a copy of the file written after <paramref name="stopAfter"/>.</summary>
    private string CheckpointAfter(NetworkConfig config, long stopAfter)
    {
        var path = Path.Combine(_directory, "run.ckpt");
        var kept = Path.Combine(_directory, $"after-{stopAfter}.ckpt");
        var checkpoint = new TrainingCheckpoint(m =>
        {
            ModelFile.Save(m, path);
            if (m.ExamplesTrained == stopAfter) File.Copy(path, kept);
        }, TimeSpan.Zero);
        Pipeline.Train(config, Train, 7, new PipelineOptions(0, Epochs), checkpoint: checkpoint);
        Assert.That(File.Exists(kept), Is.True, $"no checkpoint was written after example {stopAfter}");
        return kept;
    }

    [TestCaseSource(nameof(ExactCases))]
    public void ResumedTraining_IsByteIdenticalToAnUninterruptedOne(NetworkConfig config)
    {
        Assert.That(TrainingCheckpoint.ResumeIsExact(config), Is.True);
        var straight = Bytes(Pipeline.Train(config, Train, 7, new PipelineOptions(0, Epochs)), Path.Combine(_directory, "straight.model"));
        // stopped inside the second pass, so the resumed run must also find its place in the example order
        var kept = CheckpointAfter(config, stopAfter: 41);
        var resumed = TrainingCheckpoint.Load(kept, config, 7, Train, 0, Epochs);
        Assert.That(resumed.ExamplesTrained, Is.EqualTo(41));
        var saves = 0;
        var finished = Pipeline.Train(config, Train, 7, new PipelineOptions(0, Epochs),
            checkpoint: new TrainingCheckpoint(_ => saves++, TimeSpan.Zero, resumed));
        Assert.Multiple(() =>
        {
            Assert.That(finished, Is.SameAs(resumed));
            Assert.That(finished.ExamplesTrained, Is.EqualTo(Train.Count * Epochs));
            Assert.That(saves, Is.EqualTo(Train.Count * Epochs - 41 - 1), "a save after every example but the last");
            Assert.That(Bytes(finished, Path.Combine(_directory, "resumed.model")), Is.EqualTo(straight));
        });
    }

    [Test]
    public void CarriedStatePreset_IsNotExact_ButResumesWeightsThetaAndCounts()
    {
        var config = TinyPreset("dc2015");
        Assert.That(TrainingCheckpoint.ResumeIsExact(config), Is.False);
        var kept = CheckpointAfter(config, stopAfter: 20);
        var resumed = TrainingCheckpoint.Load(kept, config, 7, Train, 0, Epochs);
        Assert.That(resumed.TrainingCounts.Examples, Is.EqualTo(20));
        var finished = Pipeline.Train(config, Train, 7, new PipelineOptions(0, Epochs), checkpoint: new TrainingCheckpoint(_ => { }, TimeSpan.FromDays(1), resumed));
        Assert.That(finished.ExamplesTrained, Is.EqualTo(Train.Count * Epochs));
        Assert.That(finished.TrainingCounts.Examples, Is.EqualTo(Train.Count * Epochs));
    }

    [Test]
    public void CheckpointOfAnotherTraining_IsRefused_NamingWhatDiffers()
    {
        var config = TinyPreset("fspinn");
        var kept = CheckpointAfter(config, stopAfter: 10);
        Assert.Multiple(() =>
        {
            var other = Assert.Throws<CheckpointMismatchException>(() => TrainingCheckpoint.Load(kept, config with { Neurons = 7 }, 7, Train, 0, Epochs))!;
            Assert.That(other.Message, Does.Contain("neurons=6 (asked: 7)").And.Contain(kept).And.Contain("delete it"));
            var seed = Assert.Throws<CheckpointMismatchException>(() => TrainingCheckpoint.Load(kept, config, 8, Train, 0, Epochs))!;
            Assert.That(seed.Message, Does.Contain("seed 7").And.Contain("seed 8"));
            // the examples are compared by their fingerprint: the files' sha256 and the range of examples used
            var fewer = Assert.Throws<CheckpointMismatchException>(() => TrainingCheckpoint.Load(kept, config, 7, Train, 20, Epochs))!;
            Assert.That(fewer.Message, Does.Contain("other examples"), "the first 20 examples have another fingerprint than all 30");
        });
        var inSecondPass = CheckpointAfter(config, stopAfter: 41);
        var shorter = Assert.Throws<CheckpointMismatchException>(() => TrainingCheckpoint.Load(inSecondPass, config, 7, Train, 0, 1))!;
        Assert.That(shorter.Message, Does.Contain("41 examples trained, more than this training's 30"));
    }

    [Test]
    public void NoSaveAfterTheLastExample_AndNoneWhenTheIntervalIsLong()
    {
        var saves = 0;
        Pipeline.Train(TinyPreset("fspinn"), Train, 7, new PipelineOptions(0, 1), checkpoint: new TrainingCheckpoint(_ => saves++, TimeSpan.FromDays(1)));
        Assert.That(saves, Is.Zero);
    }
}
