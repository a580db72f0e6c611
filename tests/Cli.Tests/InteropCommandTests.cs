using System.IO.Compression;
using System.Text.RegularExpressions;

namespace FSpiNN.Cli.Tests;

/// <summary>`fspinn export`, `fspinn import` and the training-data warning of `fspinn test`, on the embedded sample.</summary>
[TestFixture]
public sealed partial class InteropCommandTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-interop-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private string TrainTiny(string network)
    {
        var model = PathOf($"{network}.model");
        var train = CliRunner.Run("train", "--network", network, "--neurons", "10", "--train-samples", "60", "--test-samples", "20", "--out", model);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        return model;
    }

    private static string AccuracyLine(CliResult result)
    {
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return AccuracyPattern().Match(result.Out).Value;
    }

    [TestCase("bindsnet")]
    [TestCase("fspinn")]
    public void Export_then_import_gives_a_model_that_tests_the_same(string network)
    {
        var model = TrainTiny(network);
        var export = CliRunner.Run("export", "--model", model, "--npz", PathOf("m.npz"), "--nir", PathOf("m.nir"));
        Assert.That(export.ExitCode, Is.EqualTo(0), export.ToString());
        Assert.That(export.Out, Does.Contain("arrays written to").And.Contain("NIR graph written to"));
        var import = CliRunner.Run("import", "--npz", PathOf("m.npz"), "--out", PathOf("copy.model"));
        Assert.That(import.ExitCode, Is.EqualTo(0), import.ToString());
        Assert.That(import.Out, Does.Contain("the file's configuration").And.Contain("labels: assignments and per-class rates from the file"));

        var original = AccuracyLine(CliRunner.Run("test", "--model", model, "--test-samples", "60"));
        var copy = AccuracyLine(CliRunner.Run("test", "--model", PathOf("copy.model"), "--test-samples", "60"));
        Assert.That(original, Does.StartWith("accuracy all-activity"));
        Assert.That(copy, Is.EqualTo(original));
    }

    [Test]
    public void Export_without_a_format_is_a_usage_error()
    {
        var result = CliRunner.Run("export", "--model", "whatever.model");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.Contain("--npz").And.Contain("--nir"));
    }

    [Test]
    public void Import_of_a_missing_file_fails_naming_it()
    {
        var result = CliRunner.Run("import", "--npz", PathOf("absent.npz"), "--out", PathOf("x.model"));
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Err, Does.StartWith("error: ").And.Contain("absent.npz: file not found"));
        Assert.That(File.Exists(PathOf("x.model")), Is.False);
    }

    [Test]
    public void Testing_on_other_images_than_the_training_data_warns_on_stderr()
    {
        var model = TrainTiny("fspinn");
        var same = CliRunner.Run("test", "--model", model, "--test-samples", "20");
        Assert.That(same.Err, Does.Not.Contain("warning"), same.ToString());

        // the sample with one pixel changed in each images file: an unknown dataset, compared by checksum
        var data = _dir.CreateSubdirectory("altered").FullName;
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            using var gz = new GZipStream(new MemoryStream(DataCommandTests.SampleGzip(name + ".gz")), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            gz.CopyTo(raw);
            var bytes = raw.ToArray();
            if (name.Contains("images", StringComparison.Ordinal)) bytes[16 + 300] ^= 0xFF;
            File.WriteAllBytes(Path.Combine(data, name), bytes);
        }
        var other = CliRunner.Run("test", "--model", model, "--data", data, "--test-samples", "20");
        Assert.That(other.ExitCode, Is.EqualTo(0), other.ToString());
        Assert.That(other.Err, Does.StartWith("warning: this model was trained on mnist-sample/train[0..60)")
            .And.Contain("but the data given is altered").And.Contain("training images sha256"));
    }

    [GeneratedRegex(@"accuracy all-activity .*")]
    private static partial Regex AccuracyPattern();
}
