using System.Diagnostics;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using Microsoft.Data.Sqlite;

namespace FSpiNN.Dse.Tests;

public sealed class StudyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-dse-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string StorePath(string name) => Path.Combine(_dir, name);

    private static IReadOnlyList<TrialRecord> Trials(string store)
    {
        using var s = StudyStorage.OpenExisting(store);
        return s.LoadTrials();
    }

    private static int RunInProcess(string store, StudyDefinition definition, int delayMs = 0, SyntheticEvaluator? evaluator = null) =>
        Worker.Run(store, definition, evaluator ?? new SyntheticEvaluator(delayMs));

    [Test]
    public void SameSeedGivesSameTrialSequenceAndOtherSeedDiffers([Values("random", "nsga2", "halving")] string strategy)
    {
        RunInProcess(StorePath("a.db"), Worker.Definition(strategy, 30, 11));
        RunInProcess(StorePath("b.db"), Worker.Definition(strategy, 30, 11));
        RunInProcess(StorePath("c.db"), Worker.Definition(strategy, 30, 12));
        var a = Trials(StorePath("a.db")).Select(t => t.Candidate.Key).ToList();
        Assert.That(a, Has.Count.GreaterThan(10));
        Assert.That(Trials(StorePath("b.db")).Select(t => t.Candidate.Key), Is.EqualTo(a));
        Assert.That(Trials(StorePath("c.db")).Select(t => t.Candidate.Key), Is.Not.EqualTo(a));
    }

    [Test]
    public void OverBudgetCandidatesAreSkippedNeverTrainedAndRecommendationIsFeasible()
    {
        var evaluator = new SyntheticEvaluator();
        var budget = 60 * 1024.0;
        var definition = Worker.Definition("grid", 96, 1, budget) with { Budgets = new Budgets(budget, null, 0.6) };
        RunInProcess(StorePath("s.db"), definition, evaluator: evaluator);
        var trials = Trials(StorePath("s.db"));
        var skipped = trials.Count(t => t.Status == TrialStatus.Skipped);
        Assert.That(trials, Has.Count.EqualTo(96));
        Assert.That(skipped, Is.GreaterThan(0));
        Assert.That(evaluator.Evaluations, Is.EqualTo(96 - skipped), "skipped candidates must never be evaluated");
        Assert.That(trials.Where(t => t.Status == TrialStatus.Skipped).All(t => t.MemoryBytes > budget), Is.True);
        var report = StudyResults.Analyze(definition, trials);
        Assert.That(report.Recommendation, Is.Not.Null);
        var chosen = report.Rows.Single(r => r.Trial.Number == report.Recommendation!.Trial.Number);
        Assert.That(chosen.Feasible, Is.True);
        Assert.That(chosen.Trial.MemoryBytes, Is.LessThanOrEqualTo(budget));
        Assert.That(chosen.Trial.Accuracy, Is.GreaterThanOrEqualTo(0.6));
        // some evaluated trials miss the accuracy floor, so feasibility filtering is exercised
        Assert.That(report.Rows.Any(r => r.Trial.Status == TrialStatus.Complete && !r.Feasible), Is.True);
    }

    [Test]
    public void NothingFeasibleGivesNoRecommendation()
    {
        var definition = Worker.Definition("grid", 12, 1) with { Budgets = new Budgets(null, null, 0.999) };
        RunInProcess(StorePath("s.db"), definition);
        Assert.That(StudyResults.Analyze(definition, Trials(StorePath("s.db"))).Recommendation, Is.Null);
    }

    [Test]
    public void GarbageFileIsRefusedAndLeftByteIdentical()
    {
        var path = StorePath("garbage.db");
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)(i * 31 % 251)).ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(path, null, Worker.Definition("grid", 5, 1)));
        Assert.That(e!.Message, Does.Contain("garbage.db").And.Contain("not an SQLite database"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(bytes));
        Assert.That(File.Exists(path + "-wal"), Is.False);
    }

    [Test]
    public void StoreOfAnotherSchemaVersionIsRefusedAndLeftByteIdentical()
    {
        var path = StorePath("v99.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('app', '{SqliteStudyStorage.AppId}'), ('schema_version', '99');";
            cmd.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(path);
        var e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(path, null, Worker.Definition("grid", 5, 1)));
        Assert.That(e!.Message, Does.Contain("schema version 99"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
    }

    [Test]
    public void ResumingWithOtherDataOrSpaceIsRefused()
    {
        var definition = Worker.Definition("grid", 4, 1);
        RunInProcess(StorePath("s.db"), definition);
        var otherData = Assert.Throws<StudyMismatchException>(() => StudyStorage.OpenOrCreate(StorePath("s.db"), null, definition with { DataFingerprint = "other" }));
        Assert.That(otherData!.Message, Does.Contain("other data"));
        var otherSpace = Assert.Throws<StudyMismatchException>(() => StudyStorage.OpenOrCreate(StorePath("s.db"), null, definition with { SpaceJson = "{\"parameters\":{\"bits\":[8]}}" }));
        Assert.That(otherSpace!.Message, Does.Contain("search space"));
    }

    [Test]
    public void RerunningACompletedStudyEvaluatesNothing()
    {
        var definition = Worker.Definition("random", 10, 3);
        RunInProcess(StorePath("s.db"), definition);
        var evaluator = new SyntheticEvaluator();
        RunInProcess(StorePath("s.db"), definition, evaluator: evaluator);
        Assert.That(evaluator.Evaluations, Is.Zero);
        Assert.That(Trials(StorePath("s.db")), Has.Count.EqualTo(10));
    }

    [Test]
    public void ResumeAfterKillingAChildProcessGivesTheSameFrontierCsvAsAnUninterruptedRun()
    {
        var definition = Worker.Definition("nsga2", 24, 5);
        RunInProcess(StorePath("whole.db"), definition);
        var expected = Worker.FrontierCsv(StorePath("whole.db"));

        var store = StorePath("killed.db");
        // 600 ms per trial: the kill must land inside the trial seen running, also when this process is descheduled
        // between seeing it and killing (150 ms was missed once at a load of 10-20)
        using (var child = StartWorker(store, "nsga2", 24, 5, delayMs: 600))
        {
            var clock = Stopwatch.StartNew();
            // mid-trial: at least 5 finished and one running (not in the instant between storing one and claiming the next)
            while ((CountComplete(store) < 5 || CountRunning(store) == 0) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        var atKill = Trials(store);
        Assert.That(atKill.Count(t => t.Status == TrialStatus.Complete), Is.InRange(5, 23), "the kill must land mid-study");
        Assert.That(atKill.Count(t => t.Status == TrialStatus.Running), Is.EqualTo(1), "the killed worker leaves its trial RUNNING");
        var running = atKill.Single(t => t.Status == TrialStatus.Running).Number;

        RunInProcess(store, definition);
        var final = Trials(store);
        Assert.That(final.All(t => t.Status == TrialStatus.Complete), Is.True);
        Assert.That(final.Single(t => t.Number == running).Attempts, Is.EqualTo(2), "the abandoned trial is rerun exactly once");
        Assert.That(final.Where(t => t.Number != running).All(t => t.Attempts == 1), Is.True);
        Assert.That(Worker.FrontierCsv(store), Is.EqualTo(expected));
    }

    [Test]
    public void FourProcessesTimesTenTrialsOnOneStoreGiveFortyDistinctCompletedTrials()
    {
        var store = StorePath("shared.db");
        var workers = Enumerable.Range(0, 4).Select(_ => StartWorker(store, "random", 40, 9, delayMs: 40)).ToList();
        foreach (var w in workers)
        {
            Assert.That(w.WaitForExit(TimeSpan.FromSeconds(90)), Is.True, "worker did not finish");
            Assert.That(w.ExitCode, Is.Zero, w.StandardError.ReadToEnd());
            w.Dispose();
        }
        var trials = Trials(store);
        Assert.That(trials, Has.Count.EqualTo(40));
        Assert.That(trials.All(t => t.Status == TrialStatus.Complete && t.Attempts == 1), Is.True);
        Assert.That(trials.Select(t => t.Candidate.Key).Distinct().Count(), Is.EqualTo(40));
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 40)));
        Assert.That(trials.Select(t => t.Pid).Distinct().Count(), Is.GreaterThan(1), "work should be shared between processes");
    }

    private static int CountComplete(string store) => Count(store, TrialStatus.Complete);

    private static int CountRunning(string store) => Count(store, TrialStatus.Running);

    private static int Count(string store, TrialStatus status)
    {
        if (!File.Exists(store)) return 0;
        try
        {
            return Trials(store).Count(t => t.Status == status);
        }
        catch (Exception e) when (e is StoreFormatException or SqliteException)
        {
            return 0; // still being created
        }
    }

    private static Process StartWorker(string store, string strategy, int trials, int seed, int delayMs)
    {
        var dll = typeof(Worker).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, store, strategy, trials.ToString(), seed.ToString(), delayMs.ToString() }) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the test worker");
    }
}
