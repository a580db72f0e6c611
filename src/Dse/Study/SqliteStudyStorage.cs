using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace FSpiNN.Dse.Study;

/// <summary>
/// One SQLite file per study. WAL mode lets several processes of one host share it; every claim and every write is
/// a BEGIN IMMEDIATE transaction (so writes, and their sequence numbers, are serialised), and each trial is written
/// as soon as it finishes. Existing files are checked read-only first and never modified if they are not a
/// compatible store; a store of an older schema is migrated in place, in one transaction (see <see cref="Migrate"/>). A new store is built under a
/// private temporary name and published with one rename; temporary files left by a killed creator are removed by the
/// next run.
/// </summary>
public sealed class SqliteStudyStorage : IStudyStorage
{
    public const int SchemaVersion = 4;

    /// <summary>The schema version that added the `replicates` table (a renumbering changes this constant only).</summary>
    private const int ReplicatesSchemaVersion = 4;

    /// <summary>The replicates table (created by new stores and by the migration that adds it).</summary>
    private const string ReplicatesTableSql = """
        CREATE TABLE replicates (
            trial_number INTEGER NOT NULL, replicate INTEGER NOT NULL, candidate_key TEXT NOT NULL, train_samples INTEGER NOT NULL,
            seed INTEGER, accuracy REAL NOT NULL, memory_bytes REAL NOT NULL, train_energy_j REAL NOT NULL, inference_energy_j REAL NOT NULL,
            metrics_json TEXT, details_json TEXT, worker_id TEXT NOT NULL, finished_utc TEXT NOT NULL, duration_s REAL NOT NULL,
            PRIMARY KEY (trial_number, replicate));
        """;
    public const string AppId = "fspinn-dse-study";
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    private readonly SqliteConnection _connection;
    private readonly StorageOptions _options;
    private readonly bool _readOnly;

    private SqliteStudyStorage(string path, SqliteConnection connection, StudyDefinition definition, string name, StorageOptions options, bool readOnly)
    {
        Location = path;
        _connection = connection;
        Definition = definition;
        StudyName = name;
        _options = options;
        _readOnly = readOnly;
        _queue = readOnly ? null : HostWriteQueue.TryOpen(path);
        _hasSequence = Scalar(connection, "SELECT count(*) FROM pragma_table_info('trials') WHERE name = 'seq'") is long n && n > 0;
        _hasValueTable = Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'trial_values'") is long v && v > 0;
        _hasReplicates = Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'replicates'") is long r && r > 0;
    }

    /// <summary>The host's queue of writers to this store (null: SQLite's busy polling alone, as on another OS).</summary>
    private readonly HostWriteQueue? _queue;

    /// <summary>Reused by this handle's incremental reads (parsed candidates, the columns of the result set).</summary>
    private readonly TrialRowCache _rowCache = new();

    /// <summary>Inside <see cref="Write{T}"/>: reads see the write transaction's state, no snapshot of their own.</summary>
    private bool _writing;

    /// <summary>False for a store of schema 1 or 2 opened read-only (never migrated): values are read from its measurement columns.</summary>
    private readonly bool _hasValueTable;

    /// <summary>False for a store older than <see cref="ReplicatesSchemaVersion"/> opened read-only (never migrated): it holds no replicates.</summary>
    private readonly bool _hasReplicates;

    /// <summary>False for a schema-1 store opened read-only (never migrated): every read is a full read in trial order.</summary>
    private readonly bool _hasSequence;

    public string Location { get; }
    public string StudyName { get; }
    public StudyDefinition Definition { get; }

    /// <summary>Opens an existing store for reading (and, unless <paramref name="readOnly"/>, claiming).</summary>
    public static SqliteStudyStorage OpenExisting(string path, string? studyName, StorageOptions options, bool readOnly = false)
    {
        var (definition, name, version) = Inspect(path);
        CheckName(path, name, studyName);
        if (readOnly) return new SqliteStudyStorage(path, ConnectReadOnly(path), definition, name, options, true);
        if (version < SchemaVersion) Migrate(path, options);
        return new SqliteStudyStorage(path, Connect(path, create: false), definition, name, options, false);
    }

    /// <summary>Creates the store, or resumes it if it exists and was created with the same definition.</summary>
    public static SqliteStudyStorage OpenOrCreate(string path, string? studyName, StudyDefinition definition, StorageOptions options)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        RemoveLeftoversOfKilledCreators(directory, Path.GetFileName(path));
        if (File.Exists(path))
        {
            var (stored, name, _) = Inspect(path);
            CheckName(path, name, studyName);
            var diffs = stored.DifferencesFrom(definition);
            if (diffs.Count > 0)
                throw new StudyMismatchException($"store '{path}' holds a different study; refusing to resume it:\n  - {string.Join("\n  - ", diffs)}\nUse another --store, or repeat the original options.");
            return OpenExisting(path, studyName, options);
        }
        Directory.CreateDirectory(directory);
        // Build the whole store under a private name, then publish it with one rename: a process that sees the file
        // always sees a complete store (several workers may start on a new store at the same moment).
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var connection = Connect(temp, create: true))
            {
                Execute(connection, "BEGIN IMMEDIATE");
                Execute(connection, """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE trials (
                        number INTEGER PRIMARY KEY,
                        candidate_key TEXT NOT NULL,
                        config_json TEXT NOT NULL,
                        train_samples INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        metrics_json TEXT, details_json TEXT, violation REAL, error TEXT,
                        seed INTEGER NOT NULL, code_version TEXT NOT NULL,
                        worker_id TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, process_start_ticks INTEGER NOT NULL,
                        attempts INTEGER NOT NULL, started_utc TEXT NOT NULL, finished_utc TEXT, heartbeat_utc TEXT NOT NULL, duration_s REAL,
                        lease_until_utc TEXT, failure_cause TEXT, seq INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX trials_key ON trials(candidate_key, train_samples, status);
                    CREATE INDEX trials_seq ON trials(seq);
                    CREATE TABLE discarded (seq INTEGER PRIMARY KEY, number INTEGER NOT NULL);
                    CREATE TABLE trial_values (number INTEGER NOT NULL, objective INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (number, objective));
                    CREATE TABLE hypervolume_history (
                        completed_count INTEGER PRIMARY KEY, trial_number INTEGER NOT NULL, hypervolume REAL NOT NULL, reference_json TEXT NOT NULL);
                    """ + ReplicatesTableSql);
                SetMeta(connection, "app", AppId);
                SetMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                SetMeta(connection, "definition", definition.ToJson());
                SetMeta(connection, "study_name", studyName ?? StudyStorage.DefaultStudyName(definition));
                SetMeta(connection, "seq", "0");
                SetMeta(connection, "created_utc", DateTime.UtcNow.ToString("O"));
                SetMeta(connection, "created_by", StudyStorage.CodeVersion);
                Execute(connection, "COMMIT");
                // fold the write-ahead log into the main file so that the renamed file is complete on its own
                Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
                Execute(connection, "PRAGMA journal_mode = DELETE");
            }
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // another process published its store first: resume through the checks below
            }
        }
        finally
        {
            foreach (var leftover in TempFamily(temp))
                if (File.Exists(leftover)) File.Delete(leftover);
        }
        return OpenOrCreate(path, studyName, definition, options);
    }

    private static IEnumerable<string> TempFamily(string temp) => [temp, temp + "-wal", temp + "-shm", temp + "-journal"];

    /// <summary>
    /// Removes `.NAME.PID.GUID.tmp` (and its -wal/-shm/-journal) left in <paramref name="directory"/> by a process that
    /// was killed while creating the store NAME. A file whose process is still alive is another creator's: kept.
    /// </summary>
    internal static void RemoveLeftoversOfKilledCreators(string directory, string fileName)
    {
        if (!Directory.Exists(directory)) return;
        var prefix = "." + fileName + ".";
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*"))
        {
            var rest = Path.GetFileName(file)[prefix.Length..];
            var parts = rest.Split('.');
            if (parts.Length < 3 || parts[2] is not ("tmp" or "tmp-wal" or "tmp-shm" or "tmp-journal") || !int.TryParse(parts[0], out var pid)) continue;
            if (pid != Environment.ProcessId && ProcessAlive(pid)) continue;
            if (pid == Environment.ProcessId) continue; // this process's own creation is cleaned up by its finally block
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not ours to remove after all (read-only folder): leave it
            }
        }
    }

    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void CheckName(string path, string storedName, string? requested)
    {
        if (requested is not null && requested != storedName)
            throw new StudyMismatchException($"store '{path}' holds study '{storedName}', not '{requested}' (an SQLite store holds one study); use another --store or --study {storedName}");
    }

    /// <summary>Reads and checks a store without modifying it. Throws <see cref="StoreFormatException"/> for anything not ours.</summary>
    public static (StudyDefinition Definition, string Name, int SchemaVersion) Inspect(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"study store '{path}' does not exist", path);
        var header = new byte[20];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            read = stream.Read(header, 0, header.Length);
        if (read < header.Length || !header.AsSpan(0, SqliteHeader.Length).SequenceEqual(SqliteHeader))
            throw new StoreFormatException($"'{path}' is not an FSpiNN study store (not an SQLite database); it was left untouched");
        try
        {
            using var connection = ConnectForInspection(path, header);
            if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is not long n || n == 0)
                throw new StoreFormatException($"'{path}' is an SQLite database but not an FSpiNN study store (no meta table); it was left untouched");
            var meta = ReadMeta(connection);
            if (!meta.TryGetValue("app", out var app) || app != AppId)
                throw new StoreFormatException($"'{path}' is an SQLite database of another application (app = '{app ?? "none"}'); it was left untouched");
            if (!meta.TryGetValue("schema_version", out var versionText) || !int.TryParse(versionText, CultureInfo.InvariantCulture, out var version) || version is < 1 or > SchemaVersion)
                throw new StoreFormatException($"'{path}' is a study store of schema version {versionText ?? "unknown"}; this build reads versions 1 to {SchemaVersion}; it was left untouched");
            foreach (var table in new[] { "trials", "hypervolume_history" })
                if (Scalar(connection, $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") is not long t || t == 0)
                    throw new StoreFormatException($"'{path}' is a damaged study store: its table '{table}' is missing; it was left untouched");
            if (!meta.TryGetValue("definition", out var definition))
                throw new StoreFormatException($"'{path}' has no study definition; it was left untouched");
            var name = meta.TryGetValue("study_name", out var stored) ? stored : StudyStorage.DefaultStudyName(StudyDefinition.FromJson(definition));
            return (StudyDefinition.FromJson(definition), name, version);
        }
        catch (SqliteException e)
        {
            throw new StoreFormatException($"'{path}' could not be read as a study store ({e.Message}); it was left untouched");
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new StoreFormatException($"'{path}' has a corrupt study definition ({e.Message}); it was left untouched");
        }
    }

    /// <summary>
    /// A WAL-mode file (header bytes 18/19 = 2) cannot be read by a read-only connection while writers are active (the
    /// -shm index needs write access), so it is opened read-write (only SELECTs are run); on a read-only file system
    /// (a read-only bind mount) that fails, and the file is read as immutable instead.
    /// </summary>
    private static SqliteConnection ConnectForInspection(string path, byte[] header)
    {
        var wal = header[18] == 2 && header[19] == 2;
        if (!wal) return Open(path, SqliteOpenMode.ReadOnly);
        try
        {
            var connection = Open(path, SqliteOpenMode.ReadWrite);
            _ = Scalar(connection, "SELECT count(*) FROM sqlite_master");
            return connection;
        }
        catch (SqliteException e) when (IsReadOnlyFailure(e))
        {
            return ConnectReadOnly(path);
        }

        static SqliteConnection Open(string path, SqliteOpenMode mode)
        {
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 30000");
            return connection;
        }
    }

    private static bool IsReadOnlyFailure(SqliteException e) => e.SqliteErrorCode is 8 /* READONLY */ or 14 /* CANTOPEN */ or 23 /* AUTH */ or 10 /* IOERR */;

    /// <summary>
    /// A connection that never writes: read-only, and immutable (no -shm, no locks) when the file or its folder is not
    /// writable, as on a read-only bind mount.
    /// </summary>
    private static SqliteConnection ConnectReadOnly(string path)
    {
        var full = Path.GetFullPath(path);
        var writable = IsWritable(full);
        var source = writable ? full : "file:" + Uri.EscapeDataString(full).Replace("%2F", "/", StringComparison.Ordinal) + "?immutable=1";
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000");
        return connection;
    }

    private static bool IsWritable(string file)
    {
        var directory = Path.GetDirectoryName(file) ?? ".";
        try
        {
            using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete)) { }
            var probe = Path.Combine(directory, $".fspinn-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static SqliteConnection Connect(string path, bool create)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        // Short: a lock held by another process is waited for in BeginImmediate, which says on the log that it waits.
        Execute(connection, "PRAGMA busy_timeout = 1000");
        // switching a store that already is in WAL mode would wait for another process's write lock
        if (!string.Equals(Scalar(connection, "PRAGMA journal_mode") as string, "wal", StringComparison.OrdinalIgnoreCase))
            Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    /// <summary>
    /// Brings an older store to <see cref="SchemaVersion"/> in one transaction, one step per version it lacks (a
    /// concurrent migrator finds the current version and does nothing): 1 to 2 <see cref="MigrateTo2"/>, 2 to 3
    /// <see cref="MigrateTo3"/> (the objective vector), 3 to 4 the replicates table.
    /// </summary>
    private static void Migrate(string path, StorageOptions options)
    {
        using var connection = Connect(path, create: false);
        BeginImmediate(connection, path, options);
        try
        {
            var meta = ReadMeta(connection);
            var version = int.Parse(meta.GetValueOrDefault("schema_version") ?? "0", CultureInfo.InvariantCulture);
            if (version >= SchemaVersion)
            {
                Execute(connection, "ROLLBACK");
                return;
            }
            if (version < 2) MigrateTo2(connection, meta);
            if (version < 3) MigrateTo3(connection, path, StudyDefinition.FromJson(meta["definition"]));
            if (version < ReplicatesSchemaVersion)
            {
                // replicates are stored apart from their trial: older stores simply have none
                Execute(connection, ReplicatesTableSql);
                SetMeta(connection, $"migrated_to_{ReplicatesSchemaVersion}_utc", DateTime.UtcNow.ToString("O"));
            }
            SetMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            Execute(connection, "COMMIT");
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            throw;
        }
    }

    /// <summary>
    /// Schema 1 to 2: a sequence number per row (in trial order), a lease per running trial (its last heartbeat + 60 s,
    /// the staleness limit of schema 1), a failure cause (environment if the stored message names an I/O, memory or
    /// cancellation exception), a table of discarded claims, and the study name.
    /// </summary>
    private static void MigrateTo2(SqliteConnection connection, Dictionary<string, string> meta)
    {
        Execute(connection, """
            ALTER TABLE trials ADD COLUMN lease_until_utc TEXT;
            ALTER TABLE trials ADD COLUMN failure_cause TEXT;
            ALTER TABLE trials ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
            UPDATE trials SET seq = number + 1;
            CREATE INDEX trials_seq ON trials(seq);
            CREATE TABLE discarded (seq INTEGER PRIMARY KEY, number INTEGER NOT NULL);
            """);
        var running = new List<(int Number, string Heartbeat)>();
        var failed = new List<(int Number, string? Error)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT number, status, heartbeat_utc, error FROM trials WHERE status IN ('RUNNING', 'FAILED')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetString(1) == "RUNNING") running.Add((reader.GetInt32(0), reader.GetString(2)));
                else failed.Add((reader.GetInt32(0), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }
        foreach (var (number, heartbeat) in running)
        {
            var lease = DateTime.TryParse(heartbeat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var h)
                ? h + TimeSpan.FromSeconds(60) : DateTime.UnixEpoch;
            Run(connection, "UPDATE trials SET lease_until_utc = @l WHERE number = @n", ("@l", Time(lease)), ("@n", number));
        }
        foreach (var (number, error) in failed)
            Run(connection, "UPDATE trials SET failure_cause = @c WHERE number = @n",
                ("@c", TrialRows.LooksLikeEnvironmentFailure(error) ? "environment" : "configuration"), ("@n", number));
        var maxSeq = Scalar(connection, "SELECT coalesce(max(seq), 0) FROM trials") is long s ? s : 0;
        SetMeta(connection, "seq", maxSeq.ToString(CultureInfo.InvariantCulture));
        SetMeta(connection, "study_name", StudyStorage.DefaultStudyName(StudyDefinition.FromJson(meta["definition"])));
        SetMeta(connection, "migrated_from_1_utc", DateTime.UtcNow.ToString("O"));
    }

    /// <summary>
    /// Schema 2 to 3: the objective values of each COMPLETE trial move from the four measurement columns to
    /// trial_values (one row per objective, in the definition's order), the other measured columns into its metrics
    /// (see <see cref="TrialRecord.FromColumns"/>), and the columns are dropped. Sequence numbers are kept: the rows
    /// mean what they meant.
    /// </summary>
    private static void MigrateTo3(SqliteConnection connection, string path, StudyDefinition definition)
    {
        Execute(connection, "CREATE TABLE trial_values (number INTEGER NOT NULL, objective INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (number, objective))");
        var trials = new List<TrialRecord>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT * FROM trials";
            using var reader = command.ExecuteReader();
            while (reader.Read()) trials.Add(TrialRows.Read(reader, path, definition.Objectives));
        }
        foreach (var t in trials)
        {
            Run(connection, "UPDATE trials SET metrics_json = @m WHERE number = @n", ("@m", JsonSerializer.Serialize(t.Metrics)), ("@n", t.Number));
            foreach (var (objective, value) in TrialRows.ValueRows(t))
                Run(connection, "INSERT INTO trial_values (number, objective, value) VALUES (@n, @o, @v)", ("@n", t.Number), ("@o", objective), ("@v", value));
        }
        foreach (var column in TrialRows.MeasurementColumns) Execute(connection, $"ALTER TABLE trials DROP COLUMN {column}");
        SetMeta(connection, "definition", definition.ToJson());   // the objectives with their directions
        SetMeta(connection, "migrated_from_2_utc", DateTime.UtcNow.ToString("O"));
    }

    private static object Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>
    /// BEGIN IMMEDIATE, waiting for another process's write lock as long as <see cref="StorageOptions.LockWait"/>
    /// allows, and saying on the log that (and for what) it waits.
    /// </summary>
    private static void BeginImmediate(SqliteConnection connection, string path, StorageOptions options)
    {
        var clock = Stopwatch.StartNew();
        var said = TimeSpan.Zero;
        while (true)
        {
            try
            {
                using (var begin = connection.CreateCommand())
                {
                    begin.CommandText = "BEGIN IMMEDIATE";
                    begin.CommandTimeout = 1; // Microsoft.Data.Sqlite retries BUSY for this long, silently: keep it short and say it here
                    begin.ExecuteNonQuery();
                }
                if (said > TimeSpan.Zero) options.Log?.WriteLine($"store '{path}': got the write lock after {clock.Elapsed.TotalSeconds:0.0} s");
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6) // BUSY, LOCKED
            {
                if (clock.Elapsed >= options.LockWait)
                    throw new StorageUnavailableException($"store '{path}' is locked by another process (no write lock after {clock.Elapsed.TotalSeconds:0} s)", e);
                // workers of one study wait for each other's short transactions all the time: say so only when a wait
                // is longer than that (5 s), then every 30 s
                if (said == TimeSpan.Zero ? clock.Elapsed >= TimeSpan.FromSeconds(5) : clock.Elapsed - said >= TimeSpan.FromSeconds(30))
                {
                    said = clock.Elapsed;
                    options.Log?.WriteLine($"store '{path}': waiting for the write lock, held by another process (a transaction of another worker or an SQL client); " +
                        $"waited {clock.Elapsed.TotalSeconds:0} s of at most {options.LockWait.TotalSeconds:0} s");
                }
            }
        }
    }

    /// <summary>
    /// One write transaction. Writers of this host first queue for <see cref="_queue"/> (a blocking lock: a waiter is
    /// woken when the previous writer is done, instead of polling SQLite's lock with sleeps of up to 100 ms), then take
    /// SQLite's own lock, which also excludes writers that do not queue (SQL clients).
    /// </summary>
    private T Write<T>(Func<T> body)
    {
        if (_readOnly) throw new InvalidOperationException($"store '{Location}' was opened read-only");
        var queued = _queue?.Enter(waited => _options.Log?.WriteLine(
            $"store '{Location}': waiting for the write lock, held by another worker of this host (a stopped or hung worker holds it until it dies); waited {waited.TotalSeconds:0} s")) ?? false;
        try
        {
            BeginImmediate(_connection, Location, _options);
            _writing = true;
            try
            {
                var result = body();
                Execute(_connection, "COMMIT");
                return result;
            }
            catch
            {
                Execute(_connection, "ROLLBACK");
                throw;
            }
            finally
            {
                _writing = false;
            }
        }
        finally
        {
            if (queued) _queue!.Exit();
        }
    }

    public IStudyStorage Reconnect() => _readOnly
        ? new SqliteStudyStorage(Location, ConnectReadOnly(Location), Definition, StudyName, _options, true)
        : new SqliteStudyStorage(Location, Connect(Location, create: false), Definition, StudyName, _options, false);

    public T Claim<T>(Func<IClaimTransaction, T> body) => Write(() => body(new Transaction(this)));

    public TrialChanges ReadChanges(long sinceSequence)
    {
        if (_writing) return ReadChangesInTransaction(sinceSequence);
        // one read transaction, so that the three reads see one state of the file (a write committed between them
        // could otherwise be half seen, or skipped below the highest sequence number returned)
        Execute(_connection, "BEGIN");
        try
        {
            return ReadChangesInTransaction(sinceSequence);
        }
        finally
        {
            Execute(_connection, "COMMIT");
        }
    }

    private TrialChanges ReadChangesInTransaction(long sinceSequence)
    {
        var changes = new List<TrialChange>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = _hasSequence ? "SELECT * FROM trials WHERE seq > @since ORDER BY seq" : "SELECT * FROM trials WHERE @since = 0 ORDER BY number";
            command.Parameters.AddWithValue("@since", sinceSequence);
            using var reader = command.ExecuteReader();
            _rowCache.NewResultSet();
            while (reader.Read())
            {
                var t = TrialRows.Read(reader, Location, Definition.Objectives, _rowCache);
                if (!_hasSequence) t = t with { Sequence = t.Number + 1 };
                changes.Add(new TrialChange(t.Sequence, t.Number, t));
            }
        }
        if (_hasValueTable && changes.Any(c => c.Trial?.Status == TrialStatus.Complete))
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT v.number, v.objective, v.value FROM trial_values v JOIN trials t ON t.number = v.number WHERE t.seq > @since";
            command.Parameters.AddWithValue("@since", sinceSequence);
            using var reader = command.ExecuteReader();
            TrialRows.AttachValues(changes, reader, Definition.Objectives.Count, Location);
        }
        if (_hasSequence)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT seq, number FROM discarded WHERE seq > @since";
            command.Parameters.AddWithValue("@since", sinceSequence);
            using var reader = command.ExecuteReader();
            while (reader.Read()) changes.Add(new TrialChange(reader.GetInt64(0), reader.GetInt32(1), null));
            changes.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        }
        var last = changes.Count > 0 ? Math.Max(sinceSequence, changes[^1].Sequence) : sinceSequence;
        return new TrialChanges(changes, last, DateTime.UtcNow);
    }

    private long NextSequence()
    {
        var next = (Scalar(_connection, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'") is long s ? s : 0) + 1;
        SetMeta(_connection, "seq", next.ToString(CultureInfo.InvariantCulture));
        return next;
    }

    public bool Finish(TrialRecord final) => Write(() => FinishInTransaction(final) || AlreadyStored(final));

    /// <summary>Stores <paramref name="final"/> if its trial is still its worker's RUNNING trial; inside a write transaction.</summary>
    private bool FinishInTransaction(TrialRecord final)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"UPDATE trials SET {TrialRows.Assignments}, seq = @seq WHERE number = @number AND worker_id = @worker_id AND status = 'RUNNING'";
        TrialRows.Bind(command, final with { LeaseUntilUtc = null }, Time);
        command.Parameters.AddWithValue("@seq", NextSequence());
        if (command.ExecuteNonQuery() != 1) return false;
        WriteValues(_connection, final);
        return true;
    }

    /// <summary>Replaces the stored objective values of <paramref name="t"/> by its own (none unless COMPLETE).</summary>
    private static void WriteValues(SqliteConnection connection, TrialRecord t)
    {
        Run(connection, "DELETE FROM trial_values WHERE number = @n", ("@n", t.Number));
        foreach (var (objective, value) in TrialRows.ValueRows(t))
            Run(connection, "INSERT INTO trial_values (number, objective, value) VALUES (@n, @o, @v)", ("@n", t.Number), ("@o", objective), ("@v", value));
    }

    /// <summary>A repeated Finish whose first attempt was committed.</summary>
    private bool AlreadyStored(TrialRecord final)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM trials WHERE number = @n AND worker_id = @w AND status = @s";
        command.Parameters.AddWithValue("@n", final.Number);
        command.Parameters.AddWithValue("@w", final.WorkerId);
        command.Parameters.AddWithValue("@s", TrialRows.StatusText(final.Status));
        return command.ExecuteScalar() is long n && n == 1;
    }

    public bool Heartbeat(string workerId, int number, TimeSpan lease) => Write(() =>
    {
        var seq = NextSequence();
        var now = DateTime.UtcNow;
        return Run(_connection, "UPDATE trials SET heartbeat_utc = @h, lease_until_utc = @l, seq = @seq WHERE number = @n AND worker_id = @w AND status = 'RUNNING'",
            ("@h", Time(now)), ("@l", Time(now + lease)), ("@seq", seq), ("@n", number), ("@w", workerId)) == 1;
    });

    public bool Discard(string workerId, int number) => Write(() =>
    {
        var removed = Run(_connection, "DELETE FROM trials WHERE number = @n AND worker_id = @w AND status = 'RUNNING'", ("@n", number), ("@w", workerId)) == 1;
        if (removed)
        {
            Run(_connection, "DELETE FROM trial_values WHERE number = @n", ("@n", number));
            Run(_connection, "INSERT INTO discarded (seq, number) VALUES (@s, @n)", ("@s", NextSequence()), ("@n", number));
        }
        return removed;
    });

    public IReadOnlyList<StoredHypervolume> HypervolumeHistory()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT completed_count, trial_number, hypervolume, reference_json FROM hypervolume_history ORDER BY completed_count";
        using var reader = command.ExecuteReader();
        var list = new List<StoredHypervolume>();
        while (reader.Read()) list.Add(new StoredHypervolume(reader.GetInt32(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetString(3)));
        return list;
    }

    public bool StoreReplicate(string workerId, ReplicateRecord replicate) => Write(() =>
    {
        using (var owned = _connection.CreateCommand())
        {
            owned.CommandText = "SELECT count(*) FROM trials WHERE number = @n AND worker_id = @w AND status = 'RUNNING'";
            owned.Parameters.AddWithValue("@n", replicate.TrialNumber);
            owned.Parameters.AddWithValue("@w", workerId);
            if (owned.ExecuteScalar() is not long n || n != 1) return false;
        }
        using var command = _connection.CreateCommand();
        command.CommandText = $"INSERT INTO replicates ({ReplicateRows.ColumnList}) VALUES ({ReplicateRows.ParameterList}) " +
                              $"ON CONFLICT (trial_number, replicate) DO UPDATE SET {ReplicateRows.Assignments()}";
        ReplicateRows.Bind(command, replicate, Time);
        command.ExecuteNonQuery();
        return true;
    });

    public IReadOnlyList<ReplicateRecord> ReadReplicates(int? trialNumber = null)
    {
        if (!_hasReplicates) return [];
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT {ReplicateRows.ColumnList} FROM replicates WHERE @n IS NULL OR trial_number = @n ORDER BY trial_number, replicate";
        command.Parameters.AddWithValue("@n", (object?)trialNumber ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var list = new List<ReplicateRecord>();
        while (reader.Read()) list.Add(ReplicateRows.Read(reader, Location));
        return list;
    }

    /// <summary>Meta entries (app, schema, definition, creation, hypervolume reference).</summary>
    public IReadOnlyDictionary<string, string> Meta() => ReadMeta(_connection);

    private sealed class Transaction(SqliteStudyStorage storage) : IClaimTransaction
    {
        private readonly SqliteConnection _c = storage._connection;

        public TrialChanges ReadChanges(long sinceSequence) => storage.ReadChanges(sinceSequence);

        public void Finish(TrialRecord final) => storage.FinishInTransaction(final);

        public void Insert(TrialRecord trial, TimeSpan lease)
        {
            using var command = _c.CreateCommand();
            command.CommandText = $"INSERT INTO trials ({TrialRows.ColumnList}, seq) VALUES ({TrialRows.ParameterList}, @seq)";
            TrialRows.Bind(command, WithLease(trial, lease), Time);
            command.Parameters.AddWithValue("@seq", storage.NextSequence());
            command.ExecuteNonQuery();
            WriteValues(_c, trial);
        }

        public bool Replace(TrialRecord updated, long expectedSequence, TimeSpan lease)
        {
            using var command = _c.CreateCommand();
            command.CommandText = $"UPDATE trials SET {TrialRows.Assignments}, seq = @seq WHERE number = @number AND seq = @expected";
            TrialRows.Bind(command, WithLease(updated, lease), Time);
            command.Parameters.AddWithValue("@seq", storage.NextSequence());
            command.Parameters.AddWithValue("@expected", expectedSequence);
            if (command.ExecuteNonQuery() != 1) return false;
            WriteValues(_c, updated);
            return true;
        }

        private static TrialRecord WithLease(TrialRecord t, TimeSpan lease)
        {
            if (t.Status != TrialStatus.Running) return t with { LeaseUntilUtc = null };
            var now = DateTime.UtcNow;
            return t with { HeartbeatUtc = now, LeaseUntilUtc = now + lease };
        }

        public string? HypervolumeReference() => ReadMeta(_c).GetValueOrDefault("hv_reference");

        public void SetHypervolumeReference(string referenceJson) => SetMeta(_c, "hv_reference", referenceJson);

        public int HypervolumeCount() => Scalar(_c, "SELECT coalesce(max(completed_count), 0) FROM hypervolume_history") is long n ? (int)n : 0; // entries are 1..n

        public void AppendHypervolume(StoredHypervolume e) =>
            Run(_c, "INSERT OR REPLACE INTO hypervolume_history VALUES (@count, @trial, @hv, @ref)",
                ("@count", e.CompletedCount), ("@trial", e.TrialNumber), ("@hv", e.Hypervolume), ("@ref", e.ReferenceJson));
    }

    private static Dictionary<string, string> ReadMeta(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM meta";
        using var reader = command.ExecuteReader();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
        return meta;
    }

    private static void SetMeta(SqliteConnection connection, string key, string value) =>
        Run(connection, "INSERT OR REPLACE INTO meta (key, value) VALUES (@k, @v)", ("@k", key), ("@v", value));

    private static int Run(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        _connection.Dispose();
        _queue?.Dispose();
    }
}
