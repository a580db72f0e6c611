using System.Text.Json;
using FSpiNN.CostModel;
using FSpiNN.Dse;
using FSpiNN.Dse.Study;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.SnnSearch;

/// <summary>What <see cref="StoredTrialPricing.Reprice"/> did.</summary>
/// <param name="Repriced">Complete trials priced again from their stored counts.</param>
/// <param name="WithDenseWrites">Of those, trials whose counts were recorded before executed writes were counted (their
/// learning writes are the dense engine's, an upper bound).</param>
/// <param name="KeptAsStored">Complete trials without stored counts (e.g. a synthetic evaluator): figures as stored.</param>
public readonly record struct RepriceSummary(int Repriced, int WithDenseWrites, int KeptAsStored);

/// <summary>
/// Prices stored trials again with the current cost model from what each trial stored in its details: the configuration
/// and the exact training and inference counts (<c>details_json</c>: <c>config</c>, <c>training_counts</c>,
/// <c>inference_counts</c>). The store is not changed: the caller reports (or exports) the returned records, so that old
/// studies are never stale and never rewritten. Memory, energies, the energy metrics and the budget violation change;
/// accuracy does not. Skipped trials keep their stored memory estimate.
/// </summary>
public static class StoredTrialPricing
{
    public static (IReadOnlyList<TrialRecord> Trials, RepriceSummary Summary) Reprice(StudyDefinition definition, IReadOnlyList<TrialRecord> trials,
        EnergyProfile? profile = null, CostOptions? options = null, WeightStorage inhibitionStorage = SnnCost.DefaultInhibitionStorage)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(trials);
        int repriced = 0, dense = 0, kept = 0;
        var result = new List<TrialRecord>(trials.Count);
        foreach (var trial in trials)
        {
            if (trial.Status != TrialStatus.Complete) { result.Add(trial); continue; }
            if (StoredRuns(trial) is not { } runs) { kept++; result.Add(trial); continue; }
            // a trial measured with replicates stored each replicate's counts: each is priced, and the means kept (as the
            // trial's figures were combined, see ReplicateEvaluation.Combine)
            var reports = runs.Select(run => SnnCost.Estimate(run.Config, run.Training, run.Inference, profile, options, inhibitionStorage)).ToList();
            var metrics = new Dictionary<string, double>(trial.Metrics)
            {
                ["memory_training_bytes"] = reports.Average(r => r.TrainingMemoryBytes),
                ["train_energy_per_pass_joules"] = reports.Average(r => r.Training.PerDatasetPassJoules),
                ["inference_energy_per_pass_joules"] = reports.Average(r => r.Inference.PerDatasetPassJoules),
                ["stdp_energy_share"] = reports.Average(r => r.Training.LearningShare),
            };
            var evaluation = new EvaluationResult(trial.Accuracy ?? 0, reports.Average(r => r.InferenceMemoryBytes), reports.Average(r => r.Training.PerExampleJoules),
                reports.Average(r => r.Inference.PerExampleJoules), metrics, trial.DetailsJson);
            var v = definition.Budgets.Violations(definition.Objectives, evaluation);
            result.Add(trial.WithResult(evaluation) with { Violation = v.Memory + v.Energy + v.Accuracy });
            repriced++;
            if (runs.Any(run => !run.Training.HasExecutedWriteCounts)) dense++;
        }
        return (result, new RepriceSummary(repriced, dense, kept));
    }

    private sealed record Run(NetworkConfig Config, WorkCounts Training, WorkCounts Inference);

    /// <summary>
    /// The configuration and counts a trial stored (one per replicate for a trial measured with replicates, whose details
    /// are <c>{"replicates": [...]}</c>), or null when it stored none (a details-less evaluator).
    /// </summary>
    private static IReadOnlyList<Run>? StoredRuns(TrialRecord trial)
    {
        if (string.IsNullOrWhiteSpace(trial.DetailsJson)) return null;
        try
        {
            using var details = JsonDocument.Parse(trial.DetailsJson);
            var root = details.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("replicates", out var replicates) && replicates.ValueKind == JsonValueKind.Array)
            {
                var runs = replicates.EnumerateArray().Select(StoredRun).ToList();
                return runs.Count > 0 && runs.All(r => r is not null) ? [.. runs.Select(r => r!)] : null;
            }
            return StoredRun(root) is { } run ? [run] : null;
        }
        catch (Exception e) when (e is JsonException or ConfigException or InvalidDataException or KeyNotFoundException)
        {
            throw new StoreFormatException($"trial {trial.Number}: its stored details cannot be re-priced ({e.Message})");
        }
    }

    private static Run? StoredRun(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("config", out var config)
            || !root.TryGetProperty("training_counts", out var training)
            || !root.TryGetProperty("inference_counts", out var inference))
            return null;
        var values = config.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        return new Run(ParameterTable.FromDescription(values), WorkCountsJson.Deserialize(training.GetRawText()),
            WorkCountsJson.Deserialize(inference.GetRawText()));
    }
}
