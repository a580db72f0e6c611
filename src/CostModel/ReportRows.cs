using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace FSpiNN.CostModel;

/// <summary>One printable line of a <see cref="CostReport"/>, e.g. <c>energy | total | training | per example | 1.2e-6 | J</c>.</summary>
/// <param name="Section">memory, placement, energy or neurobench.</param>
/// <param name="Item">A component name or <c>total</c>.</param>
/// <param name="Phase">training, inference, or empty when the value does not depend on the phase.</param>
/// <param name="Note">Extra text, e.g. the memory level of a placement row.</param>
public sealed record ReportRow(string Section, string Item, string Phase, string Quantity, double Value, string Unit, string Note = "");

internal static class ReportRows
{
    public static IReadOnlyList<ReportRow> Build(CostReport report)
    {
        var rows = new List<ReportRow>();
        var memory = report.Memory;
        foreach (var component in memory.Components)
        {
            string phase = component.TrainingOnly ? "training" : "both";
            rows.Add(new("memory", component.Name, phase, "bytes", component.Bytes, "B", $"{component.Elements} × {component.BitsPerElement} bits"));
        }
        rows.Add(new("memory", "weights", "both", "bytes", memory.WeightBits / 8.0, "B"));
        rows.Add(new("memory", "total", "training", "bytes", report.TrainingMemoryBytes, "B"));
        rows.Add(new("memory", "total", "inference", "bytes", memory.InferenceBytes, "B"));
        foreach (var component in memory.Components)
            rows.Add(new("placement", component.Name, component.TrainingOnly ? "training" : "both", "level", component.Bytes, "B", report.Placement[component.Name]));
        foreach (var energy in new[] { report.Training, report.Inference })
        {
            string phase = energy.Phase == Phase.Training ? "training" : "inference";
            rows.Add(new("energy", "total", phase, "run", energy.TotalJoules, "J", $"{energy.Examples} examples"));
            rows.Add(new("energy", "total", phase, "per example", energy.PerExampleJoules, "J"));
            rows.Add(new("energy", "total", phase, "per dataset pass", energy.PerDatasetPassJoules, "J", $"{energy.DatasetExamples} examples"));
            rows.Add(new("energy", "compute", phase, "per example", PerExample(energy, energy.ComputeJoules), "J"));
            rows.Add(new("energy", "memory", phase, "per example", PerExample(energy, energy.MemoryJoules), "J"));
            rows.Add(new("energy", "learning (STDP)", phase, "per example", PerExample(energy, energy.LearningJoules), "J"));
            rows.Add(new("energy", "learning (STDP)", phase, "share", energy.LearningShare, "1"));
            foreach (var (component, joules) in energy.ByComponent())
                rows.Add(new("energy", component, phase, "per example", PerExample(energy, joules), "J"));
        }
        var nb = report.NeuroBench;
        rows.Add(new("neurobench", "footprint", "inference", "bytes", nb.FootprintBytes, "B"));
        rows.Add(new("neurobench", "connection sparsity", "", "fraction", nb.ConnectionSparsity, "1"));
        rows.Add(new("neurobench", "activation sparsity", "inference", "fraction", nb.ActivationSparsity, "1"));
        rows.Add(new("neurobench", "dense synaptic ops", "inference", "per example", nb.DenseSynapticOpsPerExample, "ops"));
        rows.Add(new("neurobench", "effective ACs", "inference", "per example", nb.EffectiveAcsPerExample, "ops"));
        rows.Add(new("neurobench", "effective MACs", "inference", "per example", nb.EffectiveMacsPerExample, "ops"));
        return rows;
    }

    private static double PerExample(EnergyReport energy, double joules) => energy.Examples == 0 ? 0 : joules / energy.Examples;
}

/// <summary>Writes a <see cref="CostReport"/> as CSV (invariant culture, header row).</summary>
public static class CostReportCsv
{
    /// <summary>One line per <see cref="CostReport.Rows"/> entry: section,item,phase,quantity,value,unit,note.</summary>
    public static void WriteRows(CostReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture), leaveOpen: true);
        csv.WriteRecords(report.Rows.Select(r => new { section = r.Section, item = r.Item, phase = r.Phase, quantity = r.Quantity, value = r.Value, unit = r.Unit, note = r.Note }));
    }

    /// <summary>The itemised energy breakdown of both phases: phase,component,category,action,count,pj_per_action,pj,learning,rule.</summary>
    public static void WriteEnergyItems(CostReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture), leaveOpen: true);
        var lines = new[] { report.Training, report.Inference }.SelectMany(energy => energy.Items.Select(item => new
        {
            phase = energy.Phase == Phase.Training ? "training" : "inference",
            component = item.Component,
            category = item.Category == EnergyCategory.Compute ? "compute" : "memory",
            action = item.Action,
            count = item.Count,
            pj_per_action = item.PicojoulesPerAction,
            pj = item.Picojoules,
            learning = item.Learning,
            rule = item.Rule,
        }));
        csv.WriteRecords(lines);
    }
}
