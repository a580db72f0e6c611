using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace FSpiNN.Dse.Study;

/// <summary>A file is not a usable study store (garbage, other schema, other study). The file is left untouched.</summary>
public sealed class StoreFormatException(string message) : Exception(message);

/// <summary>Resuming would mix incompatible runs (other data, space, strategy...). Nothing was written.</summary>
public sealed class StudyMismatchException(string message) : Exception(message);

/// <summary>
/// One SQLite file per study. WAL mode and a busy timeout let several processes share it; every claim and every
/// result is written inside a BEGIN IMMEDIATE transaction, and each trial is written as soon as it finishes.
/// Existing files are checked read-only first and never modified if they are not a compatible store.
/// </summary>
public sealed class StudyStore : IDisposable
{
    public const int SchemaVersion = 1;
    public const string AppId = "fspinn-dse-study";
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    private readonly SqliteConnection _connection;

    private StudyStore(string path, SqliteConnection connection, StudyDefinition definition)
    {
        Path = path;
        _connection = connection;
        Definition = definition;
    }

    public string Path { get; }
    public StudyDefinition Definition { get; }

    public static string CodeVersion { get; } =
        typeof(StudyStore).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Opens an existing store (checked read-only first) for reading and claiming.</summary>
    public static StudyStore OpenExisting(string path)
    {
        var definition = Inspect(path);
        return new StudyStore(path, Connect(path, create: false), definition);
    }

    /// <summary>A second connection to a store this process already checked (for heartbeats).</summary>
    internal static StudyStore Reconnect(StudyStore store) => new(store.Path, Connect(store.Path, create: false), store.Definition);

    /// <summary>Creates the store, or resumes it if it exists and was created with the same definition.</summary>
    public static StudyStore OpenOrCreate(string path, StudyDefinition definition)
    {
        if (File.Exists(path))
        {
            var stored = Inspect(path);
            var diffs = stored.DifferencesFrom(definition);
            if (diffs.Count > 0)
                throw new StudyMismatchException($"store '{path}' holds a different study; refusing to resume it:\n  - {string.Join("\n  - ", diffs)}\nUse another --store, or repeat the original options.");
            return new StudyStore(path, Connect(path, create: false), stored);
        }
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        // Build the whole store under a private name, then publish it with one rename: a process that sees the file
        // always sees a complete store (several workers may start on a new store at the same moment).
        var temp = System.IO.Path.Combine(directory ?? ".", $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
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
                        accuracy REAL, memory_bytes REAL, train_energy_j REAL, inference_energy_j REAL,
                        metrics_json TEXT, details_json TEXT, violation REAL, error TEXT,
                        seed INTEGER NOT NULL, code_version TEXT NOT NULL,
                        worker_id TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, process_start_ticks INTEGER NOT NULL,
                        attempts INTEGER NOT NULL, started_utc TEXT NOT NULL, finished_utc TEXT, heartbeat_utc TEXT NOT NULL, duration_s REAL);
                    CREATE INDEX trials_key ON trials(candidate_key, train_samples, status);
                    CREATE TABLE hypervolume_history (
                        completed_count INTEGER PRIMARY KEY, trial_number INTEGER NOT NULL, hypervolume REAL NOT NULL, reference_json TEXT NOT NULL);
                    """);
                SetMeta(connection, "app", AppId);
                SetMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                SetMeta(connection, "definition", definition.ToJson());
                SetMeta(connection, "created_utc", DateTime.UtcNow.ToString("O"));
                SetMeta(connection, "created_by", CodeVersion);
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
            foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm", temp + "-journal" })
                if (File.Exists(leftover)) File.Delete(leftover);
        }
        return OpenOrCreate(path, definition);
    }

    /// <summary>Reads and checks a store without modifying it. Throws <see cref="StoreFormatException"/> for anything not ours.</summary>
    public static StudyDefinition Inspect(string path)
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
            // A WAL-mode file (header bytes 18/19 = 2) cannot be read by a read-only connection while writers are
            // active (the -shm index needs write access), so it is opened read-write; only SELECTs are run either way.
            var wal = header[18] == 2 && header[19] == 2;
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path, Mode = wal ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30,
            }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 30000");
            if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is not long n || n == 0)
                throw new StoreFormatException($"'{path}' is an SQLite database but not an FSpiNN study store (no meta table); it was left untouched");
            var meta = ReadMeta(connection);
            if (!meta.TryGetValue("app", out var app) || app != AppId)
                throw new StoreFormatException($"'{path}' is an SQLite database of another application (app = '{app ?? "none"}'); it was left untouched");
            if (!meta.TryGetValue("schema_version", out var version) || version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
                throw new StoreFormatException($"'{path}' is a study store of schema version {version ?? "unknown"}; this build reads version {SchemaVersion} only; it was left untouched");
            if (!meta.TryGetValue("definition", out var definition))
                throw new StoreFormatException($"'{path}' has no study definition; it was left untouched");
            return StudyDefinition.FromJson(definition);
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
        Execute(connection, "PRAGMA busy_timeout = 60000");
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    /// <summary>Runs <paramref name="body"/> inside BEGIN IMMEDIATE ... COMMIT (rolled back on exception).</summary>
    public T InTransaction<T>(Func<T> body)
    {
        Execute(_connection, "BEGIN IMMEDIATE");
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
    }

    public IReadOnlyDictionary<string, string> Meta() => ReadMeta(_connection);

    public void SetMeta(string key, string value) => SetMeta(_connection, key, value);

    public IReadOnlyList<TrialRecord> LoadTrials()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT * FROM trials ORDER BY number";
        using var reader = command.ExecuteReader();
        var list = new List<TrialRecord>();
        while (reader.Read()) list.Add(ReadTrial(reader));
        return list;
    }

    public void InsertTrial(TrialRecord t)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO trials (number, candidate_key, config_json, train_samples, status, accuracy, memory_bytes, train_energy_j,
                inference_energy_j, metrics_json, details_json, violation, error, seed, code_version, worker_id, host, pid,
                process_start_ticks, attempts, started_utc, finished_utc, heartbeat_utc, duration_s)
            VALUES ($number, $key, $config, $samples, $status, $acc, $mem, $etrain, $einf, $metrics, $details, $viol, $error, $seed,
                $code, $worker, $host, $pid, $pstart, $attempts, $started, $finished, $heartbeat, $duration)
            """;
        BindTrial(command, t);
        command.ExecuteNonQuery();
    }

    /// <summary>Overwrites a trial row (status change, result, reclaim).</summary>
    public void UpdateTrial(TrialRecord t)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            UPDATE trials SET status = $status, accuracy = $acc, memory_bytes = $mem, train_energy_j = $etrain,
                inference_energy_j = $einf, metrics_json = $metrics, details_json = $details, violation = $viol, error = $error,
                code_version = $code, worker_id = $worker, host = $host, pid = $pid, process_start_ticks = $pstart,
                attempts = $attempts, started_utc = $started, finished_utc = $finished, heartbeat_utc = $heartbeat, duration_s = $duration
            WHERE number = $number AND candidate_key = $key
            """;
        BindTrial(command, t);
        if (command.ExecuteNonQuery() != 1) throw new InvalidOperationException($"trial {t.Number} was not found in '{Path}'");
    }

    /// <summary>
    /// Removes a trial this worker claimed and is still running (a cancelled evaluation), so that it is proposed and
    /// claimed afresh later instead of counting as abandoned. Returns false if the row is no longer this worker's.
    /// </summary>
    public bool DeleteRunningTrial(int number, string workerId)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM trials WHERE number = $number AND worker_id = $worker AND status = 'RUNNING'";
        command.Parameters.AddWithValue("$number", number);
        command.Parameters.AddWithValue("$worker", workerId);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Refreshes the heartbeat of trials this worker runs (its own short transaction).</summary>
    public void Heartbeat(string workerId, IReadOnlyCollection<int> numbers)
    {
        if (numbers.Count == 0) return;
        using var command = _connection.CreateCommand();
        command.CommandText = $"UPDATE trials SET heartbeat_utc = $now WHERE worker_id = $worker AND status = 'RUNNING' AND number IN ({string.Join(',', numbers)})";
        command.Parameters.AddWithValue("$now", DateTime.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$worker", workerId);
        command.ExecuteNonQuery();
    }

    public void AppendHypervolume(int completedCount, int trialNumber, double hypervolume, string referenceJson)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO hypervolume_history VALUES ($count, $trial, $hv, $ref)";
        command.Parameters.AddWithValue("$count", completedCount);
        command.Parameters.AddWithValue("$trial", trialNumber);
        command.Parameters.AddWithValue("$hv", hypervolume);
        command.Parameters.AddWithValue("$ref", referenceJson);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<(int CompletedCount, int TrialNumber, double Hypervolume, string ReferenceJson)> HypervolumeHistory()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT completed_count, trial_number, hypervolume, reference_json FROM hypervolume_history ORDER BY completed_count";
        using var reader = command.ExecuteReader();
        var list = new List<(int, int, double, string)>();
        while (reader.Read()) list.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetString(3)));
        return list;
    }

    private static void BindTrial(SqliteCommand c, TrialRecord t)
    {
        object N(double? v) => v is { } x ? x : DBNull.Value;
        c.Parameters.AddWithValue("$number", t.Number);
        c.Parameters.AddWithValue("$key", t.Candidate.Key);
        c.Parameters.AddWithValue("$config", t.Candidate.ToJson());
        c.Parameters.AddWithValue("$samples", t.TrainSamples);
        c.Parameters.AddWithValue("$status", t.Status.ToString().ToUpperInvariant());
        c.Parameters.AddWithValue("$acc", N(t.Accuracy));
        c.Parameters.AddWithValue("$mem", N(t.MemoryBytes));
        c.Parameters.AddWithValue("$etrain", N(t.TrainEnergyJoules));
        c.Parameters.AddWithValue("$einf", N(t.InferenceEnergyJoules));
        c.Parameters.AddWithValue("$metrics", JsonSerializer.Serialize(t.Metrics));
        c.Parameters.AddWithValue("$details", (object?)t.DetailsJson ?? DBNull.Value);
        c.Parameters.AddWithValue("$viol", N(t.Violation));
        c.Parameters.AddWithValue("$error", (object?)t.Error ?? DBNull.Value);
        c.Parameters.AddWithValue("$seed", t.Seed);
        c.Parameters.AddWithValue("$code", t.CodeVersion);
        c.Parameters.AddWithValue("$worker", t.WorkerId);
        c.Parameters.AddWithValue("$host", t.Host);
        c.Parameters.AddWithValue("$pid", t.Pid);
        c.Parameters.AddWithValue("$pstart", t.ProcessStartTicks);
        c.Parameters.AddWithValue("$attempts", t.Attempts);
        c.Parameters.AddWithValue("$started", t.StartedUtc.ToString("O"));
        c.Parameters.AddWithValue("$finished", t.FinishedUtc is { } f ? f.ToString("O") : DBNull.Value);
        c.Parameters.AddWithValue("$heartbeat", t.HeartbeatUtc.ToString("O"));
        c.Parameters.AddWithValue("$duration", N(t.DurationSeconds));
    }

    private static TrialRecord ReadTrial(SqliteDataReader r)
    {
        double? D(string name) => r.IsDBNull(r.GetOrdinal(name)) ? null : r.GetDouble(r.GetOrdinal(name));
        string? S(string name) => r.IsDBNull(r.GetOrdinal(name)) ? null : r.GetString(r.GetOrdinal(name));
        DateTime T(string name) => DateTime.Parse(r.GetString(r.GetOrdinal(name)), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var metrics = S("metrics_json") is { } m ? JsonSerializer.Deserialize<Dictionary<string, double>>(m) ?? [] : [];
        return new TrialRecord(
            r.GetInt32(r.GetOrdinal("number")),
            Candidate.FromJson(r.GetString(r.GetOrdinal("config_json"))),
            r.GetInt32(r.GetOrdinal("train_samples")),
            Enum.Parse<TrialStatus>(r.GetString(r.GetOrdinal("status")), ignoreCase: true),
            D("accuracy"), D("memory_bytes"), D("train_energy_j"), D("inference_energy_j"),
            metrics, S("details_json"), D("violation"), S("error"),
            r.GetInt32(r.GetOrdinal("seed")), r.GetString(r.GetOrdinal("code_version")),
            r.GetString(r.GetOrdinal("worker_id")), r.GetString(r.GetOrdinal("host")), r.GetInt32(r.GetOrdinal("pid")),
            r.GetInt64(r.GetOrdinal("process_start_ticks")), r.GetInt32(r.GetOrdinal("attempts")),
            T("started_utc"), S("finished_utc") is null ? null : T("finished_utc"), T("heartbeat_utc"), D("duration_s"));
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

    private static void SetMeta(SqliteConnection connection, string key, string value)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($k, $v)";
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
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

    public void Dispose() => _connection.Dispose();
}
