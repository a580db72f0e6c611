using System.CommandLine;
using System.Globalization;
using FSpiNN.Dse;

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
        Description = "Threads for labelling and testing (0 = all cores), and for training networks of 1024+ neurons when 2 or more (0 trains on one thread: two were measured slower); results do not depend on it.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>True when the user typed the option (not just its default).</summary>
    public static bool IsGiven(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The value of a count option that must be >= 0 (0 = all, or automatic); a negative value is a usage error naming the option.</summary>
    public static int NonNegative(this ParseResult parse, Option<int> option)
    {
        var value = parse.GetValue(option);
        return value >= 0 ? value : throw new UsageException($"{option.Name} must be >= 0, got {value}");
    }

    /// <summary>
    /// A list of numbers in the one list syntax (<see cref="Units.SplitList"/>): one token, items separated by commas,
    /// e.g. --sweep-values 10,25,50. A second token or a second --name is an error rather than a silent other value.
    /// </summary>
    /// <param name="defaultText">The default as the help states it; the option's value is null when it is not given.</param>
    public static Option<double[]> NumberList(string name, string description, string defaultText) => new(name)
    {
        Description = $"{description} Comma-separated, default {defaultText}.",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            try
            {
                return Units.ParseNumberList(result.Tokens.Single().Value, name);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return [];
            }
        },
    };
}
