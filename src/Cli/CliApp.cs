using System.CommandLine;
using FSpiNN.Cli.Commands;

namespace FSpiNN.Cli;

/// <summary>The `fspinn` command tree and the shared exit-code conventions.</summary>
/// <remarks>Exit codes: 0 success, 1 failure (bad data, I/O, a run that failed), 2 usage error (bad arguments or option values).</remarks>
public static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "fspinn: design-space exploration of memory- and energy-efficient spiking neural networks (FSpiNN, Putra & Shafique 2020).");
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(TestCommand.Create());
        root.Subcommands.Add(CostCommand.Create());
        root.Subcommands.Add(ParamsCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        root.Subcommands.Add(ExploreCommand.Create(EvaluatorFactory.Create));
        root.Subcommands.Add(FrontierCommand.Create());
        return root;
    }

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"error: {error.Message}");
            stderr.WriteLine("Run 'fspinn --help' (or '<command> --help') for usage.");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("cancelled");
            return Failure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"error: {e.Message}");
            if (Environment.GetEnvironmentVariable("FSPINN_DEBUG") == "1")
                stderr.WriteLine(e);
            return Failure;
        }
    }
}

/// <summary>Thrown by command actions for a bad option value that the parser could not catch; exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
