using System.Globalization;
using FSpiNN.Dse.Study;
using ScottPlot;

namespace FSpiNN.Dse.Export;

/// <summary>
/// A parallel-coordinates plot of a study's completed trials: one vertical axis per varying parameter and per objective
/// (accuracy, memory, energies), one line per trial coloured by accuracy (viridis: dark = low, yellow = high), the
/// Pareto frontier drawn thick and on top, trials that violate a budget grey. Numeric axes are logarithmic when their
/// values span more than a decade; each axis is labelled with its lowest and highest value (or its categories).
/// </summary>
public static class ParallelCoordinatesPlot
{
    public static void Write(StudyReport report, string path, int height = 600)
    {
        PlotFiles.Save(Build(report), path, Math.Max(900, 170 * AxisTitles(report).Count + 220), height);
    }

    /// <summary>One axis: its title and each trial's position on it in [0, 1], with the labels drawn along it.</summary>
    private sealed record Axis(string Title, Func<TrialRow, double> Position, IReadOnlyList<(double Position, string Label)> Labels);

    /// <summary>The axes from left to right: the varying parameters' short names, then the objectives.</summary>
    public static IReadOnlyList<string> AxisTitles(StudyReport report) => [.. Axes(report, Completed(report)).Select(a => a.Title)];

    private static List<TrialRow> Completed(StudyReport report) =>
        [.. report.Rows.Where(r => r.Trial.Status == TrialStatus.Complete).OrderBy(r => r.Pareto).ThenBy(r => r.Trial.Number)];

    public static Plot Build(StudyReport report)
    {
        var rows = Completed(report);
        var plot = new Plot();
        Draw(plot, report, rows, Axes(report, rows));
        return plot;
    }

    private static List<Axis> Axes(StudyReport report, List<TrialRow> rows)
    {
        var definition = report.Definition;
        var axes = new List<Axis>();
        foreach (var parameter in FrontierSummary.Parameters(definition).Varying)
        {
            var values = rows.Select(r => r.Trial.Candidate.TryGet(parameter, out var v) ? v : (ParameterValue?)null).ToList();
            if (values.All(v => v is { IsNumeric: true }))
                axes.Add(NumericAxis(FrontierSummary.ShortName(parameter), rows, r => r.Trial.Candidate.TryGet(parameter, out var v) ? v.AsDouble : double.NaN, Number));
            else
            {
                var categories = values.Select(v => v is { } x ? FrontierSummary.Value(x) : "-").Distinct().Order(StringComparer.Ordinal).ToList();
                double At(string c) => categories.Count == 1 ? 0.5 : categories.IndexOf(c) / (double)(categories.Count - 1);
                axes.Add(new Axis(FrontierSummary.ShortName(parameter), r => At(r.Trial.Candidate.TryGet(parameter, out var v) ? FrontierSummary.Value(v) : "-"),
                    [.. categories.Select(c => (At(c), c))]));
            }
        }
        foreach (var objective in definition.Objectives)
            axes.Add(objective switch
            {
                Objective.Accuracy => NumericAxis("accuracy (%)", rows, r => (r.Trial.Accuracy ?? 0) * 100, v => v.ToString("0.0", CultureInfo.InvariantCulture)),
                Objective.Memory => NumericAxis("memory", rows, r => r.Trial.MemoryBytes ?? 0, v => FrontierSummary.Bytes(v)),
                Objective.TrainEnergy => NumericAxis("E_train", rows, r => r.Trial.TrainEnergyJoules ?? 0, v => FrontierSummary.Joules(v)),
                _ => NumericAxis("E_inf", rows, r => r.Trial.InferenceEnergyJoules ?? 0, v => FrontierSummary.Joules(v)),
            });
        return axes;
    }

    private static void Draw(Plot plot, StudyReport report, List<TrialRow> rows, List<Axis> axes)
    {
        var definition = report.Definition;
        var accuracies = rows.Select(r => r.Trial.Accuracy ?? 0).ToList();
        var (low, high) = accuracies.Count > 0 ? (accuracies.Min(), accuracies.Max()) : (0, 1);
        var colormap = new ScottPlot.Colormaps.Viridis();
        var xs = Enumerable.Range(0, axes.Count).Select(i => (double)i).ToArray();
        foreach (var row in rows)
        {
            var ys = axes.Select(a => a.Position(row)).ToArray();
            var colour = !row.Feasible ? Colors.Gray.WithAlpha(0.35)
                : colormap.GetColor(high > low ? ((row.Trial.Accuracy ?? 0) - low) / (high - low) : 1).WithAlpha(row.Pareto ? 1 : 0.6);
            var line = plot.Add.ScatterLine(xs, ys, colour);
            line.LineWidth = row.Pareto ? 3.5f : 1.2f;
        }
        for (var i = 0; i < axes.Count; i++)
        {
            plot.Add.VerticalLine(i, 1.5f, Colors.Black);
            foreach (var (position, label) in axes[i].Labels)
            {
                var text = plot.Add.Text(label, i, position);
                text.LabelFontSize = 11;
                text.Alignment = Alignment.MiddleLeft;
                text.OffsetX = 4;
                text.LabelBackgroundColor = Colors.White.WithAlpha(0.8);
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, [.. axes.Select(a => a.Title)]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([], []);
        plot.Axes.SetLimits(-0.2, axes.Count - 0.3, -0.05, 1.05);
        plot.HideGrid();
        plot.Title($"{definition.SpaceName}: {rows.Count} completed trials ({definition.Strategy}, seed {definition.Seed})");
        plot.Legend.ManualItems.AddRange([
            new LegendItem { LabelText = $"highest accuracy ({FrontierSummary.Accuracy(high)})", LineColor = colormap.GetColor(1), LineWidth = 3, MarkerShape = MarkerShape.None },
            new LegendItem { LabelText = $"lowest accuracy ({FrontierSummary.Accuracy(low)})", LineColor = colormap.GetColor(0), LineWidth = 3, MarkerShape = MarkerShape.None },
            new LegendItem { LabelText = "Pareto frontier (thick)", LineColor = Colors.Black, LineWidth = 3.5f, MarkerShape = MarkerShape.None },
        ]);
        if (rows.Any(r => !r.Feasible))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "violates a budget", LineColor = Colors.Gray, LineWidth = 1.2f, MarkerShape = MarkerShape.None });
        plot.ShowLegend(Edge.Right);
    }

    /// <summary>A numeric axis from the lowest to the highest value, logarithmic when they span more than a decade.</summary>
    private static Axis NumericAxis(string title, IReadOnlyList<TrialRow> rows, Func<TrialRow, double> value, Func<double, string> format)
    {
        var values = rows.Select(value).Where(double.IsFinite).ToList();
        if (values.Count == 0) return new Axis(title, _ => 0.5, []);
        var (min, max) = (values.Min(), values.Max());
        var log = min > 0 && max / min > 10;
        double F(double v) => log ? Math.Log10(v) : v;
        double At(double v) => max > min ? (F(v) - F(min)) / (F(max) - F(min)) : 0.5;
        var distinct = values.Distinct().Order().ToList();
        if (distinct.Count <= 6) // a few levels (N, bits): each is labelled where it lies
            return new Axis(title, r => double.IsFinite(value(r)) ? At(value(r)) : 0.5, [.. distinct.Select(v => (At(v), format(v)))]);
        var labels = new List<(double, string)> { (0, format(min)), (1, format(max)) };
        {
            var middle = log ? Math.Sqrt(min * max) : (min + max) / 2;
            labels.Add((0.5, format(middle) + (log ? " (log)" : "")));
        }
        return new Axis(title, r => double.IsFinite(value(r)) ? At(value(r)) : 0.5, labels);
    }

    private static string Number(double v) => FrontierExporter.PlotNumber(v);
}
