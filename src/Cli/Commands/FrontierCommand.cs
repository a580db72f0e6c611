using System.CommandLine;
using FSpiNN.Dse;
using FSpiNN.Dse.Costing;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Reporting;
using FSpiNN.Dse.Study;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

public static class FrontierCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Study file or PostgreSQL URL written by `fspinn explore` (read only: works on a read-only file, and while workers run).", Required = true };
        var study = new Option<string?>("--study") { Description = "Study name, when the store holds several (`fspinn studies --store URL` lists them)." };
        var csv = new Option<string?>("--csv") { Description = "Write every trial as CSV (config, objectives, constraints, feasible, pareto, rank)." };
        var plot = new Option<string?>("--plot") { Description = "Write accuracy vs memory / energy (.png or .svg)." };
        var rows = new Option<int>("--rows") { Description = "Most table rows (best first: frontier, then by rank and accuracy).", DefaultValueFactory = _ => FrontierSummary.DefaultMaxRows };
        var reprice = new Option<bool>("--reprice")
        {
            Description = "Price every complete trial again from its stored configuration and exact counts with the current cost model "
                          + "(default profile, event-driven, inhibition as simulated); the table, recommendation, CSV and plot use the new figures. The store is not changed.",
        };
        var command = new Command("frontier", """
            Show a study's Pareto frontier and recommendation; export CSV and plots.
            Examples:
              fspinn frontier --store runs/explore-default-grid-s1/study.db
              fspinn frontier --store s.db --csv frontier.csv --plot frontier.svg --rows 40
              fspinn frontier --store old-study.db --reprice --csv repriced.csv
              fspinn frontier --store postgresql://fspinn@db.lab/studies --study full-4mib   (while the workers run)
            """) { store, study, csv, plot, rows, reprice };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && Path.GetExtension(plotPath).ToLowerInvariant() is not (".png" or ".svg"))
                throw new UsageException($"--plot '{plotPath}' must end in .png or .svg");
            var maxRows = parse.GetValue(rows);
            if (maxRows < 1) throw new UsageException($"--rows must be >= 1, got {maxRows}");
            var storePath = parse.GetValue(store)!;
            new FileRoles().Input("--store", StudyStorage.IsDatabaseUrl(storePath) ? null : storePath).Output("--csv", parse.GetValue(csv)).Output("--plot", plotPath).Check();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            using var storage = StudyStorage.OpenExisting(storePath, parse.GetValue(study), readOnly: true,
                new StorageOptions(parse.InvocationConfiguration.Error));
            return Report(storage, parse.GetValue(csv), plotPath, console, maxRows, parse.GetValue(reprice));
        });
        return command;
    }

    /// <summary>Prints the study summary, the best trials (only the parameters that vary) and the recommendation; writes CSV/plot when paths are given.</summary>
    public static int Report(IStudyStorage store, string? csvPath, string? plotPath, IAnsiConsole console, int maxRows = FrontierSummary.DefaultMaxRows,
        bool reprice = false)
    {
        var definition = store.Definition;
        var trials = store.LoadTrials();
        if (reprice)
        {
            (trials, var priced) = StoredTrialPricing.Reprice(definition, trials);
            console.WriteLine($"re-priced {priced.Repriced} complete trials from their stored counts with the current cost model (the store is unchanged)"
                + (priced.KeptAsStored > 0 ? $"; {priced.KeptAsStored} stored no counts and keep their figures" : "")
                + (priced.WithDenseWrites > 0 ? $"; {priced.WithDenseWrites} were recorded before executed writes were counted: their learning writes are the dense engine's (an upper bound)" : ""));
            console.WriteLine(SnnCost.InhibitionNote(SnnCost.DefaultInhibitionStorage));
        }
        var report = StudyResults.Analyze(definition, trials);
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
        if (reprice && history.Count > 0)
            console.WriteLine("hypervolume: not shown (the stored history is of the stored figures)");
        else if (history.Count > 0 && !double.IsNaN(history[^1].Hypervolume))
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
