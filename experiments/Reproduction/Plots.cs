using System.Globalization;
using ScottPlot;

namespace FSpiNN.Reproduction;

/// <summary>The figures of the report (accuracy vs N, with seeds and CIs, is drawn by experiments/headline/claims.py) (ScottPlot 5, PNG). N axes are logarithmic: log10 N, ticked at the sizes run.
/// MNIST is drawn solid with filled circles, Fashion-MNIST dashed with open squares.</summary>
internal static class Plots
{
    private const int Width = 800;
    private const int Height = 500;
    private static readonly Color Fspinn = Colors.OrangeRed;

    /// <summary>
    /// Baseline / FSpiNN ratios vs N in three panels, one above the other, one per quantity (memory, training energy,
    /// inference energy), each on the same log axis: colour = where the weights are (placed by size or all in DRAM),
    /// solid circles MNIST, dashed open squares Fashion-MNIST. Memory does not depend on the dataset (one line).
    /// </summary>
    public static bool RatiosVsN(IReadOnlyList<SizeRatio> ratios, string path)
    {
        var panels = new (string Title, (string Label, Func<SizeRatio, double?> Value, Color Color)[] Series, bool PerDataset)[]
        {
            ("Memory (inference), the same for both datasets", [("MNIST and Fashion-MNIST", r => r.MemoryRatio, Colors.SeaGreen)], false),
            ("Training energy per example (weights placed by size, or all in DRAM)",
                [("placed by size", r => r.TrainEnergyRatio, Colors.OrangeRed), ("all in DRAM", r => r.TrainEnergyRatioDram, Colors.DarkGoldenRod)], true),
            ("Inference energy per example (weights placed by size, or all in DRAM)",
                [("placed by size", r => r.InferenceEnergyRatio, Colors.SteelBlue), ("all in DRAM", r => r.InferenceEnergyRatioDram, Colors.MediumPurple)], true),
        };
        if (!ratios.Any(r => panels.Any(p => p.Series.Any(x => x.Value(r) is not null)))) return false;
        var largest = ratios.SelectMany(r => new[] { r.MemoryRatio, r.TrainEnergyRatio, r.InferenceEnergyRatio, r.TrainEnergyRatioDram, r.InferenceEnergyRatioDram }).Max() ?? 1;
        var ticks = new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000 }.Where(t => t <= Math.Max(largest * 2, 2)).Select(t => (double)t).ToArray();
        var top = Math.Log10(ticks[^1]) + 0.05;

        var multiplot = new Multiplot(); // starts with one plot: the first panel
        foreach (var (title, series, perDataset) in panels)
        {
            var plot = title == panels[0].Title ? multiplot.GetPlot(0) : multiplot.AddPlot();
            foreach (var dataset in perDataset ? new[] { "mnist", "fashion" } : ["mnist"])
                foreach (var (label, value, color) in series)
                {
                    var points = ratios.Where(r => r.Dataset == dataset && value(r) is not null).OrderBy(r => r.Neurons).ToList();
                    if (points.Count == 0) continue;
                    var line = plot.Add.Scatter(points.Select(r => Math.Log10(r.Neurons)).ToArray(),
                        points.Select(r => Math.Log10(value(r)!.Value)).ToArray(), color);
                    line.LegendText = perDataset ? $"{DatasetName(dataset)}, {label}" : label;
                    line.LinePattern = dataset == "mnist" ? LinePattern.Solid : LinePattern.Dashed;
                    line.MarkerShape = dataset == "mnist" ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                    line.MarkerSize = 7;
                    line.LineWidth = 2;
                }
            plot.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
            NeuronAxis(plot, ratios.Select(r => r.Neurons));
            plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString(CultureInfo.InvariantCulture) + "×").ToArray());
            plot.Axes.SetLimitsY(-0.1, top);
            plot.YLabel("Baseline / FSpiNN (log scale)");
            plot.Title(title);
            plot.ShowLegend(Edge.Right);
            plot.Layout.Fixed(new PixelPadding(85, 290, 55, 45)); // the same data area in every panel, legends beside it
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        multiplot.SavePng(path, 1000, 3 * 330);
        return true;
    }

    /// <summary>What each ablation run changes, in words, and its group; the plot's order is this list's.</summary>
    private static readonly (string Name, string Label, string Group)[] Mechanisms =
    [
        (RunSets.AblationBaseline, "baseline: bindsnet, I→E 120, float32, post-pre STDP", "baseline"),
        ("abl3-n400-inh-default", "inhibition not tuned (I→E 17.5)", "inhibition"),
        ("abl3-n400-lateral", "direct lateral inhibition (w_inh 120)", "inhibition"),
        ("abl3-n400-potentiation", "potentiation-only STDP", "learning rule"),
        ("abl3-n400-adaptive", "adaptive potentiation factor k_p", "learning rule"),
        ("abl3-n400-interval10", "weight updates every 10 steps", "update timing"),
        ("abl3-n400-interval50", "weight updates every 50 steps", "update timing"),
        ("abl3-n400-interval350", "weight updates once per example (T_u = 350)", "update timing"),
        ("abl3-n400-itq8-sr", "8-bit in training, stochastic rounding", "8-bit weights"),
        ("abl3-n400-itq8-rn", "8-bit in training, round to nearest", "8-bit weights"),
        ("abl3-n400-itq8-tr", "8-bit in training, truncation", "8-bit weights"),
        ("abl3-n400-ptq8-rn", "8-bit after training, round to nearest", "8-bit weights"),
        ("abl3-n400-itq4-sr", "4-bit in training, stochastic rounding", "4-bit weights"),
        ("abl3-n400-itq4-rn", "4-bit in training, round to nearest", "4-bit weights"),
        ("abl3-n400-itq4-tr", "4-bit in training, truncation", "4-bit weights"),
        ("abl3-n400-ptq4-rn", "4-bit after training, round to nearest", "4-bit weights"),
        (RunSets.AblationFull, "all of FSpiNN (fspinn preset)", "all of FSpiNN"),
    ];

    private static readonly Dictionary<string, Color> GroupColors = new()
    {
        ["baseline"] = Colors.Gray,
        ["inhibition"] = Colors.SteelBlue,
        ["learning rule"] = Colors.SeaGreen,
        ["update timing"] = Colors.DarkGoldenRod,
        ["8-bit weights"] = Colors.MediumPurple,
        ["4-bit weights"] = Colors.Plum,
        ["all of FSpiNN"] = Fspinn,
        ["other"] = Colors.LightSlateGray,
    };

    /// <summary>
    /// Horizontal bars of accuracy per ablation run, top to bottom: the baseline, one mechanism at a time grouped by
    /// kind (colour), all of FSpiNN last; the baseline's accuracy is a dashed line. Runs not in <see cref="Mechanisms"/>
    /// come before the last bar under their run name.
    /// </summary>
    public static bool Ablation(IReadOnlyList<AblationRun> runs, string path)
    {
        var described = runs.Where(a => a.Result.AccuracyAllActivity is not null)
            .Select(a =>
            {
                var index = Array.FindIndex(Mechanisms, m => m.Name == a.Name);
                return (Run: a, Order: index < 0 ? Mechanisms.Length - 1.5 : index,
                    Label: index < 0 ? a.Name : Mechanisms[index].Label, Group: index < 0 ? "other" : Mechanisms[index].Group);
            })
            .OrderBy(x => x.Order).ToList();
        if (described.Count == 0) return false;
        var plot = new Plot();
        var bars = described.Select((x, i) => new Bar
        {
            Position = described.Count - 1 - i,
            Value = x.Run.Result.AccuracyAllActivity!.Value,
            FillColor = GroupColors[x.Group],
            Label = x.Run.Result.AccuracyAllActivity!.Value.ToString("F2", CultureInfo.InvariantCulture),
        }).ToArray();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.SetTicks(described.Select((_, i) => (double)(described.Count - 1 - i)).ToArray(), described.Select(x => x.Label).ToArray());
        if (described.FirstOrDefault(x => x.Run.IsBaseline).Run is { } baseline)
        {
            var line = plot.Add.VerticalLine(baseline.Result.AccuracyAllActivity!.Value, 2, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"baseline {baseline.Result.AccuracyAllActivity.Value.ToString("F2", CultureInfo.InvariantCulture)} %";
        }
        foreach (var group in described.Select(x => x.Group).Distinct().Where(g => g is not "baseline" and not "all of FSpiNN"))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = group, FillColor = GroupColors[group] });
        plot.ShowLegend(Edge.Right);
        plot.Axes.SetLimitsX(0, 100);
        plot.XLabel("Test accuracy, all-activity (%)");
        plot.Title("Ablation at N = 400, MNIST: the baseline plus one mechanism");
        plot.SavePng(path, 1000, Math.Max(Height, 80 + 28 * described.Count));
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
