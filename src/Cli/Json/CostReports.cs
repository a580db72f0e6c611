using FSpiNN.CostModel;

namespace FSpiNN.Cli.Json;

// JSON report of `cost` (fields: docs/json.md): the CostReport the command prints, in full.

internal sealed record MemoryComponentJson(string Name, string Kind, string Owner, long Elements, int BitsPerElement, double Bytes, string Phase, string PlacedIn);

internal sealed record EnergyItemJson(string Component, string Category, string Action, long Count, double PicojoulesPerAction, double Picojoules, bool Learning, string Rule);

internal sealed record EnergyPhaseJson(
    long Examples,
    long DatasetExamples,
    double PerExampleJ,
    double PerDatasetPassJ,
    double TotalJ,
    double ComputeJ,
    double MemoryJ,
    double LearningJ,
    double LearningShare,
    IReadOnlyList<EnergyItemJson> Items)
{
    public static EnergyPhaseJson Of(EnergyReport e) => new(e.Examples, e.DatasetExamples, e.PerExampleJoules, e.PerDatasetPassJoules, e.TotalJoules,
        e.ComputeJoules, e.MemoryJoules, e.LearningJoules, e.LearningShare,
        [.. e.Items.Select(i => new EnergyItemJson(i.Component, i.Category.ToString(), i.Action, i.Count, i.PicojoulesPerAction, i.Picojoules, i.Learning, i.Rule))]);
}

/// <summary>Where the activity that is priced comes from: "analytic" (spikes per example) or "model" (a model file's exact counts).</summary>
internal sealed record CostSourceJson(string Kind, string Description, double? SpikesPerExample, string? ModelPath, long? TrainingExamples, long? InferenceExamples);

internal sealed record CostMemoryJson(double InferenceBytes, double TrainingBytes, long InferenceBits, long TrainingBits);

internal sealed record NeuroBenchJson(double FootprintBytes, double ConnectionSparsity, double ActivationSparsity, double DenseSynapticOpsPerExample,
    double EffectiveAcsPerExample, double EffectiveMacsPerExample);

internal sealed record CostRowJson(string Section, string Item, string Phase, string Quantity, double Value, string Unit, string Note);

internal sealed record CostCommandReport(
    string Network,
    CostSourceJson Source,
    string Profile,
    string InhibitionStorage,
    string Execution,
    IReadOnlyList<string> Notes,
    IReadOnlyList<MemoryComponentJson> Components,
    CostMemoryJson Memory,
    EnergyPhaseJson TrainingEnergy,
    EnergyPhaseJson InferenceEnergy,
    double? LearningWeightWritesPerExample,
    NeuroBenchJson Neurobench,
    IReadOnlyList<CostRowJson> Rows) : CommandReport("cost")
{
    public static CostCommandReport Of(CostReport report, CostSourceJson source, string inhibitionStorage, IReadOnlyList<string> notes, double? writesPerExample)
    {
        var nb = report.NeuroBench;
        return new CostCommandReport(report.Network.Name, source, report.ProfileName, inhibitionStorage,
            report.Options.Execution == SynapticExecution.Dense ? "dense" : "event", notes,
            [.. report.Memory.Components.Select(c => new MemoryComponentJson(c.Name, c.Kind.ToString(), c.Owner, c.Elements, c.BitsPerElement, c.Bytes,
                c.TrainingOnly ? "training" : "both", report.Placement[c.Name]))],
            new CostMemoryJson(report.InferenceMemoryBytes, report.TrainingMemoryBytes, report.InferenceMemoryBits, report.TrainingMemoryBits),
            EnergyPhaseJson.Of(report.Training), EnergyPhaseJson.Of(report.Inference), writesPerExample,
            new NeuroBenchJson(nb.FootprintBytes, nb.ConnectionSparsity, nb.ActivationSparsity, nb.DenseSynapticOpsPerExample, nb.EffectiveAcsPerExample, nb.EffectiveMacsPerExample),
            [.. report.Rows.Select(r => new CostRowJson(r.Section, r.Item, r.Phase, r.Quantity, r.Value, r.Unit, r.Note))]);
    }
}
