using System.CommandLine;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Interop;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Commands;

/// <summary>`fspinn import`: a network trained elsewhere (BindsNET, or our own --npz export) as a model file.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var npz = new Option<string>("--npz") { Description = "NumPy arrays: X_to_Ae (inputs x N) and theta (N), optionally inhibition, assignments and rates (see docs/interop.md).", Required = true };
        var output = new Option<string>("--out") { Description = "Model file to write.", Required = true };
        var network = new Option<string?>("--network")
        {
            Description = "Network the weights belong to: dc2015, bindsnet or fspinn. Default: the configuration stored in the file (fspinn exports), else bindsnet.",
        };
        network.AcceptOnlyFromAmong([.. NetworkPresets.Names]);
        var set = new Option<string[]>("--set") { Description = "Override a model parameter: --set name=value (repeatable; see 'fspinn params')." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the model's random streams (input spikes when labelling and testing). Default: the file's, else 1." };
        var data = CommonOptions.Data();
        var labelSamples = new Option<int>("--label-samples") { Description = "Training examples used to label neurons when the file has no labels (0 = all).", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var command = new Command("import", """
            Make a model file from NumPy arrays, e.g. a BindsNET DiehlAndCook2015 network saved with numpy.savez; neurons are labelled on the training data unless the file holds labels.

            Examples:
              fspinn import --npz bindsnet400.npz --out b400.model --data ~/mnist
              fspinn import --npz fspinn100.npz --out copy.model
            """)
        {
            npz, output, network, set, seed, data, labelSamples, threads,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var contents = ModelNpz.Read(parse.GetValue(npz)!);
            var preset = parse.GetValue(network);
            NetworkConfig config;
            string origin;
            try
            {
                var baseConfig = preset is null && contents.Config is { } stored
                    ? stored
                    : NetworkPresets.Create(preset ?? "bindsnet", contents.Neurons);
                origin = preset is null && contents.Config is not null ? "the file's configuration" : $"the {preset ?? "bindsnet"} preset";
                config = ParameterTable.Apply(baseConfig, [.. contents.InhibitionSettings, .. parse.GetValue(set) ?? []]);
            }
            catch (ConfigException e)
            {
                throw new UsageException(e.Message);
            }
            var (model, notes) = ModelNpz.ToModel(contents, config, parse.GetValue(seed) ?? contents.Seed ?? 1);
            stdout.WriteLine($"imported {contents.Neurons} neurons x {contents.InputSize} inputs from {contents.Path}: network {config.Preset} ({origin}), weights {TrainCommand.DescribeWeights(config)}");
            if (contents.InhibitionSettings.Count > 0)
                stdout.WriteLine($"inhibition from the arrays: {string.Join(" ", contents.InhibitionSettings.Distinct())}");
            foreach (var note in notes) stdout.WriteLine(note);
            if (!model.IsLabelled)
            {
                var pair = DatasetCatalog.Load(parse.GetValue(data));
                var samples = parse.GetValue(labelSamples);
                PassProgressDisplay.Run(stdout, progress =>
                {
                    Protocol.Label(model, pair.Train, samples, parse.GetValue(threads), progress);
                    return 0;
                });
                stdout.WriteLine($"labels: the file has none; labelled on {pair.Train.Take(samples > 0 ? Math.Min(samples, pair.Train.Count) : pair.Train.Count).Describe()}");
            }
            ModelFile.Save(model, parse.GetValue(output)!);
            stdout.WriteLine($"model written to {parse.GetValue(output)} (test it with: fspinn test --model {parse.GetValue(output)})");
            return CliApp.Success;
        });
        return command;
    }
}
