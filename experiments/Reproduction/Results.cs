using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;

namespace FSpiNN.Reproduction;

/// <summary>A results.csv line is malformed: names the file, line and problem.</summary>
internal sealed class ResultsFileException(string path, int line, string problem)
    : Exception($"{path}, line {line}: {problem}");

/// <summary>One row of experiments/accuracy/results.csv (written by run.sh). Times and accuracies may be missing.</summary>
internal sealed record ResultRow(
    string Name,
    string Command,
    string Commit,
    long? TrainExamples,
    double? TrainSeconds,
    double? TotalSeconds,
    double? AccuracyAllActivity,
    double? AccuracyProportion,
    double? LabelSeconds,
    double? TestSeconds)
{
    /// <summary>The name as recorded, rerun suffix included: the model file is <c>RunName.model</c>.</summary>
    public string RunName { get; init; } = Name;

    /// <summary>The <c>fspinn train</c> options of this run (see <see cref="TrainOptions"/>).</summary>
    public TrainOptions Options => TrainOptions.Parse(Command);

    /// <summary>Examples labelled: --label-samples if given, else one pass of the training examples.</summary>
    public long? LabelExamples =>
        Options.Get("--label-samples") is { } s && long.TryParse(s, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : TrainExamples / (Options.Get("--epochs") is { } e && int.TryParse(e, CultureInfo.InvariantCulture, out var epochs) && epochs > 0 ? epochs : 1);
}

internal static class ResultsFile
{
    private static readonly string[] Required = ["name", "command", "commit"];

    /// <summary>
    /// Reads every row; when a name appears more than once the last row wins. A suffix <c>-r&lt;k&gt;</c> marks a rerun of a
    /// run with newer code (<c>size-fspinn-n400-mnist-r2</c>): it stands for the name without the suffix, so a rerun
    /// appended later replaces the original while results.csv keeps both.
    /// </summary>
    public static IReadOnlyDictionary<string, ResultRow> Read(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null });
        if (!csv.Read() || !csv.ReadHeader())
            throw new ResultsFileException(path, 1, "empty file (expected a header line)");
        var header = csv.HeaderRecord!;
        foreach (var column in Required)
            if (!header.Contains(column))
                throw new ResultsFileException(path, 1, $"missing column '{column}' (header: {string.Join(",", header)})");
        var rows = new Dictionary<string, ResultRow>();
        while (csv.Read())
        {
            var line = csv.Parser.Row;
            string Text(string column) => header.Contains(column) ? csv.GetField(column)?.Trim() ?? "" : "";
            double? Number(string column)
            {
                var text = Text(column);
                if (text.Length == 0) return null;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                    ? v
                    : throw new ResultsFileException(path, line, $"column '{column}' is '{text}', not a number");
            }
            var runName = Text("name");
            if (runName.Length == 0) throw new ResultsFileException(path, line, "empty run name");
            var name = RunSets.Rerun().Replace(runName, "");
            rows[name] = new ResultRow(name, Text("command"), Text("commit"), (long?)Number("train_examples"), Number("train_seconds"),
                Number("total_seconds"), Number("accuracy_all_activity"), Number("accuracy_proportion"), Number("label_seconds"),
                Number("test_seconds")) { RunName = runName };
        }
        return rows;
    }
}

/// <summary>
/// The options of a recorded <c>fspinn train ...</c> command, as (key, value) pairs in order: <c>--set name=value</c> becomes
/// key <c>name</c>, any other option its own name (value: the words after it, space-joined). Paths and the thread count
/// (--data, --out, --threads, --checkpoint, --checkpoint-minutes) say nothing about the configuration and are left out.
/// </summary>
internal sealed record TrainOptions(IReadOnlyList<KeyValuePair<string, string>> Items)
{
    private static readonly HashSet<string> Ignored = ["--data", "--out", "--threads", "--checkpoint", "--checkpoint-minutes"];

    public static TrainOptions Parse(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var items = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < words.Length; i++)
        {
            if (!words[i].StartsWith("--", StringComparison.Ordinal)) continue;
            var option = words[i];
            var values = new List<string>();
            while (i + 1 < words.Length && !words[i + 1].StartsWith("--", StringComparison.Ordinal)) values.Add(words[++i]);
            if (Ignored.Contains(option)) continue;
            if (option == "--set")
            {
                foreach (var assignment in values)
                {
                    var eq = assignment.IndexOf('=', StringComparison.Ordinal);
                    items.Add(eq < 0 ? new(assignment, "") : new(assignment[..eq], assignment[(eq + 1)..]));
                }
            }
            else items.Add(new(option, string.Join(' ', values)));
        }
        return new TrainOptions(items);
    }

    public string? Get(string key) => Items.LastOrDefault(i => i.Key == key).Value;

    /// <summary>
    /// What this run sets differently from <paramref name="baseline"/>: changed or added options first
    /// (<c>--bits 8</c>, <c>update_interval=10</c>), then the baseline's options it does not have (<c>without w_inh_exc=120</c>).
    /// </summary>
    public string DifferencesFrom(TrainOptions baseline)
    {
        var mine = Items.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var theirs = baseline.Items.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var parts = new List<string>();
        foreach (var (key, value) in mine)
            if (!theirs.TryGetValue(key, out var other) || other != value) parts.Add(Show(key, value));
        foreach (var (key, value) in theirs)
            if (!mine.ContainsKey(key)) parts.Add("without " + Show(key, value));
        return parts.Count == 0 ? "same options" : string.Join("; ", parts);
    }

    private static string Show(string key, string value) =>
        key.StartsWith("--", StringComparison.Ordinal) ? (value.Length == 0 ? key : $"{key} {value}") : $"{key}={value}";
}

/// <summary>The run sets of issue #7, recognised by name.</summary>
internal static partial class RunSets
{
    public const string AblationBaseline = "size-bindsnet-n400-mnist";
    public const string AblationFull = "size-fspinn-n400-mnist";

    [GeneratedRegex(@"^size-(bindsnet|fspinn)-n(\d+)-(mnist|fashion)$")]
    public static partial Regex Size();

    [GeneratedRegex(@"-r\d+$")]
    public static partial Regex Rerun();

    [GeneratedRegex(@"^abl3-n400-.*$")]
    public static partial Regex Ablation();

    /// <summary><c>dc2015-nN-eE</c>, optionally with a variant suffix (<c>-fidelity</c>, <c>-emission-norest</c>, ...).</summary>
    [GeneratedRegex(@"^dc2015-n(\d+)-e(\d+)(?:-(?<variant>[a-z][a-z-]*))?$")]
    public static partial Regex Dc2015();

    /// <summary>Diehl &amp; Cook (2015), Table 1: the paper's test accuracy (%) by number of excitatory neurons.</summary>
    public static readonly IReadOnlyDictionary<int, double> Dc2015PaperAccuracy = new Dictionary<int, double>
    {
        [100] = 82.9,
        [400] = 87.0,
        [1600] = 91.9,
        [6400] = 95.0,
    };

    public static bool IsAblation(string name) => name is AblationBaseline or AblationFull || Ablation().IsMatch(name);

    public static bool IsInAnySet(string name) => Size().IsMatch(name) || IsAblation(name) || Dc2015().IsMatch(name);
}
