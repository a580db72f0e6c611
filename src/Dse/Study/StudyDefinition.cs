using System.Text.Json;
using System.Text.Json.Nodes;

namespace FSpiNN.Dse.Study;

/// <summary>
/// Everything that fixes a study's trial sequence; recorded in the store at creation. Resuming with a definition that
/// differs in any field is refused (the message names the field), because completed trials would no longer match.
/// </summary>
public sealed record StudyDefinition(
    string SpaceName,
    string SpaceJson,
    string Strategy,
    int Seed,
    int Trials,
    IReadOnlyList<Objective> Objectives,
    Budgets Budgets,
    string DataFingerprint,
    int MinTrainSamples,
    int DefaultTrainSamples,
    int Batch = 1,
    int Replicates = 1,
    IReadOnlyList<int>? RungReplicates = null)
{
    /// <summary>"3" or, per halving rung, "1,1,3" (as the explore options take them).</summary>
    public string ReplicatesText => RungReplicates is { Count: > 0 } rungs ? string.Join(",", rungs) : Replicates.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string ToJson()
    {
        var json = new JsonObject
        {
        ["space_name"] = SpaceName,
        ["space"] = JsonNode.Parse(SpaceJson),
        ["strategy"] = Strategy,
        ["seed"] = Seed,
        ["trials"] = Trials,
        ["objectives"] = new JsonArray(Objectives.Select(o => (JsonNode?)new JsonObject
        {
            ["name"] = Dse.Objectives.Spec(o).Name,
            ["direction"] = Dse.Objectives.Spec(o).Direction.ToString().ToLowerInvariant(),
            ["unit"] = Dse.Objectives.Spec(o).Unit,
        }).ToArray()),
        ["memory_budget_bytes"] = Budgets.MemoryBytes,
        ["energy_budget_joules"] = Budgets.EnergyJoules,
        ["min_accuracy"] = Budgets.MinAccuracy,
        ["data_fingerprint"] = DataFingerprint,
        ["min_train_samples"] = MinTrainSamples,
        ["default_train_samples"] = DefaultTrainSamples,
        };
        if (Batch != 1) json["batch"] = Batch;   // absent (1) in stores written before proposals were batched
        // absent (1, none) in stores written before replicates, and in every study evaluated once per trial
        if (Replicates != 1) json["replicates"] = Replicates;
        if (RungReplicates is { Count: > 0 } rungs) json["rung_replicates"] = new JsonArray([.. rungs.Select(r => (JsonNode?)r)]);
        return json.ToJsonString();
    }

    public static StudyDefinition FromJson(string json)
    {
        var o = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("study definition is not a JSON object");
        return new StudyDefinition(
            o["space_name"]!.GetValue<string>(),
            o["space"]!.ToJsonString(),
            o["strategy"]!.GetValue<string>(),
            o["seed"]!.GetValue<int>(),
            o["trials"]!.GetValue<int>(),
            o["objectives"]!.AsArray().Select(ParseObjective).ToArray(),
            new Budgets(o["memory_budget_bytes"]?.GetValue<double>(), o["energy_budget_joules"]?.GetValue<double>(), o["min_accuracy"]?.GetValue<double>()),
            o["data_fingerprint"]!.GetValue<string>(),
            o["min_train_samples"]!.GetValue<int>(),
            o["default_train_samples"]!.GetValue<int>(),
            o["batch"]?.GetValue<int>() ?? 1,
            o["replicates"]?.GetValue<int>() ?? 1,
            o["rung_replicates"]?.AsArray().Select(n => n!.GetValue<int>()).ToArray());
    }

    /// <summary>
    /// An objective as stored: {"name", "direction", "unit"}, or its bare name (stores of schema 1 and 2, whose
    /// directions were implied). A stored direction other than the one this build measures is refused, not reversed.
    /// </summary>
    private static Objective ParseObjective(JsonNode? node)
    {
        if (node is JsonValue) return Dse.Objectives.Parse(node.GetValue<string>())[0];
        var name = node?["name"]?.GetValue<string>() ?? throw new JsonException("an objective has no name");
        var objective = Dse.Objectives.Parse(name)[0];
        var direction = node["direction"]?.GetValue<string>();
        var expected = Dse.Objectives.Spec(objective).Direction.ToString().ToLowerInvariant();
        if (direction != expected)
            throw new JsonException($"objective '{name}' is stored with direction '{direction ?? "none"}'; this build can only {expected} it");
        return objective;
    }

    /// <summary>Human-readable differences ("seed: stored 1, requested 2"); empty when compatible.</summary>
    public IReadOnlyList<string> DifferencesFrom(StudyDefinition requested)
    {
        var diffs = new List<string>();
        void Check(string what, object? stored, object? asked)
        {
            if (!Equals(stored, asked)) diffs.Add($"{what}: stored {stored ?? "none"}, requested {asked ?? "none"}");
        }
        if (DataFingerprint != requested.DataFingerprint)
            diffs.Add($"data fingerprint: the study was run on data {DataFingerprint}, this run uses {requested.DataFingerprint} (other data)");
        if (SpaceJson != requested.SpaceJson) diffs.Add($"search space: stored {SpaceJson}, requested {requested.SpaceJson}");
        Check("strategy", Strategy, requested.Strategy);
        Check("seed", Seed, requested.Seed);
        Check("trials", Trials, requested.Trials);
        Check("objectives", string.Join(",", Objectives.Select(Dse.Objectives.Name)), string.Join(",", requested.Objectives.Select(Dse.Objectives.Name)));
        Check("memory budget (bytes)", Budgets.MemoryBytes, requested.Budgets.MemoryBytes);
        Check("energy budget (J)", Budgets.EnergyJoules, requested.Budgets.EnergyJoules);
        Check("min accuracy", Budgets.MinAccuracy, requested.Budgets.MinAccuracy);
        Check("min train samples", MinTrainSamples, requested.MinTrainSamples);
        Check("default train samples", DefaultTrainSamples, requested.DefaultTrainSamples);
        Check("replicates", ReplicatesText, requested.ReplicatesText);
        // Batch is not compared: the stored one wins (runners take the stored definition), so a study created with two
        // workers resumes with any number and still replays the same proposals.
        return diffs;
    }
}
