using FSpiNN.Cli;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// No command writes over its own input: an output path that resolves (through symbolic links too) to the store, the
/// space file or another output is refused with exit 2 before anything is written, and the input stays byte-identical.
/// </summary>
public sealed class RefusalNeverChangesAnInputTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fspinn-refusal-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr, _ => new SyntheticEvaluator());
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A finished study of a two-point space (synthetic evaluator, instant).</summary>
    private string Study(string store)
    {
        var space = Path.Combine(_dir, "two.json");
        File.WriteAllText(space, """{"parameters": {"neurons": [50, 100]}}""");
        var (code, output, error) = Run("explore", "--space", space, "--store", store, "--out", Path.Combine(_dir, "first-run"));
        Assert.That(code, Is.Zero, output + error);
        return store;
    }

    private static void AssertRefused((int Code, string Out, string Err) result, string file, byte[] before, string naming)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.Code, Is.EqualTo(CliApp.UsageError), result.Out + result.Err);
            Assert.That(result.Err, Does.StartWith("error: ").And.Contain(naming));
            Assert.That(File.ReadAllBytes(file), Is.EqualTo(before), $"{file} changed");
        });
    }

    [Test]
    public void FrontierCsvOverTheStoreIsRefused_DirectlyAndThroughSymbolicLinks()
    {
        var store = Study(Path.Combine(_dir, "s.db"));
        var before = File.ReadAllBytes(store);
        AssertRefused(Run("frontier", "--store", store, "--csv", store), store, before, "same file as --store");

        var link = Path.Combine(_dir, "link.csv");
        File.CreateSymbolicLink(link, "s.db"); // relative target
        AssertRefused(Run("frontier", "--store", store, "--csv", link), store, before, "same file as --store");

        var folderLink = Path.Combine(_dir, "again");
        Directory.CreateSymbolicLink(folderLink, _dir);
        AssertRefused(Run("frontier", "--store", Path.Combine(_dir, ".", "s.db"), "--csv", Path.Combine(folderLink, "s.db")), store, before, "same file as --store");

        var svg = Path.Combine(_dir, "f.svg");
        var clash = Run("frontier", "--store", store, "--csv", svg, "--plot", svg);
        Assert.That(clash.Code, Is.EqualTo(CliApp.UsageError), clash.Err);
        Assert.That(clash.Err, Does.Contain("are the same file"));
        Assert.That(File.Exists(svg), Is.False);
    }

    [Test]
    public void ExploreWhoseStoreIsItsOwnFrontierCsvIsRefused()
    {
        var outDir = Path.Combine(_dir, "x");
        var store = Study(Path.Combine(outDir, "frontier.csv"));
        var before = File.ReadAllBytes(store);
        AssertRefused(Run("explore", "--space", Path.Combine(_dir, "two.json"), "--store", store, "--out", outDir), store, before, "frontier.csv");
    }

    [Test]
    public void ExploreWhoseStoreIsItsSpaceFileIsRefused()
    {
        var space = Path.Combine(_dir, "space.json");
        File.WriteAllText(space, """{"parameters": {"neurons": [50, 100]}}""");
        var before = File.ReadAllBytes(space);
        AssertRefused(Run("explore", "--space", space, "--store", space, "--out", Path.Combine(_dir, "o")), space, before, "same file as --space");
        Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "nothing created");
    }

    [Test]
    public void AModelCacheThatIsAFileIsAUsageErrorAndNoStoreIsCreated()
    {
        var cache = Path.Combine(_dir, "cache");
        File.WriteAllText(cache, "not a folder");
        var result = Run("explore", "--model-cache", cache, "--out", Path.Combine(_dir, "o"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Code, Is.EqualTo(CliApp.UsageError), result.Out + result.Err);
            Assert.That(result.Err, Does.Contain("--model-cache").And.Contain("is a file, not a folder"));
            Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "no output folder, no store");
        });
    }

    [Test]
    public void AnUnwritableModelCacheIsAUsageErrorAndNoStoreIsCreated()
    {
        // a read-only place even for root (the tests may run as root, for whom chmod does not stop writes)
        Assume.That(Directory.Exists("/proc/self"), "needs /proc (Linux)");
        var result = Run("explore", "--model-cache", "/proc/self/fspinn-models", "--out", Path.Combine(_dir, "o"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Code, Is.EqualTo(CliApp.UsageError), result.Out + result.Err);
            Assert.That(result.Err, Does.Contain("--model-cache").And.Contain("not writable"));
            Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "no output folder, no store");
        });
    }

    [Test]
    public void MinTrainSamplesBelowOneIsAUsageError()
    {
        var result = Run("explore", "--strategy", "halving", "--min-train-samples", "0", "--out", Path.Combine(_dir, "o"));
        Assert.That(result.Code, Is.EqualTo(CliApp.UsageError), result.Out + result.Err);
        Assert.That(result.Err, Does.Contain("--min-train-samples must be >= 1"));
    }
}
