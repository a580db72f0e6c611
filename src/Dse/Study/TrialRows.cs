using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace FSpiNN.Dse.Study;

/// <summary>
/// The trial row of the SQL backends (SQLite and PostgreSQL share its columns): binds a record to `@name` parameters and
/// reads one back, turning a corrupt row into a <see cref="StoreFormatException"/> that names the store, the trial and
/// the column instead of a parser's message.
/// </summary>
internal static class TrialRows
{
    /// <summary>
    /// Every column but the backend's own keys (study id) and the sequence number, in insert order. The objective
    /// values live in their own table (trial_values), one row per objective, as Optuna's trial_values.
    /// </summary>
    public static readonly string[] Columns =
    [
        "number", "candidate_key", "config_json", "train_samples", "status", "metrics_json", "details_json", "violation", "error", "failure_cause", "seed", "code_version",
        "worker_id", "host", "pid", "process_start_ticks", "attempts", "started_utc", "finished_utc", "heartbeat_utc",
        "lease_until_utc", "duration_s",
    ];

    public static string ColumnList => string.Join(", ", Columns);

    public static string ParameterList => string.Join(", ", Columns.Select(c => "@" + c));

    /// <summary>`col = @col` for every column but the number and candidate (which never change).</summary>
    public static string Assignments => string.Join(", ", Columns.Where(c => c is not ("number" or "candidate_key" or "config_json" or "train_samples"))
        .Select(c => $"{c} = @{c}"));

    public static string StatusText(TrialStatus status) => status.ToString().ToUpperInvariant();

    /// <summary>Adds parameter @<paramref name="name"/> (null: SQL NULL) to <paramref name="command"/>; shared by the row binders.</summary>
    internal static void AddParameter(DbCommand command, string name, object? value) => Add(command.Parameters, command.CreateParameter(), name, value);

    /// <summary>The same for one command of a batch (PostgreSQL sends a claim's writes as one batch).</summary>
    internal static void AddParameter(DbBatchCommand command, string name, object? value) => Add(command.Parameters, command.CreateParameter(), name, value);

    private static void Add(DbParameterCollection parameters, DbParameter p, string name, object? value)
    {
        p.ParameterName = "@" + name;
        p.Value = value ?? DBNull.Value;
        parameters.Add(p);
    }

    /// <summary>Binds <paramref name="t"/>; <paramref name="time"/> converts timestamps to the backend's representation.</summary>
    public static void Bind(DbCommand command, TrialRecord t, Func<DateTime, object> time) => Bind((name, value) => AddParameter(command, name, value), t, time);

    public static void Bind(DbBatchCommand command, TrialRecord t, Func<DateTime, object> time) => Bind((name, value) => AddParameter(command, name, value), t, time);

    private static void Bind(Action<string, object?> add, TrialRecord t, Func<DateTime, object> time)
    {
        add("number", t.Number);
        add("candidate_key", t.Candidate.Key);
        add("config_json", t.Candidate.ToJson());
        add("train_samples", t.TrainSamples);
        add("status", StatusText(t.Status));
        add("metrics_json", JsonSerializer.Serialize(t.Metrics));
        add("details_json", t.DetailsJson);
        add("violation", t.Violation);
        add("error", t.Error);
        add("failure_cause", t.Status == TrialStatus.Failed ? (t.Cause ?? FailureCause.Configuration).ToString().ToLowerInvariant() : null);
        add("seed", t.Seed);
        add("code_version", t.CodeVersion);
        add("worker_id", t.WorkerId);
        add("host", t.Host);
        add("pid", t.Pid);
        add("process_start_ticks", t.ProcessStartTicks);
        add("attempts", t.Attempts);
        add("started_utc", time(t.StartedUtc));
        add("finished_utc", t.FinishedUtc is { } f ? time(f) : null);
        add("heartbeat_utc", time(t.HeartbeatUtc));
        add("lease_until_utc", t.LeaseUntilUtc is { } l ? time(l) : null);
        add("duration_s", t.DurationSeconds);
    }

    /// <summary>Columns of the trial row before schema 3 (SQLite) and 2 (PostgreSQL), read by <see cref="Read"/> where present.</summary>
    public static readonly string[] MeasurementColumns = ["accuracy", "memory_bytes", "train_energy_j", "inference_energy_j"];

    /// <summary>
    /// Reads the current row (which must include every column of <see cref="Columns"/> and `seq`, if the schema has
    /// it). <see cref="TrialRecord.Values"/> is null (the caller adds them from trial_values) unless the row is of an
    /// older schema, whose measurement columns are read into values and metrics.
    /// </summary>
    public static TrialRecord Read(DbDataReader r, string location, IReadOnlyList<Objective> objectives, TrialRowCache? cache = null)
    {
        bool HasColumn(DbDataReader r, string name) => cache?.HasColumn(r, name) ?? TrialRows.HasColumn(r, name);
        var number = -1;
        var column = "number";
        try
        {
            number = Convert.ToInt32(r.GetValue(r.GetOrdinal("number")), CultureInfo.InvariantCulture);
            int Ordinal(string name) => r.GetOrdinal(column = name);
            bool Null(string name) => r.IsDBNull(Ordinal(name));
            double? D(string name) => Null(name) ? null : Convert.ToDouble(r.GetValue(Ordinal(name)), CultureInfo.InvariantCulture);
            string? S(string name) => Null(name) ? null : r.GetString(Ordinal(name));
            string Text(string name) => S(name) ?? throw new FormatException("NULL where a value is required");
            long L(string name) => Null(name) ? throw new FormatException("NULL where a number is required") : Convert.ToInt64(r.GetValue(Ordinal(name)), CultureInfo.InvariantCulture);
            DateTime? T(string name)
            {
                if (Null(name)) return null;
                var value = r.GetValue(Ordinal(name));
                if (value is DateTime dt) return DateTime.SpecifyKind(dt, DateTimeKind.Utc);
                return DateTime.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            }
            var statusText = Text("status");
            if (!Enum.TryParse<TrialStatus>(statusText, ignoreCase: true, out var status) || !Enum.IsDefined(status) || int.TryParse(statusText, out _))
                throw new FormatException($"status '{statusText}' is not one of {string.Join(", ", Enum.GetValues<TrialStatus>().Select(StatusText))}");
            var configJson = Text("config_json");
            var candidate = cache?.Candidate(configJson) ?? Candidate.FromJson(configJson);
            IReadOnlyDictionary<string, double> metrics = S("metrics_json") is { } m ? JsonSerializer.Deserialize<Dictionary<string, double>>(m) ?? [] : [];
            FailureCause? cause = null;
            if (HasColumn(r, "failure_cause") && S("failure_cause") is { } causeText)
                cause = Enum.TryParse<FailureCause>(causeText, ignoreCase: true, out var c) ? c : throw new FormatException($"failure cause '{causeText}' is not configuration or environment");
            var lease = HasColumn(r, "lease_until_utc") ? T("lease_until_utc") : null;
            var seq = HasColumn(r, "seq") ? L("seq") : 0;
            IReadOnlyList<double>? values = null;
            if (HasColumn(r, "accuracy"))
                (values, metrics) = TrialRecord.FromColumns(objectives, status, metrics, D("accuracy"), D("memory_bytes"), D("train_energy_j"), D("inference_energy_j"));
            column = "";
            return new TrialRecord(number, candidate, (int)L("train_samples"), status, values, metrics, S("details_json"), D("violation"), S("error"),
                (int)L("seed"), Text("code_version"), Text("worker_id"), Text("host"), (int)L("pid"), L("process_start_ticks"), (int)L("attempts"),
                T("started_utc") ?? throw new FormatException("NULL start time"), T("finished_utc"), T("heartbeat_utc") ?? throw new FormatException("NULL heartbeat"),
                D("duration_s"), lease, status == TrialStatus.Failed ? cause ?? FailureCause.Configuration : null, seq) { Objectives = objectives };
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidCastException or OverflowException or ArgumentException
                                      or IndexOutOfRangeException or NullReferenceException or InvalidOperationException or KeyNotFoundException)
        {
            var where = number >= 0 ? $"trial {number}" : "a trial row";
            var what = column.Length > 0 ? $"column {column}: " : "";
            var why = e switch
            {
                JsonException => "not valid JSON",
                InvalidCastException => "a value of the wrong type",
                IndexOutOfRangeException => "a column is missing",
                _ => e.Message,
            };
            throw new StoreFormatException($"'{location}': {where} is corrupt ({what}{why}); the store was left untouched. " +
                "Repair or remove that row with an SQL client, or start a new study with another --store.");
        }
    }

    /// <summary>
    /// Reads `number, objective, value` rows into each trial's values (COMPLETE trials only; a missing or extra
    /// objective index is a corrupt store, named like a corrupt row).
    /// </summary>
    public static void AttachValues(List<TrialChange> changes, DbDataReader r, int objectiveCount, string location)
    {
        var byNumber = new Dictionary<int, double[]>();
        while (r.Read())
        {
            var number = Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture);
            var index = Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture);
            if (index < 0 || index >= objectiveCount)
                throw new StoreFormatException($"'{location}': trial {number} is corrupt (trial_values: objective index {index}, the study has {objectiveCount} objectives); the store was left untouched.");
            if (!byNumber.TryGetValue(number, out var values)) byNumber[number] = values = Enumerable.Repeat(double.NaN, objectiveCount).ToArray();
            values[index] = Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Trial is not { Status: TrialStatus.Complete, Values: null } t) continue;
            if (!byNumber.TryGetValue(t.Number, out var values) || values.Any(double.IsNaN)) throw MissingValues(t.Number, location);
            changes[i] = changes[i] with { Trial = t with { Values = values } };
        }
    }

    /// <summary>
    /// As <see cref="AttachValues"/> for one trial whose `trial_values` rows were read as two arrays ordered by
    /// objective index (PostgreSQL's one-statement read): a COMPLETE trial needs exactly the indexes 0..n-1.
    /// </summary>
    public static TrialRecord WithValues(TrialRecord t, int[]? objectives, double[]? values, int objectiveCount, string location)
    {
        if (t is not { Status: TrialStatus.Complete, Values: null }) return t;
        objectives ??= [];
        values ??= [];
        for (var i = 0; i < objectives.Length; i++)
            if (objectives[i] < 0 || objectives[i] >= objectiveCount)
                throw new StoreFormatException($"'{location}': trial {t.Number} is corrupt (trial_values: objective index {objectives[i]}, the study has {objectiveCount} objectives); the store was left untouched.");
        if (objectives.Length != objectiveCount || values.Length != objectiveCount || objectives.Where((o, i) => o != i).Any())
            throw MissingValues(t.Number, location);
        return t with { Values = values };
    }

    private static StoreFormatException MissingValues(int number, string location) =>
        new($"'{location}': trial {number} is corrupt (COMPLETE without a value for every objective in trial_values); the store was left untouched. " +
            "Repair or remove that row with an SQL client, or start a new study with another --store.");

    /// <summary>The objective values to store for a trial: (objective index, value), none unless it is COMPLETE.</summary>
    public static IEnumerable<(int Objective, double Value)> ValueRows(TrialRecord t) =>
        t is { Status: TrialStatus.Complete, Values: { } values } ? values.Select((v, i) => (i, v)) : [];

    internal static bool HasColumn(DbDataReader r, string name)
    {
        for (var i = 0; i < r.FieldCount; i++)
            if (string.Equals(r.GetName(i), name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>A failure of schema 1 (before causes were stored) whose message says it came from the environment.</summary>
    public static bool LooksLikeEnvironmentFailure(string? error) =>
        error is not null && EnvironmentExceptionNames.Any(n => error.StartsWith(n + ":", StringComparison.Ordinal));

    /// <summary>Exception types whose failure says nothing about the configuration: a later run retries such trials.</summary>
    public static readonly string[] EnvironmentExceptionNames =
    [
        nameof(IOException), nameof(DirectoryNotFoundException), nameof(FileNotFoundException), nameof(PathTooLongException),
        nameof(UnauthorizedAccessException), nameof(OutOfMemoryException), nameof(InsufficientMemoryException),
        nameof(OperationCanceledException), nameof(TaskCanceledException),
    ];
}

/// <summary>
/// What a storage handle's incremental reads can reuse from row to row: parsed candidates by their JSON (every worker
/// reads each trial at least twice, RUNNING then finished, and each read parsed its configuration again: the largest
/// part of a row read at 16 workers) and the columns of the current result set (looked up by name per row before).
/// One per handle, so one thread at a time, as the handle (<see cref="IStudyStorage"/>).
/// </summary>
internal sealed class TrialRowCache
{
    /// <summary>Bound on the candidates kept (a study of the paper's space has 4,032): past it the cache starts afresh.</summary>
    private const int MaxCandidates = 16_384;

    private readonly Dictionary<string, Candidate> _candidates = new(StringComparer.Ordinal);
    private DbDataReader? _reader;
    private readonly HashSet<string> _columns = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The candidate of <paramref name="json"/>; candidates are immutable, so one instance serves every row that holds it.</summary>
    public Candidate Candidate(string json)
    {
        if (_candidates.TryGetValue(json, out var known)) return known;
        var parsed = Dse.Candidate.FromJson(json);
        if (_candidates.Count >= MaxCandidates) _candidates.Clear();
        _candidates[json] = parsed;
        return parsed;
    }

    /// <summary>Call before the rows of a result set: its columns are looked up again (a provider may reuse one reader object for several).</summary>
    public void NewResultSet() => _reader = null;

    public bool HasColumn(DbDataReader r, string name)
    {
        if (!ReferenceEquals(r, _reader))
        {
            _reader = r;
            _columns.Clear();
            for (var i = 0; i < r.FieldCount; i++) _columns.Add(r.GetName(i));
        }
        return _columns.Contains(name);
    }
}
