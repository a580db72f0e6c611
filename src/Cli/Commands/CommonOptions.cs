using System.CommandLine;

namespace FSpiNN.Cli.Commands;

/// <summary>Options shared by several commands, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> Data() => new("--data")
    {
        Description = "Directory holding the official IDX files (train-images-idx3-ubyte[.gz] ...); default: the embedded 1,000/200 MNIST sample.",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Threads for training (networks of 1024+ neurons), labelling and testing (0 = all cores); results do not depend on it.",
        DefaultValueFactory = _ => 0,
    };
}
