using System.CommandLine;
using FSpiNN.Dse;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Reporting;
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
        var rows = new Option<int>("--rows") { Description = "Most table rows (best first: frontier, then by rank and accuracy).", DefaultValueFactory = _ => FrontierSummary.DefaultMaxRows };
        var command = new Command("frontier", """
            Show a study's Pareto frontier and recommendation; export CSV and plots.
            Examples:
              fspinn frontier --store runs/explore-default-grid-s1/study.db
              fspinn frontier --store s.db --csv frontier.csv --plot frontier.svg --rows 40
            """) { store, csv, plot, rows };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && Path.GetExtension(plotPath).ToLowerInvariant() is not (".png" or ".svg"))
                throw new UsageException($"--plot '{plotPath}' must end in .png or .svg");
            var maxRows = parse.GetValue(rows);
            if (maxRows < 1) throw new UsageException($"--rows must be >= 1, got {maxRows}");
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            return Report(parse.GetValue(store)!, parse.GetValue(csv), plotPath, console, maxRows);
        });
        return command;
    }

    /// <summary>Prints the study summary, the best trials (only the parameters that vary) and the recommendation; writes CSV/plot when paths are given.</summary>
    public static int Report(string storePath, string? csvPath, string? plotPath, IAnsiConsole console, int maxRows = FrontierSummary.DefaultMaxRows)
    {
        using var store = StudyStore.OpenExisting(storePath);
        var definition = store.Definition;
        var report = StudyResults.Analyze(definition, store.LoadTrials());
        var summary = FrontierSummary.Build(report, maxRows);
        console.WriteLine($"study {definition.SpaceName} ({definition.Strategy}, seed {definition.Seed}; objectives {string.Join(",", definition.Objectives.Select(Objectives.Name))})");
        console.WriteLine($"trials: {report.Rows.Count} ({report.Count(TrialStatus.Complete)} complete, {report.Count(TrialStatus.Skipped)} skipped over the memory budget, "
            + $"{report.Count(TrialStatus.Failed)} failed, {report.Count(TrialStatus.Running)} running)");
        if (summary.FixedParameters.Count > 0) console.WriteLine($"fixed: {string.Join(' ', summary.FixedParameters)}");
        if (summary.Rows.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple);
            var numeric = summary.Headers.Count - 1 - FrontierSummary.EnergyColumns(definition).Count - 2;
            for (var i = 0; i < summary.Headers.Count; i++)
            {
                var column = new TableColumn(Markup.Escape(summary.Headers[i])) { NoWrap = true };
                if (i == 0 || i >= numeric) column.RightAligned();
                table.AddColumn(column);
            }
            foreach (var row in summary.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            console.Write(table);
            console.WriteLine(summary.Caption);
            if (summary.Abbreviations.Count > 0) console.WriteLine($"columns: {string.Join(", ", summary.Abbreviations)}");
        }
        var history = store.HypervolumeHistory();
        if (history.Count > 0 && !double.IsNaN(history[^1].Hypervolume))
        {
            var reference = System.Text.Json.JsonSerializer.Deserialize<double[]>(history[^1].ReferenceJson) ?? [];
            console.WriteLine($"hypervolume: {history[^1].Hypervolume.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} after "
                + $"{history[^1].CompletedCount} evaluations (normalised; reference {FrontierSummary.Reference(definition, reference)})");
        }
        var importance = ParameterImportance.Compute(definition, store.LoadTrials());
        if (importance.Count > 0)
        {
            console.WriteLine("what matters (share of each objective's variance explained by one parameter alone, over the completed trials):");
            foreach (var (objective, ranking) in importance)
                console.WriteLine($"  {Objectives.Name(objective),-16} " + string.Join(", ", ranking.Take(4).Select(i =>
                    $"{i.Parameter} {(i.Share * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}%")));
        }
        if (report.Recommendation is { } rec)
        {
            var (varying, _) = FrontierSummary.Parameters(definition);
            console.WriteLine($"recommended: {FrontierSummary.TrialLine(definition, varying, rec.Trial, withDuration: false)}");
            console.WriteLine($"why: {rec.Why}");
        }
        else
            console.WriteLine("recommended: none - no completed trial satisfies the budgets");
        if (csvPath is not null)
        {
            FrontierExporter.WriteCsv(report, csvPath);
            console.WriteLine($"wrote {csvPath} (every trial)");
        }
        if (plotPath is not null && report.Count(TrialStatus.Complete) > 0)
        {
            FrontierExporter.WritePlot(report, plotPath, history.Select(h => (h.CompletedCount, h.Hypervolume)).ToList());
            console.WriteLine($"wrote {plotPath}");
        }
        return CliApp.Success;
    }
}
