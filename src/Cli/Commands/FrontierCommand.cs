using System.CommandLine;
using FSpiNN.Dse;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Study;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

public static class FrontierCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Study file written by `fspinn explore`.", Required = true };
        var csv = new Option<string?>("--csv") { Description = "Write every trial as CSV (config, objectives, constraints, feasible, pareto, rank)." };
        var plot = new Option<string?>("--plot") { Description = "Write accuracy vs memory / energy (.png or .svg)." };
        var command = new Command("frontier", """
            Show a study's Pareto frontier and recommendation; export CSV and plots.
            Examples:
              fspinn frontier --store runs/explore-default-grid-s1/study.db
              fspinn frontier --store s.db --csv frontier.csv --plot frontier.svg
            """) { store, csv, plot };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && Path.GetExtension(plotPath).ToLowerInvariant() is not (".png" or ".svg"))
                throw new UsageException($"--plot '{plotPath}' must end in .png or .svg");
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            return Report(parse.GetValue(store)!, parse.GetValue(csv), plotPath, console);
        });
        return command;
    }

    /// <summary>Prints the frontier table and recommendation; writes CSV/plot when paths are given.</summary>
    internal static int Report(string storePath, string? csvPath, string? plotPath, IAnsiConsole console)
    {
        using var store = StudyStore.OpenExisting(storePath);
        var report = StudyResults.Analyze(store.Definition, store.LoadTrials());
        var table = new Table().Title($"Pareto frontier ({Markup.Escape(store.Definition.SpaceName)}, {store.Definition.Strategy})");
        foreach (var h in new[] { "trial", "configuration", "samples", "accuracy", "memory", "train energy", "inference energy" }) table.AddColumn(h);
        foreach (var row in report.Frontier.OrderByDescending(r => r.Trial.Accuracy))
        {
            var t = row.Trial;
            var mark = report.Recommendation?.Trial.Number == t.Number ? " *" : "";
            table.AddRow($"{t.Number}{mark}", Markup.Escape(t.Candidate.Key), $"{t.TrainSamples}", $"{t.Accuracy:P2}",
                Units.FormatBytes(t.MemoryBytes ?? 0), Units.FormatJoules(t.TrainEnergyJoules ?? 0), Units.FormatJoules(t.InferenceEnergyJoules ?? 0));
        }
        console.Write(table);
        console.WriteLine($"trials: {report.Rows.Count} ({report.Count(TrialStatus.Complete)} complete, {report.Count(TrialStatus.Skipped)} skipped over the memory budget, {report.Count(TrialStatus.Failed)} failed, {report.Count(TrialStatus.Running)} running)");
        if (report.Recommendation is { } rec)
            console.WriteLine($"recommended: trial {rec.Trial.Number} ({rec.Trial.Candidate.Key})\nwhy: {rec.Why}");
        else
            console.WriteLine("recommended: none - no completed trial satisfies the budgets");
        if (csvPath is not null)
        {
            FrontierExporter.WriteCsv(report, csvPath);
            console.WriteLine($"wrote {csvPath}");
        }
        if (plotPath is not null && report.Count(TrialStatus.Complete) > 0)
        {
            FrontierExporter.WritePlot(report, plotPath);
            console.WriteLine($"wrote {plotPath}");
        }
        return CliApp.Success;
    }
}
