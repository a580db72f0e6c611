using Spectre.Console;
using Spectre.Console.Rendering;

namespace FSpiNN.Cli;

/// <summary>Spectre consoles over the writers a command was given (the real terminal, or a test's StringWriter).</summary>
internal static class ConsoleFactory
{
    /// <summary>
    /// A console writing to <paramref name="writer"/>: ANSI and live progress on a real terminal; plain text,
    /// no colour, 160 columns, no live redraws when writing to a file, a pipe or a test's writer.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer)
    {
        var terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = 160;
        return console;
    }

    /// <summary>The console for a parsed command's output writer.</summary>
    public static IAnsiConsole For(System.CommandLine.ParseResult parse) => Create(parse.InvocationConfiguration.Output);

    /// <summary>A table cell holding <paramref name="text"/> literally (no markup interpretation).</summary>
    public static IRenderable Cell(string text) => new Text(text);

    /// <summary>Adds a row of literal texts.</summary>
    public static Table AddTextRow(this Table table, params string[] cells) => table.AddRow(cells.Select(Cell));
}
