using System.IO.Compression;
using FSpiNN.Snn.Data;

namespace FSpiNN.Cli.Tests;

[TestFixture]
public sealed class DataCommandTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-data-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    internal static byte[] SampleGzip(string gzipFileName)
    {
        using var stream = DatasetCatalog.OpenEmbeddedSampleFile(gzipFileName);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Test]
    public void Verify_without_data_checks_the_embedded_sample()
    {
        var result = CliRunner.Run("data", "verify");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Out, Does.Contain("mnist-sample/train").And.Contain("1,000").And.Contain("OK: all files match"));
        Assert.That(result.Out, Does.Contain(DatasetCatalog.MnistSample.File(DatasetSplit.Train, IdxKind.Images).UncompressedSha256));
    }

    [Test]
    public void Verify_against_the_wrong_dataset_exits_1_with_mismatches()
    {
        foreach (var file in DatasetCatalog.MnistSample.Files)
            File.WriteAllBytes(Path.Combine(_dir.FullName, file.GzipFileName), SampleGzip(file.GzipFileName));
        var result = CliRunner.Run("data", "verify", "--data", _dir.FullName, "--dataset", "mnist");
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Out, Does.Contain("MISMATCH").And.Contain("DIFFERENT").And.Contain("FAILED"));

        var identified = CliRunner.Run("data", "verify", "--data", _dir.FullName);
        Assert.That(identified.ExitCode, Is.EqualTo(0), identified.ToString());
    }

    [Test]
    public void Verify_of_a_corrupt_file_exits_1_naming_the_file_and_problem()
    {
        File.WriteAllBytes(Path.Combine(_dir.FullName, "train-images-idx3-ubyte.gz"), SampleGzip("train-images-idx3-ubyte.gz")[..10_000]);
        File.WriteAllBytes(Path.Combine(_dir.FullName, "train-labels-idx1-ubyte.gz"), SampleGzip("train-labels-idx1-ubyte.gz"));
        var result = CliRunner.Run("data", "verify", "--data", _dir.FullName);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Err, Does.StartWith("error: ").And.Contain("train-images-idx3-ubyte.gz").And.Contain("truncated"));
    }

    [TestCase("data", "verify", "--dataset", "cifar")]
    [TestCase("data", "fetch", "cifar", "--to", "x")]
    [TestCase("data", "fetch", "mnist", "--mirror", "ftp://example.org/")]
    [TestCase("data", "fetch", "mnist-sample", "--to", "x")]
    [TestCase("data", "verify", "--no-such-option")]
    public void Bad_arguments_exit_2_with_an_error(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.StartWith("error: "));
    }

    [Test]
    public void List_shows_the_known_datasets_and_the_embedded_sample_as_present()
    {
        var result = CliRunner.Run("data", "list");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Out, Does.Contain("mnist").And.Contain("fashion-mnist").And.Contain("embedded in FSpiNN.Snn"));
    }

    [TestCase("list")]
    [TestCase("verify")]
    [TestCase("fetch")]
    public void Every_data_command_has_help_with_an_example(string command)
    {
        var result = CliRunner.Run("data", command, "--help");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Out, Does.Contain("fspinn data " + command));
    }
}

/// <summary>`fspinn data fetch` end to end against a local HTTP mirror serving the sample files.</summary>
[TestFixture]
public sealed class DataFetchTests
{
    private DirectoryInfo _dir = null!;
    private Dictionary<string, byte[]> _files = null!;

    [SetUp]
    public void Prepare()
    {
        _dir = Directory.CreateTempSubdirectory("fspinn-cli-fetch-");
        _files = DatasetCatalog.MnistSample.Files.ToDictionary(f => f.GzipFileName, f => DataCommandTests.SampleGzip(f.GzipFileName));
    }

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string Target => Path.Combine(_dir.FullName, "sample");

    private CliResult Fetch(MirrorServer server) => CliRunner.Run("data", "fetch", "mnist-sample", "--to", Target, "--mirror", server.BaseUrl);

    [Test]
    public void Fetch_downloads_checks_and_places_all_files_then_verify_passes()
    {
        using var server = new MirrorServer(_files);
        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        foreach (var (name, bytes) in _files)
            Assert.That(File.ReadAllBytes(Path.Combine(Target, name)), Is.EqualTo(bytes), name);
        Assert.That(Directory.GetFiles(Target, "*.part"), Is.Empty);
        Assert.That(CliRunner.Run("data", "verify", "--data", Target).ExitCode, Is.EqualTo(0));

        var again = Fetch(server);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Out, Does.Contain("already present"));
        Assert.That(server.Requests, Has.Count.EqualTo(4), "the second fetch must not download anything");
    }

    [Test]
    public void A_file_with_the_wrong_content_is_rejected_deleted_and_reported()
    {
        // same format, one label changed: a valid gzip IDX file whose checksum is wrong
        var labels = Decompress(_files["train-labels-idx1-ubyte.gz"]);
        labels[8] = (byte)((labels[8] + 1) % 10);
        _files["train-labels-idx1-ubyte.gz"] = Compress(labels);
        using var server = new MirrorServer(_files);

        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Out, Does.Contain("ChecksumMismatch").And.Contain("1 of 4 files failed"));
        Assert.That(File.Exists(Path.Combine(Target, "train-labels-idx1-ubyte.gz")), Is.False);
        Assert.That(File.Exists(Path.Combine(Target, "train-labels-idx1-ubyte.gz.part")), Is.False);
        Assert.That(File.Exists(Path.Combine(Target, "train-images-idx3-ubyte.gz")), Is.True);
    }

    [Test]
    public void An_error_page_or_a_cut_gzip_file_is_rejected()
    {
        _files["t10k-images-idx3-ubyte.gz"] = "<html>503 Service Unavailable</html>"u8.ToArray();
        _files["t10k-labels-idx1-ubyte.gz"] = _files["t10k-labels-idx1-ubyte.gz"][..60];
        using var server = new MirrorServer(_files);
        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Out, Does.Contain("has uncompressed sha256").And.Contain("not a readable gzip/IDX stream").And.Contain("2 of 4 files failed"));
        Assert.That(Directory.GetFiles(Target).Select(Path.GetFileName), Has.None.StartsWith("t10k-"));
    }

    [Test]
    public void A_partial_download_is_resumed_with_a_range_request()
    {
        const string name = "train-images-idx3-ubyte.gz";
        Directory.CreateDirectory(Target);
        File.WriteAllBytes(Path.Combine(Target, name + ".part"), _files[name][..50_000]);
        using var server = new MirrorServer(_files);

        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(server.Requests, Has.Member($"{name} Range=bytes=50000-"));
        Assert.That(server.Requests, Has.Member("train-labels-idx1-ubyte.gz"), "files without a .part are fetched whole");
        Assert.That(result.Out, Does.Contain("resumed at byte 50,000"));
        Assert.That(File.ReadAllBytes(Path.Combine(Target, name)), Is.EqualTo(_files[name]));
        Assert.That(File.Exists(Path.Combine(Target, name + ".part")), Is.False);
    }

    [Test]
    public void An_interrupted_download_leaves_no_complete_looking_file_and_the_next_fetch_finishes_it()
    {
        const string name = "train-images-idx3-ubyte.gz";
        using (var flaky = new MirrorServer(_files))
        {
            flaky.CutHalfway.Add(name);
            var cut = Fetch(flaky);
            Assert.That(cut.ExitCode, Is.EqualTo(1), cut.ToString());
            TestContext.Out.WriteLine(cut.Out);
            Assert.That(cut.Out, Does.Contain("Failed").And.Contain("run fetch again to resume"));
            Assert.That(File.Exists(Path.Combine(Target, name)), Is.False);
        }

        using var healthy = new MirrorServer(_files);
        var result = Fetch(healthy);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(File.ReadAllBytes(Path.Combine(Target, name)), Is.EqualTo(_files[name]));
        Assert.That(healthy.Requests, Has.Count.EqualTo(1), "the three good files were already in place");
        Assert.That(healthy.Requests[0], Does.StartWith($"{name} Range=bytes="), "the kept part is resumed, not downloaded again");
    }

    [Test]
    public void A_wrong_file_already_in_place_is_replaced_and_a_wrong_raw_twin_removed()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllBytes(Path.Combine(Target, "t10k-labels-idx1-ubyte.gz"), _files["train-labels-idx1-ubyte.gz"]);
        File.WriteAllBytes(Path.Combine(Target, "t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);
        using var server = new MirrorServer(_files);
        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(File.ReadAllBytes(Path.Combine(Target, "t10k-labels-idx1-ubyte.gz")), Is.EqualTo(_files["t10k-labels-idx1-ubyte.gz"]));
        Assert.That(File.Exists(Path.Combine(Target, "t10k-labels-idx1-ubyte")), Is.False);
        Assert.That(CliRunner.Run("data", "verify", "--data", Target).ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void A_missing_file_on_the_mirror_is_reported_as_failed()
    {
        _files.Remove("t10k-labels-idx1-ubyte.gz");
        using var server = new MirrorServer(_files);
        var result = Fetch(server);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Out, Does.Contain("404"));
    }

    private static byte[] Decompress(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Compress(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return output.ToArray();
    }
}
