using System.Text.Json.Nodes;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Tests;

/// <summary>
/// `fspinn train --checkpoint FILE`: a run stopped after a checkpoint and rerun with the same command ends with the model of
/// an uninterrupted run; a checkpoint of another training is refused and left as it is.
/// </summary>
[TestFixture]
public sealed class TrainCheckpointTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-checkpoint-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathIn(string name) => Path.Combine(_dir.FullName, name);

    private static string[] Train(string model, string neurons = "5") =>
        ["train", "--neurons", neurons, "--train-samples", "20", "--epochs", "2", "--test-samples", "30", "--set", "presentation_ms=30", "--threads", "1", "--out", model];

    /// <summary>The checkpoint a run of <see cref="Train"/> would have left had it stopped after <paramref name="examples"/> examples.</summary>
    private string StoppedAfter(string straightModel, long examples)
    {
        var config = ModelFile.Load(straightModel).Config;
        var data = DatasetCatalog.Load(null).Train;
        var path = PathIn("run.ckpt");
        var written = false;
        try
        {
            Pipeline.Train(config, data, 1, new PipelineOptions(20, 2), checkpoint: new TrainingCheckpoint(m =>
            {
                if (m.ExamplesTrained != examples) return;
                ModelFile.Save(m, path);
                written = true;
                throw new OperationCanceledException("stopped here, as a kill would");
            }, TimeSpan.Zero));
        }
        catch (OperationCanceledException) when (written)
        {
        }
        Assert.That(File.Exists(path), Is.True);
        return path;
    }

    [Test]
    public void RerunningTheCommand_ResumesFromTheCheckpoint_AndGivesTheUninterruptedModel()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run(Train(straight)).ExitCode, Is.Zero);
        var checkpoint = StoppedAfter(straight, 25);
        var resumedModel = PathIn("resumed.model");
        var result = CliRunner.Run([.. Train(resumedModel), "--checkpoint", checkpoint, "--json", PathIn("train.json")]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var json = JsonNode.Parse(File.ReadAllText(PathIn("train.json")))!;
        Assert.Multiple(() =>
        {
            Assert.That(result.Out, Does.Contain($"checkpoint {checkpoint}: resuming after 25 of 40 training examples"));
            Assert.That(result.Out, Does.Contain("trained 40 examples (15 in this run, resumed after 25)"));
            Assert.That((long)json["resumed_from_examples"]!, Is.EqualTo(25));
            Assert.That((long)json["training"]!["examples"]!, Is.EqualTo(40));
            Assert.That(File.ReadAllBytes(resumedModel), Is.EqualTo(File.ReadAllBytes(straight)), "the resumed model is the uninterrupted one");
            Assert.That(File.Exists(checkpoint), Is.False, "the checkpoint is deleted once --out is written");
        });
    }

    [Test]
    public void NewCheckpoint_IsSavedAndThenDeleted_WithoutChangingTheModel()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run(Train(straight)).ExitCode, Is.Zero);
        var withCheckpoint = PathIn("with.model");
        var result = CliRunner.Run([.. Train(withCheckpoint), "--checkpoint", PathIn("c.ckpt"), "--checkpoint-minutes", "0.00001"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.Out, Does.Contain("saved every"));
            Assert.That(File.ReadAllBytes(withCheckpoint), Is.EqualTo(File.ReadAllBytes(straight)));
            Assert.That(File.Exists(PathIn("c.ckpt")), Is.False);
        });
    }

    [Test]
    public void CheckpointOfAnotherTraining_IsRefusedBeforeTraining_AndLeftUnchanged()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run(Train(straight)).ExitCode, Is.Zero);
        var checkpoint = StoppedAfter(straight, 25);
        var before = File.ReadAllBytes(checkpoint);
        var result = CliRunner.Run([.. Train(PathIn("other.model"), neurons: "6"), "--checkpoint", checkpoint]);
        AssertRefusedBeforeTraining(result, "neurons=5 (asked: 6)", checkpoint, before, PathIn("other.model"));
    }

    /// <summary>A run refused over a saved state of another run: the error names why and says to delete it, the saved
    /// state is byte-identical, and no model was written.</summary>
    private static void AssertRefusedBeforeTraining(CliResult result, string why, string saved, byte[] before, string model) =>
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Err, Does.Contain(why).And.Contain("delete it"));
            Assert.That(File.ReadAllBytes(saved), Is.EqualTo(before));
            Assert.That(File.Exists(model), Is.False);
        });

    [TestCase("0")]
    [TestCase("-3")]
    public void BadCheckpointInterval_IsRefused(string minutes)
    {
        var result = CliRunner.Run([.. Train(PathIn("m.model")), "--checkpoint", PathIn("c.ckpt"), "--checkpoint-minutes", minutes]);
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Err, Does.Contain("--checkpoint-minutes must be a positive number"));
    }

    [Test]
    public void CheckpointAtTheOutputPath_IsRefused()
    {
        var model = PathIn("m.model");
        var result = CliRunner.Run([.. Train(model), "--checkpoint", model]);
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Err, Does.Contain("--checkpoint").And.Contain("--out"));
    }

    private static string[] Sweep(string model, string seed = "1") =>
        ["train", "--neurons", "5", "--train-samples", "20", "--test-samples", "10", "--set", "presentation_ms=30", "--threads", "1",
         "--sweep-inhibition", "--sweep-values", "10,25", "--seed", seed, "--out", model];

    /// <summary>The progress file a sweep of <see cref="Sweep"/> stopped after its first strength would have left.</summary>
    private string SweepStoppedAfterFirstPoint(string straightModel, string straightJson, string checkpoint, double? accuracy = null)
    {
        var model = ModelFile.Load(straightModel);
        var first = JsonNode.Parse(File.ReadAllText(straightJson))!["sweep"]!["points"]![0]!;
        var progress = Cli.Commands.SweepProgressFile.Open(TextWriter.Null, checkpoint + ".sweep", model.Config, 1, 20, DatasetCatalog.Load(null).Train);
        progress.Add(new SweepPoint((double)first["strength"]!, accuracy ?? (double)first["accuracy"]!, (double)first["accuracy_proportion"]!));
        return checkpoint + ".sweep";
    }

    [Test]
    public void ResumedSweep_TakesTheRecordedPoint_WithoutTrainingItAgain()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run([.. Sweep(straight), "--json", PathIn("straight.json")]).ExitCode, Is.Zero);
        var checkpoint = PathIn("s.ckpt");
        SweepStoppedAfterFirstPoint(straight, PathIn("straight.json"), checkpoint, accuracy: 1.0); // no network scores that
        var result = CliRunner.Run([.. Sweep(PathIn("resumed.model")), "--checkpoint", checkpoint]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Out, Does.Contain("sweep strength 10: held-out accuracy 100.00 %").And.Contain("effective inhibition strength 10"));
    }

    [Test]
    public void StoppedSweep_ResumesAtTheNextStrength_AndGivesTheUninterruptedModel()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run([.. Sweep(straight), "--json", PathIn("straight.json")]).ExitCode, Is.Zero);
        var checkpoint = PathIn("s.ckpt");
        var progress = SweepStoppedAfterFirstPoint(straight, PathIn("straight.json"), checkpoint);
        var resumed = PathIn("resumed.model");
        var result = CliRunner.Run([.. Sweep(resumed), "--checkpoint", checkpoint]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.Out, Does.Contain($"checkpoint {progress}: resuming the sweep with 1 strength(s) done: 10"));
            Assert.That(File.ReadAllBytes(resumed), Is.EqualTo(File.ReadAllBytes(straight)), "the resumed sweep chooses and trains as the uninterrupted one");
            Assert.That(File.Exists(progress), Is.False, "the sweep progress is deleted with the checkpoint once --out is written");
        });
    }

    [Test]
    public void SweepProgressOfAnotherSweep_IsRefusedBeforeTraining_AndLeftUnchanged()
    {
        var straight = PathIn("straight.model");
        Assert.That(CliRunner.Run([.. Sweep(straight), "--json", PathIn("straight.json")]).ExitCode, Is.Zero);
        var checkpoint = PathIn("s.ckpt");
        var progress = SweepStoppedAfterFirstPoint(straight, PathIn("straight.json"), checkpoint);
        var before = File.ReadAllBytes(progress);
        var result = CliRunner.Run([.. Sweep(PathIn("other.model"), seed: "2"), "--checkpoint", checkpoint]);
        AssertRefusedBeforeTraining(result, "written for another sweep", progress, before, PathIn("other.model"));
    }
}
