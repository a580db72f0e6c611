using System.CommandLine;
using System.Globalization;
using FSpiNN.Cli.Json;
using FSpiNN.CostModel;
using FSpiNN.Snn.Models;
using FSpiNN.SnnSearch;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

internal static class CostCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Preset: dc2015, bindsnet or fspinn.", DefaultValueFactory = _ => "fspinn" };
        network.AcceptOnlyFromAmong([.. Snn.Config.NetworkPresets.Names]);
        var neurons = new Option<int>("--neurons") { Description = "Number of excitatory neurons N.", DefaultValueFactory = _ => 100 };
        var bits = new Option<int?>("--bits") { Description = "Weight bits (1-32)." };
        var quantize = new Option<string?>("--quantize") { Description = "none, ptq or itq." };
        quantize.AcceptOnlyFromAmong("none", "ptq", "itq");
        var set = new Option<string[]>("--set") { Description = "Override a model parameter: --set name=value (repeatable)." };
        var profile = new Option<string?>("--profile") { Description = "Energy profile JSON (default: Horowitz ISSCC 2014, 45 nm; see profiles/)." };
        var fromRun = new Option<string?>("--from-run") { Description = "Model file from 'fspinn train': price its recorded exact counts instead of the analytic estimate." };
        var storage = new Option<string>("--inhibition-storage")
        {
            Description = "How inhibitory weights are stored: scalar (one value per projection, as simulated), dense (an N×N matrix: the paper's 7.5x assumes it) or sparse.",
            DefaultValueFactory = _ => "scalar",
        };
        storage.AcceptOnlyFromAmong("dense", "sparse", "scalar");
        var execution = new Option<string>("--execution") { Description = "event (work done by spikes) or dense (every matrix entry every step, GPU-style).", DefaultValueFactory = _ => "event" };
        execution.AcceptOnlyFromAmong("event", "dense");
        var spikes = new Option<double>("--spikes-per-example") { Description = "Analytic estimate: excitatory (and inhibitory) spikes per example.", DefaultValueFactory = _ => 5.0 };
        var csv = new Option<string?>("--csv") { Description = "Also write every row of the report to this CSV file." };
        var json = JsonOutput.Option();
        var command = new Command("cost", """
            Memory footprint and energy of a network for training and inference, from an analytic estimate of its activity
            (instant) or from the exact counts recorded by a training run (--from-run).

            Examples:
              fspinn cost --network fspinn --neurons 4900 --bits 8
              fspinn cost --network bindsnet --neurons 4900 --csv baseline4900.csv
              fspinn cost --from-run fspinn100.model --profile my-chip.json
              fspinn cost --network fspinn --neurons 400 --bits 8 --json - | jq .memory.inference_bytes
            """)
        {
            network, neurons, bits, quantize, set, profile, fromRun, storage, execution, spikes, csv, json,
        };
        command.SetAction(parse =>
        {
            var stdout = JsonOutput.TextWriter(parse, json);
            if (parse.GetValue(fromRun) is not null)
            {
                // the model file carries its own configuration and counts: an option that describes another network would be ignored
                var ignored = new Option[] { network, neurons, bits, quantize, set, spikes }.Where(parse.IsGiven).Select(o => o.Name).ToList();
                if (ignored.Count > 0)
                    throw new UsageException($"--from-run prices the model file's own network and recorded counts; {string.Join(", ", ignored)} cannot change them: remove {(ignored.Count == 1 ? "it" : "them")}");
            }
            var spikesPerExample = parse.GetValue(spikes);
            if (!double.IsFinite(spikesPerExample) || spikesPerExample < 0)
                throw new UsageException($"--spikes-per-example must be a finite number >= 0, got {spikesPerExample.ToString(CultureInfo.InvariantCulture)}");
            new FileRoles().Input("--profile", parse.GetValue(profile)).Input("--from-run", parse.GetValue(fromRun)).Output("--csv", parse.GetValue(csv))
                .Output("--json", JsonOutput.FilePath(parse, json)).Check();
            var energyProfile = parse.GetValue(profile) is { } path ? EnergyProfileJson.Load(path) : EnergyProfile.Default;
            var inhibitionStorage = parse.GetValue(storage) switch
            {
                "sparse" => WeightStorage.Sparse,
                "scalar" => WeightStorage.SharedScalar,
                _ => WeightStorage.Dense,
            };
            var options = new CostOptions { Execution = parse.GetValue(execution) == "dense" ? SynapticExecution.Dense : SynapticExecution.EventDriven };
            CostReport report;
            string source;
            CostSourceJson sourceJson;
            if (parse.GetValue(fromRun) is { } modelPath)
            {
                var model = ModelFile.Load(modelPath);
                if (model.TrainingCounts.Examples == 0 || model.InferenceCounts.Examples == 0)
                    throw new InvalidOperationException($"{modelPath} has no recorded training or inference counts");
                report = SnnCost.Estimate(model.Config, model.TrainingCounts, model.InferenceCounts, energyProfile, options, inhibitionStorage);
                source = $"exact counts of {modelPath}: {model.TrainingCounts.Examples} training and {model.InferenceCounts.Examples} inference examples";
                if (!model.TrainingCounts.HasExecutedWriteCounts)
                    source += $"; {SnnCost.DenseWritesNote}";
                sourceJson = new CostSourceJson("model", source, null, modelPath, model.TrainingCounts.Examples, model.InferenceCounts.Examples);
            }
            else
            {
                var config = TrainCommand.BuildConfig(parse.GetValue(network)!, parse.GetValue(neurons), parse.GetValue(bits), null,
                    parse.GetValue(quantize), parse.GetValue(set) ?? [], neuronsGiven: parse.IsGiven(neurons));
                // each neuron fires at most once per step, on every presentation of the example
                var mostSpikes = (double)config.Neurons * config.PresentationSteps * (1 + config.MaxRetries);
                if (spikesPerExample > mostSpikes)
                    throw new UsageException($"--spikes-per-example {spikesPerExample.ToString(CultureInfo.InvariantCulture)} is more than {config.Neurons} neurons can fire "
                        + $"in {config.PresentationSteps} steps and {config.MaxRetries} retries (at most {mostSpikes.ToString(CultureInfo.InvariantCulture)})");
                report = SnnCost.EstimateExpected(config, spikesPerExample, energyProfile, options, inhibitionStorage);
                source = $"analytic estimate, {spikesPerExample.ToString(CultureInfo.InvariantCulture)} spikes per example";
                sourceJson = new CostSourceJson("analytic", source, spikesPerExample, null, null, null);
            }
            stdout.WriteLine($"{report.Network.Name}: {source}; profile {energyProfile.Name}");
            var notes = new List<string> { SnnCost.InhibitionNote(inhibitionStorage) };
            var components = report.Memory.Components.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (component, level) in energyProfile.Pins.Where(p => !components.Contains(p.Key)))
                notes.Add($"note: profile pin '{component}' -> {level} matches no component of this network (components: {string.Join(", ", components)})");
            foreach (var note in notes) stdout.WriteLine(note);
            var writesPerExample = Print(stdout, report);
            var jsonReport = CostCommandReport.Of(report, sourceJson, parse.GetValue(storage)!, notes, writesPerExample);
            if (parse.GetValue(csv) is { } csvPath)
            {
                using (var writer = new StreamWriter(csvPath))
                    CostReportCsv.WriteRows(report, writer);
                stdout.WriteLine($"report written to {csvPath}");
                jsonReport.Written.Add(new WrittenFile("csv", csvPath));
            }
            JsonOutput.Write(parse, json, jsonReport);
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>Prints the report; returns the learning weight writes per training example (null when none are recorded).</summary>
    private static double? Print(TextWriter stdout, CostReport report)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("component");
        table.AddColumn(new TableColumn("bytes").RightAligned());
        table.AddColumn("phase");
        table.AddColumn("placed in");
        foreach (var c in report.Memory.Components)
            table.AddRow(c.Name, c.Bytes.ToString("N0", CultureInfo.InvariantCulture), c.TrainingOnly ? "training" : "both", report.Placement[c.Name]);
        var console = ConsoleFactory.Create(stdout);
        console.Write(table);
        stdout.WriteLine($"memory inference {Bytes(report.InferenceMemoryBytes)}  training {Bytes(report.TrainingMemoryBytes)}");
        foreach (var e in new[] { report.Training, report.Inference })
        {
            var phase = e.Phase == Phase.Training ? "training " : "inference";
            stdout.WriteLine($"energy {phase} {Joules(e.PerExampleJoules)} per example, {Joules(e.PerDatasetPassJoules)} per pass of {e.DatasetExamples:N0} " +
                             $"(compute {Share(e.ComputeJoules, e.TotalJoules)}, memory {Share(e.MemoryJoules, e.TotalJoules)}, STDP {e.LearningShare:P1})");
        }
        var writes = report.Training.Items.Where(i => i.Action.StartsWith("write weight", StringComparison.Ordinal)).Sum(i => i.Count);
        double? writesPerExample = report.Training.Examples > 0 && writes > 0 ? (double)writes / report.Training.Examples : null;
        if (writesPerExample is { } perExample)
            stdout.WriteLine($"learning weight writes {perExample:N0} per training example ({(report.Options.Execution == SynapticExecution.Dense ? "dense engine" : "executed, event-driven")})");
        var nb = report.NeuroBench;
        stdout.WriteLine($"neurobench footprint {Bytes(nb.FootprintBytes)}, connection sparsity {nb.ConnectionSparsity:F4}, activation sparsity {nb.ActivationSparsity:F4}, " +
                         $"dense synops {nb.DenseSynapticOpsPerExample:G4}/example, effective ACs {nb.EffectiveAcsPerExample:G4}, MACs {nb.EffectiveMacsPerExample:G4}");
        return writesPerExample;
    }

    private static string Share(double part, double total) => total == 0 ? "0%" : (part / total).ToString("P1", CultureInfo.InvariantCulture);

    internal static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => $"{bytes / (1 << 30):F2} GiB",
        >= 1 << 20 => $"{bytes / (1 << 20):F2} MiB",
        >= 1 << 10 => $"{bytes / (1 << 10):F2} KiB",
        _ => $"{bytes:F0} B",
    };

    internal static string Joules(double joules) => joules switch
    {
        >= 1 => $"{joules:G4} J",
        >= 1e-3 => $"{joules * 1e3:G4} mJ",
        >= 1e-6 => $"{joules * 1e6:G4} uJ",
        >= 1e-9 => $"{joules * 1e9:G4} nJ",
        _ => $"{joules * 1e12:G4} pJ",
    };
}
