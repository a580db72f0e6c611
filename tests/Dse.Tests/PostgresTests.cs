using System.Diagnostics;
using FSpiNN.Cli;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>Starts test worker processes (tests/Dse.TestWorker) and collects what they print.</summary>
internal static class WorkerProcesses
{
    public sealed class Child(Process process) : IDisposable
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();
        private readonly Task<string> _stdout = process.StandardOutput.ReadToEndAsync();
        public Process Process { get; } = process;
        public string Stderr => _stderr.Result;
        public string Stdout => _stdout.Result;

        public void KillHard()
        {
            Process.Kill(entireProcessTree: true); // SIGKILL: no clean-up, the trial stays RUNNING
            Process.WaitForExit();
        }

        /// <summary>SIGSTOP: the process stops where it is, and is still alive to anyone who checks.</summary>
        public void Freeze()
        {
            if (Signal(Process.Id, SigStop) != 0) throw new InvalidOperationException($"could not stop process {Process.Id}");
        }

        public void Dispose()
        {
            if (!Process.HasExited) KillHard();
            Process.Dispose();
        }
    }

    private const int SigStop = 19; // Linux

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>
    /// Kills several workers as at one instant: each is frozen first, then each killed. Killed one after the other, a
    /// worker still running could see the first one's process gone and take over its trial, then die in it (a trial
    /// abandoned twice, failed for good: the at-most-one-rerun rule, not a fault).
    /// </summary>
    public static void KillHardTogether(params Child[] children)
    {
        foreach (var c in children) c.Freeze();
        foreach (var c in children) c.KillHard();
    }

    public static Child Start(string store, string strategy, int trials, int seed, int delayMs, params string[] options)
    {
        var dll = typeof(Worker).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, store, strategy, trials.ToString(), seed.ToString(), delayMs.ToString(), "none" }.Concat(options)) info.ArgumentList.Add(a);
        return new Child(Process.Start(info) ?? throw new InvalidOperationException("could not start the test worker"));
    }

    public static void WaitAll(IEnumerable<Child> children, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        foreach (var c in children)
        {
            var left = timeout - clock.Elapsed;
            if (!c.Process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                c.KillHard(); // its log is read to the end, which needs the process gone
                Assert.Fail($"worker did not finish in {timeout}; the end of its log:\n{Tail(c.Stderr, 4000)}");
            }
            Assert.That(c.Process.ExitCode, Is.Zero, c.Stderr);
        }
    }

    private static string Tail(string text, int chars) => text.Length <= chars ? text : "..." + text[^chars..];

    public static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) Assert.Fail($"timed out after {timeout} waiting for {what}");
            Thread.Sleep(50);
        }
    }
}

/// <summary>PostgreSQL as a user meets it: URLs, passwords, and databases that are not (yet) study stores.</summary>
public sealed class PostgresInputTests
{
    private static PostgresServer Server => PostgresServer.Instance;

    [Test]
    public void UnreachableServerGivesAClearErrorNamingTheUrlWithoutThePassword()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var free = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var url = $"postgresql://fspinn:s3cret-pw@127.0.0.1:{free}/studies";
        var e = Assert.Throws<StorageUnavailableException>(() => StudyStorage.OpenOrCreate(url, null, Worker.Definition("grid", 4, 1)));
        Assert.That(e!.Message, Does.Contain($"postgresql://fspinn@127.0.0.1:{free}/studies").And.Contain("cannot reach").And.Not.Contain("s3cret"));

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", url], stdout, stderr), Is.EqualTo(CliApp.Failure));
        Assert.That(stderr.ToString(), Does.Contain("cannot reach").And.Not.Contain("s3cret").And.Not.Contain("   at "));
    }

    [Test]
    public void WrongCredentialsAreRefusedWithoutShowingThePasswordAndPgPasswordAndPgPassAreHonoured()
    {
        var database = PostgresServer.DatabaseOf(Server.NewDatabase("auth"));
        var role = "alice_" + Guid.NewGuid().ToString("N")[..6];
        Server.Execute($"CREATE ROLE {role} LOGIN PASSWORD 'right-pw'; GRANT ALL ON DATABASE {database} TO {role}; ALTER DATABASE {database} OWNER TO {role}");
        var wrong = Server.Url(database, role, "wrong-pw");
        var e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(wrong, null, Worker.Definition("grid", 4, 1)));
        Assert.That(e!.Message, Does.Contain($"refused user '{role}'").And.Contain($"postgresql://{role}@127.0.0.1:{Server.Port}/{database}").And.Not.Contain("wrong-pw"));
        Assert.That(Server.Snapshot(database), Is.Empty, "nothing was created");

        // the password from the URL
        using (StudyStorage.OpenOrCreate(Server.Url(database, role, "right-pw"), "with-url", Worker.Definition("grid", 4, 1))) { }

        // no password in the URL: PGPASSWORD (child process, so that the variable does not leak into other tests)
        var cli = typeof(CliApp).Assembly.Location;
        var (code, output) = RunCli(cli, ["studies", "--store", Server.Url(database, role)], new() { ["PGPASSWORD"] = "right-pw" });
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("with-url"));

        // ... or ~/.pgpass (HOME of the child points to a folder holding one)
        var home = Path.Combine(Path.GetTempPath(), "fspinn-home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            var pgpass = Path.Combine(home, ".pgpass");
            File.WriteAllText(pgpass, $"127.0.0.1:{Server.Port}:{database}:{role}:right-pw\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            (code, output) = RunCli(cli, ["studies", "--store", Server.Url(database, role)], new() { ["HOME"] = home, ["PGPASSWORD"] = null });
            Assert.That(code, Is.Zero, output);
            Assert.That(output, Does.Contain("with-url"));
            File.WriteAllText(pgpass, $"127.0.0.1:{Server.Port}:{database}:{role}:stale-pw\n");
            (code, output) = RunCli(cli, ["studies", "--store", Server.Url(database, role)], new() { ["HOME"] = home, ["PGPASSWORD"] = null });
            Assert.That(code, Is.EqualTo(CliApp.Failure));
            Assert.That(output, Does.Contain("refused user").And.Not.Contain("stale-pw"));
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    private static (int Code, string Output) RunCli(string dll, string[] args, Dictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Test]
    public void ADatabaseWithoutTheSchemaIsNotAStudyStoreForReadingAndIsLeftEmpty()
    {
        var url = Server.NewDatabase("empty");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", url], stdout, stderr), Is.EqualTo(CliApp.Failure));
        Assert.That(stderr.ToString(), Does.Contain("no FSpiNN study schema").And.Contain(url));
        Assert.That(CliApp.Run(["studies", "--store", url], stdout, stderr), Is.EqualTo(CliApp.Failure));
        Assert.That(Server.Snapshot(PostgresServer.DatabaseOf(url)), Is.Empty);
    }

    [Test]
    public void TrialsListsEveryTrialOfTheNamedStudyInADatabaseOfSeveral()
    {
        var url = Server.NewDatabase("trials");
        Worker.Run(url, Worker.Definition("grid", 3, 1), new SyntheticEvaluator(), study: "a");
        Worker.Run(url, Worker.Definition("grid", 5, 1), new SyntheticEvaluator(), study: "b");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["trials", "--store", url, "--study", "b", "--format", "csv"], stdout, stderr), Is.Zero, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1 + 5));
        Assert.That(lines[0], Does.StartWith("number,state,train_samples,seed,params_"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[1]), Has.All.EqualTo("COMPLETE"));
    }

    [Test]
    public void ASchemaOfAnotherVersionIsRefusedAndLeftUnchanged()
    {
        var url = Server.NewDatabase("v7");
        var database = PostgresServer.DatabaseOf(url);
        Worker.Run(url, Worker.Definition("grid", 3, 1), new SyntheticEvaluator());
        Server.Execute("UPDATE fspinn_meta SET value = '7' WHERE key = 'schema_version'", database);
        var before = Server.Snapshot(database);
        var e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(url, null, Worker.Definition("grid", 3, 1)));
        Assert.That(e!.Message, Does.Contain("version 7").And.Contain(url).And.Contain("nothing was changed"));
        Assert.Throws<StoreFormatException>(() => StudyStorage.OpenExisting(url));
        Assert.That(Server.Snapshot(database), Is.EqualTo(before));
    }

    /// <summary>
    /// A database of PostgreSQL schema 1 (its DDL as that build created it), holding the study of the SQLite fixture
    /// schema2-budget.db (same columns): resumed, it is migrated in place to schema 2 (values in fspinn_trial_values,
    /// measurement columns dropped, directions in the definition), nothing is rerun, and its frontier CSV is the one
    /// the previous build printed for that study.
    /// </summary>
    [Test]
    public void ASchema1DatabaseIsMigratedInPlaceToObjectiveValuesWhenResumed()
    {
        var url = Server.NewDatabase("v1");
        var database = PostgresServer.DatabaseOf(url);
        var fixtures = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures");
        var sqlite = Path.Combine(Path.GetTempPath(), $"fspinn-v1-{Guid.NewGuid():N}.db");
        File.Copy(Path.Combine(fixtures, "schema2-budget.db"), sqlite);
        try
        {
            Server.Execute("""
                CREATE TABLE fspinn_meta (key text PRIMARY KEY, value text NOT NULL);
                CREATE TABLE fspinn_studies (
                    id serial PRIMARY KEY, name text NOT NULL UNIQUE, definition text NOT NULL, seq bigint NOT NULL DEFAULT 0,
                    hv_reference text, created_utc timestamptz NOT NULL DEFAULT now(), created_by text NOT NULL);
                CREATE TABLE fspinn_trials (
                    study_id integer NOT NULL REFERENCES fspinn_studies(id), number integer NOT NULL,
                    candidate_key text NOT NULL, config_json text NOT NULL, train_samples integer NOT NULL, status text NOT NULL,
                    accuracy double precision, memory_bytes double precision, train_energy_j double precision, inference_energy_j double precision,
                    metrics_json text, details_json text, violation double precision, error text, failure_cause text,
                    seed integer NOT NULL, code_version text NOT NULL, worker_id text NOT NULL, host text NOT NULL, pid integer NOT NULL,
                    process_start_ticks bigint NOT NULL, attempts integer NOT NULL, started_utc timestamptz NOT NULL, finished_utc timestamptz,
                    heartbeat_utc timestamptz NOT NULL, lease_until_utc timestamptz, duration_s double precision, seq bigint NOT NULL,
                    PRIMARY KEY (study_id, number));
                CREATE INDEX fspinn_trials_seq ON fspinn_trials (study_id, seq);
                CREATE TABLE fspinn_discarded (study_id integer NOT NULL REFERENCES fspinn_studies(id), seq bigint NOT NULL, number integer NOT NULL,
                    PRIMARY KEY (study_id, seq));
                CREATE TABLE fspinn_hypervolume (study_id integer NOT NULL REFERENCES fspinn_studies(id), completed_count integer NOT NULL,
                    trial_number integer NOT NULL, hypervolume double precision NOT NULL, reference_json text NOT NULL,
                    PRIMARY KEY (study_id, completed_count));
                INSERT INTO fspinn_meta VALUES ('app', 'fspinn-dse-study'), ('schema_version', '1');
                """, database);
            using (var from = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={sqlite};Pooling=False"))
            using (var to = new Npgsql.NpgsqlConnection(Server.AdminConnectionString(database)))
            {
                from.Open();
                to.Open();
                string Meta(string key)
                {
                    using var c = from.CreateCommand();
                    c.CommandText = $"SELECT value FROM meta WHERE key = '{key}'";
                    return (string)c.ExecuteScalar()!;
                }
                using (var study = new Npgsql.NpgsqlCommand("INSERT INTO fspinn_studies (name, definition, seq, hv_reference, created_by) VALUES ('budget', @d, @s, @r, 'schema-1 build')", to))
                {
                    study.Parameters.AddWithValue("d", Meta("definition"));
                    study.Parameters.AddWithValue("s", long.Parse(Meta("seq"), System.Globalization.CultureInfo.InvariantCulture));
                    study.Parameters.AddWithValue("r", Meta("hv_reference"));
                    study.ExecuteNonQuery();
                }
                using var read = from.CreateCommand();
                read.CommandText = "SELECT * FROM trials";
                using var rows = read.ExecuteReader();
                var times = new HashSet<string> { "started_utc", "finished_utc", "heartbeat_utc", "lease_until_utc" };
                while (rows.Read())
                {
                    var names = Enumerable.Range(0, rows.FieldCount).Select(rows.GetName).ToList();
                    using var insert = new Npgsql.NpgsqlCommand(
                        $"INSERT INTO fspinn_trials (study_id, {string.Join(", ", names)}) VALUES (1, {string.Join(", ", names.Select(n => "@" + n))})", to);
                    foreach (var name in names)
                    {
                        var value = rows.GetValue(rows.GetOrdinal(name));
                        if (value is string text && times.Contains(name))
                            value = DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
                        if (value is long l && name is "number" or "train_samples" or "seed" or "pid" or "attempts") value = (int)l;
                        insert.Parameters.AddWithValue(name, value);
                    }
                    insert.ExecuteNonQuery();
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(sqlite);
        }

        var evaluator = new SyntheticEvaluator();
        Worker.Run(url, Worker.Definition("random", 30, 3, memoryBudget: 200000), evaluator, study: "budget");
        Assert.That(evaluator.Evaluations, Is.Zero, "every trial was stored");
        Assert.That(Server.Query("SELECT value FROM fspinn_meta WHERE key = 'schema_version'", database), Is.EqualTo(new[] { "4" }));
        Assert.That(Server.Query("SELECT count(*) FROM fspinn_trial_values", database), Is.EqualTo(new[] { "42" }));
        Assert.That(Server.Query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'fspinn_trials' AND column_name IN ('accuracy', 'memory_bytes', 'train_energy_j', 'inference_energy_j')", database),
            Is.EqualTo(new[] { "0" }));
        Assert.That(Server.Query("SELECT definition FROM fspinn_studies", database).Single(), Does.Contain("\"direction\":\"maximize\""));
        Assert.That(SqliteStoreTests.WithoutReplicateColumns(Worker.FrontierCsv(url, "budget")), Is.EqualTo(File.ReadAllText(Path.Combine(fixtures, "schema2-budget.frontier.csv"))));
    }

    /// <summary>Issue 14: schema 3 adds fspinn_replicates; a schema-2 database gets it in place, and its studies resume.</summary>
    [Test]
    public void ASchema2DatabaseGetsTheReplicatesTableAndItsStudyResumes()
    {
        var url = Server.NewDatabase("v1");
        var database = PostgresServer.DatabaseOf(url);
        const string Columns = """
            SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns
            WHERE table_name = 'fspinn_replicates' ORDER BY ordinal_position
            """;
        var definition = Worker.Definition("grid", 6, 1);
        using (StudyStorage.OpenOrCreate(url, null, definition)) { }
        var columns = Server.Query(Columns, database);
        // schema 2 was schema 3 without the replicates table
        DowngradeToSchema3(database);
        Server.Execute("DROP TABLE fspinn_replicates; UPDATE fspinn_meta SET value = '2' WHERE key = 'schema_version'", database);
        var evaluator = new SyntheticEvaluator();
        Worker.Run(url, definition, evaluator);
        Assert.That(evaluator.Evaluations, Is.EqualTo(6));
        Assert.That(Server.Query("SELECT value FROM fspinn_meta WHERE key = 'schema_version'", database), Is.EqualTo(new[] { "4" }));
        Assert.That(Server.Query(Columns, database), Is.EqualTo(columns).And.Not.Empty, "the migrated table is the one a new database is created with");
        using var storage = StudyStorage.OpenExisting(url);
        Assert.That(storage.LoadTrials().Select(t => t.Status), Is.All.EqualTo(TrialStatus.Complete));
        Assert.That(storage.ReadReplicates(), Is.Empty);
    }

    /// <summary>Turns a database created by this build back into schema 3 as the previous build created it (study sequence numbers).</summary>
    private static void DowngradeToSchema3(string database) => Server.Execute("""
        ALTER TABLE fspinn_studies ADD COLUMN seq bigint NOT NULL DEFAULT 0;
        UPDATE fspinn_studies s SET seq = (SELECT count(*) FROM fspinn_trials t WHERE t.study_id = s.id);
        ALTER TABLE fspinn_trials RENAME COLUMN xid TO seq;
        UPDATE fspinn_trials SET seq = number + 1;
        ALTER INDEX fspinn_trials_xid RENAME TO fspinn_trials_seq;
        DROP INDEX fspinn_discarded_xid;
        ALTER TABLE fspinn_discarded RENAME COLUMN xid TO seq;
        ALTER TABLE fspinn_discarded ADD PRIMARY KEY (study_id, seq);
        UPDATE fspinn_meta SET value = '3' WHERE key = 'schema_version';
        """, database);

    /// <summary>
    /// Schema 4 stamps rows with transaction ids instead of a study sequence number: a schema-3 database is migrated in
    /// place, its trials are read once by a reader from 0 and never again (their versions become 0, below every
    /// cursor), and its study resumes.
    /// </summary>
    [Test]
    public void ASchema3DatabaseMovesToTransactionIdsAndItsTrialsAreReadOnceAndItsStudyResumes()
    {
        var url = Server.NewDatabase("v3");
        var database = PostgresServer.DatabaseOf(url);
        Worker.Run(url, Worker.Definition("grid", 4, 1), new SyntheticEvaluator());
        var before = Worker.FrontierCsv(url);
        DowngradeToSchema3(database);
        using (var storage = StudyStorage.OpenExisting(url))
        {
            var all = storage.ReadChanges(0);
            Assert.That(all.Changes.Select(c => (c.Number, c.Sequence)), Is.EqualTo(Enumerable.Range(0, 4).Select(n => (n, 0L))));
            Assert.That(all.Sequence, Is.GreaterThan(0L));
            Assert.That(storage.ReadChanges(all.Sequence).Changes, Is.Empty, "rows written before the migration are below every cursor");
        }
        Assert.That(Server.Query("SELECT value FROM fspinn_meta WHERE key = 'schema_version'", database), Is.EqualTo(new[] { "4" }));
        Assert.That(Server.Query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'seq' AND table_name LIKE 'fspinn%'", database), Is.EqualTo(new[] { "0" }));
        Assert.That(Worker.FrontierCsv(url), Is.EqualTo(before));
        var evaluator = new SyntheticEvaluator();
        Worker.Run(url, Worker.Definition("grid", 4, 1), evaluator);
        Assert.That(evaluator.Evaluations, Is.Zero, "nothing is rerun");
    }

    /// <summary>
    /// Schema 4's point: a result, a lease renewal and a removal are stored while a claim holds the study's lock (they
    /// touch only their trial's row), instead of queueing behind every claim of the study.
    /// </summary>
    [Test]
    public void WritesOutsideClaimsDoNotWaitForAClaimHoldingTheStudysLock()
    {
        using var storage = StudyStorage.OpenOrCreate(Server.NewDatabase("lockfree"), null, Worker.Definition("grid", 10, 1));
        var lease = TimeSpan.FromSeconds(30);
        storage.Claim(tx =>
        {
            for (var n = 0; n < 3; n++) tx.Insert(StorageContractTests.Running(n, "owner"), lease);
            return 0;
        });
        using var claimOpen = new ManualResetEventSlim();
        using var written = new ManualResetEventSlim();
        using var claimerHandle = storage.Reconnect();
        var claimer = Task.Run(() => claimerHandle.Claim(tx =>
        {
            tx.ReadChanges(0); // holds the study's row lock from here to its commit
            claimOpen.Set();
            return written.Wait(TimeSpan.FromSeconds(30));
        }));
        Assert.That(claimOpen.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(storage.Finish(StorageContractTests.Completed(storage, 0, "owner")), Is.True);
        Assert.That(storage.Heartbeat("owner", 1, lease), Is.True);
        Assert.That(storage.Discard("owner", 2), Is.True);
        written.Set();
        Assert.That(claimer.Result, Is.True, "all three were stored while the claim was open");
        Assert.That(storage.LoadTrials().Select(t => (t.Number, t.Status)), Is.EqualTo(new[] { (0, TrialStatus.Complete), (1, TrialStatus.Running) }));
    }

    [Test]
    public void AnotherApplicationsTablesAreRefusedAndLeftUnchanged()
    {
        var url = Server.NewDatabase("shop");
        var database = PostgresServer.DatabaseOf(url);
        Server.Execute("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'cake')", database);
        var before = Server.Snapshot(database);
        var e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(url, null, Worker.Definition("grid", 3, 1)));
        Assert.That(e!.Message, Does.Contain("another application's tables (public.orders)").And.Contain(url));
        Assert.That(Server.Snapshot(database), Is.EqualTo(before));
        // and an fspinn_meta of someone else
        Server.Execute("CREATE TABLE fspinn_meta (key text, value text); INSERT INTO fspinn_meta VALUES ('app', 'not-us')", database);
        before = Server.Snapshot(database);
        e = Assert.Throws<StoreFormatException>(() => StudyStorage.OpenOrCreate(url, null, Worker.Definition("grid", 3, 1)));
        Assert.That(e!.Message, Does.Contain("another application"));
        Assert.That(Server.Snapshot(database), Is.EqualTo(before));
    }

    /// <summary>
    /// A trial's objective values are read with it, in the same statement (as arrays ordered by objective index): a
    /// COMPLETE trial that lacks one, or holds an index the study has no objective for, is a corrupt store, named as
    /// such, and the read changes nothing.
    /// </summary>
    [TestCase("DELETE FROM fspinn_trial_values WHERE number = 1 AND objective = 1", "trial 1 is corrupt (COMPLETE without a value for every objective")]
    [TestCase("UPDATE fspinn_trial_values SET objective = 7 WHERE number = 2 AND objective = 0", "trial 2 is corrupt (trial_values: objective index 7, the study has 3 objectives)")]
    public void ACompleteTrialWithMissingOrForeignObjectiveValuesIsNamedAsCorruptAndLeftUnchanged(string damage, string expected)
    {
        var url = Server.NewDatabase("values");
        var database = PostgresServer.DatabaseOf(url);
        Worker.Run(url, Worker.Definition("grid", 4, 1), new SyntheticEvaluator());
        using (var intact = StudyStorage.OpenExisting(url, readOnly: true))
        {
            var trials = intact.ReadChanges(0).Changes.Select(c => c.Trial!).ToList();
            Assert.That(trials.Select(t => t.Number), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(trials.Select(t => t.Values!.Count), Has.All.EqualTo(3));
            Assert.That(trials[1].Values, Is.EqualTo(Server.Query("SELECT value FROM fspinn_trial_values WHERE number = 1 ORDER BY objective", database)
                .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture))).Within(1e-12));
        }
        Server.Execute(damage, database);
        var before = Server.Snapshot(database);
        using var storage = StudyStorage.OpenExisting(url, readOnly: true);
        var e = Assert.Throws<StoreFormatException>(() => storage.ReadChanges(0));
        Assert.That(e!.Message, Does.Contain(expected).And.Contain(url));
        Assert.That(Server.Snapshot(database), Is.EqualTo(before));
    }

    [Test]
    public void SeveralStudiesShareADatabaseAndAreListedAndResumingWithOtherOptionsIsRefused()
    {
        var url = Server.NewDatabase("many");
        Worker.Run(url, Worker.Definition("grid", 4, 1), new SyntheticEvaluator(), study: "first");
        Worker.Run(url, Worker.Definition("random", 5, 2), new SyntheticEvaluator(), study: "second");
        var studies = StudyStorage.ListStudies(url);
        Assert.That(studies.Select(s => (s.Name, s.Trials, s.Complete)), Is.EqualTo(new[] { ("first", 4, 4), ("second", 5, 5) }));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["frontier", "--store", url], stdout, stderr), Is.EqualTo(CliApp.Failure));
        Assert.That(stderr.ToString(), Does.Contain("holds 2 studies (first, second); choose one with --study"));
        Assert.That(CliApp.Run(["frontier", "--store", url, "--study", "second"], stdout, stderr), Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain("trials: 5 (5 complete"));
        var e = Assert.Throws<StudyMismatchException>(() => StudyStorage.OpenOrCreate(url, "first", Worker.Definition("grid", 4, 9)));
        Assert.That(e!.Message, Does.Contain("seed: stored 1, requested 9"));
    }
}

/// <summary>
/// Several worker processes on one PostgreSQL study, with kills and server restarts. Each fixture runs its own server
/// (they stop and restart it), with short leases so that the faults resolve in seconds.
/// </summary>
[NonParallelizable]
public sealed class PostgresFaultTests
{
    private PostgresServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = new PostgresServer();

    [OneTimeTearDown]
    public void StopServer() => _server.Dispose();

    private static int Count(string url, TrialStatus status)
    {
        try
        {
            using var s = StudyStorage.OpenExisting(url);
            return s.LoadTrials().Count(t => t.Status == status);
        }
        catch (Exception e) when (e is StudyMismatchException or StoreFormatException or StorageUnavailableException)
        {
            return 0; // not created yet, or the server is down
        }
    }

    private static HashSet<int> RunningPids(string url)
    {
        using var s = StudyStorage.OpenExisting(url);
        return [.. s.LoadTrials().Where(t => t.Status == TrialStatus.Running).Select(t => t.Pid)];
    }

    private static string SqliteOneWorkerCsv(StudyDefinition definition, int maxNeurons)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-ref-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = Path.Combine(dir, "one.db");
            Worker.Run(store, definition, new SyntheticEvaluator(), Worker.FastOptions with { Log = null });
            return Worker.FrontierCsv(store);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void AssertEachTrialCompletedOnce(IReadOnlyList<TrialRecord> trials, int count)
    {
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, count)), "no trial lost, none doubled");
        Assert.That(trials.Where(t => t.Status != TrialStatus.Complete).Select(t => $"{t.Number}: {t.Status} {t.Error}"), Is.Empty);
        Assert.That(trials.Select(t => t.Candidate.Key).Distinct().Count(), Is.EqualTo(count));
    }

    [Test]
    public void EightWorkersOnTwoHostsComplete200TrialsEachExactlyOnceAndMatchAOneWorkerSqliteRun()
    {
        var url = _server.NewDatabase("eight");
        const int trials = 200, maxNeurons = 1000;
        var definition = Worker.Definition("random", trials, 21, null, maxNeurons);
        using (StudyStorage.OpenOrCreate(url, null, definition)) { } // as `fspinn explore` does before its workers
        // a lease long enough for eight processes starting at once on a loaded 2-core machine: no takeover expected here
        var workers = Enumerable.Range(0, 8).Select(i => WorkerProcesses.Start(url, "random", trials, 21, 10,
            "--host", i % 2 == 0 ? "host-a" : "host-b", "--lease-ms", "30000", "--max-neurons", maxNeurons.ToString())).ToList();
        try
        {
            WorkerProcesses.WaitAll(workers, TimeSpan.FromMinutes(3));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
        using var storage = StudyStorage.OpenExisting(url);
        var stored = storage.LoadTrials();
        AssertEachTrialCompletedOnce(stored, trials);
        Assert.That(stored.All(t => t.Attempts == 1), Is.True);
        Assert.That(stored.Select(t => t.Host).Distinct().Order(), Is.EqualTo(new[] { "host-a", "host-b" }));
        Assert.That(stored.Select(t => t.WorkerId).Distinct().Count(), Is.GreaterThan(2), "work is shared");
        Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(SqliteOneWorkerCsv(definition, maxNeurons)));
    }

    [Test]
    public void TwoWorkersKilledMidTrialHaveTheirTrialsReclaimedAfterTheLeaseAndCompleted()
    {
        var url = _server.NewDatabase("kill");
        const int trials = 24, maxNeurons = 1000;
        var definition = Worker.Definition("random", trials, 5, null, maxNeurons);
        using (StudyStorage.OpenOrCreate(url, null, definition)) { }
        // host-b's two workers are killed; host-a's cannot see their processes and must wait for the lease (12 s: short,
        // yet longer than a cold process on a loaded 2-core machine may go without renewing it)
        var workers = Enumerable.Range(0, 4).Select(i => WorkerProcesses.Start(url, "random", trials, 5, 600,
            "--host", i < 2 ? "host-a" : "host-b", "--lease-ms", "12000", "--heartbeat-ms", "200", "--max-neurons", maxNeurons.ToString())).ToList();
        try
        {
            WorkerProcesses.WaitUntil(() => Count(url, TrialStatus.Complete) >= 4, TimeSpan.FromMinutes(2), "4 completed trials");
            var killed = new HashSet<int>(new[] { workers[2], workers[3] }.Select(w => w.Process.Id));
            WorkerProcesses.WaitUntil(() => RunningPids(url).IsSupersetOf(killed), TimeSpan.FromMinutes(1), "both host-b workers in the middle of a trial");
            WorkerProcesses.KillHardTogether(workers[2], workers[3]);
            List<TrialRecord> orphans;
            using (var s = StudyStorage.OpenExisting(url))
                orphans = [.. s.LoadTrials().Where(t => t.Status == TrialStatus.Running && killed.Contains(t.Pid))];
            // each killed worker leaves its trial RUNNING (unless the kill landed in the instant between two trials)
            Assert.That(orphans, Has.Count.InRange(1, 2), "the kill must land in the middle of a trial");
            WorkerProcesses.WaitAll(workers.Take(2), TimeSpan.FromMinutes(3));

            using var storage = StudyStorage.OpenExisting(url);
            var stored = storage.LoadTrials();
            AssertEachTrialCompletedOnce(stored, trials);
            foreach (var orphan in orphans)
            {
                var rerun = stored.Single(t => t.Number == orphan.Number);
                Assert.That(rerun.Attempts, Is.EqualTo(2));
                Assert.That(rerun.Host, Is.EqualTo("host-a"));
                Assert.That(rerun.StartedUtc, Is.GreaterThanOrEqualTo(orphan.LeaseUntilUtc!.Value - TimeSpan.FromMilliseconds(100)), "taken over only after the lease expired");
            }
            Assert.That(stored.Where(t => orphans.All(o => o.Number != t.Number)).All(t => t.Attempts == 1), Is.True);
            Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(SqliteOneWorkerCsv(definition, maxNeurons)));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    [Test]
    public void ServerRestartAndAStopLongerThanTheLeaseLoseAndDoubleNothing()
    {
        var url = _server.NewDatabase("restart");
        const int trials = 60, maxNeurons = 1000;
        var definition = Worker.Definition("random", trials, 8, null, maxNeurons);
        using (StudyStorage.OpenOrCreate(url, null, definition)) { }
        var workers = Enumerable.Range(0, 4).Select(i => WorkerProcesses.Start(url, "random", trials, 8, 60,
            "--host", i % 2 == 0 ? "host-a" : "host-b", "--lease-ms", "12000", "--heartbeat-ms", "200", "--max-neurons", maxNeurons.ToString())).ToList();
        try
        {
            WorkerProcesses.WaitUntil(() => Count(url, TrialStatus.Complete) >= 15, TimeSpan.FromMinutes(2), "15 completed trials");
            _server.Restart();
            WorkerProcesses.WaitUntil(() => Count(url, TrialStatus.Complete) >= 30, TimeSpan.FromMinutes(2), "30 completed trials after the restart");
            _server.Stop();
            Thread.Sleep(13_000); // longer than the lease: every lease has expired by the server's clock when it comes back
            _server.Start();
            WorkerProcesses.WaitAll(workers, TimeSpan.FromMinutes(3));

            Assert.That(workers.Count(w => w.Stderr.Contains("retrying in", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2), string.Join("\n", workers.Select(w => w.Stderr)));
            Assert.That(workers.Count(w => w.Stderr.Contains("reconnected to postgresql://postgres@127.0.0.1", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2));
            using var storage = StudyStorage.OpenExisting(url);
            var stored = storage.LoadTrials();
            AssertEachTrialCompletedOnce(stored, trials);
            Assert.That(stored.Count(t => t.Attempts > 1), Is.LessThanOrEqualTo(4), "after a restart, owners renew before anyone takes over (at most one rerun per worker)");
            Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(SqliteOneWorkerCsv(definition, maxNeurons)));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
