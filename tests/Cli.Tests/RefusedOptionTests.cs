using System.Text.Json.Nodes;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;

namespace FSpiNN.Cli.Tests;

/// <summary>Option values that used to be accepted silently, or refused only after the work: each is a usage error (exit 2) up front.</summary>
[TestFixture]
public sealed class RefusedOptionTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-refused-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathIn(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>Options of a train run that would take well under a second, so that a check that comes too late fails the test quickly.</summary>
    /// <param name="more">option, value pairs; one already in the defaults replaces it</param>
    private string[] QuickTrain(params string[] more)
    {
        var options = new Dictionary<string, string>
        {
            ["--neurons"] = "3", ["--train-samples"] = "4", ["--test-samples"] = "4", ["--set"] = "presentation_ms=20", ["--out"] = PathIn("m.model"),
        };
        for (var i = 0; i + 1 < more.Length; i += 2) options[more[i]] = more[i + 1];
        return ["train", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    private static void AssertUsageError(CliResult result, string naming)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Err, Does.StartWith("error: ").And.Contain(naming));
            Assert.That(result.Out, Does.Not.Contain("trained"), "refused before training");
        });
    }

    [TestCase("--test-samples")]
    [TestCase("--label-samples")]
    [TestCase("--threads")]
    [TestCase("--train-samples")]
    public void NegativeCountsAreRefused(string option) =>
        AssertUsageError(CliRunner.Run(QuickTrain(option, "-1")), $"{option} must be >= 0, got -1");

    [TestCase("--test-samples")]
    [TestCase("--threads")]
    public void NegativeCountsOfTestAreRefused(string option) =>
        AssertUsageError(CliRunner.Run("test", "--model", PathIn("none.model"), option, "-1"), $"{option} must be >= 0");

    // NaN is refused by the list syntax itself, a negative strength by the inhibition weight's range
    [TestCase("NaN", "--sweep-values: 'NaN' is not a number")]
    [TestCase("-5", "--sweep-values -5: invalid parameter 'w_inh'")]
    public void AnInvalidSweepStrengthIsRefusedBeforeTheSweep(string strength, string naming) =>
        AssertUsageError(CliRunner.Run([.. QuickTrain(), "--sweep-inhibition", "--sweep-values", $"10,{strength}"]), naming);

    [Test]
    public void LabelSamplesBeyondTheTrainingSetAreRefused() =>
        AssertUsageError(CliRunner.Run(QuickTrain("--label-samples", "5000")), "--label-samples 5000 exceeds the 1000 training examples");

    [Test]
    public void SetOfAParameterThatADedicatedOptionAlsoGivesIsRefused()
    {
        AssertUsageError(CliRunner.Run("cost", "--neurons", "10", "--set", "neurons=20"), "--set neurons=20 conflicts with --neurons 10");
        AssertUsageError(CliRunner.Run(QuickTrain("--bits", "8", "--set", "bits=4")), "conflicts with --bits 8");
        var alone = CliRunner.Run("cost", "--set", "neurons=20");
        Assert.That(alone.ExitCode, Is.Zero, alone.ToString());
        Assert.That(alone.Out, Does.Contain("N=20").Or.Contain("20"), alone.Out);
    }

    [TestCase("presentation_ms=1e12", "presentation_ms")]
    [TestCase("rest_ms=1e12", "rest_ms")]
    [TestCase("dt=0", "dt")]
    public void UnboundedTimeParametersAreRefused(string assignment, string name) =>
        AssertUsageError(CliRunner.Run("cost", "--set", assignment), $"invalid parameter '{name}': must be in [");

    [TestCase("NaN")]
    [TestCase("-1")]
    [TestCase("Infinity")]
    public void NonFiniteOrNegativeSpikesPerExampleAreRefused(string value) =>
        AssertUsageError(CliRunner.Run("cost", "--spikes-per-example", value), "--spikes-per-example must be a finite number >= 0");

    [Test]
    public void MoreSpikesPerExampleThanTheNetworkCanFireAreRefused() =>
        AssertUsageError(CliRunner.Run("cost", "--neurons", "10", "--spikes-per-example", "1e308"), "is more than 10 neurons can fire");

    [Test]
    public void ProfilePinsOfComponentsTheNetworkLacksAreReported()
    {
        var json = JsonNode.Parse(CostModel.EnergyProfileJson.Serialize(CostModel.EnergyProfile.Default))!.AsObject();
        json["pins"] = new JsonObject { ["weights:Ai->Ae"] = "dram", ["weights:X->Ae"] = "dram" };
        File.WriteAllText(PathIn("pins.json"), json.ToJsonString());
        var result = CliRunner.Run("cost", "--network", "fspinn", "--profile", PathIn("pins.json"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Out, Does.Contain("note: profile pin 'weights:Ai->Ae' -> dram matches no component of this network"));
        Assert.That(result.Out, Does.Not.Contain("pin 'weights:X->Ae'"));
    }

    private string SavedModel(string name = "m.model")
    {
        var path = PathIn(name);
        ModelFile.Save(SnnModel.Create(NetworkPresets.FSpiNN(4), 784, seed: 1), path);
        return path;
    }

    [Test]
    public void CostFromRunWithOptionsDescribingAnotherNetworkIsRefused()
    {
        var model = SavedModel();
        AssertUsageError(CliRunner.Run("cost", "--from-run", model, "--neurons", "10", "--bits", "8"), "--from-run prices the model file's own network");
        AssertUsageError(CliRunner.Run("cost", "--from-run", model, "--network", "dc2015"), "--network");
    }

    [Test]
    public void TrainOutputThatIsAFolderOrEmptyOrUnwritableIsRefusedBeforeTraining()
    {
        AssertUsageError(CliRunner.Run(QuickTrain("--out", _dir.FullName)), "is a folder");
        AssertUsageError(CliRunner.Run(QuickTrain("--out", "")), "--out is empty");
        if (Directory.Exists("/proc/self")) // read-only even for root
            AssertUsageError(CliRunner.Run(QuickTrain("--out", "/proc/self/fspinn.model")), "not writable");
        Assert.That(_dir.GetFileSystemInfos(), Is.Empty, "no temporary or probe file left behind");
    }

    [Test]
    public void TrainOverItsOwnDataFileIsRefusedAndTheFileIsUnchanged()
    {
        var data = Directory.CreateDirectory(PathIn("data")).FullName;
        foreach (var file in Snn.Data.DatasetCatalog.MnistSample.Files)
            File.WriteAllBytes(Path.Combine(data, file.GzipFileName), DataCommandTests.SampleGzip(file.GzipFileName));
        var target = Path.Combine(data, "t10k-labels-idx1-ubyte.gz");
        var before = File.ReadAllBytes(target);
        AssertUsageError(CliRunner.Run(QuickTrain("--data", data, "--out", target)), "same file as --data");
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(before));
    }

    [Test]
    public void CostCsvOverItsProfileAndShowPngOverItsModelAreRefused()
    {
        var profile = PathIn("p.json");
        File.WriteAllText(profile, CostModel.EnergyProfileJson.Serialize(CostModel.EnergyProfile.Default));
        var profileBefore = File.ReadAllBytes(profile);
        AssertUsageError(CliRunner.Run("cost", "--profile", profile, "--csv", profile), "same file as --profile");
        Assert.That(File.ReadAllBytes(profile), Is.EqualTo(profileBefore));

        var model = SavedModel();
        var modelBefore = File.ReadAllBytes(model);
        AssertUsageError(CliRunner.Run("show", "weights", "--model", model, "--png", model), "same file as --model");
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(modelBefore));
    }

    [Test]
    public void AReceptiveFieldImageTooLargeToAllocateIsAUsageError()
    {
        var result = CliRunner.Run("show", "weights", "--model", SavedModel(), "--png", PathIn("w.png"), "--scale", "100000");
        AssertUsageError(result, "--scale 100000 makes a");
        Assert.That(File.Exists(PathIn("w.png")), Is.False);
    }

    [Test]
    public void AnEnergyProfileTooLargeToTotalIsRefusedNamingTheFile()
    {
        var json = JsonNode.Parse(CostModel.EnergyProfileJson.Serialize(CostModel.EnergyProfile.Default))!.AsObject();
        json["entries"]!.AsArray()[0]!["pj"] = 1e308;
        var path = PathIn("huge.json");
        File.WriteAllText(path, json.ToJsonString());
        var result = CliRunner.Run("cost", "--profile", path);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Err, Does.Contain("huge.json").And.Contain("'pj'"));
        Assert.That(result.Out, Does.Not.Contain("Infinity").And.Not.Contain("NaN"));
    }
}
