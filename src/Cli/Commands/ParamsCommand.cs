using System.CommandLine;
using FSpiNN.Snn.Config;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

internal static class ParamsCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Preset whose values to show: dc2015, bindsnet or fspinn.", DefaultValueFactory = _ => "fspinn" };
        network.AcceptOnlyFromAmong([.. NetworkPresets.Names]);
        var command = new Command("params", """
            List every model parameter (the names used by --set, search spaces and stored trials) with its value in a preset.

            Examples:
              fspinn params
              fspinn params --network dc2015
            """)
        {
            network,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var config = NetworkPresets.Create(parse.GetValue(network)!, 100);
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn("name");
            table.AddColumn("value");
            table.AddColumn("type");
            table.AddColumn("allowed");
            table.AddColumn("meaning");
            foreach (var p in ParameterTable.Parameters)
                table.AddTextRow(p.Name, p.Get(config), TypeName(p.Type), p.Range, p.Description);
            var console = ConsoleFactory.Create(stdout);
            console.Write(table);
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>The value a parameter takes, in a user's words.</summary>
    internal static string TypeName(ParameterTable.ParameterType type) => type switch
    {
        ParameterTable.ParameterType.Integer => "integer",
        ParameterTable.ParameterType.Real => "number",
        ParameterTable.ParameterType.Flag => "true/false",
        ParameterTable.ParameterType.Choice => "one of",
        _ => "text",
    };
}
