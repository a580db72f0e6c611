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

    /// <param name="evaluatorFactory">The evaluator of `explore` (default: the real one); tests give a fast stand-in.</param>
    public static RootCommand Build(Func<ExploreEvaluatorRequest, Dse.ICandidateEvaluator>? evaluatorFactory = null)
    {
        SnnSearch.SnnStrategies.Register(); // before explore lists the strategy names
        var root = new RootCommand(
            "fspinn: design-space exploration of memory- and energy-efficient spiking neural networks (FSpiNN, Putra & Shafique 2020).");
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(TestCommand.Create());
        root.Subcommands.Add(CostCommand.Create());
        root.Subcommands.Add(ParamsCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        root.Subcommands.Add(ExploreCommand.Create(evaluatorFactory ?? EvaluatorFactory.Create));
        root.Subcommands.Add(FrontierCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(StudiesCommand.Create());
        root.Subcommands.Add(TrialsCommand.Create());
        MoveExamplesBelowHelp(root);
        return root;
    }

    /// <summary>
    /// Command descriptions end with an "Examples:" block. Listing them in full under the parent command would bury the
    /// command list, so each description keeps its text and its examples are printed after that command's own help.
    /// </summary>
    private static void MoveExamplesBelowHelp(RootCommand root)
    {
        var examples = new Dictionary<Command, string>();
        void Visit(Command command)
        {
            var description = command.Description ?? "";
            var at = description.IndexOf("Examples:", StringComparison.Ordinal);
            if (at >= 0)
            {
                examples[command] = description[at..].TrimEnd();
                command.Description = description[..at].TrimEnd();
            }
            foreach (var sub in command.Subcommands) Visit(sub);
        }
        Visit(root);
        foreach (var option in root.Options)
            if (option is System.CommandLine.Help.HelpOption { Action: System.CommandLine.Help.HelpAction help } helpOption)
                helpOption.Action = new HelpWithExamples(help, examples);
    }

    private sealed class HelpWithExamples(System.CommandLine.Help.HelpAction inner, IReadOnlyDictionary<Command, string> examples)
        : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        // like the help action it wraps: `fspinn data fetch --help` shows help even though <dataset> is missing
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            if (examples.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(text);
                output.WriteLine();
            }
            return result;
        }
    }

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null,
        Func<ExploreEvaluatorRequest, Dse.ICandidateEvaluator>? evaluatorFactory = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = Build(evaluatorFactory);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"error: {ParseErrors.Explain(error, parse)}");
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

/// <summary>The parser's messages in the tool's words: type names a user knows, and the nearest name for a misspelt one.</summary>
internal static class ParseErrors
{
    private static readonly (string Type, string Name)[] TypeNames =
    [
        ("System.Int32", "integer"), ("System.Int64", "integer"), ("System.UInt64", "non-negative integer"), ("System.Double", "number"),
        ("System.Single", "number"), ("System.String", "text"), ("System.Boolean", "boolean (true or false)"), ("System.IO.FileInfo", "file path"),
    ];

    public static string Explain(System.CommandLine.Parsing.ParseError error, ParseResult parse)
    {
        var message = error.Message;
        foreach (var (type, name) in TypeNames)
            message = message.Replace($"System.Nullable`1[{type}]", name, StringComparison.Ordinal).Replace(type, name, StringComparison.Ordinal);
        // "Cannot parse argument 'abc' for option '--neurons' as expected type 'integer'."
        var unparsed = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for option '(.+)' as expected type '(.+)'\\.$");
        if (unparsed.Success)
            return $"{unparsed.Groups[2].Value} '{unparsed.Groups[1].Value}' is not {(unparsed.Groups[3].Value.StartsWith("integer", StringComparison.Ordinal) ? "an" : "a")} {unparsed.Groups[3].Value}";
        // "Unrecognized command or argument '--nerons'.": the nearest option or subcommand of the command being parsed
        var unrecognized = System.Text.RegularExpressions.Regex.Match(message, "^Unrecognized command or argument '(.+)'\\.$");
        if (unrecognized.Success)
        {
            var token = unrecognized.Groups[1].Value;
            var command = parse.CommandResult.Command;
            IEnumerable<string> known = token.StartsWith('-')
                ? command.Options.Concat(command.Parents.OfType<Command>().SelectMany(c => c.Options.Where(o => o.Recursive))).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name));
            return message.TrimEnd('.') + Shared.NearestName.Hint(token, known) + ".";
        }
        // "Argument 'fspin' not recognized. Must be one of:\n\t'dc2015'...": the nearest allowed value
        var notAllowed = System.Text.RegularExpressions.Regex.Match(message, "^Argument '(.+)' not recognized\\. Must be one of:(.*)$",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        if (notAllowed.Success)
        {
            var allowed = System.Text.RegularExpressions.Regex.Matches(notAllowed.Groups[2].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();
            var option = error.SymbolResult switch
            {
                System.CommandLine.Parsing.OptionResult o => o.Option.Name + " ",
                System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option.Name + " ",
                _ => "",
            };
            return $"{option}'{notAllowed.Groups[1].Value}' is not one of {string.Join(", ", allowed)}{Shared.NearestName.Hint(notAllowed.Groups[1].Value, allowed)}";
        }
        return message;
    }
}

/// <summary>Thrown by command actions for a bad option value that the parser could not catch; exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
