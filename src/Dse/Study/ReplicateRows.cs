using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace FSpiNN.Dse.Study;

/// <summary>
/// The replicate row of the SQL backends (SQLite `replicates`, PostgreSQL `fspinn_replicates`; the same columns after
/// the backend's own keys): binds a <see cref="ReplicateRecord"/> to `@name` parameters and reads one back, a corrupt
/// row becoming a <see cref="StoreFormatException"/> that names the trial and replicate. The seed, an unsigned 64-bit
/// word, is stored as the signed integer of the same bits (SQL integers are signed).
/// </summary>
internal static class ReplicateRows
{
    public static readonly string[] Columns =
    [
        "trial_number", "replicate", "candidate_key", "train_samples", "seed", "accuracy", "memory_bytes", "train_energy_j",
        "inference_energy_j", "metrics_json", "details_json", "worker_id", "finished_utc", "duration_s",
    ];

    public static string ColumnList => string.Join(", ", Columns);

    public static string ParameterList => string.Join(", ", Columns.Select(c => "@" + c));

    /// <summary>`col = @col` for the columns a repeated store overwrites (all but the key).</summary>
    public static string Assignments(string excludedPrefix = "excluded.") =>
        string.Join(", ", Columns.Where(c => c is not ("trial_number" or "replicate")).Select(c => $"{c} = {excludedPrefix}{c}"));

    public static void Bind(DbCommand command, ReplicateRecord r, Func<DateTime, object> time)
    {
        void Add(string name, object? value) => TrialRows.AddParameter(command, name, value);
        Add("trial_number", r.TrialNumber);
        Add("replicate", r.Replicate);
        Add("candidate_key", r.CandidateKey);
        Add("train_samples", r.TrainSamples);
        Add("seed", r.Seed is { } s ? unchecked((long)s) : null);
        Add("accuracy", r.Result.Accuracy);
        Add("memory_bytes", r.Result.MemoryBytes);
        Add("train_energy_j", r.Result.TrainEnergyJoules);
        Add("inference_energy_j", r.Result.InferenceEnergyJoules);
        Add("metrics_json", JsonSerializer.Serialize(r.Result.Metrics));
        Add("details_json", r.Result.DetailsJson);
        Add("worker_id", r.WorkerId);
        Add("finished_utc", time(r.FinishedUtc));
        Add("duration_s", r.DurationSeconds);
    }

    public static ReplicateRecord Read(DbDataReader reader, string location)
    {
        var (trial, replicate) = (-1, -1);
        try
        {
            double D(string name) => Convert.ToDouble(reader.GetValue(reader.GetOrdinal(name)), CultureInfo.InvariantCulture);
            long L(string name) => Convert.ToInt64(reader.GetValue(reader.GetOrdinal(name)), CultureInfo.InvariantCulture);
            string? S(string name) => reader.IsDBNull(reader.GetOrdinal(name)) ? null : reader.GetString(reader.GetOrdinal(name));
            trial = (int)L("trial_number");
            replicate = (int)L("replicate");
            var finished = reader.GetValue(reader.GetOrdinal("finished_utc"));
            var finishedUtc = finished is DateTime dt ? DateTime.SpecifyKind(dt, DateTimeKind.Utc)
                : DateTime.Parse((string)finished, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var metrics = S("metrics_json") is { } m ? JsonSerializer.Deserialize<Dictionary<string, double>>(m) ?? [] : [];
            ulong? seed = reader.IsDBNull(reader.GetOrdinal("seed")) ? null : unchecked((ulong)L("seed"));
            return new ReplicateRecord(trial, replicate, S("candidate_key") ?? throw new FormatException("NULL candidate"), (int)L("train_samples"), seed,
                new EvaluationResult(D("accuracy"), D("memory_bytes"), D("train_energy_j"), D("inference_energy_j"), metrics, S("details_json")),
                S("worker_id") ?? throw new FormatException("NULL worker"), finishedUtc, D("duration_s"));
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidCastException or OverflowException or IndexOutOfRangeException)
        {
            throw new StoreFormatException($"'{location}': replicate {replicate} of trial {trial} is corrupt ({e.Message}); the store was left untouched. " +
                "Repair or remove that row with an SQL client.");
        }
    }
}
