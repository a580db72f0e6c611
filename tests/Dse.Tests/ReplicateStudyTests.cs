using System.CommandLine;
using System.Diagnostics;
using FSpiNN.Cli;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.Statistics;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using FSpiNN.Snn.Data;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// Issue 14, accuracy as a measurement: replicate seeds, one replicate is what a trial always was, ties by overlapping
/// intervals, replicates that survive a kill, replicates per halving rung, and the explore option.
/// </summary>
public sealed class ReplicateStudyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-replicates-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Store(string name) => Path.Combine(_dir, name);

    [Test]
    public void ReplicateSeedsAreDeterministicDistinctAndReplicateOneKeepsTheBaseSeed()
    {
        var seeds = new HashSet<ulong>();
        for (ulong seed = 0; seed < 1000; seed++)
        {
            Assert.That(ReplicateSeeds.For(seed, 1), Is.EqualTo(seed));
            for (var k = 1; k <= 10; k++) Assert.That(seeds.Add(ReplicateSeeds.For(seed, k)), Is.True, $"seed {seed} replicate {k} repeats another pair's");
        }
        Assert.That(seeds, Has.Count.EqualTo(10_000));
        Assert.That(ReplicateSeeds.For(1, 2), Is.Not.EqualTo(ReplicateSeeds.For(2, 1)), "not base + k");
        // determinism across processes: the kill test below keeps a killed process's replicates only if their stored
        // seeds equal the resuming process's
        Assert.That(() => ReplicateSeeds.For(1, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void OneReplicateStoresWhatATrialAlwaysStoredAndTheDefinitionKeepsItsFormat()
    {
        var definition = Worker.Definition("grid", 6, 1);
        Assert.That(definition.ToJson(), Does.Not.Contain("replicates"), "a study of one replicate is written as before, so old stores resume");
        Assert.That(StudyDefinition.FromJson(definition.ToJson()).DifferencesFrom(definition), Is.Empty);
        var evaluator = new SyntheticEvaluator();
        Worker.Run(Store("one.db"), definition, evaluator);
        using var storage = StudyStorage.OpenExisting(Store("one.db"));
        var trials = storage.LoadTrials();
        Assert.That(storage.ReadReplicates(), Is.Empty, "one replicate is the trial row itself");
        foreach (var t in trials)
        {
            var direct = new SyntheticEvaluator().Evaluate(t.Candidate, t.TrainSamples, CancellationToken.None);
            Assert.That((t.Accuracy, t.MemoryBytes, t.TrainEnergyJoules, t.DetailsJson), Is.EqualTo((direct.Accuracy, direct.MemoryBytes, direct.TrainEnergyJoules, direct.DetailsJson)));
            // the measurements that are not objectives of the study (here inference energy) are metrics of the trial
            Assert.That(t.Metrics.Where(kv => kv.Key != "inference_energy_j").ToDictionary(), Is.EqualTo(direct.Metrics), "no summary keys for one replicate");
            Assert.That(t.AccuracyReplicates, Is.EqualTo(new Replicates(1, direct.Accuracy, double.NaN, direct.Accuracy, direct.Accuracy, 0.95)));
        }
        var csv = Worker.FrontierCsv(storage).Split('\n');
        var header = csv[0].Split(',');
        var first = csv[1].Split(',');
        Assert.That(first[Array.IndexOf(header, "replicates")], Is.EqualTo("1"));
        Assert.That(new[] { "accuracy_sd", "accuracy_ci_low", "accuracy_ci_high" }.Select(h => first[Array.IndexOf(header, h)]), Is.All.Empty);
    }

    /// <summary>A complete trial measured with the given accuracies (mean and interval as the runner stores them).</summary>
    private static TrialRecord Measured(int number, double energy, params double[] accuracies)
    {
        var combined = ReplicateEvaluation.Combine([.. accuracies.Select(a => new EvaluationResult(a, 1000, energy, 1e-7, new Dictionary<string, double>(), null))]);
        return new TrialRecord(number, Candidate.FromJson($"{{\"neurons\":{25 * (number + 1)}}}"), 400, TrialStatus.Complete, null,
            new Dictionary<string, double>(), null, 0, null, 1, "test", "w", "h", 1, 0, 1, DateTime.UtcNow, DateTime.UtcNow, DateTime.UtcNow, 1)
            { Objectives = Worker.Definition("grid", 2, 1).Objectives }.WithResult(combined);
    }

    [Test]
    public void OverlappingIntervalsAreATieOnAccuracyAndTheCheaperTrialIsRecommendedSayingWhy()
    {
        var definition = Worker.Definition("grid", 2, 1);
        // trial 0: 0.90, 0.91, 0.92 → 0.91 ± 4.302653 × 0.01 / √3 = 0.91 ± 0.024841 = [0.885159, 0.934841]
        // trial 1: 0.88, 0.89, 0.90 → 0.89 ± 0.024841 = [0.865159, 0.914841]: overlaps trial 0's, and needs half the energy
        var report = StudyResults.Analyze(definition, [Measured(0, 2e-6, 0.90, 0.91, 0.92), Measured(1, 1e-6, 0.88, 0.89, 0.90)]);
        Assert.That(report.Rows[0].Trial.AccuracyReplicates!.Value.ConfidenceLow, Is.EqualTo(0.885159).Within(1e-6));
        Assert.That(report.Rows[1].Trial.AccuracyReplicates!.Value.ConfidenceHigh, Is.EqualTo(0.914841).Within(1e-6));
        Assert.That(report.Recommendation!.Trial.Number, Is.EqualTo(1), "2 pt apart, but the replicates cannot tell them apart: the cheaper one");
        Assert.That(report.Recommendation.Why, Does.Contain("Trial 1 has 89.00% ± 2.48 pt accuracy (the mean of 3 replicates ± half its 95 % confidence interval), the best is trial 0's 91.00% ± 2.48 pt")
            .And.Contain("2 trials are tied on accuracy: trial 1 with a 95 % confidence interval overlapping the best's (the replicates cannot tell them apart)"));
    }

    [Test]
    public void IntervalsApartAreNoTieAndTheMoreAccurateTrialIsRecommended()
    {
        var definition = Worker.Definition("grid", 2, 1);
        // trial 1: 0.80, 0.81, 0.82 → 0.81 ± 0.024841 = [0.785159, 0.834841], below trial 0's [0.885159, 0.934841]
        var report = StudyResults.Analyze(definition, [Measured(0, 2e-6, 0.90, 0.91, 0.92), Measured(1, 1e-6, 0.80, 0.81, 0.82)]);
        Assert.That(report.Recommendation!.Trial.Number, Is.EqualTo(0));
        Assert.That(report.Recommendation.Why, Does.Contain("no other feasible trial is within 0.1 pt or has a 95 % interval overlapping the best's"));
    }

    [Test]
    public void AKillDuringReplicateThreeKeepsReplicatesOneAndTwoAndTheResumedTrialRunsOnlyTheThird()
    {
        var definition = Worker.Definition("grid", 3, 1, replicates: 3);
        Worker.Run(Store("whole.db"), definition, new SyntheticEvaluator());
        var expected = Worker.FrontierCsv(Store("whole.db"));

        var store = Store("killed.db");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(Worker).Assembly.Location, store, "grid", "3", "1", "0", "--replicates", "3", "--die-at-replicate", "3" })
            info.ArgumentList.Add(a);
        using (var child = Process.Start(info)!)
        {
            Assert.That(child.WaitForExit(TimeSpan.FromSeconds(60)), Is.True, "the worker should kill itself at replicate 3");
            Assert.That(child.ExitCode, Is.Not.Zero, child.StandardError.ReadToEnd());
        }
        string killedWorker;
        using (var s = StudyStorage.OpenExisting(store))
        {
            var trial0 = s.LoadTrials().Single();
            Assert.That((trial0.Number, trial0.Status), Is.EqualTo((0, TrialStatus.Running)), "killed in its first trial");
            var kept = s.ReadReplicates(0);
            Assert.That(kept.Select(r => r.Replicate), Is.EqualTo(new[] { 1, 2 }), "replicates 1 and 2 were stored as they finished");
            killedWorker = trial0.WorkerId;
            Assert.That(kept.Select(r => r.WorkerId), Is.All.EqualTo(killedWorker));
        }

        var evaluated = new List<(string Key, int Replicate)>();
        var resumed = new SyntheticEvaluator { BeforeReplicate = (c, k) => { lock (evaluated) evaluated.Add((c.Key, k)); } };
        Worker.Run(store, definition, resumed);
        using var storage = StudyStorage.OpenExisting(store);
        var trials = storage.LoadTrials();
        Assert.That(evaluated.Where(e => e.Key == trials[0].Candidate.Key).Select(e => e.Replicate), Is.EqualTo(new[] { 3 }), "only the missing replicate");
        Assert.That(evaluated, Has.Count.EqualTo(1 + 3 + 3));
        Assert.That(storage.ReadReplicates(0).Select(r => r.WorkerId).Take(2), Is.All.EqualTo(killedWorker));
        Assert.That(trials[0].Attempts, Is.EqualTo(2));
        Assert.That(trials[0].Error, Does.Contain("2 of 3 replicates kept from an earlier attempt"));
        Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(expected), "the resumed study is the uninterrupted one");
    }

    [Test]
    public void HalvingTakesAReplicateCountPerRung()
    {
        var definition = Worker.Definition("halving", 20, 3) with { RungReplicates = [1, 3] };
        var strategy = (SuccessiveHalvingStrategy)StudyRunner.CreateStrategy(definition, SyntheticEvaluator.TestSpace());
        Assert.That(strategy.RungSamples, Is.EqualTo(new[] { 133, 400 }), "the synthetic space has two rungs");
        Worker.Run(Store("h.db"), definition, new SyntheticEvaluator());
        using var storage = StudyStorage.OpenExisting(Store("h.db"));
        var trials = storage.LoadTrials();
        Assert.That(trials.Select(t => t.TrainSamples).Distinct().Order(), Is.EqualTo(new[] { 133, 400 }));
        foreach (var t in trials)
        {
            var count = t.TrainSamples == 400 ? 3 : 1;
            Assert.That(t.Candidate[ReplicateEvaluation.ParameterName].AsDouble, Is.EqualTo(count));
            Assert.That(t.AccuracyReplicates!.Value.Count, Is.EqualTo(count));
            Assert.That(storage.ReadReplicates(t.Number), Has.Count.EqualTo(count == 1 ? 0 : 3));
        }

        Assert.That(() => StudyRunner.CreateStrategy(definition with { RungReplicates = [1, 1, 3] }, SyntheticEvaluator.TestSpace()),
            Throws.ArgumentException.With.Message.Contains("2 rungs (133, 400 training samples)").And.Message.Contains("one count per rung"));
        Assert.That(() => StudyRunner.CreateStrategy(definition with { Strategy = "nsga2" }, SyntheticEvaluator.TestSpace()),
            Throws.ArgumentException.With.Message.Contains("needs a strategy with rungs"));
    }

    [Test]
    public void ExploreReplicatesOptionIsCheckedAndWritesTheIntervalColumns()
    {
        (int Code, string Output, Exception? Error) Explore(params string[] args)
        {
            var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
            var output = new StringWriter();
            try
            {
                var code = root.Parse(["explore", "--out", Path.Combine(_dir, "out"), .. args])
                    .Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
                return (code, output.ToString(), null);
            }
            catch (Exception e) when (e is UsageException or StudyMismatchException)
            {
                return (-1, output.ToString(), e);
            }
        }
        Assert.That(Explore("--replicates", "0").Error?.Message, Does.Contain("within 1..100"));
        Assert.That(Explore("--replicates", "1,3").Error?.Message, Does.Contain("needs --strategy halving or tpe-halving"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "out")), Is.False, "refused before any store");

        var (code, output, _) = Explore("--replicates", "2", "--trials", "4");
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Match(@"acc \d+\.\d\d% ± \d+\.\d\d"), "trial lines show the interval");
        var csv = File.ReadAllLines(Path.Combine(_dir, "out", "frontier.csv"));
        var header = csv[0].Split(',');
        var row = csv[1].Split(',');
        Assert.That(row[Array.IndexOf(header, "replicates")], Is.EqualTo("2"));
        var low = double.Parse(row[Array.IndexOf(header, "accuracy_ci_low")], System.Globalization.CultureInfo.InvariantCulture);
        var high = double.Parse(row[Array.IndexOf(header, "accuracy_ci_high")], System.Globalization.CultureInfo.InvariantCulture);
        var mean = double.Parse(row[Array.IndexOf(header, "accuracy")], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(low < mean && mean < high && Math.Abs(mean - (low + high) / 2) < 1e-12, Is.True, "the interval is centred on the mean");

        var resumedWithOther = Explore("--replicates", "3", "--trials", "4");
        Assert.That(resumedWithOther.Error, Is.InstanceOf<StudyMismatchException>());
        Assert.That(resumedWithOther.Error!.Message, Does.Contain("replicates: stored 2, requested 3"));
    }

    [Test]
    public void TheRealEvaluatorTrainsReplicateKWithItsDerivedSeedAndSharesPtqTrainingsPerReplicate()
    {
        var sample = DatasetCatalog.Load(null);
        var data = new DatasetPair(sample.Train.Take(30), sample.Test!.Take(10));
        Candidate Tiny(int bits) => new([
            new("network", ParameterValue.Of("fspinn")), new("neurons", ParameterValue.Of(6L)), new("bits", ParameterValue.Of((long)bits)),
            new("quantize", ParameterValue.Of("ptq")), new("rounding", ParameterValue.Of("rn")), new("presentation_ms", ParameterValue.Of(40.0))]);
        var evaluator = new SnnEvaluator(data, new SnnEvaluatorOptions { Seed = 5, Threads = 1 });
        var second8 = evaluator.EvaluateReplicate(Tiny(8), 30, 2, CancellationToken.None);
        var second4 = evaluator.EvaluateReplicate(Tiny(4), 30, 2, CancellationToken.None);
        Assert.That(evaluator.ReusedTrainings, Is.EqualTo(1), "4-bit replicate 2 quantizes replicate 2's float training");
        var first4 = evaluator.EvaluateReplicate(Tiny(4), 30, 1, CancellationToken.None);
        Assert.That(evaluator.ReusedTrainings, Is.EqualTo(1), "replicate 1 trains with another seed: nothing to share");

        // replicate 2 is exactly the evaluation of an evaluator whose seed is the derived one
        var derived = new SnnEvaluator(data, new SnnEvaluatorOptions { Seed = ReplicateSeeds.For(5, 2), Threads = 1 }).Evaluate(Tiny(8), 30, CancellationToken.None);
        Assert.That((second8.Accuracy, second8.DetailsJson), Is.EqualTo((derived.Accuracy, derived.DetailsJson)));
        Assert.That(evaluator.ReplicateSeed(2), Is.EqualTo(ReplicateSeeds.For(5, 2)));
        Assert.That(first4.DetailsJson, Is.Not.EqualTo(second4.DetailsJson), "another seed, another training");
        var plain = new SnnEvaluator(data, new SnnEvaluatorOptions { Seed = 5, Threads = 1 }).Evaluate(Tiny(4), 30, CancellationToken.None);
        Assert.That((first4.Accuracy, first4.DetailsJson), Is.EqualTo((plain.Accuracy, plain.DetailsJson)), "replicate 1 is the evaluation as it always was");
    }
}
