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
    /// side by side; PNG or SVG by extension. See <see cref="BuildFigure"/> for what is drawn. Trials measured with
    /// replicates are plotted at their mean with its 95 % confidence interval as an error bar.
    /// </summary>
    public static void WritePlot(StudyReport report, string path, IReadOnlyList<(int Evaluations, double Hypervolume)>? history = null, int width = 1400, int height = 600)
    {
        var figure = BuildFigure(report, history);
        PlotFiles.Save(figure, path, width * figure.GetPlots().Length / 2, height);
    }

    /// <summary>
    /// The two panels (memory, energy) in one row, and a third with the stored hypervolume history (normalised
    /// hypervolume after each completed evaluation) when one is given. In each data panel: a marker shape per network
    /// and a colour per weight bit-width (faded when the trial violates a budget); the panel's own accuracy frontier
    /// (feasible trials at the highest fidelity: no other has more accuracy for less cost) as a step line with each
    /// point labelled by its trial number; the Pareto frontier over all objectives ringed red; the recommended trial
    /// ringed green; budgets as named dashed lines. The cost axis is logarithmic when the data span more than a decade.
    /// A new Multiplot already holds one plot: it is reused, not left empty.
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
        var style = new PointStyle(complete);
        Panel(figure.GetPlot(0), report, complete, style, "memory", $"Memory ({memoryUnit})", memoryUnit, r => (r.Trial.MemoryBytes ?? 0) / memoryScale,
            budgets.MemoryBytes / memoryScale, withLegend: false);
        Panel(figure.GetPlot(1), report, complete, style, "energy", $"{EnergyName(report.Definition.Objectives)} ({energyUnit})", energyUnit, r => Energy(r) / energyScale,
            budgets.EnergyJoules / energyScale, withLegend: true);
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

    /// <summary>Marker shape per network and colour per bit-width, the same in both panels.</summary>
    private sealed class PointStyle
    {
        private static readonly MarkerShape[] Shapes =
            [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown, MarkerShape.Asterisk];

        public PointStyle(IReadOnlyList<TrialRow> rows)
        {
            Networks = [.. rows.Select(r => Network(r)).Distinct().Order(StringComparer.Ordinal)];
            Bits = [.. rows.Select(r => Bit(r)).Distinct().OrderByDescending(b => b)];
        }

        public IReadOnlyList<string> Networks { get; }
        public IReadOnlyList<long> Bits { get; }

        public static string Network(TrialRow r) => r.Trial.Candidate.TryGet("network", out var v) ? v.ToString() : "network";
        public static long Bit(TrialRow r) => r.Trial.Candidate.TryGet("bits", out var v) && v.IsNumeric ? (long)v.AsDouble : 32;

        public MarkerShape Shape(string network) => Shapes[Math.Max(0, Networks.ToList().IndexOf(network)) % Shapes.Length];
        public Color Colour(long bits) => new ScottPlot.Palettes.Category10().GetColor(Math.Max(0, Bits.ToList().IndexOf(bits)));
    }

    private static void Panel(Plot plot, StudyReport report, List<TrialRow> rows, PointStyle style, string what, string xLabel, string unit,
        Func<TrialRow, double> cost, double? budget, bool withLegend)
    {
        var positive = rows.Select(cost).Where(v => v > 0).Append(budget ?? double.NaN).Where(v => v > 0).ToList();
        var log = positive.Count > 1 && positive.Max() / positive.Min() > 10 && rows.All(r => cost(r) > 0);
        double X(double value) => log ? Math.Log10(value) : value;
        double Y(TrialRow r) => (r.Trial.Accuracy ?? 0) * 100;
        var legend = new List<LegendItem>();

        foreach (var group in rows.GroupBy(r => (Network: PointStyle.Network(r), Bits: PointStyle.Bit(r))).OrderBy(g => g.Key.Network, StringComparer.Ordinal).ThenByDescending(g => g.Key.Bits))
        {
            foreach (var feasible in new[] { false, true })
            {
                var list = group.Where(r => r.Feasible == feasible).ToList();
                if (list.Count == 0) continue;
                var s = plot.Add.ScatterPoints(list.Select(r => X(cost(r))).ToArray(), list.Select(Y).ToArray(), style.Colour(group.Key.Bits).WithAlpha(feasible ? 1 : 0.3));
                s.MarkerShape = style.Shape(group.Key.Network);
                s.MarkerSize = feasible ? 9 : 7;
            }
        }
        foreach (var network in style.Networks)
            legend.Add(new LegendItem { LabelText = network, MarkerShape = style.Shape(network), MarkerSize = 9, MarkerFillColor = Colors.Black, MarkerLineColor = Colors.Black, LineWidth = 0 });
        foreach (var bits in style.Bits)
            legend.Add(new LegendItem { LabelText = $"{bits}-bit weights", MarkerShape = MarkerShape.FilledSquare, MarkerSize = 9, MarkerFillColor = style.Colour(bits), MarkerLineColor = style.Colour(bits), LineWidth = 0 });
        if (rows.Any(r => !r.Feasible))
            legend.Add(new LegendItem { LabelText = "violates a budget (faded)", MarkerShape = MarkerShape.FilledCircle, MarkerSize = 7, MarkerFillColor = Colors.Gray.WithAlpha(0.3), MarkerLineColor = Colors.Gray.WithAlpha(0.3), LineWidth = 0 });

        // this panel's frontier: feasible trials at the highest fidelity that no other beats on accuracy at lower or equal cost
        var fidelity = rows.Count > 0 ? rows.Max(r => r.Trial.TrainSamples) : 0;
        var front = new List<TrialRow>();
        foreach (var r in rows.Where(r => r.Feasible && r.Trial.TrainSamples == fidelity).OrderBy(cost).ThenByDescending(Y))
            if (front.Count == 0 || Y(r) > Y(front[^1])) front.Add(r);
        if (front.Count > 0)
        {
            var step = plot.Add.ScatterLine(front.Select(r => X(cost(r))).ToArray(), front.Select(Y).ToArray(), Colors.Black);
            step.ConnectStyle = ConnectStyle.StepHorizontal;
            step.LineWidth = 1.5f;
            step.LegendText = "frontier: most accuracy for its cost (step line)";
            foreach (var r in front)
            {
                var label = plot.Add.Text($"{r.Trial.Number}", X(cost(r)), Y(r));
                label.LabelFontSize = 11;
                label.Alignment = Alignment.LowerLeft;
                label.OffsetX = 4;
                label.OffsetY = -4;
            }
        }
        var pareto = rows.Where(r => r.Pareto).ToList();
        if (pareto.Count > 0)
        {
            var rings = plot.Add.ScatterPoints(pareto.Select(r => X(cost(r))).ToArray(), pareto.Select(Y).ToArray(), Colors.Red);
            rings.MarkerShape = MarkerShape.OpenCircle;
            rings.MarkerSize = 15;
            rings.LegendText = "Pareto frontier";
        }
        // replicated trials: their mean accuracy's 95 % interval as a vertical error bar
        var measured = rows.Where(r => r.Trial.AccuracyReplicates is { Count: > 1 }).ToList();
        if (measured.Count > 0)
        {
            var bars = plot.Add.ErrorBar(measured.Select(r => X(cost(r))).ToArray(), measured.Select(Y).ToArray(),
                measured.Select(r => r.Trial.AccuracyReplicates!.Value.HalfWidth * 100).ToArray());
            bars.Color = Colors.Black.WithAlpha(0.6);
            bars.LegendText = "95 % interval of the mean";
        }
        if (budget is { } b)
        {
            var v = plot.Add.VerticalLine(X(b), 2, Colors.Black, LinePattern.Dashed);
            v.Text = $"{what} budget {PlotNumber(b)} {unit}";
            v.LegendText = v.Text;
        }
        if (report.Definition.Budgets.MinAccuracy is { } minAccuracy)
        {
            var h = plot.Add.HorizontalLine(minAccuracy * 100, 2, Colors.Black, LinePattern.Dotted);
            h.Text = $"minimum accuracy {PlotNumber(minAccuracy * 100)} %";
            h.LegendText = h.Text;
        }
        if (report.Recommendation is { } rec && rows.FirstOrDefault(r => r.Trial.Number == rec.Trial.Number) is { } chosen)
        {
            var m = plot.Add.Marker(X(cost(chosen)), Y(chosen), MarkerShape.OpenCircle, 22, Colors.Green);
            m.LegendText = $"recommended (trial {rec.Trial.Number})";
        }
        if (log)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks(positive.Min(), positive.Max());
            xLabel += ", log scale";
        }
        plot.Axes.Margins(0.08, 0.08); // room for the point labels at the edges
        plot.XLabel(xLabel);
        plot.YLabel("Accuracy (%)");
        plot.Title($"{report.Definition.SpaceName}: accuracy vs {what}");
        // the network and bit-width keys are manual items; the lines and rings carry their own legend text
        if (withLegend)
        {
            plot.Legend.ManualItems.AddRange(legend);
            plot.ShowLegend(Edge.Right);
        }
        else
            plot.HideLegend();
    }

    /// <summary>Ticks of a log10 axis: 1, 2 and 5 times each power of ten labelled, the other integers as minor ticks.</summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var decade = (int)Math.Floor(Math.Log10(min)) ; decade <= (int)Math.Ceiling(Math.Log10(max)); decade++)
            for (var m = 1; m <= 9; m++)
            {
                var value = m * Math.Pow(10, decade);
                if (m is 1 or 2 or 5) ticks.AddMajor(Math.Log10(value), PlotNumber(value));
                else ticks.AddMinor(Math.Log10(value));
            }
        return ticks;
    }

    /// <summary>A tick or budget value: up to 3 significant digits, no exponent.</summary>
    internal static string PlotNumber(double value) =>
        value >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture) : double.Parse(value.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
}

/// <summary>PNG or SVG by extension, for the study figures.</summary>
internal static class PlotFiles
{
    public static void Save(Multiplot figure, string path, int width, int height)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new ArgumentException($"plot file '{path}' must end in .png or .svg", nameof(path));
        if (ext == ".png")
        {
            figure.SavePng(path, width, height);
            return;
        }
        // Multiplot has no SVG output: nest the panels' SVG documents side by side.
        var panels = figure.GetPlots();
        var panelWidth = width / panels.Length;
        var parts = panels.Select((panel, i) =>
            StripXmlDeclaration(panel.GetSvgXml(panelWidth, height)).Replace("<svg ", $"<svg x=\"{i * panelWidth}\" ", StringComparison.Ordinal));
        File.WriteAllText(path, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">{string.Concat(parts)}</svg>");
    }

    public static void Save(Plot plot, string path, int width, int height)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new ArgumentException($"plot file '{path}' must end in .png or .svg", nameof(path));
        if (ext == ".png") plot.SavePng(path, width, height);
        else File.WriteAllText(path, plot.GetSvgXml(width, height));
    }

    private static string StripXmlDeclaration(string svg) =>
        svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..] : svg;
}
