using FSpiNN.Dse.Export;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using ScottPlot;
using ScottPlot.Plottables;
using Spectre.Console;

namespace FSpiNN.Dse.Tests;

public sealed class ExportTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-export-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>The 96-point synthetic grid, run to completion with the given budgets.</summary>
    private StudyReport RunStudy(Budgets budgets, int trials = 96)
    {
        var definition = Worker.Definition("grid", trials, 1) with { Budgets = budgets };
        var store = Path.Combine(_dir, $"s{Guid.NewGuid():N}.db");
        Worker.Run(store, definition, new SyntheticEvaluator());
        using var s = StudyStorage.OpenExisting(store);
        return StudyResults.Analyze(definition, s.LoadTrials());
    }

    [Test]
    public void FigureHasExactlyTheTwoDataPanelsWithBudgetLinesFrontierAndRecommendation()
    {
        // memory 200 KiB, energy 50 mJ (train energy of the synthetic evaluator is 1-400 mJ), accuracy 70 %
        var report = RunStudy(new Budgets(200 * 1024.0, 50e-3, 0.7));
        Assert.That(report.Recommendation, Is.Not.Null);
        var figure = FrontierExporter.BuildFigure(report);
        var panels = figure.GetPlots();
        Assert.That(panels, Has.Length.EqualTo(2), "no empty leftover panel");
        foreach (var panel in panels)
        {
            var plottables = panel.GetPlottables().ToList();
            Assert.That(plottables.OfType<Scatter>().Count(), Is.GreaterThanOrEqualTo(2), "every panel shows data");
            Assert.That(plottables.OfType<Scatter>().Any(s => s.LegendText == "Pareto frontier"), Is.True);
            Assert.That(plottables.OfType<Scatter>().Count(s => s.ConnectStyle == ConnectStyle.StepHorizontal), Is.EqualTo(1), "the frontier is a step line");
            Assert.That(plottables.OfType<ScottPlot.Plottables.Text>().Count(), Is.GreaterThanOrEqualTo(1), "frontier points are labelled");
            Assert.That(plottables.OfType<Marker>().Single().LegendText, Does.Contain($"trial {report.Recommendation!.Trial.Number}"));
            Assert.That(plottables.OfType<HorizontalLine>().Single().Y, Is.EqualTo(70).Within(1e-9));
            Assert.That(plottables.OfType<HorizontalLine>().Single().Text, Is.EqualTo("minimum accuracy 70 %"));
        }
        // the synthetic memories span more than a decade: log axis, the budget line at log10(200 KiB)
        Assert.That(panels[0].Axes.Bottom.Label.Text, Is.EqualTo("Memory (KiB), log scale"));
        Assert.That(panels[0].GetPlottables().OfType<VerticalLine>().Single().X, Is.EqualTo(Math.Log10(200)).Within(1e-9));
        Assert.That(panels[0].GetPlottables().OfType<VerticalLine>().Single().Text, Is.EqualTo("memory budget 200 KiB"));
        Assert.That(panels[1].Axes.Bottom.Label.Text, Does.StartWith("Training energy (mJ)"));
        Assert.That(panels[1].GetPlottables().OfType<VerticalLine>().Single().Text, Is.EqualTo("energy budget 50 mJ"));
        Assert.That(panels[0].Axes.Left.Label.Text, Is.EqualTo("Accuracy (%)"));
        // a marker shape per network and a colour per bit-width, named in the legend
        var legend = panels[1].Legend.ManualItems.Select(i => i.LabelText).ToList();
        Assert.That(legend, Is.SupersetOf(new[] { "bindsnet", "fspinn", "32-bit weights", "8-bit weights", "4-bit weights" }));
        var points = panels[0].GetPlottables().OfType<Scatter>().Where(s => s.ConnectStyle != ConnectStyle.StepHorizontal && s.LegendText is null or "").ToList();
        Assert.That(points.Select(s => s.MarkerShape).Distinct().Count(), Is.EqualTo(2), "one shape per network");
    }

    [Test]
    public void ParallelCoordinatesHaveAnAxisPerVaryingParameterAndObjectiveAndALinePerTrial()
    {
        var report = RunStudy(new Budgets(200 * 1024.0, null, null), trials: 24);
        var plot = ParallelCoordinatesPlot.Build(report);
        var axes = ParallelCoordinatesPlot.AxisTitles(report);
        var varying = FrontierSummary.Parameters(report.Definition).Varying.Select(FrontierSummary.ShortName);
        Assert.That(axes, Is.EqualTo(varying.Concat(["accuracy (%)", "memory", "E_train"])));
        var complete = report.Rows.Count(r => r.Trial.Status == TrialStatus.Complete);
        Assert.That(plot.GetPlottables().OfType<Scatter>().Count(), Is.EqualTo(complete));
        var png = Path.Combine(_dir, "p.png");
        ParallelCoordinatesPlot.Write(report, png);
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));
    }

    [Test]
    public void WithoutBudgetsNoBudgetLinesAndPngHasRequestedSize()
    {
        var report = RunStudy(new Budgets(), trials: 12);
        var panels = FrontierExporter.BuildFigure(report).GetPlots();
        Assert.That(panels.SelectMany(p => p.GetPlottables()).Any(p => p is VerticalLine or HorizontalLine), Is.False);
        var png = Path.Combine(_dir, "f.png");
        FrontierExporter.WritePlot(report, png, width: 900, height: 400);
        var header = File.ReadAllBytes(png).AsSpan(16, 8).ToArray();
        Assert.That((header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3], header[4] << 24 | header[5] << 16 | header[6] << 8 | header[7]),
            Is.EqualTo((900, 400)));
    }

    [Test]
    public void CsvHasEachColumnOnceAndMarksTheRecommendedTrial()
    {
        var report = RunStudy(new Budgets(200 * 1024.0, null, 0.7));
        var writer = new StringWriter();
        FrontierExporter.WriteCsv(report, writer);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(',');
        Assert.That(header, Is.Unique, "the fixed train_samples of the space is not repeated after the fidelity column");
        Assert.That(header, Does.Contain("train_samples"));
        Assert.That(lines, Has.Length.EqualTo(report.Rows.Count + 1));
        var recommended = Array.IndexOf(header, "recommended");
        var marked = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[recommended] == "true").ToList();
        Assert.That(marked, Has.Count.EqualTo(1));
        Assert.That(marked[0][0], Is.EqualTo(report.Recommendation!.Trial.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void SummaryShowsOnlyVaryingParametersAndTheBestRowsFrontierFirst()
    {
        var report = RunStudy(new Budgets(200 * 1024.0, null, 0.7));
        var table = FrontierSummary.Build(report, maxRows: 15);
        Assert.That(table.Headers, Is.EqualTo(new[] { "trial", "net", "N", "bits", "acc", "mem", "E_train", "rank" }));
        Assert.That(table.FixedParameters, Is.EquivalentTo(new[] { "rounding=sr", "train_samples=400" }));
        Assert.That(table.Rows, Has.Count.EqualTo(15));
        Assert.That(table.Caption, Does.StartWith($"showing the best 15 of {table.CompletedTrials} completed trials"));

        var frontier = report.Frontier.Select(r => r.Trial.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.That(frontier, Has.Count.InRange(1, 14), "the test needs a frontier smaller than the table");
        var rankColumn = table.Rows.Select(r => r[^1]).ToList();
        // frontier rows (rank 0) first, then higher ranks, budget violations ("out") last
        Assert.That(rankColumn.Take(frontier.Count), Is.All.EqualTo("0"));
        Assert.That(table.Rows.Take(frontier.Count).Select(r => r[0].TrimEnd('*')), Is.EquivalentTo(frontier));
        Assert.That(rankColumn.Skip(frontier.Count), Has.None.EqualTo("0"));
        Assert.That(table.Rows.Count(r => r[0].EndsWith('*')), Is.EqualTo(1));
        Assert.That(table.Rows.Single(r => r[0].EndsWith('*'))[0], Is.EqualTo($"{report.Recommendation!.Trial.Number}*"));
    }

    [Test]
    public void SmallStudyShowsEveryCompletedTrialAndCompactUnits()
    {
        var report = RunStudy(new Budgets(), trials: 12);
        var table = FrontierSummary.Build(report);
        Assert.That(table.Rows, Has.Count.EqualTo(12));
        Assert.That(table.Caption, Does.StartWith("12 completed trials"));
        Assert.That(FrontierSummary.Bytes(83_968), Is.EqualTo("82.0 KiB"));
        Assert.That(FrontierSummary.Bytes(512), Is.EqualTo("512 B"));
        Assert.That(FrontierSummary.Joules(1.8195e-5), Is.EqualTo("18.2 µJ"));
        Assert.That(FrontierSummary.Joules(8.917e-7), Is.EqualTo("892 nJ"));
        Assert.That(FrontierSummary.Joules(2.5), Is.EqualTo("2.50 J"));
        Assert.That(FrontierSummary.Accuracy(0.38), Is.EqualTo("38.00%"));
    }

    [Test]
    public void FrontierTableFitsEightyColumnsAndTextLinesAreNotWrapped()
    {
        var report = RunStudy(new Budgets(200 * 1024.0, null, 0.7));
        using var store = StudyStorage.OpenExisting(Directory.GetFiles(_dir, "*.db").Single());
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        Assert.That(console.Profile.Width, Is.EqualTo(80), "a narrow console");
        Cli.Commands.FrontierCommand.Report(store, null, null, console);
        var lines = writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        // one text line per table row: every shown trial number starts exactly one line, and the table fits
        var table = FrontierSummary.Build(report);
        var rowLines = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d+\*?\s{2,}(bindsnet|fspinn)\s")).ToList();
        Assert.That(rowLines, Has.Count.EqualTo(table.Rows.Count), string.Join('\n', lines));
        Assert.That(rowLines, Has.All.Length.LessThanOrEqualTo(80));
        Assert.That(lines, Has.Some.StartsWith("fixed: ").And.Some.StartsWith("recommended: trial "));
        // output that is not a terminal (a log file) keeps each text line whole: the reason is one line
        Assert.That(lines, Has.Some.EqualTo($"why: {report.Recommendation!.Why}"));
    }
}
