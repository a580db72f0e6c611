using System.Globalization;
using ScottPlot;

namespace FSpiNN.Reproduction;

/// <summary>The three figures of the report (ScottPlot 5, PNG). N axes are logarithmic: log10 N, ticked at the sizes run.
/// MNIST is drawn solid with filled circles, Fashion-MNIST dashed with open squares.</summary>
internal static class Plots
{
    private const int Width = 800;
    private const int Height = 500;
    private static readonly Color Baseline = Colors.SteelBlue;
    private static readonly Color Fspinn = Colors.OrangeRed;

    /// <summary>Accuracy (all-activity, %) vs N: MNIST and Fashion-MNIST, baseline and FSpiNN. False when there is nothing to plot.</summary>
    public static bool AccuracyVsN(IReadOnlyList<SizeRun> sizes, string path)
    {
        var plot = new Plot();
        var any = false;
        foreach (var dataset in new[] { "mnist", "fashion" })
            foreach (var network in new[] { "bindsnet", "fspinn" })
            {
                var points = sizes.Where(s => s.Dataset == dataset && s.Network == network && s.Result.AccuracyAllActivity is not null)
                    .OrderBy(s => s.Neurons).ToList();
                if (points.Count == 0) continue;
                any = true;
                var line = plot.Add.Scatter(points.Select(s => Math.Log10(s.Neurons)).ToArray(),
                    points.Select(s => s.Result.AccuracyAllActivity!.Value).ToArray(), network == "fspinn" ? Fspinn : Baseline);
                line.LegendText = $"{DatasetName(dataset)} {(network == "fspinn" ? "FSpiNN" : "baseline")}";
                line.LinePattern = dataset == "mnist" ? LinePattern.Solid : LinePattern.Dashed;
                line.MarkerShape = dataset == "mnist" ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                line.MarkerSize = 7;
                line.LineWidth = 2;
            }
        if (!any) return false;
        NeuronAxis(plot, sizes.Select(s => s.Neurons));
        plot.YLabel("Test accuracy, all-activity (%)");
        plot.Title("Accuracy vs network size (baseline: BindsNET-style, float32)");
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
        return true;
    }

    /// <summary>Baseline / FSpiNN ratios of memory, training and inference energy vs N, per dataset.</summary>
    public static bool RatiosVsN(IReadOnlyList<SizeRatio> ratios, string path)
    {
        var plot = new Plot();
        var any = false;
        var metrics = new (string Label, Func<SizeRatio, double?> Value, Color Color)[]
        {
            ("memory (inference)", r => r.MemoryRatio, Colors.SeaGreen),
            ("training energy", r => r.TrainEnergyRatio, Colors.OrangeRed),
            ("inference energy", r => r.InferenceEnergyRatio, Colors.SteelBlue),
            ("training energy, weights in DRAM", r => r.TrainEnergyRatioDram, Colors.DarkGoldenRod),
            ("inference energy, weights in DRAM", r => r.InferenceEnergyRatioDram, Colors.MediumPurple),
        };
        foreach (var dataset in new[] { "mnist", "fashion" })
            foreach (var (label, value, color) in metrics)
            {
                var points = ratios.Where(r => r.Dataset == dataset && value(r) is not null).OrderBy(r => r.Neurons).ToList();
                if (points.Count == 0) continue;
                any = true;
                var line = plot.Add.Scatter(points.Select(r => Math.Log10(r.Neurons)).ToArray(),
                    points.Select(r => Math.Log10(value(r)!.Value)).ToArray(), color);
                line.LegendText = $"{DatasetName(dataset)} {label}";
                line.LinePattern = dataset == "mnist" ? LinePattern.Solid : LinePattern.Dashed;
                line.MarkerShape = dataset == "mnist" ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                line.MarkerSize = 7;
                line.LineWidth = 2;
            }
        if (!any) return false;
        var one = plot.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
        one.LegendText = "1×";
        NeuronAxis(plot, ratios.Select(r => r.Neurons));
        var largest = ratios.SelectMany(r => new[] { r.MemoryRatio, r.TrainEnergyRatio, r.InferenceEnergyRatio, r.TrainEnergyRatioDram, r.InferenceEnergyRatioDram }).Max() ?? 1;
        var ticks = new[] { 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000 }.Where(t => t <= Math.Max(largest * 2, 2)).ToArray();
        plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString(CultureInfo.InvariantCulture) + "×").ToArray());
        plot.YLabel("Baseline / FSpiNN (log scale)");
        plot.Title("Savings of FSpiNN over the baseline (event-driven)");
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
        return true;
    }

    /// <summary>Horizontal bars of accuracy per ablation run; the baseline bar is grey and its accuracy a dashed line.</summary>
    public static bool Ablation(IReadOnlyList<AblationRun> runs, string path)
    {
        var shown = runs.Where(a => a.Result.AccuracyAllActivity is not null).ToList();
        if (shown.Count == 0) return false;
        var plot = new Plot();
        // Top to bottom in table order: the first row gets the highest position.
        var bars = shown.Select((a, i) => new Bar
        {
            Position = shown.Count - 1 - i,
            Value = a.Result.AccuracyAllActivity!.Value,
            FillColor = a.IsBaseline ? Colors.Gray : a.Name == RunSets.AblationFull ? Fspinn : Baseline,
            Label = a.Result.AccuracyAllActivity!.Value.ToString("F2", CultureInfo.InvariantCulture),
        }).ToArray();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.SetTicks(shown.Select((_, i) => (double)(shown.Count - 1 - i)).ToArray(),
            shown.Select(a => a.IsBaseline ? $"{a.Name} (baseline)" : a.Name == RunSets.AblationFull ? $"{a.Name} (full FSpiNN)" : a.Name).ToArray());
        if (shown.FirstOrDefault(a => a.IsBaseline) is { } baseline)
        {
            var line = plot.Add.VerticalLine(baseline.Result.AccuracyAllActivity!.Value, 2, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"baseline {baseline.Result.AccuracyAllActivity.Value.ToString("F2", CultureInfo.InvariantCulture)} %";
            plot.ShowLegend(Alignment.LowerLeft);
        }
        plot.Axes.SetLimitsX(0, 100);
        plot.XLabel("Test accuracy, all-activity (%)");
        plot.Title("Ablations at N=400 on MNIST");
        plot.SavePng(path, Width, Math.Max(Height, 60 + 28 * shown.Count));
        return true;
    }

    private static void NeuronAxis(Plot plot, IEnumerable<int> neurons)
    {
        var sizes = neurons.Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(sizes.Select(n => Math.Log10(n)).ToArray(), sizes.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.XLabel("Excitatory neurons N (log scale)");
    }

    private static string DatasetName(string dataset) => dataset == "mnist" ? "MNIST" : "Fashion-MNIST";
}
