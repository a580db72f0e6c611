using System.CommandLine;
using System.Globalization;
using CsvHelper;
using FSpiNN.Cli.Json;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Study;

namespace FSpiNN.Cli.Commands;

/// <summary>
/// `fspinn trials --store S [--study NAME] [--format table|csv|json]`: every trial of a study, as Optuna's CLI `trials`
/// lists them: number, state, fidelity (train_samples), seed, parameters, objectives, start, end and duration.
/// </summary>
public static class TrialsCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Study file or PostgreSQL URL (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE); read only.", Required = true };
        var study = new Option<string?>("--study") { Description = "Study name, when the store holds several (`fspinn studies --store S` lists them)." };
        var format = new Option<string>("--format") { Description = "table (for reading), csv (one row per trial, a column per parameter) or json (docs/json.md).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("trials", """
            List every trial of a study: number, state, train_samples (fidelity), seed, parameters, objectives, start, end and duration.
            Examples:
              fspinn trials --store runs/explore-default-grid-s1/study.db
              fspinn trials --store runs/explore-default-grid-s1/study.db --format csv > trials.csv
              fspinn trials --store postgresql://fspinn@db.lab:5432/studies --study full-4mib --format json | jq '.trials[] | select(.state == "FAILED")'
            """) { store, study, format };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var storePath = parse.GetValue(store)!;
            new FileRoles().Input("--store", StudyStorage.IsDatabaseUrl(storePath) ? null : storePath).Check();
            using var storage = StudyStorage.OpenExisting(storePath, parse.GetValue(study), readOnly: true, new StorageOptions(parse.InvocationConfiguration.Error));
            var report = StudyResults.Analyze(storage.Definition, storage.LoadTrials());
            var rows = report.Rows.OrderBy(r => r.Trial.Number).ToList();
            switch (parse.GetValue(format))
            {
                case "json":
                    var json = new TrialsCommandReport(StudyJson.Of(storage), [.. rows.Select(r => TrialJson.Of(r, report.Recommendation?.Trial.Number))]);
                    json.Arguments = [.. parse.Tokens.Select(t => t.Value)];
                    output.WriteLine(JsonOutput.Serialize(json));
                    break;
                case "csv":
                    WriteCsv(rows, output);
                    break;
                default:
                    WriteTable(storage.Definition, rows, output);
                    break;
            }
            return CliApp.Success;
        });
        return command;
    }

    private static string Time(DateTime? time) => time is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "";

    private static string Number(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>Columns: number, state, train_samples, seed, params_NAME (every parameter any trial has), the objectives, times, attempts, worker, host, error.</summary>
    private static void WriteCsv(IReadOnlyList<TrialRow> rows, TextWriter output)
    {
        var parameters = rows.SelectMany(r => r.Trial.Candidate.Values.Select(v => v.Key)).Where(n => n != Dse.Space.SearchSpace.TrainSamplesName).Distinct().ToList();
        using var csv = new CsvWriter(output, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var header in new[] { "number", "state", "train_samples", "seed" }.Concat(parameters.Select(p => "params_" + p)).Concat([
                     "accuracy", "memory_bytes", "train_energy_j", "inference_energy_j", "feasible", "datetime_start", "datetime_complete", "duration_seconds",
                     "attempts", "worker", "host", "error"]))
            csv.WriteField(header);
        csv.NextRecord();
        foreach (var row in rows)
        {
            var t = row.Trial;
            csv.WriteField(t.Number);
            csv.WriteField(TrialJson.StateName(t.Status));
            csv.WriteField(t.TrainSamples);
            csv.WriteField(t.Seed);
            foreach (var p in parameters) csv.WriteField(t.Candidate.TryGet(p, out var v) ? v.ToString() : "");
            csv.WriteField(Number(t.Accuracy));
            csv.WriteField(Number(t.MemoryBytes));
            csv.WriteField(Number(t.TrainEnergyJoules));
            csv.WriteField(Number(t.InferenceEnergyJoules));
            csv.WriteField(row.Feasible ? "true" : "false");
            csv.WriteField(Time(t.StartedUtc));
            csv.WriteField(Time(t.FinishedUtc));
            csv.WriteField(Number(t.DurationSeconds));
            csv.WriteField(t.Attempts);
            csv.WriteField(t.WorkerId);
            csv.WriteField(t.Host);
            csv.WriteField(t.Error ?? "");
            csv.NextRecord();
        }
    }

    /// <summary>One line per trial: the varying parameters only (the fixed ones once above), units scaled for reading.</summary>
    private static void WriteTable(StudyDefinition definition, IReadOnlyList<TrialRow> rows, TextWriter output)
    {
        var (varying, fixedValues) = FrontierSummary.Parameters(definition);
        if (fixedValues.Count > 0) output.WriteLine($"fixed: {string.Join(' ', fixedValues)}");
        var energies = FrontierSummary.EnergyColumns(definition);
        var header = new List<string> { "number", "state", "samples", "seed", "parameters", "acc", "mem" };
        header.AddRange(energies.Select(e => e.Header));
        header.AddRange(["start (UTC)", "duration"]);
        var table = rows.Select(r =>
        {
            var t = r.Trial;
            var cells = new List<string>
            {
                t.Number.ToString(CultureInfo.InvariantCulture), TrialJson.StateName(t.Status), t.TrainSamples.ToString(CultureInfo.InvariantCulture),
                t.Seed.ToString(CultureInfo.InvariantCulture), FrontierSummary.Describe(t.Candidate, varying.Where(p => p != Dse.Space.SearchSpace.TrainSamplesName)),
                FrontierSummary.Accuracy(t.Accuracy), FrontierSummary.Bytes(t.MemoryBytes),
            };
            cells.AddRange(energies.Select(e => FrontierSummary.Joules(e.Value(t))));
            cells.Add(DateTime.SpecifyKind(t.StartedUtc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            cells.Add(t.DurationSeconds is { } d ? FrontierSummary.Duration(TimeSpan.FromSeconds(d)) : "-");
            return cells;
        }).ToList();
        var widths = header.Select((h, i) => table.Select(row => row[i].Length).Append(h.Length).Max()).ToList();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        foreach (var row in table) output.WriteLine(Line(row));
        if (rows.Count == 0) output.WriteLine("no trials yet");
    }
}
