using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// A real, throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, `pg_ctl start` on a free
/// loopback port, stopped and deleted when the test run ends (<see cref="PostgresServerTeardown"/>). The server
/// refuses to run as root, so as root it runs as the `postgres` system user (through runuser). Authentication: trust
/// for the `postgres` superuser, passwords (SCRAM) for every other role, so that wrong credentials can be tested.
/// Started on first use, once per test run.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> Shared = new(() => new PostgresServer(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static bool _started;

    public static PostgresServer Instance
    {
        get
        {
            var server = Shared.Value;
            _started = true;
            return server;
        }
    }

    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly bool _asPostgresUser;
    private int _databases;

    public int Port { get; }

    /// <summary>A server of its own, for a test that restarts or stops it (the shared one serves fixtures running in parallel).</summary>
    public PostgresServer()
    {
        _bin = FindBinaries();
        RemoveStaleFolders(Path.GetTempPath(), TimeSpan.FromHours(1));
        _root = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..8]);
        _data = Path.Combine(_root, "data");
        Directory.CreateDirectory(_root);
        _asPostgresUser = Environment.UserName == "root";
        if (_asPostgresUser) Run("chown", ["-R", "postgres:postgres", _root], asPostgres: false);
        Port = FreePort();
        Run(Path.Combine(_bin, "initdb"), ["-D", _data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
        File.WriteAllText(Path.Combine(_data, "pg_hba.conf"), """
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host all all 127.0.0.1/32 scram-sha-256
            """);
        Start();
    }

    public const string FolderPrefix = "fspinn-pg-";

    /// <summary>
    /// Deletes the folders of earlier test runs that were killed before their teardown (tens of MB each): those with no
    /// running server (no postmaster.pid, or one whose process is gone) and untouched for <paramref name="age"/>, so
    /// that a concurrent run's folder, still in initdb, is never taken.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleFolders(string parent, TimeSpan age)
    {
        var removed = new List<string>();
        foreach (var folder in Directory.GetDirectories(parent, FolderPrefix + "*"))
        {
            try
            {
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) < age) continue;
                var pidFile = Path.Combine(folder, "data", "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && Directory.Exists($"/proc/{pid}")) continue;
                Directory.Delete(folder, recursive: true);
                removed.Add(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another run's, or not ours to delete: left as it is
            }
        }
        return removed;
    }

    /// <summary>The newest /usr/lib/postgresql/*/bin with initdb (Debian's layout), or initdb on PATH.</summary>
    private static string FindBinaries()
    {
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        if (debian is not null) return debian;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")));
        return onPath ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH; install them (apt-get install postgresql) — .ci/run does so");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Run(string file, string[] arguments, bool asPostgres = true, int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo(asPostgres && _asPostgresUser ? "runuser" : file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root,
        };
        if (asPostgres && _asPostgresUser)
            foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stdout.Result}{stderr.Result}" +
                (File.Exists(Path.Combine(_root, "log")) ? "\nserver log:\n" + File.ReadAllText(Path.Combine(_root, "log")) : ""));
    }

    private string ServerOptions => $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";

    public void Start() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-o", ServerOptions, "-l", Path.Combine(_root, "log"), "-w", "-t", "60", "start"]);

    /// <summary>Fast shutdown: open connections are closed, in-flight transactions rolled back.</summary>
    public void Stop() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "fast", "-w", "-t", "60", "stop"]);

    public void Restart() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-o", ServerOptions, "-l", Path.Combine(_root, "log"), "-m", "fast", "-w", "-t", "60", "restart"]);

    public string AdminConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = false }.ConnectionString;

    /// <summary>A new empty database; returns its URL for the superuser (trust, no password).</summary>
    public string NewDatabase(string prefix = "t")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        Execute($"CREATE DATABASE {name}");
        return Url(name);
    }

    public string Url(string database, string user = "postgres", string? password = null) =>
        $"postgresql://{user}{(password is null ? "" : ":" + Uri.EscapeDataString(password))}@127.0.0.1:{Port}/{database}";

    public static string DatabaseOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    public void Execute(string sql, string database = "postgres")
    {
        using var connection = new NpgsqlConnection(AdminConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public List<string> Query(string sql, string database)
    {
        using var connection = new NpgsqlConnection(AdminConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    /// <summary>Every table with its row count, and a checksum of every row: "nothing changed" is checked against it.</summary>
    public List<string> Snapshot(string database)
    {
        var tables = Query("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') ORDER BY 1", database);
        return [.. tables.Select(t => t + ":" + string.Join(";", Query($"SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM {t} x", database)))];
    }

    internal static void StopIfStarted()
    {
        if (_started) Shared.Value.Dispose();
    }

    /// <summary>Stops the server (immediate shutdown) and deletes its folder.</summary>
    public void Dispose()
    {
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "-t", "60", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        NpgsqlConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Stops and deletes the test server once every test of the assembly has run.</summary>
[SetUpFixture]
public sealed class PostgresServerTeardown
{
    [OneTimeTearDown]
    public void StopServer() => PostgresServer.StopIfStarted();
}
