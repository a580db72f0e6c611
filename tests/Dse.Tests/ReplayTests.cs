using System.CommandLine;
using FSpiNN.Cli;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Dse.TestWorker;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>A grid study of the default space with the synthetic evaluator gives a table; explore --replay searches it without training.</summary>
public sealed class ReplayTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "fspinn-replay-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private string BuildTable()
    {
        var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
        var output = new StringWriter();
        var code = root.Parse(["explore", "--out", Path.Combine(_dir, "grid")])
            .Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        Assert.That(code, Is.Zero, output.ToString());
        return Path.Combine(_dir, "grid", "frontier.csv");
    }

    [Test]
    public void ReplayEvaluatesFromTheTableAndRefusesMissingCandidatesAndOtherSpaces()
    {
        var table = BuildTable();
        var space = DefaultSpace.Create();
        var replay = new ReplayEvaluator(table, space);
        Assert.That(replay.Count, Is.EqualTo(space.Count));
        Assert.That(replay.Missing(), Is.Empty);
        var first = space.GridPoint(0);
        var direct = new SyntheticEvaluator().Evaluate(first, 1000, CancellationToken.None);
        var replayed = replay.Evaluate(first, 1000, CancellationToken.None);
        Assert.That(replayed.Accuracy, Is.EqualTo(direct.Accuracy));
        Assert.That(replayed.MemoryBytes, Is.EqualTo(direct.MemoryBytes));
        Assert.That(replay.EstimateMemoryBytes(first), Is.EqualTo(direct.MemoryBytes));
        var error = Assert.Throws<ReplayTableException>(() => replay.Evaluate(first, 500, CancellationToken.None))!;
        Assert.That(error.Message, Does.Contain("no completed result").And.Contain("train_samples=500"));

        var other = Space.SearchSpace.Parse("""{"parameters": {"network": ["fspinn"], "neurons": [50, 100], "stdp": ["postpre"]}}""", "other");
        var refused = Assert.Throws<ReplayTableException>(() => new ReplayEvaluator(table, other))!;
        Assert.That(refused.Message, Does.Contain("not a table of space 'other'").And.Contain("bits"));
        var wider = Space.SearchSpace.Parse("""{"parameters": {"network": ["bindsnet", "fspinn"], "neurons": [50, 100, 200], "bits": [32, 8, 4]}, "fixed": {"rounding": "sr", "quantize": "ptq", "train_samples": 500}}""", "wider");
        Assert.That(Assert.Throws<ReplayTableException>(() => new ReplayEvaluator(table, wider))!.Message, Does.Contain("train_samples = '1000' is not a value"));
    }

    [Test]
    public void ExploreReplayRunsTpeOnTheTableWithoutKeepingAStore()
    {
        var table = BuildTable();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var outDir = Path.Combine(_dir, "replay");
        var code = CliApp.Run(["explore", "--replay", table, "--trials", "10", "--out", outDir], stdout, stderr);
        Assert.That(code, Is.Zero, stderr.ToString() + stdout);
        var text = stdout.ToString();
        Assert.That(text, Does.Contain("with tpe").And.Contain("trials: 10 (10 complete").And.Contain("store:     none"));
        Assert.That(text, Does.Contain("what matters").And.Contain("memory"));
        Assert.That(File.Exists(Path.Combine(outDir, "frontier.csv")), Is.True);
        Assert.That(Directory.GetFiles(outDir, "*.db"), Is.Empty, "a replay keeps no store unless --store is given");

        var space = Path.Combine(_dir, "other.json");
        File.WriteAllText(space, """{"parameters": {"network": ["fspinn"], "neurons": [50, 100, 300]}}""");
        Assert.That(CliApp.Run(["explore", "--space", space, "--replay", table, "--out", outDir], stdout, stderr), Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("not a table of space"));
    }
}
