using System.CommandLine;
using System.Diagnostics;
using FSpiNN.Cli;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using Microsoft.Data.Sqlite;

namespace FSpiNN.Dse.Tests;

/// <summary>What only the SQLite file backend has: schema migration, temporary files, locks, read-only files, damaged rows.</summary>
public sealed class SqliteStoreTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-sqlite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Store(string name) => Path.Combine(_dir, name);

    private static void Sql(string store, string sql)
    {
        using var c = new SqliteConnection($"Data Source={store};Pooling=False");
        c.Open();
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// A store exactly as schema 1 wrote it (its DDL and meta), holding the rows of <paramref name="from"/>: built by
    /// copying a finished study's rows into schema-1 tables.
    /// </summary>
    private static void WriteSchema1Store(string from, string to, StudyDefinition definition)
    {
        Sql(to, $"""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE trials (
                number INTEGER PRIMARY KEY, candidate_key TEXT NOT NULL, config_json TEXT NOT NULL, train_samples INTEGER NOT NULL,
                status TEXT NOT NULL, accuracy REAL, memory_bytes REAL, train_energy_j REAL, inference_energy_j REAL,
                metrics_json TEXT, details_json TEXT, violation REAL, error TEXT, seed INTEGER NOT NULL, code_version TEXT NOT NULL,
                worker_id TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, process_start_ticks INTEGER NOT NULL,
                attempts INTEGER NOT NULL, started_utc TEXT NOT NULL, finished_utc TEXT, heartbeat_utc TEXT NOT NULL, duration_s REAL);
            CREATE INDEX trials_key ON trials(candidate_key, train_samples, status);
            CREATE TABLE hypervolume_history (
                completed_count INTEGER PRIMARY KEY, trial_number INTEGER NOT NULL, hypervolume REAL NOT NULL, reference_json TEXT NOT NULL);
            INSERT INTO meta VALUES ('app', '{SqliteStudyStorage.AppId}'), ('schema_version', '1'), ('definition', '{definition.ToJson().Replace("'", "''")}'),
                ('created_utc', '2026-01-01T00:00:00.0000000Z'), ('created_by', 'schema-1 build');
            ATTACH DATABASE '{from}' AS v2;
            INSERT INTO trials SELECT number, candidate_key, config_json, train_samples, status, accuracy, memory_bytes, train_energy_j,
                inference_energy_j, metrics_json, details_json, violation, error, seed, code_version, worker_id, host, pid, process_start_ticks,
                attempts, started_utc, finished_utc, heartbeat_utc, duration_s FROM v2.trials;
            INSERT INTO hypervolume_history SELECT * FROM v2.hypervolume_history;
            INSERT INTO meta SELECT key, value FROM v2.meta WHERE key = 'hv_reference';
            """);
    }

    /// <summary>A copy of a fixture (tests/Dse.Tests/Fixtures) in this test's folder.</summary>
    private string Fixture(string name)
    {
        var copy = Store(name);
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name), copy);
        return copy;
    }

    private static string FixtureText(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name));

    /// <summary>
    /// The frontier CSV as the schema-2 build wrote it: this build adds the replicate columns (issue 14), which the
    /// fixtures predate, so they are removed before comparing; every other column must be identical.
    /// </summary>
    internal static string WithoutReplicateColumns(string csv)
    {
        string[] added = ["replicates", "accuracy_sd", "accuracy_ci_low", "accuracy_ci_high"];
        var lines = csv.Split('\n');
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !added.Contains(header[i])).ToArray();
        return string.Join('\n', lines.Select(l => l.Length == 0 ? l : string.Join(',', keep.Select(i => l.Split(',')[i]))));
    }

    /// <summary>Console text with its line wrapping undone (this build no longer wraps when the output is not a terminal).</summary>
    private static string Unwrapped(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
    private static string? SchemaOf(string store, string table)
    {
        using var c = new SqliteConnection($"Data Source={store};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var command = c.CreateCommand();
        command.CommandText = $"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        return command.ExecuteScalar() as string;
    }

    /// <summary>
    /// Issue 14: schema 4 adds the replicates table. A schema-3 store (exactly the schema-4 one without that table) is
    /// read as it is, and migrated in place when resumed: the table it gets is the one a new store is created with.
    /// </summary>
    /// <summary>
    /// Writers of one host queue for the store's write lock on a kernel lock of `STORE-writers` (a waiter is woken when
    /// the holder leaves, instead of polling SQLite's lock): held for the whole of a claim, taken by a waiting writer
    /// once released. A read-only open creates no such file.
    /// </summary>
    [Test]
    public void WritersOfOneHostQueueOnTheStoresWritersFileAndAReadOnlyOpenCreatesNone()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("the writers' queue is a Linux flock; elsewhere SQLite's own lock is polled");
        var path = Path.Combine(_dir, "q.db");
        using (StudyStorage.OpenOrCreate(path, null, Worker.Definition("random", 10, 1))) { }
        File.Delete(path + "-writers");
        using (StudyStorage.OpenExisting(path, readOnly: true)) { }
        Assert.That(File.Exists(path + "-writers"), Is.False, "a read-only open writes nothing");

        using var storage = StudyStorage.OpenExisting(path);
        using var other = HostWriteQueue.TryOpen(path)!;
        Assert.That(storage.Claim(_ => other.TryEnter()), Is.False, "another writer cannot enter while a claim is open");
        Assert.That(other.TryEnter(), Is.True, "...and can once it committed");
        var waiting = Task.Run(() => storage.Heartbeat("nobody", 0, TimeSpan.FromSeconds(1)));
        Thread.Sleep(300);
        Assert.That(waiting.IsCompleted, Is.False, "a writer waits while another holds the queue");
        other.Exit();
        Assert.That(waiting.Wait(TimeSpan.FromSeconds(60)), Is.True, "...and goes on once it is released");
        Assert.That(waiting.Result, Is.False, "(no such running trial)");
    }

    [Test]
    public void ASchema3StoreIsReadAsItIsAndGetsTheReplicatesTableWhenResumed()
    {
        var definition = Worker.Definition("nsga2", 16, 4);
        Worker.Run(Store("whole.db"), definition, new SyntheticEvaluator());
        var expected = Worker.FrontierCsv(Store("whole.db"));
        var old = Store("old.db");
        File.Copy(Store("whole.db"), old);
        Sql(old, """
            DROP TABLE replicates; UPDATE meta SET value = '3' WHERE key = 'schema_version';
            DELETE FROM trials WHERE number >= 12; DELETE FROM hypervolume_history WHERE trial_number >= 10;
            """);
        SqliteConnection.ClearAllPools();

        var bytes = File.ReadAllBytes(old);
        using (var readOnly = StudyStorage.OpenExisting(old, readOnly: true))
        {
            Assert.That(readOnly.LoadTrials(), Has.Count.EqualTo(12));
            Assert.That(readOnly.ReadReplicates(), Is.Empty, "a schema-3 store holds no replicates");
        }
        Assert.That(File.ReadAllBytes(old), Is.EqualTo(bytes), "reading never migrates");

        var evaluator = new SyntheticEvaluator();
        Worker.Run(old, definition, evaluator);
        Assert.That(evaluator.Evaluations, Is.EqualTo(4));
        using var storage = SqliteStudyStorage.OpenExisting(old, null, StorageOptions.Default);
        Assert.That(storage.Meta()["schema_version"], Is.EqualTo("4"));
        Assert.That(storage.Meta().ContainsKey("migrated_to_4_utc"), Is.True);
        Assert.That(SchemaOf(old, "replicates"), Is.EqualTo(SchemaOf(Store("whole.db"), "replicates")).And.Not.Null);
        Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(expected));
    }

    [Test]
    public void ASchema1StoreIsReadAsItIsAndMigratedInPlaceWhenResumed()
    {
        var definition = Worker.Definition("nsga2", 24, 5);
        Worker.Run(Store("whole.db"), definition, new SyntheticEvaluator());
        var expected = Worker.FrontierCsv(Store("whole.db"));
        Assert.That(WithoutReplicateColumns(expected), Is.EqualTo(FixtureText("schema2-nsga2.frontier.csv")), "this build's frontier of the study is the previous build's");
        var old = Store("old.db");
        // the rows of the same study as the schema-2 build stored them (measurements in columns)
        WriteSchema1Store(Fixture("schema2-nsga2.db"), old, definition);
        // as a schema-1 worker leaves it: the last trials not yet run, one running by a dead process, one failed by
        // an I/O error (schema 1 stored environment failures as plain failures, and never retried them)
        Sql(old, """
            DELETE FROM trials WHERE number >= 20; DELETE FROM hypervolume_history WHERE trial_number >= 12;
            UPDATE trials SET status = 'RUNNING', pid = 2147483000, accuracy = NULL WHERE number = 19;
            UPDATE trials SET status = 'FAILED', accuracy = NULL, error = 'IOException: No space left on device' WHERE number = 12;
            """);

        var bytes = File.ReadAllBytes(old);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", old], stdout, stderr), Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain("trials: 20 (18 complete, 0 skipped over the memory budget, 1 failed, 1 running)"));
        Assert.That(File.ReadAllBytes(old), Is.EqualTo(bytes), "reading never migrates");

        var evaluator = new SyntheticEvaluator();
        Worker.Run(old, definition, evaluator);
        Assert.That(evaluator.Evaluations, Is.EqualTo(6), "the 4 never run, the abandoned one and the I/O failure");
        using var storage = SqliteStudyStorage.OpenExisting(old, null, StorageOptions.Default);
        Assert.That(storage.Meta()["schema_version"], Is.EqualTo(SqliteStudyStorage.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(storage.StudyName, Is.EqualTo(StudyStorage.DefaultStudyName(definition)));
        var trials = storage.LoadTrials();
        Assert.That(trials.All(t => t.Status == TrialStatus.Complete), Is.True);
        Assert.That(trials[19].Attempts, Is.EqualTo(2));
        Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(expected));
    }

    /// <summary>
    /// A schema-2 store as the previous build wrote it (Fixtures/schema2-budget.db: random, 30 trials, memory budget
    /// 200,000 B; 14 complete, 16 skipped; objectives accuracy, memory, train energy, so inference energy is not one)
    /// with the frontier table and CSV that build printed for it. Read as it is, it gives the same output without being
    /// changed; resumed, it is migrated to schema 4 (objective values in trial_values, the other measurements in the
    /// metrics, the measurement columns gone, directions in the definition) and still gives the same output.
    /// </summary>
    [Test]
    public void ASchema2StoreOfThePreviousBuildGivesItsOutputUnchangedAndIsMigratedToObjectiveValuesWhenResumed()
    {
        var store = Fixture("schema2-budget.db");
        var bytes = File.ReadAllBytes(store);
        var csv = Store("frontier.csv");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", store, "--csv", csv], stdout, stderr), Is.Zero, stderr.ToString());
        Assert.That(Unwrapped(stdout.ToString().Replace(csv, "schema2-budget.frontier.csv")), Is.EqualTo(Unwrapped(FixtureText("schema2-budget.frontier.txt"))));
        Assert.That(WithoutReplicateColumns(File.ReadAllText(csv)), Is.EqualTo(FixtureText("schema2-budget.frontier.csv")));
        Assert.That(File.ReadAllBytes(store), Is.EqualTo(bytes), "reading never migrates");

        var definition = Worker.Definition("random", 30, 3, memoryBudget: 200000);
        var evaluator = new SyntheticEvaluator();
        Worker.Run(store, definition, evaluator);
        Assert.That(evaluator.Evaluations, Is.Zero, "every trial was stored");
        using (var storage = SqliteStudyStorage.OpenExisting(store, null, StorageOptions.Default))
        {
            Assert.That(storage.Meta()["schema_version"], Is.EqualTo("4"));
            Assert.That(storage.Meta()["definition"], Does.Contain("{\"name\":\"accuracy\",\"direction\":\"maximize\",\"unit\":\"fraction\"}"));
            var trials = storage.LoadTrials();
            Assert.That(trials.Count(t => t.Values is { Count: 3 }), Is.EqualTo(14));
            Assert.That(trials.Where(t => t.Status == TrialStatus.Skipped).All(t => t.Values is null && t.Metrics.ContainsKey("memory_bytes")), Is.True);
            Assert.That(trials.Where(t => t.Status == TrialStatus.Complete).All(t => t.Metrics.ContainsKey("inference_energy_j") && !t.Metrics.ContainsKey("accuracy")), Is.True);
        }
        using (var c = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            c.Open();
            using var command = c.CreateCommand();
            command.CommandText = "SELECT (SELECT count(*) FROM trial_values), (SELECT count(*) FROM pragma_table_info('trials') WHERE name IN ('accuracy', 'memory_bytes', 'train_energy_j', 'inference_energy_j'))";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.That((reader.GetInt64(0), reader.GetInt64(1)), Is.EqualTo((42L, 0L)), "14 x 3 values; no measurement column left");
        }
        stdout = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", store, "--csv", csv], stdout, stderr), Is.Zero, stderr.ToString());
        Assert.That(Unwrapped(stdout.ToString().Replace(csv, "schema2-budget.frontier.csv")), Is.EqualTo(Unwrapped(FixtureText("schema2-budget.frontier.txt"))));
        Assert.That(WithoutReplicateColumns(File.ReadAllText(csv)), Is.EqualTo(FixtureText("schema2-budget.frontier.csv")));
    }

    [Test]
    public void TemporaryFilesOfAKilledCreatorAreRemovedByTheNextRunAndThoseOfALiveOneKept()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var dead = Path.Combine(_dir, $".s.db.{gone.Id}.{Guid.NewGuid():N}.tmp");
        var alive = Path.Combine(_dir, $".s.db.1.{Guid.NewGuid():N}.tmp"); // pid 1 is always running
        foreach (var f in new[] { dead, dead + "-journal", dead + "-wal", alive }) File.WriteAllText(f, "half-built store");
        var unrelated = Path.Combine(_dir, ".other.db.123.tmp");
        File.WriteAllText(unrelated, "not ours");

        Worker.Run(Store("s.db"), Worker.Definition("grid", 3, 1), new SyntheticEvaluator());

        Assert.That(File.Exists(dead) || File.Exists(dead + "-journal") || File.Exists(dead + "-wal"), Is.False);
        Assert.That(File.Exists(alive) && File.Exists(unrelated), Is.True);
        Assert.That(Directory.GetFiles(_dir, ".s.db.*.tmp*").Select(Path.GetFileName), Is.EqualTo(new[] { Path.GetFileName(alive) }));
    }

    [TestCase("UPDATE trials SET config_json = 'garbage{' WHERE number = 2", "trial 2 is corrupt (column config_json: not valid JSON)")]
    [TestCase("UPDATE trials SET status = 'WEIRD' WHERE number = 1", "trial 1 is corrupt (column status: status 'WEIRD' is not one of RUNNING, COMPLETE")]
    [TestCase("UPDATE trials SET started_utc = 'yesterday' WHERE number = 0", "trial 0 is corrupt (column started_utc:")]
    [TestCase("DROP TABLE trials", "damaged study store: its table 'trials' is missing")]
    public void CorruptRowsGiveAnErrorNamingStoreTrialAndColumnAndChangeNothing(string damage, string message)
    {
        var dir = Path.Combine(_dir, "run");
        var store = Path.Combine(dir, "study.db");
        var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
        Assert.That(RunExplore(root, ["explore", "--out", dir, "--trials", "4"], TextWriter.Null, TextWriter.Null), Is.Zero);
        Sql(store, damage);
        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(store);
        foreach (var args in new[] { new[] { "frontier", "--store", store }, ["explore", "--out", dir, "--trials", "4"] })
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = args[0] == "frontier"
                ? CliApp.Run(args, stdout, stderr)
                : RunExplore(root, args, stdout, stderr);
            Assert.That(code, Is.EqualTo(CliApp.Failure), stdout.ToString());
            Assert.That(stderr.ToString(), Does.Contain(message).And.Contain(store).And.Not.Contain("   at "));
        }
        Assert.That(File.ReadAllBytes(store), Is.EqualTo(bytes));
    }

    /// <summary>explore on the synthetic evaluator, with the exit-code handling of <see cref="CliApp.Run"/>.</summary>
    private static int RunExplore(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is StoreFormatException or StudyMismatchException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return CliApp.Failure;
        }
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void FrontierReadsAStoreOnAReadOnlyFileSystem()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        Worker.Run(Path.Combine(source, "s.db"), Worker.Definition("grid", 6, 1), new SyntheticEvaluator());
        SqliteConnection.ClearAllPools();
        Sql(Path.Combine(source, "s.db"), "PRAGMA journal_mode = WAL"); // as explore leaves it: a WAL-mode file
        var mount = Path.Combine(_dir, "ro");
        Directory.CreateDirectory(mount);
        var root = Environment.UserName == "root";
        if (root)
        {
            // a real read-only bind mount, as a container or a shared results volume gives
            Assert.That(Shell("mount", "--bind", source, mount), Is.Zero);
            Assert.That(Shell("mount", "-o", "remount,ro,bind", mount), Is.Zero);
        }
        else
        {
            mount = source;
            File.SetUnixFileMode(Path.Combine(source, "s.db"), UnixFileMode.UserRead);
            File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        try
        {
            Assert.That(() => File.WriteAllText(Path.Combine(mount, "probe"), "x"),
                Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>(), "the folder must really be read-only");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.That(CliApp.Run(["frontier", "--store", Path.Combine(mount, "s.db")], stdout, stderr), Is.Zero, stderr.ToString());
            Assert.That(stdout.ToString(), Does.Contain("trials: 6 (6 complete").And.Contain("recommended: trial"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (root) Shell("umount", mount);
            else File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static int Shell(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    [Test]
    public void ExploreSaysThatItWaitsForAnExternalWriteLockAndGoesOnWhenItIsReleased()
    {
        var dir = Path.Combine(_dir, "run");
        var store = Path.Combine(dir, "study.db");
        var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
        Assert.That(root.Parse(["explore", "--out", dir, "--trials", "6"]).Invoke(new InvocationConfiguration { Output = TextWriter.Null, EnableDefaultExceptionHandler = false }), Is.Zero);

        // another process (an SQL client) holds the write lock until the release file appears
        var locked = Path.Combine(_dir, "locked");
        var release = Path.Combine(_dir, "release");
        var holderInfo = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-c", """
            import os, sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            while not os.path.exists(sys.argv[3]): time.sleep(0.05)
            c.execute("COMMIT")
            """, store, locked, release }) holderInfo.ArgumentList.Add(a);
        using var holder = Process.Start(holderInfo)!;
        WorkerProcesses.WaitUntil(() => File.Exists(locked), TimeSpan.FromSeconds(60), "the lock holder");
        var errors = new StringWriter();
        var stderr = TextWriter.Synchronized(errors);
        string Stderr()
        {
            lock (stderr) return errors.ToString(); // the synchronized writer locks on itself
        }
        var run = Task.Run(() => root.Parse(["explore", "--out", dir, "--trials", "6"])
            .Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = stderr, EnableDefaultExceptionHandler = false }));
        WorkerProcesses.WaitUntil(() => Stderr().Contains("waiting for the write lock", StringComparison.Ordinal) || run.IsCompleted,
            TimeSpan.FromSeconds(60), "the waiting message");
        Assert.That(run.IsCompleted, Is.False, $"explore waits while the lock is held: {(run.IsFaulted ? run.Exception : "")} {Stderr()}");
        File.WriteAllText(release, "");
        holder.WaitForExit();
        Assert.That(run.Wait(TimeSpan.FromSeconds(120)), Is.True);
        Assert.That(run.Result, Is.Zero, Stderr());
        Assert.That(Stderr(), Does.Contain($"store '{store}': waiting for the write lock, held by another process").And.Contain("got the write lock after"));
        using var s = StudyStorage.OpenExisting(store);
        Assert.That(s.LoadTrials().Count(t => t.Status == TrialStatus.Complete), Is.EqualTo(6));
    }

    [Test]
    public void ExploreExitsNonZeroWhenTrialsFailedAndSaysHowManyAndWhy()
    {
        var dir = Path.Combine(_dir, "failing");
        var evaluator = new StorageContractTests.FailingEvaluator(n => n == 100 ? new ArgumentException("neurons=100 is not supported by this chip") : null);
        var root = new RootCommand { ExploreCommand.Create(_ => evaluator) };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = root.Parse(["explore", "--out", dir]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        Assert.That(code, Is.EqualTo(CliApp.Failure), stdout.ToString());
        Assert.That(stderr.ToString(), Does.Contain("6 trial(s) failed: 0 because of the environment").And.Contain("6 because of their configuration")
            .And.Contain("6 x configuration: ArgumentException: neurons=100 is not supported by this chip"));
        Assert.That(stdout.ToString(), Does.Contain("recommended: trial"), "the report of the other trials is still printed");
    }
}
