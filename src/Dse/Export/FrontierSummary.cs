using System.Globalization;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Study;

namespace FSpiNN.Dse.Export;

/// <summary>A console-sized table: header cells, row cells, and what the table leaves out.</summary>
public sealed record SummaryTable(
    IReadOnlyList<string> Headers,
    IReadOnlyList<IReadOnlyList<string>> Rows,
    IReadOnlyList<string> FixedParameters,
    IReadOnlyList<string> Abbreviations,
    int CompletedTrials,
    string Caption);

/// <summary>
/// Compact text for trials: only the parameters that vary in the study's space (fixed ones are listed once), short
/// column names, 3-significant-digit units. Used by the console table and the per-trial progress lines.
/// </summary>
public static class FrontierSummary
{
    /// <summary>Rows shown when there are more completed trials (frontier first).</summary>
    public const int DefaultMaxRows = 15;

    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.Ordinal)
    {
        ["network"] = "net", ["neurons"] = "N", ["bits"] = "bits", ["rounding"] = "rnd", ["quantize"] = "quant",
        ["stdp"] = "stdp", ["update_interval"] = "T_u", ["adaptive_potentiation"] = "adapt", ["inhibition"] = "inh",
        ["w_inh"] = "w_inh", ["presentation_ms"] = "t_ms", [SearchSpace.TrainSamplesName] = "samples",
    };

    public static string ShortName(string parameter) => ShortNames.GetValueOrDefault(parameter, parameter);

    /// <summary>
    /// The space's parameters split into varying (in space order) and fixed (name=value). A halving strategy runs
    /// candidates at several train_samples (its rungs) even when the space gives one value: that column varies.
    /// </summary>
    public static (IReadOnlyList<string> Varying, IReadOnlyList<string> Fixed) Parameters(StudyDefinition definition)
    {
        var space = SearchSpace.Parse(definition.SpaceJson, definition.SpaceName);
        var rungs = definition.Strategy is "halving" or "tpe-halving";
        bool Varies(Dimension d) => d.Count != 1 || rungs && d.Name == SearchSpace.TrainSamplesName;
        var varying = space.Dimensions.Where(Varies).Select(d => d.Name).ToList();
        var fixedValues = space.Dimensions.Where(d => !Varies(d)).Select(d => $"{d.Name}={Value(d.Choices[0])}").ToList();
        return (varying, fixedValues);
    }

    /// <summary>"net=fspinn N=400 bits=8" over the given parameters.</summary>
    public static string Describe(Candidate candidate, IEnumerable<string> parameters) =>
        string.Join(' ', parameters.Select(p => $"{ShortName(p)}={(candidate.TryGet(p, out var v) ? Value(v) : "-")}"));

    public static string Value(ParameterValue v) => v.Kind == ParameterKind.Bool ? (v.AsBool ? "yes" : "no") : v.ToString();

    public static string Accuracy(double? accuracy) => accuracy is { } a ? (a * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>A trial's accuracy, with "± half the 95 % interval" (points) when it was measured with replicates.</summary>
    public static string Accuracy(TrialRecord t) =>
        t.AccuracyReplicates is { Count: > 1 } r ? Statistics.ReplicateEvaluation.Format(r) : Accuracy(t.Accuracy);

    public static string Bytes(double? bytes) => bytes is { } b ? Scaled(b, 1024, ["B", "KiB", "MiB", "GiB", "TiB"]) : "-";

    public static string Joules(double? joules)
    {
        if (joules is not { } j) return "-";
        if (j == 0) return "0 J";
        string[] units = ["pJ", "nJ", "µJ", "mJ", "J"];
        var exponent = Math.Clamp((int)Math.Floor(Math.Log10(Math.Abs(j)) / 3) + 4, 0, units.Length - 1);
        return Significant(j / Math.Pow(1000, exponent - 4)) + " " + units[exponent];
    }

    public static string Duration(TimeSpan t) => t.TotalSeconds switch
    {
        < 60 => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        < 3600 => $"{(int)t.TotalMinutes}m{t.Seconds:00}s",
        _ => $"{(int)t.TotalHours}h{t.Minutes:00}m",
    };

    /// <summary>"error 1, memory 200 KiB, E_train 182 µJ": a hypervolume reference point in the study's objective order.</summary>
    public static string Reference(StudyDefinition definition, IReadOnlyList<double> reference) =>
        string.Join(", ", definition.Objectives.Select((o, i) => o switch
        {
            Objective.Accuracy => $"error {reference[i].ToString(CultureInfo.InvariantCulture)}",
            Objective.Memory => $"memory {Bytes(reference[i])}",
            Objective.TrainEnergy => $"E_train {Joules(reference[i])}",
            _ => $"E_inf {Joules(reference[i])}",
        }));

    /// <summary>The energy columns: the energy objectives, or train + inference as one column when neither is an objective.</summary>
    public static IReadOnlyList<(string Header, Func<TrialRecord, double?> Value)> EnergyColumns(StudyDefinition definition)
    {
        var columns = new List<(string, Func<TrialRecord, double?>)>();
        if (definition.Objectives.Contains(Objective.TrainEnergy)) columns.Add(("E_train", t => t.TrainEnergyJoules));
        if (definition.Objectives.Contains(Objective.InferenceEnergy)) columns.Add(("E_inf", t => t.InferenceEnergyJoules));
        if (columns.Count == 0) columns.Add(("E", t => t.TrainEnergyJoules + t.InferenceEnergyJoules));
        return columns;
    }

    /// <summary>One line for a finished trial: number, varying parameters, accuracy, memory, energies, duration (or why it has no result).</summary>
    public static string TrialLine(StudyDefinition definition, IReadOnlyList<string> varying, TrialRecord t, bool withDuration = true)
    {
        var head = $"trial {t.Number} {Describe(t.Candidate, varying)}";
        return t.Status switch
        {
            TrialStatus.Complete => $"{head}  acc {Accuracy(t)}  mem {Bytes(t.MemoryBytes)}  "
                + string.Join("  ", EnergyColumns(definition).Select(c => $"{c.Header} {Joules(c.Value(t))}"))
                + (withDuration ? $"  {Duration(TimeSpan.FromSeconds(t.DurationSeconds ?? 0))}" : "")
                + (t.Error is { } note ? $"  ({note})" : ""),
            TrialStatus.Skipped => $"{head}  skipped: memory {Bytes(t.MemoryBytes)} is over the budget",
            _ => $"{head}  {t.Status.ToString().ToLowerInvariant()}: {t.Error}",
        };
    }

    /// <summary>
    /// The completed trials ranked best first (highest train_samples first, then feasible before infeasible, then
    /// non-dominated rank, then accuracy): all of them when at most <paramref name="maxRows"/>, else the first
    /// <paramref name="maxRows"/> (the recommended trial is always kept). Columns: trial (* = recommended), the varying
    /// parameters, accuracy, memory, the energy columns, rank (0 = Pareto frontier, "out" = violates a budget).
    /// </summary>
    public static SummaryTable Build(StudyReport report, int maxRows = DefaultMaxRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var definition = report.Definition;
        var (varying, fixedValues) = Parameters(definition);
        var energies = EnergyColumns(definition);
        var recommended = report.Recommendation?.Trial.Number;
        var ranked = report.Rows.Where(r => r.Trial.Status == TrialStatus.Complete)
            .OrderByDescending(r => r.Trial.TrainSamples).ThenByDescending(r => r.Feasible).ThenBy(r => r.Rank ?? int.MaxValue)
            .ThenByDescending(r => r.Trial.Accuracy).ThenBy(r => r.Trial.Number).ToList();
        var shown = ranked.Take(maxRows).ToList();
        if (recommended is { } rec && shown.All(r => r.Trial.Number != rec))
        {
            shown[^1] = ranked.First(r => r.Trial.Number == rec);
            shown = [.. ranked.Where(shown.Contains)];
        }
        var headers = new List<string> { "trial" };
        headers.AddRange(varying.Select(ShortName));
        headers.AddRange(["acc", "mem"]);
        headers.AddRange(energies.Select(e => e.Header));
        headers.Add("rank");
        var rows = shown.Select(r =>
        {
            var t = r.Trial;
            var cells = new List<string> { t.Number.ToString(CultureInfo.InvariantCulture) + (t.Number == recommended ? "*" : "") };
            cells.AddRange(varying.Select(p => t.Candidate.TryGet(p, out var v) ? Value(v) : "-"));
            cells.AddRange([Accuracy(t), Bytes(t.MemoryBytes)]);
            cells.AddRange(energies.Select(e => Joules(e.Value(t))));
            cells.Add(r.Feasible ? (r.Rank ?? 0).ToString(CultureInfo.InvariantCulture) : "out");
            return (IReadOnlyList<string>)cells;
        }).ToList();
        var frontier = report.Frontier.Count();
        var caption = (shown.Count < ranked.Count
                ? $"showing the best {shown.Count} of {ranked.Count} completed trials ({frontier} on the frontier)"
                : $"{ranked.Count} completed trials ({frontier} on the frontier)")
            + "; * = recommended, rank 0 = Pareto frontier, out = violates a budget";
        var abbreviations = varying.Where(p => ShortName(p) != p).Select(p => $"{ShortName(p)}={p}").ToList();
        return new SummaryTable(headers, rows, fixedValues, abbreviations, ranked.Count, caption);
    }

    private static string Scaled(double value, double step, string[] units)
    {
        var i = 0;
        while (Math.Abs(value) >= step && i < units.Length - 1)
        {
            value /= step;
            i++;
        }
        return (i == 0 ? value.ToString("0", CultureInfo.InvariantCulture) : Significant(value)) + " " + units[i];
    }

    /// <summary>3 significant digits: 1.23, 12.3, 123.</summary>
    private static string Significant(double v) => Math.Abs(v) switch
    {
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
