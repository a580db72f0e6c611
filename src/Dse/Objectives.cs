using System.Globalization;

namespace FSpiNN.Dse;

/// <summary>What the study can optimise: the quantities every evaluation measures. Accuracy is maximised; the others are minimised.</summary>
public enum Objective { Accuracy, Memory, TrainEnergy, InferenceEnergy }

public enum ObjectiveDirection { Minimize, Maximize }

/// <summary>An objective as a study definition stores it (as Optuna stores a study's directions): name, direction, unit.</summary>
public readonly record struct ObjectiveSpec(string Name, ObjectiveDirection Direction, string Unit);

public static class Objectives
{
    public static ObjectiveSpec Spec(Objective objective) => objective switch
    {
        Objective.Accuracy => new(Name(objective), ObjectiveDirection.Maximize, "fraction"),
        Objective.Memory => new(Name(objective), ObjectiveDirection.Minimize, "B"),
        _ => new(Name(objective), ObjectiveDirection.Minimize, "J"),
    };

    /// <summary>
    /// The name a measurement is kept under when it is not one of the study's objectives (a trial's metrics, the
    /// frontier CSV's column): accuracy, memory_bytes, train_energy_j, inference_energy_j.
    /// </summary>
    public static string MetricName(Objective objective) => objective switch
    {
        Objective.Accuracy => "accuracy",
        Objective.Memory => "memory_bytes",
        Objective.TrainEnergy => "train_energy_j",
        _ => "inference_energy_j",
    };

    /// <summary>The measured value of an objective, in its unit and direction (accuracy as a fraction, bytes, joules).</summary>
    public static double Measure(Objective objective, EvaluationResult r) => objective switch
    {
        Objective.Accuracy => r.Accuracy,
        Objective.Memory => r.MemoryBytes,
        Objective.TrainEnergy => r.TrainEnergyJoules,
        _ => r.InferenceEnergyJoules,
    };

    public static string Name(Objective objective) => objective switch
    {
        Objective.Accuracy => "accuracy",
        Objective.Memory => "memory",
        Objective.TrainEnergy => "train-energy",
        _ => "inference-energy",
    };

    /// <summary>Parses `accuracy,memory,train-energy` (order kept, duplicates refused).</summary>
    public static IReadOnlyList<Objective> Parse(string text)
    {
        var result = new List<Objective>();
        foreach (var raw in Units.SplitList(text, "objectives"))
        {
            Objective o = raw.ToLowerInvariant() switch
            {
                "accuracy" or "acc" => Objective.Accuracy,
                "memory" or "mem" => Objective.Memory,
                "train-energy" or "train_energy" or "training-energy" => Objective.TrainEnergy,
                "inference-energy" or "inference_energy" or "energy" => Objective.InferenceEnergy,
                _ => throw new FormatException($"unknown objective '{raw}'{Shared.NearestName.Hint(raw, ["accuracy", "memory", "train-energy", "inference-energy"])} (expected accuracy, memory, train-energy, inference-energy)"),
            };
            if (result.Contains(o)) throw new FormatException($"objective '{raw}' is listed twice");
            result.Add(o);
        }
        if (result.Count == 0) throw new FormatException("give at least one objective");
        return result;
    }

    /// <summary>
    /// The minimisation value of an objective: a minimised one as measured, a maximised one (a fraction in [0, 1]:
    /// accuracy) as its shortfall from 1 (the error), so that Pareto ranks and hypervolumes use one direction.
    /// </summary>
    public static double Minimised(Objective objective, double value) =>
        Spec(objective).Direction == ObjectiveDirection.Maximize ? 1 - value : value;

    public static double Minimised(Objective objective, EvaluationResult r) => Minimised(objective, Measure(objective, r));
}

/// <summary>
/// Constraints. The energy budget bounds the sum of the energies that are objectives (train and/or inference);
/// if no energy is an objective it bounds train + inference energy.
/// </summary>
public readonly record struct Budgets(double? MemoryBytes = null, double? EnergyJoules = null, double? MinAccuracy = null)
{
    public bool Any => MemoryBytes is not null || EnergyJoules is not null || MinAccuracy is not null;

    public static double ConstrainedEnergy(IReadOnlyList<Objective> objectives, EvaluationResult r)
    {
        var train = objectives.Contains(Objective.TrainEnergy);
        var inference = objectives.Contains(Objective.InferenceEnergy);
        if (!train && !inference) return r.TrainEnergyJoules + r.InferenceEnergyJoules;
        return (train ? r.TrainEnergyJoules : 0) + (inference ? r.InferenceEnergyJoules : 0);
    }

    /// <summary>Relative excess over the memory budget (0 if within it).</summary>
    public double MemoryViolation(double memoryBytes) => MemoryBytes is { } m ? Math.Max(0, memoryBytes / m - 1) : 0;

    /// <summary>Per-constraint violations (relative excess for memory/energy, absolute shortfall for accuracy).</summary>
    public (double Memory, double Energy, double Accuracy) Violations(IReadOnlyList<Objective> objectives, EvaluationResult r) => (
        MemoryViolation(r.MemoryBytes),
        EnergyJoules is { } e ? Math.Max(0, ConstrainedEnergy(objectives, r) / e - 1) : 0,
        MinAccuracy is { } a ? Math.Max(0, a - r.Accuracy) : 0);
}

/// <summary>Parses and prints budgets with units.</summary>
public static class Units
{
    private static readonly (string Suffix, double Factor)[] ByteUnits =
    [
        ("KiB", 1024d), ("MiB", 1024d * 1024), ("GiB", 1024d * 1024 * 1024), ("TiB", 1024d * 1024 * 1024 * 1024),
        ("KB", 1e3), ("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ];

    private static readonly (string Suffix, double Factor)[] EnergyUnits =
    [
        ("mJ", 1e-3), ("uJ", 1e-6), ("µJ", 1e-6), ("μJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12), ("kJ", 1e3), ("J", 1),
    ];

    /// <summary>
    /// The one syntax of every list option: items separated by commas, spaces around an item ignored, no empty item
    /// ("10,25,50", "accuracy, memory").
    /// </summary>
    public static IReadOnlyList<string> SplitList(string text, string what)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(item => item.Length == 0))
            throw new FormatException($"{what} '{text}' has an empty item; separate the items by single commas, e.g. 10,25,50");
        return items;
    }

    /// <summary>
    /// A comma list of plain numbers (<see cref="SplitList"/>), each in the invariant culture: a point for decimals, an
    /// optional exponent, never a thousands separator, so "10,25" is the two numbers 10 and 25.
    /// </summary>
    public static double[] ParseNumberList(string text, string what) =>
    [
        .. SplitList(text, what).Select(item =>
            double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? value
                : throw new FormatException($"{what}: '{item}' is not a number (decimals take a point, items are separated by commas: 10,25.5,50)")),
    ];

    /// <summary>`512KiB`, `1.5 MB`, `2048` (bytes). Decimal (KB = 1000) and binary (KiB = 1024) prefixes.</summary>
    public static double ParseBytes(string text) => Parse(text, ByteUnits, "memory", "B, KB, KiB, MB, MiB, GB, GiB", allowBare: true);

    /// <summary>`2mJ`, `350 uJ`, `1.2J`. A unit is required.</summary>
    public static double ParseJoules(string text) => Parse(text, EnergyUnits, "energy", "J, mJ, uJ (µJ), nJ, pJ", allowBare: false);

    /// <summary>`0.8` or `80%`, in [0, 1].</summary>
    public static double ParseAccuracy(string text)
    {
        var t = text.Trim();
        var percent = t.EndsWith('%');
        if (percent) t = t[..^1].Trim();
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new FormatException($"accuracy '{text}' is not a number (use 0.8 or 80%)");
        if (percent) value /= 100;
        if (value is < 0 or > 1) throw new FormatException($"accuracy '{text}' must be within 0..1 (or 0%..100%)");
        return value;
    }

    private static double Parse(string text, (string Suffix, double Factor)[] units, string what, string known, bool allowBare)
    {
        var t = text.Trim();
        foreach (var (suffix, factor) in units)
        {
            if (!t.EndsWith(suffix, StringComparison.Ordinal)) continue;
            return Positive(t[..^suffix.Length].Trim(), factor);
        }
        if (allowBare) return Positive(t, 1);
        throw new FormatException($"{what} '{text}' needs a unit ({known})");

        double Positive(string number, double factor)
        {
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new FormatException($"{what} '{text}' is not a number followed by a unit ({known})");
            if (v <= 0) throw new FormatException($"{what} '{text}' must be > 0");
            return v * factor;
        }
    }

    public static string FormatBytes(double bytes) => bytes switch
    {
        >= 1024d * 1024 * 1024 => $"{bytes / (1024d * 1024 * 1024):0.##} GiB",
        >= 1024d * 1024 => $"{bytes / (1024d * 1024):0.##} MiB",
        >= 1024 => $"{bytes / 1024:0.##} KiB",
        _ => $"{bytes:0} B",
    };

    public static string FormatJoules(double joules) => Math.Abs(joules) switch
    {
        >= 1 => $"{joules:0.###} J",
        >= 1e-3 => $"{joules * 1e3:0.###} mJ",
        >= 1e-6 => $"{joules * 1e6:0.###} µJ",
        >= 1e-9 => $"{joules * 1e9:0.###} nJ",
        0 => "0 J",
        _ => $"{joules * 1e12:0.###} pJ",
    };
}
