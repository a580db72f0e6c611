using System.CommandLine;
using FSpiNN.Cli.Json;
using FSpiNN.Dse;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Reporting;
using FSpiNN.Dse.Study;
using FSpiNN.SnnSearch;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

public static class FrontierCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Study file or PostgreSQL URL written by `fspinn explore` (read only: works on a read-only file, and while workers run).", Required = true };
        var study = new Option<string?>("--study") { Description = "Study name, when the store holds several (`fspinn studies --store URL` lists them)." };
        var csv = new Option<string?>("--csv") { Description = "Write every trial as CSV (config, objectives, constraints, feasible, pareto, rank)." };
        var plot = new Option<string?>("--plot") { Description = "Write accuracy vs memory / energy, with the hypervolume history (.png or .svg)." };
        var parallel = new Option<string?>("--parallel") { Description = "Write a parallel-coordinates plot of the completed trials: one axis per varying parameter and objective (.png or .svg)." };
        var rows = new Option<int>("--rows") { Description = "Most table rows (best first: frontier, then by rank and accuracy).", DefaultValueFactory = _ => FrontierSummary.DefaultMaxRows };
        var reprice = new Option<bool>("--reprice")
        {
            Description = "Price every complete trial again from its stored configuration and exact counts with the current cost model "
                          + "(default profile, event-driven, inhibition as simulated); the table, recommendation, CSV and plot use the new figures. The store is not changed.",
        };
        var json = JsonOutput.Option();
        var command = new Command("frontier", """
            Show a study's Pareto frontier and recommendation; export CSV and plots.
            Examples:
              fspinn frontier --store runs/explore-default-grid-s1/study.db
              fspinn frontier --store s.db --csv frontier.csv --plot frontier.svg --parallel trials.png --rows 40
              fspinn frontier --store old-study.db --reprice --csv repriced.csv
              fspinn frontier --store s.db --json - | jq .recommendation
              fspinn frontier --store postgresql://fspinn@db.lab/studies --study full-4mib   (while the workers run)
            """) { store, study, csv, plot, parallel, rows, reprice, json };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            var parallelPath = parse.GetValue(parallel);
            foreach (var (option, path) in new[] { ("--plot", plotPath), ("--parallel", parallelPath) })
                if (path is not null && Path.GetExtension(path).ToLowerInvariant() is not (".png" or ".svg"))
                    throw new UsageException($"{option} '{path}' must end in .png or .svg");
            var maxRows = parse.GetValue(rows);
            if (maxRows < 1) throw new UsageException($"--rows must be >= 1, got {maxRows}");
            var storePath = parse.GetValue(store)!;
            new FileRoles().Input("--store", StudyStorage.IsDatabaseUrl(storePath) ? null : storePath).Output("--csv", parse.GetValue(csv)).Output("--plot", plotPath)
                .Output("--parallel", parallelPath).Output("--json", JsonOutput.FilePath(parse, json)).Check();
            var console = ConsoleFactory.Create(JsonOutput.TextWriter(parse, json));
            using var storage = StudyStorage.OpenExisting(storePath, parse.GetValue(study), readOnly: true,
                new StorageOptions(parse.InvocationConfiguration.Error));
            var report = Render(storage, new FrontierOutputs(parse.GetValue(csv), plotPath, parallelPath), console, maxRows, parse.GetValue(reprice), "frontier");
            JsonOutput.Write(parse, json, report);
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>Prints the study summary, the best trials (only the parameters that vary) and the recommendation; writes CSV/plot when paths are given.</summary>
    public static int Report(IStudyStorage store, string? csvPath, string? plotPath, IAnsiConsole console, int maxRows = FrontierSummary.DefaultMaxRows,
        bool reprice = false)
    {
        Render(store, new FrontierOutputs(csvPath, plotPath, null), console, maxRows, reprice, "frontier");
        return CliApp.Success;
    }

    /// <summary>The files a report writes (null = not written).</summary>
    internal readonly record struct FrontierOutputs(string? Csv, string? Plot, string? Parallel);

    /// <summary>
    /// Prints the report and writes its files; returns the same content (and every trial) as the JSON report of
    /// <paramref name="command"/>. Text lines are written whole when the output is not a terminal, so that a log keeps
    /// one line per item; the table keeps the console's width.
    /// </summary>
    internal static StudyCommandReport Render(IStudyStorage store, FrontierOutputs outputs, IAnsiConsole console, int maxRows, bool reprice, string command)
    {
        void Line(string text)
        {
            if (console.Profile.Out.IsTerminal) console.WriteLine(text);
            else console.Profile.Out.Writer.WriteLine(text);
        }
        var definition = store.Definition;
        var trials = store.LoadTrials();
        RepriceJson? repriced = null;
        if (reprice)
        {
            (trials, var priced) = StoredTrialPricing.Reprice(definition, trials);
            repriced = new RepriceJson(priced.Repriced, priced.KeptAsStored, priced.WithDenseWrites);
            Line($"re-priced {priced.Repriced} complete trials from their stored counts with the current cost model (the store is unchanged)"
                + (priced.KeptAsStored > 0 ? $"; {priced.KeptAsStored} stored no counts and keep their figures" : "")
                + (priced.WithDenseWrites > 0 ? $"; {priced.WithDenseWrites} were recorded before executed writes were counted: their learning writes are the dense engine's (an upper bound)" : ""));
            Line(SnnCost.InhibitionNote(SnnCost.DefaultInhibitionStorage));
        }
        var report = StudyResults.Analyze(definition, trials);
        var summary = FrontierSummary.Build(report, maxRows);
        var (varying, _) = FrontierSummary.Parameters(definition);
        Line($"study {definition.SpaceName} ({definition.Strategy}, seed {definition.Seed}; objectives {string.Join(",", definition.Objectives.Select(Objectives.Name))})");
        Line($"trials: {report.Rows.Count} ({report.Count(TrialStatus.Complete)} complete, {report.Count(TrialStatus.Skipped)} skipped over the memory budget, "
            + $"{report.Count(TrialStatus.Failed)} failed, {report.Count(TrialStatus.Running)} running)");
        if (summary.FixedParameters.Count > 0) Line($"fixed: {string.Join(' ', summary.FixedParameters)}");
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
            Line(summary.Caption);
            if (summary.Abbreviations.Count > 0) Line($"columns: {string.Join(", ", summary.Abbreviations)}");
        }
        var history = store.HypervolumeHistory();
        HypervolumeJson? hypervolume = null;
        if (reprice && history.Count > 0)
            Line("hypervolume: not shown (the stored history is of the stored figures)");
        else if (history.Count > 0 && !double.IsNaN(history[^1].Hypervolume))
        {
            var reference = System.Text.Json.JsonSerializer.Deserialize<double[]>(history[^1].ReferenceJson) ?? [];
            Line($"hypervolume: {history[^1].Hypervolume.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} after "
                + $"{history[^1].CompletedCount} evaluations (normalised; reference {FrontierSummary.Reference(definition, reference)})");
            hypervolume = new HypervolumeJson(history[^1].Hypervolume, history[^1].CompletedCount,
                definition.Objectives.Zip(reference).ToDictionary(p => Objectives.Name(p.First), p => p.Second, StringComparer.Ordinal),
                [.. history.Select(h => new HypervolumePointJson(h.CompletedCount, h.TrialNumber, h.Hypervolume))]);
        }
        var importance = ParameterImportance.Compute(definition, store.LoadTrials());
        if (importance.Count > 0)
        {
            Line("what matters (share of each objective's variance explained by one parameter alone, over the completed trials):");
            foreach (var (objective, ranking) in importance)
                Line($"  {Objectives.Name(objective),-16} " + string.Join(", ", ranking.Take(4).Select(i =>
                    $"{i.Parameter} {(i.Share * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}%")));
        }
        RecommendationJson? recommendation = null;
        if (report.Recommendation is { } rec)
        {
            var line = FrontierSummary.TrialLine(definition, varying, rec.Trial, withDuration: false);
            Line($"recommended: {line}");
            Line($"why: {rec.Why}");
            recommendation = new RecommendationJson(rec.Trial.Number, line, rec.Why);
        }
        else
            Line("recommended: none - no completed trial satisfies the budgets");
        var written = new List<WrittenFile>();
        if (outputs.Csv is { } csvPath)
        {
            FrontierExporter.WriteCsv(report, csvPath);
            Line($"wrote {csvPath} (every trial)");
            written.Add(new WrittenFile("csv", csvPath));
        }
        if (report.Count(TrialStatus.Complete) > 0)
        {
            if (outputs.Plot is { } plotPath)
            {
                FrontierExporter.WritePlot(report, plotPath, history.Select(h => (h.CompletedCount, h.Hypervolume)).ToList());
                Line($"wrote {plotPath}");
                written.Add(new WrittenFile("plot", plotPath));
            }
            if (outputs.Parallel is { } parallelPath)
            {
                ParallelCoordinatesPlot.Write(report, parallelPath);
                Line($"wrote {parallelPath}");
                written.Add(new WrittenFile("parallel", parallelPath));
            }
        }
        var recommended = report.Recommendation?.Trial.Number;
        var json = new StudyCommandReport(command, StudyJson.Of(store),
            new TrialCountsJson(report.Rows.Count, report.Count(TrialStatus.Complete), report.Count(TrialStatus.Skipped), report.Count(TrialStatus.Failed),
                report.Count(TrialStatus.Running)),
            StudyCommandReport.Fixed(definition, varying), varying, repriced, [.. report.Frontier.Select(r => r.Trial.Number).Order()], hypervolume,
            ImportanceJson.Of(importance), recommendation, [.. report.Rows.OrderBy(r => r.Trial.Number).Select(r => TrialJson.Of(r, recommended))]);
        json.Written.AddRange(written);
        return json;
    }
}
