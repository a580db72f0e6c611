using System.CommandLine;
using FSpiNN.Snn.Models;
using FSpiNN.SnnSearch;

namespace FSpiNN.Cli.Commands;

internal static class ShowCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written by 'fspinn train'.", Required = true };
        var png = new Option<string>("--png") { Description = "PNG file to write.", Required = true };
        var scale = new Option<int>("--scale") { Description = "Pixels per weight.", DefaultValueFactory = _ => 2 };
        var weights = new Command("weights", """
            Draw the learned receptive fields (input weights of each excitatory neuron) as a grid of 28x28 tiles.

            Examples:
              fspinn show weights --model fspinn100.model --png fields.png
            """)
        {
            model, png, scale,
        };
        weights.SetAction(parse =>
        {
            if (parse.GetValue(scale) < 1) throw new UsageException("--scale must be >= 1");
            new FileRoles().Input("--model", parse.GetValue(model)).Output("--png", parse.GetValue(png)).Check();
            var m = ModelFile.Load(parse.GetValue(model)!);
            var side = (int)Math.Round(Math.Sqrt(m.InputSize));
            if (side * side != m.InputSize) throw new InvalidOperationException($"the model's {m.InputSize} inputs are not a square image");
            var (width, height) = ReceptiveFieldImage.Size(m, side, side, parse.GetValue(scale));
            if (Math.Max(width, height) > ReceptiveFieldImage.MaxSide)
                throw new UsageException($"--scale {parse.GetValue(scale)} makes a {width}x{height} image of {m.Neurons} neurons; at most {ReceptiveFieldImage.MaxSide} pixels a side fit: lower --scale");
            ReceptiveFieldImage.WritePng(m, side, side, parse.GetValue(png)!, parse.GetValue(scale));
            parse.InvocationConfiguration.Output.WriteLine($"receptive fields of {m.Neurons} neurons written to {parse.GetValue(png)}");
            return CliApp.Success;
        });
        return new Command("show", "Figures of a trained model.") { weights };
    }
}
