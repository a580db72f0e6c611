using System.CommandLine;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FSpiNN.Cli.Json;

/// <summary>
/// The one place that writes a command's JSON report (<c>--json FILE</c>, schema in docs/json.md): snake_case names,
/// indented, non-finite numbers as null, timestamps in UTC ISO 8601. With <c>--json -</c> the JSON goes to stdout and
/// the command's text to stderr, so that stdout can be piped to jq.
/// </summary>
internal static class JsonOutput
{
    /// <summary>Version of the documents' layout: a field's meaning never changes within a version; new fields may appear.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The value of --json that means stdout.</summary>
    public const string Stdout = "-";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // µJ, ×, paths: written as is, not \uXXXX
        Converters = { new FiniteDoubleConverter(), new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Option<string?> Option() => new("--json")
    {
        Description = "Also write the results as a JSON document to FILE (fields: docs/json.md); '-' writes the JSON to stdout and the text to stderr.",
        HelpName = "FILE",
    };

    /// <summary>Where the command's text goes: stderr when the JSON takes stdout, else stdout.</summary>
    public static TextWriter TextWriter(ParseResult parse, Option<string?> json) =>
        parse.GetValue(json) == Stdout ? parse.InvocationConfiguration.Error : parse.InvocationConfiguration.Output;

    /// <summary>The JSON file to check with the other outputs before any work (null for stdout or no --json).</summary>
    public static string? FilePath(ParseResult parse, Option<string?> json) => parse.GetValue(json) is { } path && path != Stdout ? path : null;

    /// <summary>Writes <paramref name="report"/> where --json says (nothing without --json).</summary>
    public static void Write(ParseResult parse, Option<string?> json, CommandReport report)
    {
        if (parse.GetValue(json) is not { } path) return;
        report.Arguments = [.. parse.Tokens.Select(t => t.Value)];
        var text = Serialize(report);
        if (path == Stdout)
        {
            parse.InvocationConfiguration.Output.WriteLine(text);
            return;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, text + "\n");
    }

    public static string Serialize(CommandReport report) => JsonSerializer.Serialize(report, report.GetType(), Options);

    /// <summary>The tool's version as packed (0.1.0), without the build's source-revision suffix.</summary>
    public static string ToolVersion { get; } =
        (typeof(JsonOutput).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];

    /// <summary>JSON has no NaN or infinity: an undefined figure is written as null.</summary>
    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}

/// <summary>What every JSON report starts with.</summary>
internal abstract record CommandReport(string Command)
{
    [JsonPropertyOrder(-4)]
    public int SchemaVersion => JsonOutput.SchemaVersion;

    [JsonPropertyOrder(-3)]
    public string Command { get; } = Command;

    [JsonPropertyOrder(-2)]
    public string ToolVersion => JsonOutput.ToolVersion;

    [JsonPropertyOrder(-1)]
    public DateTime CreatedUtc { get; } = DateTime.UtcNow;

    /// <summary>The command line's tokens after the command name (set when written).</summary>
    [JsonPropertyOrder(-1)]
    public IReadOnlyList<string> Arguments { get; set; } = [];

    /// <summary>Every file the command wrote: role (e.g. "model", "csv", "plot") and path.</summary>
    [JsonPropertyOrder(100)]
    public List<WrittenFile> Written { get; } = [];
}

internal sealed record WrittenFile(string Role, string Path);
