using System.CommandLine;
using FSpiNN.Cli;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

public sealed class CliTests
{
    [Test]
    public void ExploreWithFakeEvaluatorWritesStoreCsvPlotAndRecommendationThenFrontierReadsIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-cli-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
            var output = new StringWriter();
            var code = root.Parse(["explore", "--out", dir, "--memory-budget", "64KiB", "--workers", "2"])
                .Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
            Assert.That(code, Is.Zero, output.ToString());
            Assert.That(output.ToString(), Does.Contain("recommended: trial").And.Contain("skipped over the memory budget"));
            Assert.That(File.Exists(Path.Combine(dir, "study.db")) && File.Exists(Path.Combine(dir, "frontier.png")), Is.True);
            var csv = File.ReadAllLines(Path.Combine(dir, "frontier.csv"));
            Assert.That(csv, Has.Length.EqualTo(DefaultSpace.Create().Count + 1), "header + one row per default candidate");
            Assert.That(csv[0], Does.Contain("network").And.Contain("feasible").And.Contain("pareto").And.Contain("rank"));

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var svg = Path.Combine(dir, "f.svg");
            Assert.That(CliApp.Run(["frontier", "--store", Path.Combine(dir, "study.db"), "--plot", svg], stdout, stderr), Is.Zero, stderr.ToString());
            Assert.That(File.ReadAllText(svg), Does.StartWith("<svg"));
            Assert.That(CliApp.Run(["frontier", "--store", Path.Combine(dir, "missing.db")], stdout, stderr), Is.EqualTo(CliApp.Failure));
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Test]
    public void BadBudgetIsAUsageError()
    {
        var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
        Assert.Throws<UsageException>(() => root.Parse(["explore", "--memory-budget", "12 parsecs"])
            .Invoke(new InvocationConfiguration { Output = TextWriter.Null, EnableDefaultExceptionHandler = false }));
    }
}
