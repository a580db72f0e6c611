using System.CommandLine;
using FSpiNN.Snn.Interop;
using FSpiNN.Snn.Models;

namespace FSpiNN.Cli.Commands;

/// <summary>`fspinn export`: a trained model as NumPy arrays and/or a NIR graph (the formats live in FSpiNN.Snn.Interop).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written by 'fspinn train' or 'fspinn import'.", Required = true };
        var npz = new Option<string?>("--npz") { Description = "Write the network as NumPy arrays (.npz, BindsNET's names and shapes; see docs/interop.md)." };
        var nir = new Option<string?>("--nir") { Description = "Write the network as a NIR graph (HDF5) for snnTorch, Norse, Lava, Sinabs (current-based networks only)." };
        var command = new Command("export", """
            Write a trained model for other tools: --npz for numpy.load (input weights, inhibition, theta, labels, configuration as JSON), --nir for NIR readers.

            Examples:
              fspinn export --model fspinn100.model --npz fspinn100.npz
              fspinn export --model b100.model --npz b100.npz --nir b100.nir
            """)
        {
            model, npz, nir,
        };
        command.SetAction(parse =>
        {
            var npzPath = parse.GetValue(npz);
            var nirPath = parse.GetValue(nir);
            if (npzPath is null && nirPath is null) throw new UsageException("nothing to write: give --npz FILE, --nir FILE or both");
            var m = ModelFile.Load(parse.GetValue(model)!);
            var stdout = parse.InvocationConfiguration.Output;
            if (npzPath is not null)
            {
                ModelNpz.Export(m, npzPath);
                stdout.WriteLine($"arrays written to {npzPath} ({ModelNpz.InputWeights} {m.InputSize}x{m.Neurons}, {ModelNpz.Theta}, inhibition, {(m.IsLabelled ? "labels, " : "")}config)");
            }
            if (nirPath is not null)
            {
                NirExport.Write(m, nirPath);
                stdout.WriteLine($"NIR graph written to {nirPath} (Input {m.InputSize} -> Linear -> LIF {m.Neurons} -> Output, inhibition as Linear feedback)");
            }
            return CliApp.Success;
        });
        return command;
    }
}
