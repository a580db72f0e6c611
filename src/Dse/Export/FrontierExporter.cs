using System.Globalization;
using CsvHelper;
using FSpiNN.Dse.Study;
using ScottPlot;

namespace FSpiNN.Dse.Export;

/// <summary>Writes a study's trials as CSV (one row per trial) and plots accuracy vs memory and vs energy.</summary>
public static class FrontierExporter
{
    /// <summary>Columns: trial, status, train_samples, every config parameter, objectives, constraint violations, feasible, pareto, rank.</summary>
    public static void WriteCsv(StudyReport report, TextWriter writer)
    {
        var parameterNames = report.Rows.SelectMany(r => r.Trial.Candidate.Values.Select(v => v.Key)).Distinct().ToList();
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in new[] { "trial", "status", "train_samples" }.Concat(parameterNames).Concat([
            "accuracy", "memory_bytes", "train_energy_j", "inference_energy_j",
            "memory_violation", "energy_violation", "accuracy_violation", "feasible", "pareto", "rank"]))
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
            csv.WriteField(Number(row.MemoryViolation));
            csv.WriteField(Number(row.EnergyViolation));
            csv.WriteField(Number(row.AccuracyViolation));
            csv.WriteField(row.Feasible ? "true" : "false");
            csv.WriteField(row.Pareto ? "true" : "false");
            csv.WriteField(row.Rank?.ToString(CultureInfo.InvariantCulture) ?? "");
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
    /// Plots accuracy vs memory (KiB) and accuracy vs energy (mJ; the study's constrained energy) side by side; PNG or SVG by extension.
    /// Completed trials are grey, feasible ones blue, the frontier red and joined; budgets are dashed lines.
    /// </summary>
    public static void WritePlot(StudyReport report, string path, int width = 1400, int height = 600)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new ArgumentException($"plot file '{path}' must end in .png or .svg", nameof(path));
        var complete = report.Rows.Where(r => r.Trial.Status == TrialStatus.Complete).ToList();
        var memoryPlot = Panel(report, complete, "Memory (KiB)", r => (r.Trial.MemoryBytes ?? 0) / 1024, report.Definition.Budgets.MemoryBytes / 1024);
        var energyPlot = Panel(report, complete, "Energy (mJ)", r => Budgets.ConstrainedEnergy(report.Definition.Objectives, r.Trial.Result!) * 1e3,
            report.Definition.Budgets.EnergyJoules * 1e3);
        var multiplot = new Multiplot();
        multiplot.AddPlot(memoryPlot);
        multiplot.AddPlot(energyPlot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        if (ext == ".png") multiplot.SavePng(path, width, height);
        else
        {
            // Multiplot has no SVG output: nest the two panels' SVG documents side by side.
            var half = width / 2;
            var left = StripXmlDeclaration(memoryPlot.GetSvgXml(half, height)).Replace("<svg ", "<svg x=\"0\" ", StringComparison.Ordinal);
            var right = StripXmlDeclaration(energyPlot.GetSvgXml(half, height)).Replace("<svg ", $"<svg x=\"{half}\" ", StringComparison.Ordinal);
            File.WriteAllText(path, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">{left}{right}</svg>");
        }
    }

    private static string StripXmlDeclaration(string svg) =>
        svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..] : svg;

    private static Plot Panel(StudyReport report, List<TrialRow> rows, string xLabel, Func<TrialRow, double> x, double? budget)
    {
        var plot = new Plot();
        void Scatter(IEnumerable<TrialRow> subset, Color color, string label, bool line)
        {
            var list = subset.OrderBy(x).ToList();
            if (list.Count == 0) return;
            var s = plot.Add.Scatter(list.Select(x).ToArray(), list.Select(r => (r.Trial.Accuracy ?? 0) * 100).ToArray(), color);
            s.LegendText = label;
            s.LineWidth = line ? 2 : 0;
            s.MarkerSize = line ? 9 : 6;
        }
        Scatter(rows.Where(r => !r.Feasible), Colors.Gray, "infeasible", false);
        Scatter(rows.Where(r => r.Feasible && !r.Pareto), Colors.SteelBlue, "feasible", false);
        Scatter(rows.Where(r => r.Pareto), Colors.Red, "Pareto frontier", true);
        if (budget is { } b)
        {
            var v = plot.Add.VerticalLine(b, 2, Colors.Black, LinePattern.Dashed);
            v.LegendText = "budget";
        }
        if (report.Recommendation is { } rec && rows.FirstOrDefault(r => r.Trial.Number == rec.Trial.Number) is { } chosen)
        {
            var m = plot.Add.Marker(x(chosen), (chosen.Trial.Accuracy ?? 0) * 100, MarkerShape.OpenCircle, 18, Colors.Green);
            m.LegendText = $"recommended (trial {rec.Trial.Number})";
        }
        plot.XLabel(xLabel);
        plot.YLabel("Accuracy (%)");
        plot.Title($"{report.Definition.SpaceName}: accuracy vs {xLabel.Split(' ')[0].ToLowerInvariant()}");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }
}
