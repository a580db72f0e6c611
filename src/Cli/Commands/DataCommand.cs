using System.CommandLine;

namespace FSpiNN.Cli.Commands;

internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Datasets: list, verify and fetch MNIST / Fashion-MNIST.");
        return command;
    }
}
