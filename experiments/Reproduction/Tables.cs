using System.Globalization;
using CsvHelper;

namespace FSpiNN.Reproduction;

/// <summary>A run of issue #7 run 1: one network at one size on one dataset, with its priced figures if any.</summary>
internal sealed record SizeRun(string Dataset, string Network, int Neurons, ResultRow Result, PricedRun? Priced);

/// <summary>Baseline / FSpiNN at one dataset and size (ratio = baseline / fspinn; difference = fspinn − baseline).</summary>
internal sealed record SizeRatio(string Dataset, int Neurons, double? AccuracyDifferencePoints, double? MemoryRatio,
    double? TrainEnergyRatio, double? InferenceEnergyRatio, double? TrainEnergyRatioDram, double? InferenceEnergyRatioDram);

/// <summary>A run of the N=400 ablation: what it changes against the baseline, and its figures.</summary>
internal sealed record AblationRun(string Name, string Changes, bool IsBaseline, ResultRow Result, PricedRun? Priced);

internal sealed record Dc2015Run(int Neurons, int Epochs, string Variant, double? PaperAccuracy, ResultRow Result);

/// <summary>A CSV table: a header and rows of already formatted cells (empty = missing).</summary>
internal sealed record Table(string FileName, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public void Write(string directory)
    {
        using var writer = new StreamWriter(Path.Combine(directory, FileName));
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var c in Columns) csv.WriteField(c);
        csv.NextRecord();
        foreach (var row in Rows)
        {
            foreach (var cell in row) csv.WriteField(cell);
            csv.NextRecord();
        }
    }
}

/// <summary>Groups the results into the run sets of issue #7 and lays them out as the four CSV tables.</summary>
internal static class Tables
{
    public static List<SizeRun> Sizes(IReadOnlyDictionary<string, ResultRow> results, IReadOnlyDictionary<string, PricedRun> priced) =>
        results.Values
            .Select(r => (Row: r, Match: RunSets.Size().Match(r.Name)))
            .Where(x => x.Match.Success)
            .Select(x => new SizeRun(x.Match.Groups[3].Value, x.Match.Groups[1].Value, int.Parse(x.Match.Groups[2].Value, CultureInfo.InvariantCulture),
                x.Row, priced.GetValueOrDefault(x.Row.Name)))
            .OrderBy(s => s.Dataset, StringComparer.Ordinal).ThenBy(s => s.Neurons).ThenBy(s => s.Network, StringComparer.Ordinal)
            .ToList();

    public static List<SizeRatio> Ratios(IEnumerable<SizeRun> sizes) =>
        sizes.GroupBy(s => (s.Dataset, s.Neurons))
            .Select(g => (g.Key, Baseline: g.FirstOrDefault(s => s.Network == "bindsnet"), Fspinn: g.FirstOrDefault(s => s.Network == "fspinn")))
            .Where(x => x.Baseline is not null && x.Fspinn is not null)
            .Select(x => new SizeRatio(x.Key.Dataset, x.Key.Neurons,
                x.Fspinn!.Result.AccuracyAllActivity - x.Baseline!.Result.AccuracyAllActivity,
                Ratio(x.Baseline.Priced?.MemoryInferenceBytes, x.Fspinn.Priced?.MemoryInferenceBytes),
                Ratio(x.Baseline.Priced?.TrainEnergyJoulesPerExample, x.Fspinn.Priced?.TrainEnergyJoulesPerExample),
                Ratio(x.Baseline.Priced?.InferenceEnergyJoulesPerExample, x.Fspinn.Priced?.InferenceEnergyJoulesPerExample),
                Ratio(x.Baseline.Priced?.TrainEnergyDramJoulesPerExample, x.Fspinn.Priced?.TrainEnergyDramJoulesPerExample),
                Ratio(x.Baseline.Priced?.InferenceEnergyDramJoulesPerExample, x.Fspinn.Priced?.InferenceEnergyDramJoulesPerExample)))
            .ToList();

    /// <summary>The ablation runs: the baseline, the full FSpiNN, then the others by name; changes are empty when the baseline has not run yet.</summary>
    public static List<AblationRun> Ablation(IReadOnlyDictionary<string, ResultRow> results, IReadOnlyDictionary<string, PricedRun> priced)
    {
        var baseline = results.GetValueOrDefault(RunSets.AblationBaseline);
        return results.Values
            .Where(r => RunSets.IsAblation(r.Name))
            .Select(r => new AblationRun(r.Name,
                r.Name == RunSets.AblationBaseline ? "baseline" : baseline is null ? "" : r.Options.DifferencesFrom(baseline.Options),
                r.Name == RunSets.AblationBaseline, r, priced.GetValueOrDefault(r.Name)))
            .OrderBy(a => a.IsBaseline ? 0 : a.Name == RunSets.AblationFull ? 1 : 2).ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
    }

    public static List<Dc2015Run> Dc2015(IReadOnlyDictionary<string, ResultRow> results) =>
        results.Values
            .Select(r => (Row: r, Match: RunSets.Dc2015().Match(r.Name)))
            .Where(x => x.Match.Success)
            .Select(x =>
            {
                var n = int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture);
                return new Dc2015Run(n, int.Parse(x.Match.Groups[2].Value, CultureInfo.InvariantCulture), x.Match.Groups["variant"].Value,
                    RunSets.Dc2015PaperAccuracy.TryGetValue(n, out var paper) ? paper : null, x.Row);
            })
            .OrderBy(d => d.Neurons).ThenBy(d => d.Epochs).ThenBy(d => d.Variant, StringComparer.Ordinal)
            .ToList();

    public static Table SizesTable(IEnumerable<SizeRun> sizes) => new("sizes.csv",
        ["dataset", "network", "neurons", "weights", "accuracy_all_activity", "accuracy_proportion", "memory_inference_bytes",
            "train_energy_j", "inference_energy_j", "train_ms_per_example", "label_ms_per_example", "test_ms_per_example",
            "train_examples", "commit", "command"],
        sizes.Select(s =>
        {
            var r = s.Result;
            var testExamples = TestExamples(s);
            return (IReadOnlyList<string>)
            [
                s.Dataset, s.Network, Cell(s.Neurons), s.Priced?.Weights ?? "", Cell(r.AccuracyAllActivity), Cell(r.AccuracyProportion),
                Cell(s.Priced?.MemoryInferenceBytes), Cell(s.Priced?.TrainEnergyJoulesPerExample), Cell(s.Priced?.InferenceEnergyJoulesPerExample),
                Cell(Milliseconds(r.TrainSeconds, r.TrainExamples)), Cell(Milliseconds(r.LabelSeconds, r.LabelExamples)),
                Cell(Milliseconds(r.TestSeconds, testExamples)), Cell(r.TrainExamples), r.Commit, r.Command,
            ];
        }).ToList());

    public static Table RatiosTable(IEnumerable<SizeRatio> ratios) => new("ratios.csv",
        ["dataset", "neurons", "accuracy_fspinn_minus_baseline_points", "memory_ratio", "train_energy_ratio", "inference_energy_ratio",
            "train_energy_ratio_weights_in_dram", "inference_energy_ratio_weights_in_dram"],
        ratios.Select(r => (IReadOnlyList<string>)
        [
            r.Dataset, Cell(r.Neurons), Cell(r.AccuracyDifferencePoints), Cell(r.MemoryRatio), Cell(r.TrainEnergyRatio), Cell(r.InferenceEnergyRatio),
            Cell(r.TrainEnergyRatioDram), Cell(r.InferenceEnergyRatioDram),
        ]).ToList());

    public static Table AblationTable(IEnumerable<AblationRun> runs) => new("ablation.csv",
        ["name", "changes_vs_baseline", "weights", "accuracy_all_activity", "accuracy_proportion", "weight_writes_per_example",
            "train_energy_j", "inference_energy_j", "train_energy_dram_j", "inference_energy_dram_j", "memory_inference_bytes",
            "memory_training_bytes", "commit", "command"],
        runs.Select(a => (IReadOnlyList<string>)
        [
            a.Name, a.Changes, a.Priced?.Weights ?? "", Cell(a.Result.AccuracyAllActivity), Cell(a.Result.AccuracyProportion),
            Cell(a.Priced?.WeightWritesPerTrainExample), Cell(a.Priced?.TrainEnergyJoulesPerExample), Cell(a.Priced?.InferenceEnergyJoulesPerExample),
            Cell(a.Priced?.TrainEnergyDramJoulesPerExample), Cell(a.Priced?.InferenceEnergyDramJoulesPerExample), Cell(a.Priced?.MemoryInferenceBytes), Cell(a.Priced?.MemoryTrainingBytes), a.Result.Commit, a.Result.Command,
        ]).ToList());

    public static Table Dc2015Table(IEnumerable<Dc2015Run> runs) => new("dc2015.csv",
        ["neurons", "epochs", "variant", "accuracy_all_activity", "paper_accuracy", "difference_points", "train_seconds", "commit", "command"],
        runs.Select(d => (IReadOnlyList<string>)
        [
            Cell(d.Neurons), Cell(d.Epochs), d.Variant, Cell(d.Result.AccuracyAllActivity), Cell(d.PaperAccuracy),
            Cell(d.Result.AccuracyAllActivity - d.PaperAccuracy), Cell(d.Result.TrainSeconds), d.Result.Commit, d.Result.Command,
        ]).ToList());

    private static double? Ratio(double? baseline, double? fspinn) => baseline is { } b && fspinn is { } f && f != 0 ? b / f : null;

    /// <summary>Test examples of a run: its inference examples (labelling + testing) minus the labelled ones.</summary>
    public static long? TestExamples(SizeRun s) =>
        s.Priced is { } p && s.Result.LabelExamples is { } labelled ? p.InferenceExamples - labelled : null;

    public static double? Milliseconds(double? seconds, long? examples) =>
        seconds is { } s && examples is > 0 ? s * 1000 / examples.Value : null;

    private static string Cell(double? v) => v is { } x ? x.ToString("G10", CultureInfo.InvariantCulture) : "";

    private static string Cell(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";
}
