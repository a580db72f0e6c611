using System.Text.Json.Nodes;

namespace FSpiNN.Dse.Space;

/// <summary>How a dimension of the search space takes its values.</summary>
public enum DimensionKind { Fixed, Choice, IntRange, FloatRange }

/// <summary>Part of a conditional parameter's <c>when</c>: the earlier parameter <paramref name="Parameter"/> holds one of <paramref name="Values"/>.</summary>
public sealed record DimensionCondition(string Parameter, IReadOnlyList<ParameterValue> Values)
{
    /// <summary>True when <paramref name="value"/> is one of the values (numbers compare by value, so 8 matches 8.0).</summary>
    public bool Accepts(ParameterValue value) =>
        Values.Any(v => v == value || (v.IsNumeric && value.IsNumeric && v.AsDouble.Equals(value.AsDouble)));
}

/// <summary>
/// One searched (or fixed) parameter. For evolutionary strategies each non-fixed dimension is also a gene:
/// a real number in [<see cref="GeneLower"/>, <see cref="GeneUpper"/>] decoded by <see cref="Decode"/>
/// (choice index for choices, the value or its logarithm for ranges).
/// </summary>
public sealed class Dimension
{
    private Dimension(string name, DimensionKind kind, IReadOnlyList<ParameterValue> choices, double min, double max, double? step, bool log,
        IReadOnlyList<DimensionCondition>? when = null)
    {
        When = when ?? [];
        Name = name;
        Kind = kind;
        Choices = choices;
        Min = min;
        Max = max;
        Step = step;
        Log = log;
    }

    public string Name { get; }
    public DimensionKind Kind { get; }
    /// <summary>The choices (Choice) or the single value (Fixed); empty for ranges.</summary>
    public IReadOnlyList<ParameterValue> Choices { get; }
    public double Min { get; }
    public double Max { get; }
    public double? Step { get; }
    public bool Log { get; }

    /// <summary>
    /// A conditional parameter exists only when every condition holds (each names an earlier parameter and the values
    /// that switch this one on); otherwise a candidate does not carry it and the evaluator's default applies.
    /// Empty = always present.
    /// </summary>
    public IReadOnlyList<DimensionCondition> When { get; }

    public bool IsConditional => When.Count > 0;

    /// <summary>This dimension, present only when <paramref name="when"/> holds (a fixed value cannot be conditional).</summary>
    public Dimension OnlyWhen(IReadOnlyList<DimensionCondition> when)
    {
        if (Kind == DimensionKind.Fixed && when.Count > 0) throw new SpaceFormatException($"parameter '{Name}': a fixed value cannot have 'when' (give it as a list of one choice)");
        return new(Name, Kind, Choices, Min, Max, Step, Log, when);
    }

    /// <summary>Whether the parameter is present, given the values already chosen for the earlier parameters (absent ones make it absent).</summary>
    public bool IsActive(IReadOnlyDictionary<string, ParameterValue> earlier)
    {
        foreach (var condition in When)
        {
            if (!earlier.TryGetValue(condition.Parameter, out var value) || !condition.Accepts(value)) return false;
        }
        return true;
    }

    public static Dimension Fixed(string name, ParameterValue value) => new(name, DimensionKind.Fixed, [value], 0, 0, null, false);

    public static Dimension Choice(string name, IReadOnlyList<ParameterValue> choices)
    {
        if (choices.Count == 0) throw new SpaceFormatException($"parameter '{name}': the list of choices is empty");
        var duplicate = choices.GroupBy(c => c.ToString()).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new SpaceFormatException($"parameter '{name}': choice {duplicate.Key} is listed twice");
        return new(name, DimensionKind.Choice, choices.ToArray(), 0, choices.Count - 1, null, false);
    }

    public static Dimension Range(string name, bool isInt, double min, double max, double? step, bool log)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) throw new SpaceFormatException($"parameter '{name}': range bounds must be finite numbers");
        if (min > max) throw new SpaceFormatException($"parameter '{name}': empty range, min {min} > max {max}");
        if (step is { } s && (!(s > 0) || !double.IsFinite(s))) throw new SpaceFormatException($"parameter '{name}': step must be > 0, got {s}");
        if (log && min <= 0) throw new SpaceFormatException($"parameter '{name}': a log range needs min > 0, got {min}");
        if (log && step is not null) throw new SpaceFormatException($"parameter '{name}': give either 'step' or 'log', not both");
        if (isInt && (min != Math.Floor(min) || max != Math.Floor(max) || (step is { } st && st != Math.Floor(st))))
            throw new SpaceFormatException($"parameter '{name}': an int range needs integer min, max and step");
        const double exactInts = 1L << 53; // beyond, doubles skip integers and casts to long overflow
        if (isInt && (Math.Abs(min) > exactInts || Math.Abs(max) > exactInts || step > exactInts))
            throw new SpaceFormatException($"parameter '{name}': int range bounds must be within ±2^53");
        return new(name, isInt ? DimensionKind.IntRange : DimensionKind.FloatRange, [], min, max, step, log);
    }

    /// <summary>True when the dimension takes finitely many values (grid-enumerable).</summary>
    public bool IsFinite => Kind != DimensionKind.FloatRange || Step is not null;

    /// <summary>Number of values (saturating at long.MaxValue); infinite float ranges report long.MaxValue.</summary>
    public long Count => Kind switch
    {
        DimensionKind.Fixed => 1,
        DimensionKind.Choice => Choices.Count,
        DimensionKind.IntRange => (long)Math.Floor((Max - Min) / (Step ?? 1) + 1e-9) + 1,
        _ => Step is { } s ? (long)Math.Floor((Max - Min) / s + 1e-9) + 1 : long.MaxValue,
    };

    /// <summary>The index-th value of a finite dimension.</summary>
    public ParameterValue ValueAt(long index) => Kind switch
    {
        DimensionKind.Fixed or DimensionKind.Choice => Choices[(int)index],
        DimensionKind.IntRange => ParameterValue.Of((long)Min + index * (long)(Step ?? 1)),
        _ when Step is { } s => ParameterValue.Of(Math.Round(Min + index * s, 12)),
        _ => throw new InvalidOperationException($"parameter '{Name}' is a continuous range: it has no finite list of values"),
    };

    public IEnumerable<ParameterValue> Values()
    {
        for (long i = 0; i < Count; i++) yield return ValueAt(i);
    }

    /// <summary>Categorical genes (choices that are not all numbers) are recombined uniformly and mutated by resampling.</summary>
    public bool IsCategorical => Kind == DimensionKind.Choice && !Choices.All(c => c.IsNumeric);

    public double GeneLower => Kind switch
    {
        DimensionKind.Fixed => 0,
        DimensionKind.Choice => 0,
        _ => Log ? Math.Log(Min) : Min,
    };

    public double GeneUpper => Kind switch
    {
        DimensionKind.Fixed => 0,
        DimensionKind.Choice => Choices.Count - 1,
        _ => Log ? Math.Log(Max) : Max,
    };

    /// <summary>Maps a gene to a legal value (rounding and clamping as needed).</summary>
    public ParameterValue Decode(double gene)
    {
        gene = Math.Clamp(gene, GeneLower, GeneUpper);
        switch (Kind)
        {
            case DimensionKind.Fixed: return Choices[0];
            case DimensionKind.Choice: return Choices[(int)Math.Round(gene, MidpointRounding.AwayFromZero)];
        }
        var x = Log ? Math.Exp(gene) : gene;
        if (Step is { } s) x = Min + Math.Round((x - Min) / s, MidpointRounding.AwayFromZero) * s;
        x = Math.Clamp(x, Min, Max);
        return Kind == DimensionKind.IntRange
            ? ParameterValue.Of((long)Math.Clamp(Math.Round(x, MidpointRounding.AwayFromZero), Min, Max))
            : ParameterValue.Of(Step is null ? x : Math.Round(x, 12));
    }

    /// <summary>Draws a value uniformly (in log space for log ranges; uniformly over choices).</summary>
    public ParameterValue Sample(Random random)
    {
        if (Kind == DimensionKind.Fixed) return Choices[0];
        if (IsFinite && Kind != DimensionKind.IntRange || Kind == DimensionKind.IntRange && !Log)
            return ValueAt(random.NextInt64(Count));
        return Decode(GeneLower + random.NextDouble() * (GeneUpper - GeneLower));
    }

    /// <summary>Canonical JSON (what a study records); unconditional parameters keep the form they always had.</summary>
    public JsonNode ToCanonicalJson()
    {
        if (!IsConditional) return UnconditionalJson();
        var when = new JsonObject();
        foreach (var c in When) when[c.Parameter] = new JsonArray(c.Values.Select(v => (JsonNode?)v.ToJson()).ToArray());
        var obj = Kind == DimensionKind.Choice ? new JsonObject { ["choices"] = UnconditionalJson() } : (JsonObject)UnconditionalJson();
        obj["when"] = when;
        return obj;
    }

    private JsonNode UnconditionalJson()
    {
        switch (Kind)
        {
            case DimensionKind.Fixed: return Choices[0].ToJson();
            case DimensionKind.Choice: return new JsonArray(Choices.Select(c => (JsonNode?)c.ToJson()).ToArray());
        }
        var isInt = Kind == DimensionKind.IntRange;
        var obj = new JsonObject
        {
            ["type"] = isInt ? "int" : "float",
            ["min"] = isInt ? JsonValue.Create((long)Min) : ParameterValue.Of(Min).ToJson(),
            ["max"] = isInt ? JsonValue.Create((long)Max) : ParameterValue.Of(Max).ToJson(),
        };
        if (Step is { } s) obj["step"] = isInt ? JsonValue.Create((long)s) : ParameterValue.Of(s).ToJson();
        if (Log) obj["log"] = true;
        return obj;
    }

    public override string ToString() => $"{Name}: {ToCanonicalJson().ToJsonString()}";
}
