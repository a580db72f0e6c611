using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FSpiNN.Dse;
using FSpiNN.Dse.Reporting;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Study;

namespace FSpiNN.Cli.Json;

// JSON reports of `frontier`, `explore` and `trials` (fields: docs/json.md), built from the stored trials and StudyReport.

internal sealed record BudgetsJson(double? MemoryBytes, double? EnergyJ, double? MinAccuracy);

internal sealed record StudyJson(
    string Name,
    string Location,
    string Space,
    string Strategy,
    int Seed,
    int TrialBudget,
    IReadOnlyList<string> Objectives,
    BudgetsJson Budgets,
    string DataFingerprint,
    int MinTrainSamples,
    int DefaultTrainSamples)
{
    public static StudyJson Of(IStudyStorage store)
    {
        var d = store.Definition;
        return new StudyJson(store.StudyName, store.Location, d.SpaceName, d.Strategy, d.Seed, d.Trials, [.. d.Objectives.Select(Dse.Objectives.Name)],
            new BudgetsJson(d.Budgets.MemoryBytes, d.Budgets.EnergyJoules, d.Budgets.MinAccuracy), d.DataFingerprint, d.MinTrainSamples, d.DefaultTrainSamples);
    }
}

internal sealed record TrialCountsJson(int Trials, int Complete, int Skipped, int Failed, int Running);

/// <summary>
/// One trial as stored, with its ranking when the study report has one: state, fidelity (train_samples), parameters,
/// objectives, constraint violations, start, end, duration, seed and where it ran.
/// </summary>
internal sealed record TrialJson(
    int Number,
    string State,
    int TrainSamples,
    IReadOnlyDictionary<string, JsonNode?> Parameters,
    double? Accuracy,
    double? MemoryBytes,
    double? TrainEnergyJ,
    double? InferenceEnergyJ,
    IReadOnlyDictionary<string, double> Metrics,
    double? MemoryViolation,
    double? EnergyViolation,
    double? AccuracyViolation,
    bool Feasible,
    int? Rank,
    bool Pareto,
    bool Recommended,
    int Seed,
    int Attempts,
    DateTime StartedUtc,
    DateTime? FinishedUtc,
    double? DurationSeconds,
    string? Error,
    string? FailureCause,
    string WorkerId,
    string Host,
    string CodeVersion)
{
    public static TrialJson Of(TrialRow row, int? recommended)
    {
        var t = row.Trial;
        var hasViolations = t.Result is not null || t.Status == TrialStatus.Skipped;
        return new TrialJson(t.Number, StateName(t.Status), t.TrainSamples, ParameterValues(t.Candidate.Values), t.Accuracy, t.MemoryBytes, t.TrainEnergyJoules,
            t.InferenceEnergyJoules, t.Metrics, hasViolations ? row.MemoryViolation : null, hasViolations ? row.EnergyViolation : null,
            hasViolations ? row.AccuracyViolation : null, row.Feasible, row.Rank, row.Pareto, t.Number == recommended, t.Seed, t.Attempts,
            Utc(t.StartedUtc), t.FinishedUtc is { } f ? Utc(f) : null, t.DurationSeconds, t.Error, t.Cause?.ToString().ToLowerInvariant(), t.WorkerId, t.Host, t.CodeVersion);
    }

    /// <summary>COMPLETE, SKIPPED, FAILED or RUNNING, as frontier.csv writes it.</summary>
    public static string StateName(TrialStatus status) => status.ToString().ToUpperInvariant();

    public static Dictionary<string, JsonNode?> ParameterValues(IEnumerable<KeyValuePair<string, ParameterValue>> values) =>
        values.ToDictionary(v => v.Key, v => (JsonNode?)v.Value.ToJson(), StringComparer.Ordinal);

    /// <summary>Stores read timestamps back without a kind; they are UTC (written so as "...Z").</summary>
    private static DateTime Utc(DateTime time) => time.Kind == DateTimeKind.Utc ? time : DateTime.SpecifyKind(time, DateTimeKind.Utc);
}

internal sealed record HypervolumePointJson(int Evaluations, int Trial, double Hypervolume);

/// <summary>The latest hypervolume (normalised), its reference point in raw units per objective, and the history.</summary>
internal sealed record HypervolumeJson(double? Value, int Evaluations, IReadOnlyDictionary<string, double> Reference, IReadOnlyList<HypervolumePointJson> History);

internal sealed record ImportanceShareJson(string Parameter, double Share);

internal sealed record ImportanceJson(string Objective, IReadOnlyList<ImportanceShareJson> Ranking)
{
    public static IReadOnlyList<ImportanceJson> Of(IReadOnlyList<(Objective Objective, IReadOnlyList<Importance> Ranking)> importance) =>
        [.. importance.Select(i => new ImportanceJson(Dse.Objectives.Name(i.Objective), [.. i.Ranking.Select(r => new ImportanceShareJson(r.Parameter, r.Share))]))];
}

/// <summary>The recommended trial, the line printed for it and the reason.</summary>
internal sealed record RecommendationJson(int Trial, string Line, string Why);

/// <summary>--reprice: how many trials were priced again.</summary>
internal sealed record RepriceJson(int Repriced, int KeptAsStored, int WithDenseWrites);

/// <summary>What an `explore` run did (null in `frontier`'s report).</summary>
internal sealed record ExploreRunJson(
    int PlannedTrials,
    int Workers,
    int FinishedBefore,
    double Seconds,
    string Store,
    string ResumeCommand,
    string? RerenderCommand,
    int FailedEnvironment,
    int FailedConfiguration);

/// <summary>`frontier` and `explore`: the study, counts, frontier, hypervolume, importance, recommendation and every trial.</summary>
internal sealed record StudyCommandReport(
    [property: JsonIgnore] string CommandName,
    StudyJson Study,
    TrialCountsJson Counts,
    IReadOnlyDictionary<string, JsonNode?> FixedParameters,
    IReadOnlyList<string> VaryingParameters,
    RepriceJson? Repriced,
    IReadOnlyList<int> Frontier,
    HypervolumeJson? Hypervolume,
    IReadOnlyList<ImportanceJson> Importance,
    RecommendationJson? Recommendation,
    IReadOnlyList<TrialJson> Trials) : CommandReport(CommandName)
{
    [JsonPropertyOrder(-1)]
    public ExploreRunJson? Run { get; set; }

    public static Dictionary<string, JsonNode?> Fixed(StudyDefinition definition, IReadOnlyList<string> varying) =>
        SearchSpace.Parse(definition.SpaceJson, definition.SpaceName).Dimensions.Where(d => d.Count == 1 && !varying.Contains(d.Name))
            .ToDictionary(d => d.Name, d => (JsonNode?)d.Choices[0].ToJson(), StringComparer.Ordinal);
}

/// <summary>`trials --format json`.</summary>
internal sealed record TrialsCommandReport(StudyJson Study, IReadOnlyList<TrialJson> Trials) : CommandReport("trials");
