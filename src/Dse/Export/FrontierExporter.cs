using System.Globalization;
using CsvHelper;
using FSpiNN.Dse.Study;
using ScottPlot;

namespace FSpiNN.Dse.Export;

/// <summary>Writes a study's trials as CSV (one row per trial) and plots accuracy vs memory and vs energy.</summary>
public static class FrontierExporter
{
    /// <summary>
    /// Columns: trial, status, train_samples (the fidelity the trial ran at), every other config parameter, objectives
    /// (accuracy is the mean over the trial's replicates), the accuracy's measurement (replicates, accuracy_sd,
    /// accuracy_ci_low, accuracy_ci_high: the 95 % Student-t interval of the mean), constraint violations, feasible,
    /// pareto, rank, recommended. A complete trial measured once has replicates 1 and empty sd and interval (one value
    /// has no spread); a trial that did not complete has all four empty.
    /// </summary>
    public static void WriteCsv(StudyReport report, TextWriter writer)
    {
        var parameterNames = report.Rows.SelectMany(r => r.Trial.Candidate.Values.Select(v => v.Key))
            .Where(name => name is not ("train_samples" or Statistics.ReplicateEvaluation.ParameterName)).Distinct().ToList();
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in new[] { "trial", "status", "train_samples" }.Concat(parameterNames).Concat([
            "accuracy", "memory_bytes", "train_energy_j", "inference_energy_j",
            "replicates", "accuracy_sd", "accuracy_ci_low", "accuracy_ci_high",
            "memory_violation", "energy_violation", "accuracy_violation", "feasible", "pareto", "rank", "recommended"]))
            csv.WriteField(h);
        csv.NextRecord();
        foreach (var row in report.Rows.OrderBy(r => r.Trial.Number))
        {
            var t = row.Trial;
            csv.WriteField(t.Number);
            csv.WriteField(t.Status.ToString().ToUpperInvariant());
            csv.WriteField(t.TrainSamples);
            foreach (var name in parameterNames)
                csv.WriteField(t.Candidate.TryGet(name, out var v) ? v.ToString() : "");
            csv.WriteField(Number(t.Accuracy));
            csv.WriteField(Number(t.MemoryBytes));
            csv.WriteField(Number(t.TrainEnergyJoules));
            csv.WriteField(Number(t.InferenceEnergyJoules));
            var measured = t.AccuracyReplicates;
            csv.WriteField(measured?.Count.ToString(CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(measured is { Count: > 1 } m ? Number(m.StandardDeviation) : "");
            csv.WriteField(measured is { Count: > 1 } lo ? Number(lo.ConfidenceLow) : "");
            csv.WriteField(measured is { Count: > 1 } hi ? Number(hi.ConfidenceHigh) : "");
            csv.WriteField(Number(row.MemoryViolation));
            csv.WriteField(Number(row.EnergyViolation));
            csv.WriteField(Number(row.AccuracyViolation));
            csv.WriteField(row.Feasible ? "true" : "false");
            csv.WriteField(row.Pareto ? "true" : "false");
            csv.WriteField(row.Rank?.ToString(CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(report.Recommendation?.Trial.Number == t.Number ? "true" : "false");
            csv.NextRecord();
        }
    }

    public static void WriteCsv(StudyReport report, string path)
    {
        using var writer = new StreamWriter(path);
        WriteCsv(report, writer);
    }

    private static string Number(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>
    /// Plots accuracy vs memory and accuracy vs energy (the study's constrained energy: the energy objectives, summed)
    /// side by side; PNG or SVG by extension. Units are chosen from the data (B/KiB/MiB, pJ..J). Completed trials that
    /// violate a budget are grey, feasible ones blue, the Pareto frontier (over all objectives) red, the recommended trial
    /// circled green; given budgets are dashed black lines (memory and energy vertical, minimum accuracy horizontal).
    /// Trials measured with replicates are plotted at their mean with its 95 % confidence interval as an error bar.
    /// </summary>
    public static void WritePlot(StudyReport report, string path, IReadOnlyList<(int Evaluations, double Hypervolume)>? history = null, int width = 1400, int height = 600)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new ArgumentException($"plot file '{path}' must end in .png or .svg", nameof(path));
        var figure = BuildFigure(report, history);
        width = width * figure.GetPlots().Length / 2;
        if (ext == ".png") figure.SavePng(path, width, height);
        else
        {
            // Multiplot has no SVG output: nest the panels' SVG documents side by side.
            var panels = figure.GetPlots();
            var panelWidth = width / panels.Length;
            var parts = panels.Select((panel, i) =>
                StripXmlDeclaration(panel.GetSvgXml(panelWidth, height)).Replace("<svg ", $"<svg x=\"{i * panelWidth}\" ", StringComparison.Ordinal));
            File.WriteAllText(path, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">{string.Concat(parts)}</svg>");
        }
    }

    /// <summary>
    /// The two panels (memory, energy) in one row, and a third with the stored hypervolume history (normalised
    /// hypervolume after each completed evaluation) when one is given. A new Multiplot already holds one plot: it is
    /// reused, not left empty.
    /// </summary>
    public static Multiplot BuildFigure(StudyReport report, IReadOnlyList<(int Evaluations, double Hypervolume)>? history = null)
    {
        var complete = report.Rows.Where(r => r.Trial.Status == TrialStatus.Complete).ToList();
        var budgets = report.Definition.Budgets;
        var memoryValues = complete.Select(r => r.Trial.MemoryBytes ?? 0).Append(budgets.MemoryBytes ?? 0);
        var (memoryScale, memoryUnit) = PickUnit(memoryValues.Max(), 1024, ["B", "KiB", "MiB", "GiB"]);
        double Energy(TrialRow r) => Budgets.ConstrainedEnergy(report.Definition.Objectives, r.Trial.Result!);
        var energyValues = complete.Select(Energy).Append(budgets.EnergyJoules ?? 0);
        var (energyScale, energyUnit) = PickUnit(energyValues.Max() * 1e12, 1000, ["pJ", "nJ", "µJ", "mJ", "J"]);
        energyScale *= 1e-12;

        var figure = new Multiplot();
        var withHistory = history is { Count: > 0 } && history.Any(h => double.IsFinite(h.Hypervolume));
        figure.AddPlots(withHistory ? 3 : 2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        if (withHistory)
        {
            var plot = figure.GetPlot(2);
            var points = history!.Where(h => double.IsFinite(h.Hypervolume)).ToList();
            var line = plot.Add.ScatterLine(points.Select(h => (double)h.Evaluations).ToArray(), points.Select(h => h.Hypervolume).ToArray(), Colors.DarkOrange);
            line.LegendText = $"{report.Definition.Strategy}, seed {report.Definition.Seed}";
            plot.XLabel("Completed evaluations");
            plot.YLabel("Hypervolume (normalised)");
            plot.Title($"{report.Definition.SpaceName}: hypervolume of the feasible trials");
            plot.ShowLegend(Alignment.LowerRight);
        }
        Panel(figure.GetPlot(0), report, complete, "memory", $"Memory ({memoryUnit})", r => (r.Trial.MemoryBytes ?? 0) / memoryScale,
            budgets.MemoryBytes / memoryScale);
        Panel(figure.GetPlot(1), report, complete, "energy", $"{EnergyName(report.Definition.Objectives)} ({energyUnit})", r => Energy(r) / energyScale,
            budgets.EnergyJoules / energyScale);
        return figure;
    }

    private static string EnergyName(IReadOnlyList<Objective> objectives) =>
        (objectives.Contains(Objective.TrainEnergy), objectives.Contains(Objective.InferenceEnergy)) switch
        {
            (true, false) => "Training energy",
            (false, true) => "Inference energy",
            _ => "Training + inference energy",
        };

    /// <summary>The largest unit in which <paramref name="max"/> is at least 1 (divisor, name).</summary>
    private static (double Scale, string Unit) PickUnit(double max, double step, string[] units)
    {
        double scale = 1;
        var i = 0;
        while (i < units.Length - 1 && max >= scale * step)
        {
            scale *= step;
            i++;
        }
        return (scale, units[i]);
    }

    private static string StripXmlDeclaration(string svg) =>
        svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..] : svg;

    private static void Panel(Plot plot, StudyReport report, List<TrialRow> rows, string what, string xLabel, Func<TrialRow, double> x, double? budget)
    {
        void Points(IEnumerable<TrialRow> subset, Color color, string label, float size)
        {
            var list = subset.OrderBy(x).ToList();
            if (list.Count == 0) return;
            var s = plot.Add.ScatterPoints(list.Select(x).ToArray(), list.Select(r => (r.Trial.Accuracy ?? 0) * 100).ToArray(), color);
            s.LegendText = label;
            s.MarkerSize = size;
        }
        // replicated trials: their mean accuracy's 95 % interval as a vertical error bar
        var measured = rows.Where(r => r.Trial.AccuracyReplicates is { Count: > 1 }).ToList();
        if (measured.Count > 0)
        {
            var bars = plot.Add.ErrorBar(measured.Select(x).ToArray(), measured.Select(r => (r.Trial.Accuracy ?? 0) * 100).ToArray(),
                measured.Select(r => r.Trial.AccuracyReplicates!.Value.HalfWidth * 100).ToArray());
            bars.Color = Colors.Black.WithAlpha(0.6);
            bars.LegendText = "95 % interval of the mean";
        }
        Points(rows.Where(r => !r.Feasible), Colors.Gray, "violates a budget", 6);
        Points(rows.Where(r => r.Feasible && !r.Pareto), Colors.SteelBlue, "feasible", 7);
        Points(rows.Where(r => r.Pareto), Colors.Red, "Pareto frontier", 10);
        if (budget is { } b)
        {
            var v = plot.Add.VerticalLine(b, 2, Colors.Black, LinePattern.Dashed);
            v.LegendText = $"{what} budget";
        }
        if (report.Definition.Budgets.MinAccuracy is { } minAccuracy)
        {
            var h = plot.Add.HorizontalLine(minAccuracy * 100, 2, Colors.Black, LinePattern.Dotted);
            h.LegendText = "minimum accuracy";
        }
        if (report.Recommendation is { } rec && rows.FirstOrDefault(r => r.Trial.Number == rec.Trial.Number) is { } chosen)
        {
            var m = plot.Add.Marker(x(chosen), (chosen.Trial.Accuracy ?? 0) * 100, MarkerShape.OpenCircle, 20, Colors.Green);
            m.LegendText = $"recommended (trial {rec.Trial.Number})";
        }
        plot.XLabel(xLabel);
        plot.YLabel("Accuracy (%)");
        plot.Title($"{report.Definition.SpaceName}: accuracy vs {what}");
        plot.ShowLegend(Alignment.LowerRight);
    }
}
