using System.CommandLine;
using FSpiNN.Cli;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using FSpiNN.SnnSearch;

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

    [Test]
    public void MemoryBudgetBelowTheSmallestCandidateIsAUsageErrorAndCreatesNothing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-cli-" + Guid.NewGuid().ToString("N")[..8]);
        var evaluator = new SyntheticEvaluator();
        var smallest = FSpiNN.Dse.Space.SpaceMemory.Estimate(DefaultSpace.Create(), evaluator, 1).Min(x => x.Bytes);
        var root = new RootCommand { ExploreCommand.Create(_ => evaluator) };
        var budget = $"{Math.Floor(smallest * 0.9)}B";
        var error = Assert.Throws<UsageException>(() => root.Parse(["explore", "--out", dir, "--memory-budget", budget])
            .Invoke(new InvocationConfiguration { Output = TextWriter.Null, EnableDefaultExceptionHandler = false }));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("below the smallest network of space 'default'").And.Contain("raise the budget"));
            Assert.That(Directory.Exists(dir), Is.False, "no output folder or store for a study that cannot run");
        });
    }

    /// <summary>Cancels the run (like Ctrl-C) when its <paramref name="cancelOnCall"/>-th evaluation starts, then behaves like a cancelled evaluation.</summary>
    private sealed class CancellingEvaluator(CancellationTokenSource cts, int cancelOnCall) : ICandidateEvaluator
    {
        private readonly SyntheticEvaluator _inner = new();
        private int _calls;
        public int Evaluations => _inner.Evaluations;
        public IReadOnlyList<ParameterSpec> Parameters => _inner.Parameters;
        public string DataFingerprint => _inner.DataFingerprint;
        public double EstimateMemoryBytes(Candidate candidate) => _inner.EstimateMemoryBytes(candidate);

        public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == cancelOnCall)
            {
                cts.Cancel();
                Task.Delay(Timeout.Infinite, cancellationToken).Wait(CancellationToken.None); // throws once cancelled
            }
            return _inner.Evaluate(candidate, trainSamples, cancellationToken);
        }
    }

    private static (int Code, string Output) Explore(string[] args, Func<ExploreEvaluatorRequest, ICandidateEvaluator> factory, CancellationToken token)
    {
        var root = new RootCommand { ExploreCommand.Create(factory) };
        var output = new StringWriter();
        var code = root.Parse(args).InvokeAsync(new InvocationConfiguration
        {
            Output = output, Error = output, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
        }, token).GetAwaiter().GetResult();
        return (code, output.ToString());
    }

    [Test]
    public void CancelledExploreKeepsCompletedTrialsDiscardsTheInterruptedOneAndResumes()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-cancel-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string[] args = ["explore", "--out", dir];
            using var cts = new CancellationTokenSource();
            var cancelling = new CancellingEvaluator(cts, cancelOnCall: 4);
            var (code, output) = Explore(args, _ => cancelling, cts.Token);
            Assert.That(code, Is.EqualTo(ExploreCommand.Cancelled), output);
            Assert.That(output, Does.Contain($"resume with: fspinn explore --out {dir}"));
            var store = Path.Combine(dir, "study.db");
            IReadOnlyList<TrialRecord> kept;
            using (var s = StudyStorage.OpenExisting(store)) kept = s.LoadTrials();
            Assert.That(kept.Select(t => t.Number), Is.EqualTo(new[] { 0, 1, 2 }), "3 finished trials kept, the 4th (cancelled) not stored");
            Assert.That(kept, Has.All.Property(nameof(TrialRecord.Status)).EqualTo(TrialStatus.Complete));
            Assert.That(File.Exists(Path.Combine(dir, "frontier.png")), Is.False, "a cancelled run does not render");

            var fresh = new SyntheticEvaluator();
            (code, output) = Explore(args, _ => fresh, CancellationToken.None);
            Assert.That(code, Is.Zero, output);
            Assert.That(fresh.Evaluations, Is.EqualTo(DefaultSpace.Create().Count - 3), "only the unfinished trials run on resume");
            Assert.That(output, Does.Contain("resuming: 3 trials already finished"));
            using (var s = StudyStorage.OpenExisting(store))
            {
                var all = s.LoadTrials();
                Assert.That(all, Has.Count.EqualTo(DefaultSpace.Create().Count));
                Assert.That(all, Has.All.Property(nameof(TrialRecord.Status)).EqualTo(TrialStatus.Complete));
                Assert.That(all, Has.All.Property(nameof(TrialRecord.Attempts)).EqualTo(1), "a cancelled trial is not an abandoned attempt");
                Assert.That(s.HypervolumeHistory(), Has.Count.EqualTo(DefaultSpace.Create().Count));
            }
            Assert.That(File.Exists(Path.Combine(dir, "frontier.png")), Is.True);
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Test]
    public void RedirectedExplorePrintsOneLinePerTrialAndThePathsAndCommandsAtTheEnd()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-lines-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (code, output) = Explore(["explore", "--out", dir, "--memory-budget", "200KiB"], _ => new SyntheticEvaluator(5), CancellationToken.None);
            Assert.That(code, Is.Zero, output);
            var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var trialLines = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\[\d+/{DefaultSpace.Create().Count} [^\]]+\] trial \d+ ")).ToList();
            Assert.That(trialLines, Has.Count.EqualTo(DefaultSpace.Create().Count), output);
            var numbers = trialLines.Select(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"\] trial (\d+) ").Groups[1].Value,
                System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.That(numbers, Is.EquivalentTo(Enumerable.Range(0, (int)DefaultSpace.Create().Count)));
            var complete = trialLines.Where(l => l.Contains(" acc ", StringComparison.Ordinal)).ToList();
            Assert.That(complete, Is.Not.Empty);
            Assert.That(complete, Has.All.Contains("net=").And.All.Contains(" mem ").And.All.Contains(" E_train ").And.All.Contains("; best "));
            Assert.That(trialLines.Where(l => l.Contains("skipped", StringComparison.Ordinal)), Is.Not.Empty, "N=100 float candidates exceed 200 KiB");
            Assert.That(trialLines[^1], Does.EndWith("done"));
            Assert.That(trialLines.Take(trialLines.Count - 1), Has.All.Match(@"(~[0-9.hms ]+ left|time left unknown)$"));
            Assert.That(lines, Has.Some.EqualTo($"store:     {Path.Combine(dir, "study.db")}"));
            Assert.That(lines, Has.Some.EqualTo($"resume:    fspinn explore --out {dir} --memory-budget 200KiB"));
            Assert.That(lines, Has.Some.StartsWith($"re-render: fspinn frontier --store {Path.Combine(dir, "study.db")} --csv "));
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
