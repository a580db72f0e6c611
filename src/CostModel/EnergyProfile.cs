namespace FSpiNN.CostModel;

/// <summary>An action priced by an energy profile (Accelergy style: energy = Σ count × energy per action).</summary>
public enum EnergyAction
{
    /// <summary>An add; one synaptic event (binary spike × weight) is one accumulate.</summary>
    Accumulate,
    Multiply,
    MultiplyAccumulate,
    Compare,
    /// <summary>Decay and increment of one trace value (exponent/trace update).</summary>
    TraceUpdate,
    /// <summary>A read of a number of bits from a memory level.</summary>
    Read,
    /// <summary>A write of a number of bits to a memory level.</summary>
    Write,
    /// <summary>One uniform random number (stochastic rounding), e.g. a 32-bit xorshift step.</summary>
    RandomDraw,
}

/// <summary>Kind of a memory level.</summary>
public enum MemoryLevelKind
{
    RegisterFile,
    Sram,
    Dram,
}

/// <summary>A memory level. A null <see cref="CapacityBytes"/> means unbounded (DRAM).</summary>
public sealed record MemoryLevel(string Name, MemoryLevelKind Kind, long? CapacityBytes)
{
    public bool Holds(long bits) => CapacityBytes is not { } capacity || bits <= capacity * 8;
}

/// <summary>
/// One row of the energy reference table. Compute actions carry a <see cref="Format"/>; memory actions a <see cref="Level"/>.
/// A derived entry names its <see cref="Rule"/> and the measured entry it was derived <see cref="From"/>.
/// </summary>
public sealed record EnergyEntry(
    EnergyAction Action,
    int Bits,
    double Picojoules,
    NumberFormat? Format = null,
    string? Level = null,
    bool Derived = false,
    string? Rule = null,
    string? From = null,
    string? Source = null,
    double? RangeLowPicojoules = null,
    double? RangeHighPicojoules = null)
{
    public bool IsMemory => Action is EnergyAction.Read or EnergyAction.Write;

    /// <summary>Short label used in error messages and in <see cref="From"/>, e.g. <c>accumulate int8</c> or <c>read sram-8KB 64-bit</c>.</summary>
    public string Label => IsMemory
        ? $"{EnergyProfile.ActionName(Action)} {Level} {Bits}-bit"
        : $"{EnergyProfile.ActionName(Action)} {new Precision(Bits, Format ?? NumberFormat.Integer)}";
}

/// <summary>The price of one action as looked up: energy, and whether (and how) it was derived rather than measured.</summary>
public readonly record struct ActionEnergy(double Picojoules, bool Derived, string Rule);

/// <summary>
/// An energy reference table: compute actions per precision, memory reads/writes per level and access size, memory
/// levels with capacities, and optional pins of arrays to levels. Missing widths are derived on lookup with the rules in
/// <see cref="ScalingRules"/> (and flagged derived).
/// </summary>
public sealed class EnergyProfile
{
    private readonly Dictionary<string, string> _pins;

    public EnergyProfile(
        string name,
        IReadOnlyList<MemoryLevel> levels,
        IReadOnlyList<EnergyEntry> entries,
        IReadOnlyDictionary<string, string>? pins = null,
        double? technologyNodeNm = null,
        double? voltageVolts = null,
        string? source = null,
        string? notes = null)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(entries);
        Name = string.IsNullOrWhiteSpace(name) ? throw new InvalidEnergyProfileException("energy profile: field 'name' is empty") : name;
        Levels = [.. levels.OrderBy(level => level.CapacityBytes ?? long.MaxValue)];
        Entries = entries;
        _pins = pins is null ? [] : new Dictionary<string, string>(pins, StringComparer.Ordinal);
        TechnologyNodeNm = technologyNodeNm;
        VoltageVolts = voltageVolts;
        Source = source;
        Notes = notes;
        Validate();
    }

    /// <summary>
    /// Largest energy of one action, 1 mJ: about a million times a DRAM access. Larger values are typing errors, and
    /// would make the totals of a study overflow to infinity.
    /// </summary>
    public const double MaxPicojoules = 1e9;

    public string Name { get; }
    public double? TechnologyNodeNm { get; }
    public double? VoltageVolts { get; }
    public string? Source { get; }
    public string? Notes { get; }

    /// <summary>Levels in ascending capacity order, unbounded last.</summary>
    public IReadOnlyList<MemoryLevel> Levels { get; }
    public IReadOnlyList<EnergyEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Pins => _pins;

    /// <summary>The default 45 nm profile (Horowitz, ISSCC 2014), embedded from <c>profiles/horowitz-45nm.json</c>.</summary>
    public static EnergyProfile Default => EnergyProfileJson.Default;

    public MemoryLevel Level(string name) =>
        Levels.FirstOrDefault(level => level.Name == name)
        ?? throw new InvalidEnergyProfileException(
            $"energy profile '{Name}': unknown level '{name}'; known levels: {string.Join(", ", Levels.Select(l => l.Name))}");

    /// <summary>Energy of one compute action at <paramref name="precision"/>: the table's entry, else derived (<see cref="ScalingRules"/>).</summary>
    public ActionEnergy Operation(EnergyAction action, Precision precision)
    {
        if (action is EnergyAction.Read or EnergyAction.Write)
            throw new ArgumentException($"{action} is a memory action; use {nameof(MemoryAccess)}", nameof(action));
        var exact = Entries.FirstOrDefault(e => e.Action == action && e.Format == precision.Format && e.Bits == precision.Bits);
        if (exact is not null)
            return new(exact.Picojoules, exact.Derived, exact.Derived ? $"{exact.Rule} from {exact.From}" : "measured");
        switch (action)
        {
            case EnergyAction.MultiplyAccumulate:
            case EnergyAction.TraceUpdate:
            {
                var multiply = Operation(EnergyAction.Multiply, precision);
                var add = Operation(EnergyAction.Accumulate, precision);
                string rule = action == EnergyAction.MultiplyAccumulate ? ScalingRules.MacIsMultiplyPlusAdd : ScalingRules.TraceIsMultiplyPlusAdd;
                return new(multiply.Picojoules + add.Picojoules, true, $"{rule} at {precision}");
            }
            case EnergyAction.Compare:
                return new(Operation(EnergyAction.Accumulate, precision).Picojoules, true, $"{ScalingRules.CompareIsAdd} at {precision}");
            case EnergyAction.RandomDraw:
            {
                var integer = precision with { Format = NumberFormat.Integer };
                return new(ScalingRules.XorshiftOperations * Operation(EnergyAction.Accumulate, integer).Picojoules, true,
                    $"{ScalingRules.RandomIsXorshift} at {integer}");
            }
            default:
            {
                var sameKind = Entries.Where(e => e.Action == action && e.Format == precision.Format).ToList();
                var measured = Nearest(sameKind.Where(e => !e.Derived), precision.Bits) ?? Nearest(sameKind, precision.Bits)
                    ?? throw new InvalidEnergyProfileException(
                        $"energy profile '{Name}': no '{ActionName(action)}' entry for format {FormatName(precision.Format)} to derive {precision} from");
                string rule = action == EnergyAction.Multiply ? ScalingRules.MultiplyQuadraticInBits : ScalingRules.AddLinearInBits;
                return new(ScalingRules.Apply(rule, measured.Picojoules, measured.Bits, precision.Bits), true, $"{rule} from {measured.Label}");
            }
        }
    }

    /// <summary>Energy of one read or write of <paramref name="bits"/> bits at <paramref name="level"/>.</summary>
    public ActionEnergy MemoryAccess(EnergyAction action, string level, int bits)
    {
        if (action is not (EnergyAction.Read or EnergyAction.Write))
            throw new ArgumentException($"{action} is not a memory action", nameof(action));
        Level(level);
        var atLevel = Entries.Where(e => e.Action == action && e.Level == level).ToList();
        var exact = atLevel.FirstOrDefault(e => e.Bits == bits);
        if (exact is not null)
            return new(exact.Picojoules, exact.Derived, exact.Derived ? $"{exact.Rule} from {exact.From}" : "measured");
        var measured = Nearest(atLevel.Where(e => !e.Derived), bits) ?? Nearest(atLevel, bits);
        if (measured is not null)
            return new(ScalingRules.Apply(ScalingRules.MemoryLinearInBits, measured.Picojoules, measured.Bits, bits), true,
                $"{ScalingRules.MemoryLinearInBits} from {measured.Label}");
        if (action == EnergyAction.Write)
        {
            var read = MemoryAccess(EnergyAction.Read, level, bits);
            return new(read.Picojoules, true, $"{ScalingRules.WriteEqualsRead} ({read.Rule})");
        }
        throw new InvalidEnergyProfileException($"energy profile '{Name}': level '{level}' has no 'read' entry to derive a {bits}-bit read from");
    }

    /// <summary>The level an array of <paramref name="bits"/> bits goes to: its pin if the profile pins it, else the smallest level that holds it.</summary>
    public MemoryLevel Place(string arrayName, long bits)
    {
        if (_pins.TryGetValue(arrayName, out var pinned))
            return Level(pinned);
        return Levels.FirstOrDefault(level => level.Holds(bits))
            ?? throw new CostModelException(
                $"energy profile '{Name}': array '{arrayName}' ({bits / 8.0:0} bytes) fits no memory level; the largest holds {Levels[^1].CapacityBytes} bytes; add an unbounded level (capacityBytes: null) or pin the array");
    }

    internal static string ActionName(EnergyAction action) => action switch
    {
        EnergyAction.Accumulate => "accumulate",
        EnergyAction.Multiply => "multiply",
        EnergyAction.MultiplyAccumulate => "multiply-accumulate",
        EnergyAction.Compare => "compare",
        EnergyAction.TraceUpdate => "trace-update",
        EnergyAction.Read => "read",
        EnergyAction.Write => "write",
        EnergyAction.RandomDraw => "random",
        _ => action.ToString(),
    };

    internal static string FormatName(NumberFormat format) => format == NumberFormat.Float ? "float" : "int";

    private static EnergyEntry? Nearest(IEnumerable<EnergyEntry> candidates, int bits) =>
        candidates.OrderBy(e => Math.Abs(e.Bits - bits)).ThenByDescending(e => e.Bits).FirstOrDefault();

    private void Validate()
    {
        if (Levels.Count == 0)
            throw new InvalidEnergyProfileException($"energy profile '{Name}': no memory levels");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var level in Levels)
        {
            if (string.IsNullOrWhiteSpace(level.Name) || !names.Add(level.Name))
                throw new InvalidEnergyProfileException($"energy profile '{Name}': level name '{level.Name}' is empty or used twice");
            if (level.CapacityBytes is <= 0)
                throw new InvalidEnergyProfileException($"energy profile '{Name}': level '{level.Name}': capacityBytes must be > 0 or null (unbounded), got {level.CapacityBytes}");
        }
        var firstIndex = new Dictionary<(EnergyAction, NumberFormat?, int, string?), int>();
        for (int i = 0; i < Entries.Count; i++)
        {
            var entry = Entries[i];
            string where = $"energy profile '{Name}': entries[{i}] ({entry.Label})";
            if (!double.IsFinite(entry.Picojoules) || entry.Picojoules is < 0 or > MaxPicojoules)
                throw new InvalidEnergyProfileException($"{where}: field 'pj' must be an energy in [0, {MaxPicojoules:G}] pJ, got {entry.Picojoules}");
            if (entry.RangeHighPicojoules is > MaxPicojoules)
                throw new InvalidEnergyProfileException($"{where}: field 'rangePj' must be within [0, {MaxPicojoules:G}] pJ, got {entry.RangeHighPicojoules}");
            if (!firstIndex.TryAdd((entry.Action, entry.Format, entry.Bits, entry.Level), i))
                throw new InvalidEnergyProfileException($"{where}: the same action as entries[{firstIndex[(entry.Action, entry.Format, entry.Bits, entry.Level)]}]; give each action, precision and level once");
            if (entry.Bits is < 1 or > 4096)
                throw new InvalidEnergyProfileException($"{where}: field 'bits' must be 1..4096, got {entry.Bits}");
            if (entry.IsMemory && (entry.Level is null || !names.Contains(entry.Level)))
                throw new InvalidEnergyProfileException($"{where}: unknown level '{entry.Level}'; known levels: {string.Join(", ", names)}");
            if (!entry.IsMemory && entry.Format is null)
                throw new InvalidEnergyProfileException($"{where}: field 'format' is missing (int or float)");
            if (entry.Derived && string.IsNullOrWhiteSpace(entry.Rule))
                throw new InvalidEnergyProfileException($"{where}: a derived entry must name its 'rule'");
        }
        foreach (var (array, level) in _pins)
        {
            if (!MemoryModel.IsComponentName(array))
                throw new InvalidEnergyProfileException($"energy profile '{Name}': pin '{array}' names no memory component; names are "
                    + $"{MemoryModel.WeightsName("PRE->POST")}, {MemoryModel.StateName("POP")}, {MemoryModel.TracesName("POP")}, {MemoryModel.BufferName("NAME")} or {MemoryModel.AssignmentsName} (see 'fspinn cost')");
            if (!names.Contains(level))
                throw new InvalidEnergyProfileException($"energy profile '{Name}': pin '{array}': unknown level '{level}'; known levels: {string.Join(", ", names)}");
        }
    }
}

/// <summary>The documented rules used to derive energies for widths a profile does not list (docs/cost-model.md).</summary>
public static class ScalingRules
{
    /// <summary>Adder energy ∝ bits (ripple/carry-lookahead adders grow linearly).</summary>
    public const string AddLinearInBits = "add-linear-in-bits";
    /// <summary>Multiplier energy ∝ bits² (array multiplier: bits² partial products).</summary>
    public const string MultiplyQuadraticInBits = "multiply-quadratic-in-bits";
    /// <summary>Memory access energy ∝ bits accessed (same array, narrower/wider word).</summary>
    public const string MemoryLinearInBits = "memory-linear-in-bits";
    /// <summary>SRAM access energy ∝ √capacity (bit-line/word-line length), used to derive the register file from the 8 KB SRAM.</summary>
    public const string SramSqrtCapacity = "sram-sqrt-capacity";
    /// <summary>A write costs what a read of the same size at the same level costs (Horowitz gives reads only).</summary>
    public const string WriteEqualsRead = "write-equals-read";
    public const string MacIsMultiplyPlusAdd = "mac = multiply + add";
    public const string TraceIsMultiplyPlusAdd = "trace-update = multiply (decay) + add (increment)";
    public const string CompareIsAdd = "compare = add";
    /// <summary>A uniform draw of a xorshift generator: 3 shifts and 3 xors, each priced as an integer add of the draw's width.</summary>
    public const string RandomIsXorshift = "random = xorshift (3 shifts + 3 xors, each an add)";
    public const int XorshiftOperations = 6;

    /// <summary>Energy at <paramref name="bits"/> derived from a base entry of <paramref name="baseBits"/> by a width rule.</summary>
    public static double Apply(string rule, double basePicojoules, int baseBits, int bits)
    {
        double ratio = (double)bits / baseBits;
        return rule switch
        {
            AddLinearInBits or MemoryLinearInBits => basePicojoules * ratio,
            MultiplyQuadraticInBits => basePicojoules * ratio * ratio,
            WriteEqualsRead => basePicojoules,
            _ => throw new ArgumentException($"'{rule}' is not a width scaling rule", nameof(rule)),
        };
    }

    /// <summary>SRAM access energy of a level of <paramref name="capacityBytes"/> from one of <paramref name="baseCapacityBytes"/>.</summary>
    public static double SramByCapacity(double basePicojoules, long baseCapacityBytes, long capacityBytes) =>
        basePicojoules * Math.Sqrt((double)capacityBytes / baseCapacityBytes);
}
