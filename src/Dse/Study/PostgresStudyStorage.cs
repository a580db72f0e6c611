using System.Data;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace FSpiNN.Dse.Study;

/// <summary>
/// Studies in a PostgreSQL database (tables prefixed `fspinn_`), shared by workers on any number of hosts.
/// <para>
/// Claiming: trial numbers are unique per study (primary key), and a claim locks the study's row
/// (`SELECT … FOR NO KEY UPDATE`, which excludes other claims but not the foreign-key checks of other writes) until it
/// commits. A claim is not a pick from a queue of pre-made rows (which
/// `FOR UPDATE SKIP LOCKED` suits): the strategy is a deterministic ask/tell replay, so trial N only exists once its
/// proposer has seen every result before it, and two workers must not propose trial N from different views. Holding
/// the study row for the few milliseconds of a claim gives each claimer the current state. The evaluation itself runs
/// outside any transaction.
/// </para>
/// <para>
/// Versions and incremental reads (schema 4): every write stamps the rows it writes with its transaction's id
/// (`pg_current_xact_id()`, column `xid`), and a read returns, with the rows, the oldest transaction id still running
/// in its snapshot (`pg_snapshot_xmin`) as the cursor for the next read. Every transaction below that cursor had ended
/// when the read ran, so its rows were in the read; every write the read could not see has an id at or above it and
/// is returned by the next read. That orders commits without a lock: a result, a lease renewal or a removal is one
/// statement that touches only its trial's row (and a removal's record), so it neither waits for the claims nor makes
/// them wait, and concurrent ones share their WAL flush (group commit). The price: a change whose transaction was
/// still running at the previous read (or merely younger than the oldest transaction then running anywhere on the
/// server) is returned again. Each change is its row's whole current state, so a reader that keeps the last state per
/// trial is unaffected. Before schema 4 every write bumped a counter on the study's row and committed in that order,
/// so the results of all workers passed the claims' lock one at a time (experiments/store-bench/README.md, run 8).
/// Per-trial cost: a read scans the index range (study, xid) from the cursor and a claim writes one row, independent
/// of the number of stored trials.
/// </para>
/// <para>
/// Leases are measured on the server's clock. After a server restart every lease gets at least one lease period from
/// the restart, so that owners that kept working while the server was down can renew before anyone takes their
/// trials over.
/// </para>
/// </summary>
public sealed class PostgresStudyStorage : IStudyStorage
{
    public const int SchemaVersion = 4;

    /// <summary>The schema version that added `fspinn_replicates` (a renumbering changes this constant only).</summary>
    private const int ReplicatesSchemaVersion = 3;

    /// <summary>The schema version whose trial rows carry the writing transaction's id instead of a study sequence number.</summary>
    private const int XidSchemaVersion = 4;

    /// <summary>The oldest server version with the functions schema 4 uses.</summary>
    public const int MinimumServerVersion = 13;

    /// <summary>The transaction's id as a bigint (an xid8, far below 2^63), stamped on every row it writes.</summary>
    private const string CurrentXid = "pg_current_xact_id()::text::bigint";

    private const string ReplicatesTableSql = """
        CREATE TABLE fspinn_replicates (
            study_id integer NOT NULL REFERENCES fspinn_studies(id), trial_number integer NOT NULL, replicate integer NOT NULL,
            candidate_key text NOT NULL, train_samples integer NOT NULL, seed bigint, accuracy double precision NOT NULL,
            memory_bytes double precision NOT NULL, train_energy_j double precision NOT NULL, inference_energy_j double precision NOT NULL,
            metrics_json text, details_json text, worker_id text NOT NULL, finished_utc timestamptz NOT NULL, duration_s double precision NOT NULL,
            PRIMARY KEY (study_id, trial_number, replicate));
        """;
    private const string SchemaLockKey = "fspinn-dse-schema";

    private readonly NpgsqlDataSource _source;
    private readonly int _studyId;
    private readonly StorageOptions _options;
    /// <summary>Reused by this handle's incremental reads (parsed candidates, the columns of the result set).</summary>
    private readonly TrialRowCache _rowCache = new();

    private PostgresStudyStorage(NpgsqlDataSource source, string location, int studyId, string name, StudyDefinition definition, StorageOptions options)
    {
        _source = source;
        Location = location;
        _studyId = studyId;
        StudyName = name;
        Definition = definition;
        _options = options;
    }

    public string Location { get; }
    public string StudyName { get; }
    public StudyDefinition Definition { get; }

    /// <summary>A parsed `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`; <see cref="Redacted"/> is safe to print.</summary>
    public sealed record DatabaseUrl(string User, string? Password, string Host, int Port, string Database)
    {
        public string Redacted => $"postgresql://{Uri.EscapeDataString(User)}@{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/{Uri.EscapeDataString(Database)}";

        public static DatabaseUrl Parse(string url)
        {
            string Bad(string why) => throw new StoreFormatException(
                $"--store '{RedactLoosely(url)}' is not a PostgreSQL URL ({why}); expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres")) Bad("cannot be parsed");
            if (string.IsNullOrEmpty(uri!.Host)) Bad("no host");
            if (uri.Query.Length > 1) Bad("query parameters are not supported");
            var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
            if (database.Length == 0 || database.Contains('/')) Bad("no database name after the host");
            var userInfo = uri.UserInfo;
            if (userInfo.Length == 0) Bad("no user name before '@'");
            var colon = userInfo.IndexOf(':');
            var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            return new DatabaseUrl(user, password, uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, database);
        }

        /// <summary>For messages about a URL that could not be parsed: drops anything between "://" and "@" after a colon.</summary>
        private static string RedactLoosely(string url)
        {
            var at = url.LastIndexOf('@');
            var start = url.IndexOf("://", StringComparison.Ordinal);
            if (at < 0 || start < 0 || at < start) return url;
            var userInfo = url[(start + 3)..at];
            var colon = userInfo.IndexOf(':');
            return colon < 0 ? url : url[..(start + 3)] + userInfo[..colon] + url[at..];
        }
    }

    private static readonly Dictionary<string, NpgsqlDataSource> Sources = [];

    /// <summary>One pooled data source per URL and connect timeout, shared by every handle of this process.</summary>
    private static NpgsqlDataSource Source(DatabaseUrl url, StorageOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host, Port = url.Port, Database = url.Database, Username = url.User,
            Timeout = Math.Max(1, (int)options.Connect.TotalSeconds), CommandTimeout = 120, ApplicationName = "fspinn",
            Pooling = true, MaxPoolSize = 64,
            // a pooled connection is reused as it is (no DISCARD ALL sent with its next command), so the statements it
            // prepared automatically stay prepared: a claim's dozen statements are parsed and planned once per connection
            NoResetOnClose = true, MaxAutoPrepare = 32, AutoPrepareMinUsages = 2,
        };
        // Without a password in the URL, Npgsql reads PGPASSWORD, then PGPASSFILE or ~/.pgpass, as libpq does.
        if (url.Password is not null) builder.Password = url.Password;
        var key = builder.ConnectionString;
        lock (Sources)
        {
            if (!Sources.TryGetValue(key, out var source)) Sources[key] = source = NpgsqlDataSource.Create(builder);
            return source;
        }
    }

    public static PostgresStudyStorage OpenOrCreate(string store, string studyName, StudyDefinition definition, StorageOptions options)
    {
        var url = DatabaseUrl.Parse(store);
        var source = Source(url, options);
        return Guard(url.Redacted, () =>
        {
            using var connection = OpenConnection(source, url);
            EnsureSchema(connection, url, create: true);
            var (id, stored) = FindStudy(connection, studyName);
            if (stored is null)
            {
                using var insert = Command(connection, """
                    INSERT INTO fspinn_studies (name, definition, created_by) VALUES (@name, @definition, @code)
                    ON CONFLICT (name) DO NOTHING
                    """, ("name", studyName), ("definition", definition.ToJson()), ("code", StudyStorage.CodeVersion));
                insert.ExecuteNonQuery();
                (id, stored) = FindStudy(connection, studyName);
            }
            var diffs = stored!.DifferencesFrom(definition);
            if (diffs.Count > 0)
                throw new StudyMismatchException($"study '{studyName}' in {url.Redacted} is a different study; refusing to resume it:\n  - {string.Join("\n  - ", diffs)}\n" +
                    "Use another --study, or repeat the original options.");
            return new PostgresStudyStorage(source, url.Redacted, id, studyName, stored, options);
        });
    }

    public static PostgresStudyStorage OpenExisting(string store, string? studyName, StorageOptions options)
    {
        var url = DatabaseUrl.Parse(store);
        var source = Source(url, options);
        return Guard(url.Redacted, () =>
        {
            using var connection = OpenConnection(source, url);
            EnsureSchema(connection, url, create: false);
            if (studyName is null)
            {
                var names = StudyNames(connection);
                if (names.Count != 1)
                    throw new StudyMismatchException(names.Count == 0
                        ? $"{url.Redacted} holds no study yet; start one with fspinn explore --store URL"
                        : $"{url.Redacted} holds {names.Count} studies ({string.Join(", ", names)}); choose one with --study NAME");
                studyName = names[0];
            }
            var (id, stored) = FindStudy(connection, studyName);
            if (stored is null)
                throw new StudyMismatchException($"{url.Redacted} holds no study named '{studyName}' (studies: {string.Join(", ", StudyNames(connection).DefaultIfEmpty("none"))})");
            return new PostgresStudyStorage(source, url.Redacted, id, studyName, stored, options);
        });
    }

    public static IReadOnlyList<StudySummary> ListStudies(string store, StorageOptions options)
    {
        var url = DatabaseUrl.Parse(store);
        var source = Source(url, options);
        return Guard(url.Redacted, () =>
        {
            using var connection = OpenConnection(source, url);
            EnsureSchema(connection, url, create: false);
            using var command = Command(connection, """
                SELECT s.name, s.definition, s.created_utc, count(t.number),
                       count(*) FILTER (WHERE t.status = 'COMPLETE'), count(*) FILTER (WHERE t.status = 'RUNNING'), count(*) FILTER (WHERE t.status = 'FAILED')
                FROM fspinn_studies s LEFT JOIN fspinn_trials t ON t.study_id = s.id
                GROUP BY s.id ORDER BY s.name
                """);
            using var reader = command.ExecuteReader();
            var list = new List<StudySummary>();
            while (reader.Read())
                list.Add(new StudySummary(reader.GetString(0), StudyDefinition.FromJson(reader.GetString(1)), reader.GetDateTime(2),
                    (int)reader.GetInt64(3), (int)reader.GetInt64(4), (int)reader.GetInt64(5), (int)reader.GetInt64(6)));
            return list;
        });
    }

    private static NpgsqlConnection OpenConnection(NpgsqlDataSource source, DatabaseUrl url)
    {
        try
        {
            return source.OpenConnection();
        }
        catch (PostgresException e) when (e.SqlState is "28P01" or "28000")
        {
            throw new StoreFormatException($"{url.Redacted}: the server refused user '{url.User}' ({e.MessageText}); " +
                "check the user and the password (in the URL, PGPASSWORD or ~/.pgpass)");
        }
        catch (PostgresException e) when (e.SqlState == "3D000")
        {
            throw new StoreFormatException($"{url.Redacted}: database '{url.Database}' does not exist on the server; create it first (createdb {url.Database})");
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new StorageUnavailableException($"{url.Redacted}: cannot reach the PostgreSQL server ({Innermost(e).Message}); is it running, and are host and port right?", e);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>
    /// Checks that the database holds this application's schema of this version. <paramref name="create"/>: an empty
    /// database gets the schema; a schema of an older version is migrated in place (both under an advisory lock, so that
    /// workers starting together do it once). Anything else (another application's tables, a newer version) is refused
    /// before any write.
    /// </summary>
    private static void EnsureSchema(NpgsqlConnection connection, DatabaseUrl url, bool create)
    {
        // pg_current_xact_id, pg_current_snapshot and pg_snapshot_xmin (schema 4's versions and cursors) came with 13
        if (connection.PostgreSqlVersion.Major < MinimumServerVersion)
            throw new StoreFormatException($"{url.Redacted}: the server is PostgreSQL {connection.ServerVersion}; FSpiNN studies need PostgreSQL " +
                $"{MinimumServerVersion} or newer; nothing was changed");
        var version = SchemaState(connection, url);
        if (version == SchemaVersion) return;
        if (version is null && !create)
            throw new StoreFormatException($"{url.Redacted} holds no FSpiNN study schema (an empty database); nothing was changed. " +
                "Start a study there with fspinn explore --store URL");
        // A session lock taken before the transaction: the transaction then starts after the lock, so its catalog
        // lookups see tables another worker created meanwhile (a lock on no relation does not refresh them).
        using (var lockCommand = Command(connection, "SELECT pg_advisory_lock(hashtext(@key))", ("key", SchemaLockKey))) lockCommand.ExecuteNonQuery();
        try
        {
            CreateOrMigrateSchema(connection, url);
        }
        finally
        {
            using var unlock = Command(connection, "SELECT pg_advisory_unlock(hashtext(@key))", ("key", SchemaLockKey));
            unlock.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// In one transaction (a concurrent worker, serialised by the schema lock, finds the current version): an empty
    /// database gets the schema; an older one is migrated one step per version it lacks, 1 to 2 <see cref="MigrateTo2"/>
    /// (the objective vector), 2 to 3 the replicates table.
    /// </summary>
    private static void CreateOrMigrateSchema(NpgsqlConnection connection, DatabaseUrl url)
    {
        using var transaction = connection.BeginTransaction();
        var version = SchemaState(connection, url);
        if (version == SchemaVersion)
        {
            transaction.Commit();
            return;
        }
        if (version is { } older)
        {
            if (older < 2) MigrateTo2(connection, url);
            if (older < ReplicatesSchemaVersion)
                using (var add = Command(connection, ReplicatesTableSql)) add.ExecuteNonQuery();
            if (older < XidSchemaVersion)
                using (var xid = Command(connection, MigrateToXidSql)) xid.ExecuteNonQuery();
            using (var set = Command(connection, "UPDATE fspinn_meta SET value = @v WHERE key = 'schema_version'",
                       ("v", SchemaVersion.ToString(CultureInfo.InvariantCulture)))) set.ExecuteNonQuery();
            transaction.Commit();
            return;
        }
        using (var ddl = Command(connection, $"""
            CREATE TABLE fspinn_meta (key text PRIMARY KEY, value text NOT NULL);
            CREATE TABLE fspinn_studies (
                id serial PRIMARY KEY, name text NOT NULL UNIQUE, definition text NOT NULL,
                hv_reference text, created_utc timestamptz NOT NULL DEFAULT now(), created_by text NOT NULL);
            CREATE TABLE fspinn_trials (
                study_id integer NOT NULL REFERENCES fspinn_studies(id), number integer NOT NULL,
                candidate_key text NOT NULL, config_json text NOT NULL, train_samples integer NOT NULL, status text NOT NULL,
                metrics_json text, details_json text, violation double precision, error text, failure_cause text,
                seed integer NOT NULL, code_version text NOT NULL, worker_id text NOT NULL, host text NOT NULL, pid integer NOT NULL,
                process_start_ticks bigint NOT NULL, attempts integer NOT NULL, started_utc timestamptz NOT NULL, finished_utc timestamptz,
                heartbeat_utc timestamptz NOT NULL, lease_until_utc timestamptz, duration_s double precision, xid bigint NOT NULL,
                PRIMARY KEY (study_id, number));
            CREATE INDEX fspinn_trials_xid ON fspinn_trials (study_id, xid);
            CREATE TABLE fspinn_discarded (study_id integer NOT NULL REFERENCES fspinn_studies(id), xid bigint NOT NULL, number integer NOT NULL);
            CREATE INDEX fspinn_discarded_xid ON fspinn_discarded (study_id, xid);
            {TrialValuesDdl}
            CREATE TABLE fspinn_hypervolume (study_id integer NOT NULL REFERENCES fspinn_studies(id), completed_count integer NOT NULL,
                trial_number integer NOT NULL, hypervolume double precision NOT NULL, reference_json text NOT NULL,
                PRIMARY KEY (study_id, completed_count));
            INSERT INTO fspinn_meta VALUES ('app', '{SqliteStudyStorage.AppId}'), ('schema_version', '{SchemaVersion}');
            """ + ReplicatesTableSql)) ddl.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// Schema 3 to 4, inside the caller's transaction: the study sequence number of each trial row and removal becomes
    /// the id of the transaction that wrote it (see the class comment). Rows written before get 0, below every
    /// transaction id, so that a reader starting from 0 reads them once and never again; the study's counter goes.
    /// </summary>
    private const string MigrateToXidSql = """
        ALTER TABLE fspinn_trials RENAME COLUMN seq TO xid;
        UPDATE fspinn_trials SET xid = 0;
        DROP INDEX fspinn_trials_seq;
        CREATE INDEX fspinn_trials_xid ON fspinn_trials (study_id, xid);
        ALTER TABLE fspinn_discarded DROP CONSTRAINT fspinn_discarded_pkey;
        ALTER TABLE fspinn_discarded RENAME COLUMN seq TO xid;
        UPDATE fspinn_discarded SET xid = 0;
        CREATE INDEX fspinn_discarded_xid ON fspinn_discarded (study_id, xid);
        ALTER TABLE fspinn_studies DROP COLUMN seq;
        """;

    /// <summary>The objective values of COMPLETE trials, one row per objective (index into the study definition's objectives).</summary>
    private const string TrialValuesDdl = """
        CREATE TABLE fspinn_trial_values (study_id integer NOT NULL REFERENCES fspinn_studies(id), number integer NOT NULL,
            objective integer NOT NULL, value double precision NOT NULL, PRIMARY KEY (study_id, number, objective));
        """;

    /// <summary>
    /// Schema 1 to 2, inside the caller's transaction (see <see cref="CreateOrMigrateSchema"/>): the
    /// objective values of each COMPLETE trial move from the four measurement columns to fspinn_trial_values, the
    /// other measured columns into its metrics (see <see cref="TrialRecord.FromColumns"/>), the columns are dropped,
    /// and each study definition is rewritten with its objectives' directions. Sequence numbers are kept.
    /// </summary>
    private static void MigrateTo2(NpgsqlConnection connection, DatabaseUrl url)
    {
        using (var ddl = Command(connection, TrialValuesDdl)) ddl.ExecuteNonQuery();
        var studies = new List<(int Id, StudyDefinition Definition)>();
        using (var list = Command(connection, "SELECT id, definition FROM fspinn_studies"))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) studies.Add((reader.GetInt32(0), StudyDefinition.FromJson(reader.GetString(1))));
        foreach (var (id, definition) in studies)
        {
            var trials = new List<TrialRecord>();
            using (var read = Command(connection, "SELECT * FROM fspinn_trials WHERE study_id = @id", ("id", id)))
            using (var reader = read.ExecuteReader())
                while (reader.Read()) trials.Add(TrialRows.Read(reader, url.Redacted, definition.Objectives));
            foreach (var t in trials)
            {
                using (var update = Command(connection, "UPDATE fspinn_trials SET metrics_json = @m WHERE study_id = @id AND number = @n",
                           ("m", System.Text.Json.JsonSerializer.Serialize(t.Metrics)), ("id", id), ("n", t.Number))) update.ExecuteNonQuery();
                WriteValues(connection, id, t);
            }
            using var rewrite = Command(connection, "UPDATE fspinn_studies SET definition = @d WHERE id = @id", ("d", definition.ToJson()), ("id", id));
            rewrite.ExecuteNonQuery();
        }
        using (var drop = Command(connection, "ALTER TABLE fspinn_trials " + string.Join(", ", TrialRows.MeasurementColumns.Select(c => $"DROP COLUMN {c}"))))
            drop.ExecuteNonQuery();
        using (var version = Command(connection, """
            INSERT INTO fspinn_meta VALUES ('migrated_from_1_utc', @now) ON CONFLICT (key) DO NOTHING;
            """, ("now", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)))) version.ExecuteNonQuery();
    }

    /// <summary>Replaces the stored objective values of <paramref name="t"/> by its own (none unless COMPLETE); inside the caller's transaction.</summary>
    private static void WriteValues(NpgsqlConnection connection, int studyId, TrialRecord t)
    {
        var rows = TrialRows.ValueRows(t).ToArray();
        using var command = Command(connection, """
            DELETE FROM fspinn_trial_values WHERE study_id = @id AND number = @n;
            INSERT INTO fspinn_trial_values (study_id, number, objective, value) SELECT @id, @n, o, v FROM unnest(@o, @v) AS x(o, v);
            """, ("id", studyId), ("n", t.Number), ("o", rows.Select(r => r.Objective).ToArray()), ("v", rows.Select(r => r.Value).ToArray()));
        command.ExecuteNonQuery();
    }

    /// <summary>Our schema's version (this one, or an older one to migrate). Null: an empty database. Throws for anything else.</summary>
    private static int? SchemaState(NpgsqlConnection connection, DatabaseUrl url)
    {
        // one statement, so that tables another worker is creating are seen all or none
        var tables = new List<string>();
        using (var list = Command(connection, """
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
            """))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        if (tables.Count == 0) return null;
        if (!tables.Contains("public.fspinn_meta"))
            throw new StoreFormatException($"{url.Redacted} holds another application's tables ({string.Join(", ", tables.Take(5))}{(tables.Count > 5 ? ", ..." : "")}) " +
                "and no FSpiNN study schema; nothing was changed. Use an empty database for FSpiNN studies (createdb NAME)");
        var meta = new Dictionary<string, string>();
        using (var read = Command(connection, "SELECT key, value FROM public.fspinn_meta"))
        using (var reader = read.ExecuteReader())
            while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
        if (meta.GetValueOrDefault("app") != SqliteStudyStorage.AppId)
            throw new StoreFormatException($"{url.Redacted}: table fspinn_meta belongs to another application (app = '{meta.GetValueOrDefault("app") ?? "none"}'); nothing was changed");
        var versionText = meta.GetValueOrDefault("schema_version");
        if (!int.TryParse(versionText, CultureInfo.InvariantCulture, out var version) || version is < 1 or > SchemaVersion)
            throw new StoreFormatException($"{url.Redacted} holds an FSpiNN study schema of version {versionText ?? "unknown"}; this build reads versions 1 to {SchemaVersion}; nothing was changed");
        string[] required = ["public.fspinn_studies", "public.fspinn_trials", "public.fspinn_discarded", "public.fspinn_hypervolume",
            .. version >= 2 ? ["public.fspinn_trial_values"] : Array.Empty<string>(),
            .. version >= ReplicatesSchemaVersion ? ["public.fspinn_replicates"] : Array.Empty<string>()];
        foreach (var table in required)
            if (!tables.Contains(table))
                throw new StoreFormatException($"{url.Redacted}: the FSpiNN study schema is damaged (table {table} is missing); nothing was changed");
        return version;
    }

    private static List<string> StudyNames(NpgsqlConnection connection)
    {
        using var command = Command(connection, "SELECT name FROM fspinn_studies ORDER BY name");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    private static (int Id, StudyDefinition? Definition) FindStudy(NpgsqlConnection connection, string name)
    {
        using var command = Command(connection, "SELECT id, definition FROM fspinn_studies WHERE name = @name", ("name", name));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return (0, null);
        return (reader.GetInt32(0), StudyDefinition.FromJson(reader.GetString(1)));
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>
    /// Runs a database operation, turning a lost or refused connection into <see cref="StorageUnavailableException"/>
    /// (the pool is cleared, so the next attempt opens fresh connections) and naming the URL (never the password).
    /// </summary>
    /// <paramref name="repeatable"/>: the operation may run twice (reads, and writes that check their own effect),
    /// so it is tried once more at once: after a server restart the pool's first connections are dead.
    private static T Guard<T>(string location, Func<T> body, bool repeatable = true)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsTransient(e))
        {
            NpgsqlConnection.ClearAllPools();
            if (repeatable)
            {
                try
                {
                    return body();
                }
                catch (Exception again) when (IsTransient(again))
                {
                    NpgsqlConnection.ClearAllPools();
                    e = again;
                }
            }
            throw new StorageUnavailableException($"{location}: connection to the server lost or refused ({Innermost(e).Message})", e);
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException($"{location}: {e.MessageText} (SQLSTATE {e.SqlState})", e);
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        StorageUnavailableException => false, // already explained (e.g. unreachable at open)
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("53", StringComparison.Ordinal) || p.SqlState is "40001" or "40P01",
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException || n.InnerException is null,
        IOException or SocketException or TimeoutException => true,
        InvalidOperationException when e.Source == "Npgsql" => true, // a broken connection's state
        _ => false,
    };

    private T Guard<T>(Func<T> body, bool repeatable = true) => Guard(Location, body, repeatable);

    private static string SelectList => string.Join(", ", TrialRows.Columns.Select(c => c == "lease_until_utc"
        ? "greatest(lease_until_utc, pg_postmaster_start_time() + (lease_until_utc - heartbeat_utc)) AS lease_until_utc"
        : c)) + ", xid AS seq";

    public IStudyStorage Reconnect() => new PostgresStudyStorage(_source, Location, _studyId, StudyName, Definition, _options);

    public T Claim<T>(Func<IClaimTransaction, T> body) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        var tx = new Transaction(this, connection);
        try
        {
            var result = body(tx);
            tx.Commit();
            return result;
        }
        catch
        {
            tx.Rollback();
            throw;
        }
    }, repeatable: false); // the body changes its caller's state; the caller retries (StudyRunner says so on its log)

    public TrialChanges ReadChanges(long sinceSequence) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        // One statement: one snapshot for every table it reads and for the cursor (a removal committed meanwhile is not
        // half seen, and every write below the cursor is in it), one round trip, no transaction block. A batch
        // of several statements (BEGIN, the reads, COMMIT, as before) cost the server a statement each and the worker a
        // thread-pool hand-off (Npgsql writes the statements after a batch's first from a pool thread when called
        // synchronously): experiments/store-bench/README.md, run 8.
        using var command = new NpgsqlCommand(null, connection);
        BindChangeRead(command.Parameters, sinceSequence);
        command.CommandText = ChangeReadSql;
        using var reader = command.ExecuteReader();
        return ReadChangeResults(reader, sinceSequence);
    });

    /// <summary>
    /// The read of <see cref="ReadChanges(long)"/>, as one statement (one snapshot): the server's clock, the cursor for
    /// the next read (the snapshot's oldest running transaction id, see the class comment) and the removals (as
    /// arrays, in a row that is there even when nothing changed), joined to every trial written by a transaction at or
    /// above @since, each with its objective values as two arrays ordered by objective index (COMPLETE trials only).
    /// A removal of a number that has a row again (claimed afresh since) is left out: the row is its current state.
    /// Trial columns are null in the one row returned when no trial changed.
    /// </summary>
    private static readonly string ChangeReadSql = $"""
        SELECT m.now_utc, m.next_cursor, m.removed_xid, m.removed_number, c.*
        FROM (SELECT clock_timestamp() AS now_utc, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS next_cursor,
                     coalesce(array_agg(d.xid ORDER BY d.xid, d.number), ARRAY[]::bigint[]) AS removed_xid,
                     coalesce(array_agg(d.number ORDER BY d.xid, d.number), ARRAY[]::integer[]) AS removed_number
              FROM fspinn_discarded d
              WHERE d.study_id = @id AND d.xid >= @since
                AND NOT EXISTS (SELECT 1 FROM fspinn_trials r WHERE r.study_id = d.study_id AND r.number = d.number)) m
        LEFT JOIN (SELECT {SelectList}, v.value_objectives, v.value_values
                   FROM fspinn_trials t
                   LEFT JOIN LATERAL (SELECT array_agg(objective ORDER BY objective) AS value_objectives, array_agg(value ORDER BY objective) AS value_values
                                      FROM fspinn_trial_values WHERE study_id = @id AND number = t.number) v ON t.status = 'COMPLETE'
                   WHERE t.study_id = @id AND t.xid >= @since) c ON true
        ORDER BY c.seq, c.number
        """;

    private void BindChangeRead(NpgsqlParameterCollection parameters, long sinceSequence)
    {
        parameters.AddWithValue("id", _studyId);
        parameters.AddWithValue("since", sinceSequence);
    }

    /// <summary>The read of <see cref="ReadChanges(long)"/> as a statement of a claim's batch.</summary>
    private void AddChangeReads(NpgsqlBatch batch, long sinceSequence)
    {
        var command = new NpgsqlBatchCommand(ChangeReadSql);
        BindChangeRead(command.Parameters, sinceSequence);
        batch.BatchCommands.Add(command);
    }

    /// <summary>Reads what <see cref="ChangeReadSql"/> returns, from the reader's current result set on.</summary>
    private TrialChanges ReadChangeResults(NpgsqlDataReader reader, long sinceSequence)
    {
        var changes = new List<TrialChange>();
        SkipToRows(reader);
        _rowCache.NewResultSet();
        if (!reader.Read()) throw new InvalidOperationException("the read of changes returned no row");
        var now = DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc);
        var cursor = Math.Max(sinceSequence, reader.GetInt64(1));
        var removedSeq = reader.GetFieldValue<long[]>(2);
        var removedNumber = reader.GetFieldValue<int[]>(3);
        var numberColumn = reader.GetOrdinal("number");
        var objectivesColumn = reader.GetOrdinal("value_objectives");
        var valuesColumn = reader.GetOrdinal("value_values");
        if (!reader.IsDBNull(numberColumn))
            do
            {
                var t = TrialRows.Read(reader, Location, Definition.Objectives, _rowCache);
                t = TrialRows.WithValues(t, reader.IsDBNull(objectivesColumn) ? null : reader.GetFieldValue<int[]>(objectivesColumn),
                    reader.IsDBNull(valuesColumn) ? null : reader.GetFieldValue<double[]>(valuesColumn), Definition.Objectives.Count, Location);
                changes.Add(new TrialChange(t.Sequence, t.Number, t));
            } while (reader.Read());
        // removals first: a removed number has no row in the same read (ChangeReadSql leaves out those that have)
        if (removedSeq.Length > 0) changes.InsertRange(0, removedSeq.Select((xid, i) => new TrialChange(xid, removedNumber[i], null)));
        return new TrialChanges(changes, cursor, now);
    }

    private static object Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    /// <summary>Moves a batch's reader past the results of statements that return no rows (BEGIN, writes) to the next one that does.</summary>
    private static void SkipToRows(NpgsqlDataReader reader)
    {
        while (reader.FieldCount == 0)
            if (!reader.NextResult()) throw new InvalidOperationException("a batch returned fewer result sets than it asked for");
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>The writes of <see cref="WriteValues"/> as batch commands (for a claim's one-round-trip commit).</summary>
    private static IEnumerable<NpgsqlBatchCommand> ValueWrites(int studyId, TrialRecord t)
    {
        var rows = TrialRows.ValueRows(t).ToArray();
        yield return BatchCommand("DELETE FROM fspinn_trial_values WHERE study_id = @id AND number = @n", ("id", studyId), ("n", t.Number));
        if (rows.Length > 0)
            yield return BatchCommand("INSERT INTO fspinn_trial_values (study_id, number, objective, value) SELECT @id, @n, o, v FROM unnest(@o, @v) AS x(o, v)",
                ("id", studyId), ("n", t.Number), ("o", rows.Select(r => r.Objective).ToArray()), ("v", rows.Select(r => r.Value).ToArray()));
    }

    /// <summary>
    /// Stores the final state of a RUNNING trial of its worker and its objective values in one statement (both or
    /// neither); nothing if the trial is no longer that worker's. With <paramref name="count"/>, the statement returns
    /// how many trials it updated (0 or 1), else no rows (a write in a claim's batch). Parameters: the trial's, @id,
    /// @objectives, @values. It locks the trial's row only (see the class comment).
    /// </summary>
    private static string FinishSql(bool count) => $"""
        WITH u AS (UPDATE fspinn_trials t SET {TrialRows.Assignments}, xid = {CurrentXid}
                WHERE t.study_id = @id AND t.number = @number AND t.worker_id = @worker_id AND t.status = 'RUNNING' RETURNING t.number)
        {(count ? ", v AS (" : "")}INSERT INTO fspinn_trial_values (study_id, number, objective, value) SELECT @id, u.number, x.o, x.v FROM u, unnest(@objectives, @values) AS x(o, v)
            ON CONFLICT (study_id, number, objective) DO UPDATE SET value = excluded.value{(count ? ") SELECT count(*) FROM u" : "")}
        """;

    private static (string Name, object? Value)[] FinishValues(int studyId, TrialRecord final)
    {
        var values = TrialRows.ValueRows(final).ToArray();
        return [("id", studyId), ("objectives", values.Select(v => v.Objective).ToArray()), ("values", values.Select(v => v.Value).ToArray())];
    }

    public bool Finish(TrialRecord final) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        // one statement, stamped with its transaction's id; it waits for no claim
        using var command = Command(connection, FinishSql(count: true), FinishValues(_studyId, final));
        TrialRows.Bind(command, final with { LeaseUntilUtc = null }, Utc);
        if (command.ExecuteScalar() is long updated && updated == 1) return true;
        using var check = Command(connection, "SELECT count(*) FROM fspinn_trials WHERE study_id = @id AND number = @n AND worker_id = @w AND status = @s",
            ("id", _studyId), ("n", final.Number), ("w", final.WorkerId), ("s", TrialRows.StatusText(final.Status)));
        return check.ExecuteScalar() is long n && n == 1;
    });

    public bool Heartbeat(string workerId, int number, TimeSpan lease) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        using var command = Command(connection, $"""
            UPDATE fspinn_trials t SET heartbeat_utc = clock_timestamp(), lease_until_utc = clock_timestamp() + make_interval(secs => @lease), xid = {CurrentXid}
            WHERE t.study_id = @id AND t.number = @n AND t.worker_id = @w AND t.status = 'RUNNING'
            """, ("id", _studyId), ("lease", lease.TotalSeconds), ("n", number), ("w", workerId));
        return command.ExecuteNonQuery() == 1;
    });

    public bool Discard(string workerId, int number) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        using var command = Command(connection, $"""
            WITH d AS (DELETE FROM fspinn_trials WHERE study_id = @id AND number = @n AND worker_id = @w AND status = 'RUNNING' RETURNING number)
            INSERT INTO fspinn_discarded (study_id, xid, number) SELECT @id, {CurrentXid}, d.number FROM d
            """, ("id", _studyId), ("n", number), ("w", workerId));
        return command.ExecuteNonQuery() == 1;
    });

    public IReadOnlyList<StoredHypervolume> HypervolumeHistory() => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        using var command = Command(connection, """
            SELECT completed_count, trial_number, hypervolume, reference_json FROM fspinn_hypervolume WHERE study_id = @id ORDER BY completed_count
            """, ("id", _studyId));
        using var reader = command.ExecuteReader();
        var list = new List<StoredHypervolume>();
        while (reader.Read()) list.Add(new StoredHypervolume(reader.GetInt32(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetString(3)));
        return (IReadOnlyList<StoredHypervolume>)list;
    });

    public bool StoreReplicate(string workerId, ReplicateRecord replicate) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        // one statement: written only while the trial is this worker's (the row lock orders it with a take-over)
        using var command = Command(connection, $"""
            INSERT INTO fspinn_replicates (study_id, {ReplicateRows.ColumnList})
            SELECT @id, {ReplicateRows.ParameterList} FROM fspinn_trials t
            WHERE t.study_id = @id AND t.number = @trial_number AND t.worker_id = @owner AND t.status = 'RUNNING' FOR UPDATE
            ON CONFLICT (study_id, trial_number, replicate) DO UPDATE SET {ReplicateRows.Assignments("excluded.")}
            """, ("id", _studyId), ("owner", workerId));
        ReplicateRows.Bind(command, replicate, Utc);
        return command.ExecuteNonQuery() == 1;
    });

    public IReadOnlyList<ReplicateRecord> ReadReplicates(int? trialNumber = null) => Guard(() =>
    {
        using var connection = _source.OpenConnection();
        using var command = Command(connection, $"""
            SELECT {ReplicateRows.ColumnList} FROM fspinn_replicates
            WHERE study_id = @id{(trialNumber is null ? "" : " AND trial_number = @n")} ORDER BY trial_number, replicate
            """, ("id", _studyId), ("n", trialNumber ?? -1));
        using var reader = command.ExecuteReader();
        var list = new List<ReplicateRecord>();
        while (reader.Read()) list.Add(ReplicateRows.Read(reader, Location));
        return (IReadOnlyList<ReplicateRecord>)list;
    });

    public void Dispose() { } // connections go back to the shared pool after each operation

    /// <summary>
    /// A claim in two round trips. The first (at the body's first call) begins the transaction, locks the study's row
    /// and, in the same batch, reads what the body asked for plus the hypervolume state; the reads run after the lock
    /// is granted, so they see every claim committed before it (every claim holds that row until it commits) and
    /// every other write committed before the read. The
    /// body's inserts and hypervolume writes are kept and sent with COMMIT as the second. Only
    /// <see cref="Replace"/>, whose answer the body needs at once, costs a round trip of its own (a take-over: rare).
    /// The row lock is thus held for one client turn plus the commit, not for ten round trips.
    /// </summary>
    private sealed class Transaction(PostgresStudyStorage storage, NpgsqlConnection connection) : IClaimTransaction
    {
        private readonly List<NpgsqlBatchCommand> _writes = [];
        private bool _begun;
        private string? _reference;
        private int _hypervolumeCount;

        /// <summary>Server time for new leases: the latest read (the lock query's clock may predate a wait for the lock).</summary>
        private DateTime _now;

        /// <summary>Begins and locks (first call), sends the buffered writes, then runs <paramref name="more"/>; returns the reader positioned after the lock's results.</summary>
        private NpgsqlDataReader Send(Action<NpgsqlBatch> more)
        {
            var batch = new NpgsqlBatch(connection);
            var begin = !_begun;
            if (begin)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN ISOLATION LEVEL READ COMMITTED"));
                batch.BatchCommands.Add(BatchCommand("SELECT clock_timestamp(), hv_reference FROM fspinn_studies WHERE id = @id FOR NO KEY UPDATE", ("id", storage._studyId)));
                batch.BatchCommands.Add(BatchCommand("SELECT coalesce(max(completed_count), 0) FROM fspinn_hypervolume WHERE study_id = @id", ("id", storage._studyId)));
                _begun = true;
            }
            foreach (var w in _writes) batch.BatchCommands.Add(w);
            _writes.Clear();
            more(batch);
            var reader = batch.ExecuteReader();
            try
            {
                if (begin)
                {
                    SkipToRows(reader); // past BEGIN
                    if (!reader.Read()) throw new StudyMismatchException($"{storage.Location}: study '{storage.StudyName}' was deleted");
                    _now = DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc);
                    _reference = reader.IsDBNull(1) ? null : reader.GetString(1);
                    reader.NextResult();
                    reader.Read();
                    _hypervolumeCount = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                    reader.NextResult();
                }
                while (reader.FieldCount == 0 && reader.NextResult()) { } // the writes return no rows
                return reader;
            }
            catch
            {
                reader.Dispose();
                throw;
            }
        }

        private void EnsureBegun()
        {
            if (!_begun) Send(_ => { }).Dispose();
        }

        public TrialChanges ReadChanges(long sinceSequence)
        {
            using var reader = Send(batch => storage.AddChangeReads(batch, sinceSequence));
            var changes = storage.ReadChangeResults(reader, sinceSequence);
            _now = changes.NowUtc;
            return changes;
        }

        /// <summary>Sends the buffered writes and COMMIT in one round trip.</summary>
        public void Commit()
        {
            if (!_begun && _writes.Count == 0) return; // the body did nothing
            EnsureBegun(); // a body that only finished a trial
            _writes.Add(new NpgsqlBatchCommand("COMMIT"));
            using var batch = new NpgsqlBatch(connection);
            foreach (var w in _writes) batch.BatchCommands.Add(w);
            _writes.Clear();
            batch.ExecuteNonQuery();
            _begun = false;
        }

        /// <summary>After a failure: nothing of the transaction is kept (a connection lost meanwhile rolled it back already).</summary>
        public void Rollback()
        {
            if (!_begun || connection.State != ConnectionState.Open) return;
            try
            {
                using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                rollback.ExecuteNonQuery();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // the connection is broken: the server ends the transaction with it
            }
        }

        private TrialRecord WithLease(TrialRecord t, TimeSpan lease) =>
            t.Status == TrialStatus.Running ? t with { HeartbeatUtc = _now, LeaseUntilUtc = _now + lease } : t with { LeaseUntilUtc = null };

        public void Finish(TrialRecord final)
        {
            // Before the first read: sent with BEGIN and the lock (no round trip of its own); after it, with the other writes.
            var command = BatchCommand(FinishSql(count: false), FinishValues(storage._studyId, final));
            TrialRows.Bind(command, final with { LeaseUntilUtc = null }, Utc);
            _writes.Add(command);
        }

        public void Insert(TrialRecord trial, TimeSpan lease)
        {
            EnsureBegun();
            var command = BatchCommand($"INSERT INTO fspinn_trials (study_id, {TrialRows.ColumnList}, xid) VALUES (@id, {TrialRows.ParameterList}, {CurrentXid})",
                ("id", storage._studyId));
            TrialRows.Bind(command, WithLease(trial, lease), Utc);
            _writes.Add(command);
            if (trial.Status == TrialStatus.Complete) _writes.AddRange(ValueWrites(storage._studyId, trial));
        }

        public bool Replace(TrialRecord updated, long expectedSequence, TimeSpan lease)
        {
            EnsureBegun(); // the lease is measured from the server's clock as read under the lock
            var command = BatchCommand($"UPDATE fspinn_trials SET {TrialRows.Assignments}, xid = {CurrentXid} WHERE study_id = @id AND number = @number AND xid = @expected",
                ("id", storage._studyId), ("expected", expectedSequence));
            TrialRows.Bind(command, WithLease(updated, lease), Utc);
            using (var reader = Send(batch => batch.BatchCommands.Add(command)))
                while (reader.NextResult()) { }
            if (command.RecordsAffected != 1) return false;
            _writes.AddRange(ValueWrites(storage._studyId, updated));
            return true;
        }

        public string? HypervolumeReference()
        {
            EnsureBegun();
            return _reference;
        }

        public void SetHypervolumeReference(string referenceJson)
        {
            EnsureBegun();
            _writes.Add(BatchCommand("UPDATE fspinn_studies SET hv_reference = coalesce(hv_reference, @r) WHERE id = @id", ("r", referenceJson), ("id", storage._studyId)));
            _reference ??= referenceJson;
        }

        public int HypervolumeCount()
        {
            EnsureBegun();
            return _hypervolumeCount;
        }

        public void AppendHypervolume(StoredHypervolume e)
        {
            EnsureBegun();
            _writes.Add(BatchCommand("""
                INSERT INTO fspinn_hypervolume VALUES (@id, @count, @trial, @hv, @ref) ON CONFLICT (study_id, completed_count) DO NOTHING
                """, ("id", storage._studyId), ("count", e.CompletedCount), ("trial", e.TrialNumber), ("hv", e.Hypervolume), ("ref", e.ReferenceJson)));
            _hypervolumeCount = Math.Max(_hypervolumeCount, e.CompletedCount);
        }
    }
}
