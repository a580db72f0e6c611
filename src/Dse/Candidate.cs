using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FSpiNN.Dse;

/// <summary>The kind of value a parameter holds.</summary>
public enum ParameterKind { Bool, Int, Float, String }

/// <summary>Kind names as users read them in messages ("integer", not Int or System.Int32).</summary>
public static class ParameterKindNames
{
    public static string Describe(this ParameterKind kind) => kind switch
    {
        ParameterKind.Bool => "boolean (true or false)",
        ParameterKind.Int => "integer",
        ParameterKind.Float => "number",
        _ => "text",
    };

    /// <summary>"an integer", "a number".</summary>
    public static string WithArticle(this ParameterKind kind) => (kind == ParameterKind.Int ? "an " : "a ") + kind.Describe();
}

/// <summary>A small immutable value: a bool, a long, a double or a string. Round-trips through JSON.</summary>
public readonly record struct ParameterValue
{
    private readonly long _long;
    private readonly double _double;
    private readonly string? _string;

    public ParameterKind Kind { get; }

    private ParameterValue(ParameterKind kind, long l, double d, string? s)
    {
        Kind = kind;
        _long = l;
        _double = d;
        _string = s;
    }

    public static ParameterValue Of(bool value) => new(ParameterKind.Bool, value ? 1 : 0, 0, null);
    public static ParameterValue Of(long value) => new(ParameterKind.Int, value, 0, null);
    public static ParameterValue Of(double value) => double.IsFinite(value)
        ? new(ParameterKind.Float, 0, value, null)
        : throw new ArgumentOutOfRangeException(nameof(value), value, "parameter values must be finite");
    public static ParameterValue Of(string value) => new(ParameterKind.String, 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static implicit operator ParameterValue(bool value) => Of(value);
    public static implicit operator ParameterValue(long value) => Of(value);
    public static implicit operator ParameterValue(int value) => Of((long)value);
    public static implicit operator ParameterValue(double value) => Of(value);
    public static implicit operator ParameterValue(string value) => Of(value);

    public bool AsBool => Kind == ParameterKind.Bool ? _long != 0 : throw WrongKind(ParameterKind.Bool);
    public long AsLong => Kind == ParameterKind.Int ? _long : throw WrongKind(ParameterKind.Int);
    public string AsString => Kind == ParameterKind.String ? _string! : throw WrongKind(ParameterKind.String);

    /// <summary>The numeric value of an int or float parameter.</summary>
    public double AsDouble => Kind switch
    {
        ParameterKind.Float => _double,
        ParameterKind.Int => _long,
        _ => throw WrongKind(ParameterKind.Float),
    };

    public bool IsNumeric => Kind is ParameterKind.Int or ParameterKind.Float;

    private InvalidOperationException WrongKind(ParameterKind wanted) =>
        new($"parameter value {this} is {Kind.WithArticle()}, not {wanted.WithArticle()}");

    /// <summary>Canonical text: `true`/`false`, integers, shortest round-trip doubles (always with a '.' or exponent), raw strings.</summary>
    public override string ToString() => Kind switch
    {
        ParameterKind.Bool => _long != 0 ? "true" : "false",
        ParameterKind.Int => _long.ToString(CultureInfo.InvariantCulture),
        ParameterKind.Float => FormatDouble(_double),
        _ => _string ?? "",
    };

    private static string FormatDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    public JsonNode ToJson() => Kind switch
    {
        ParameterKind.Bool => JsonValue.Create(_long != 0),
        ParameterKind.Int => JsonValue.Create(_long),
        ParameterKind.Float => JsonNode.Parse(FormatDouble(_double))!, // keeps "1.0" a float on the way back
        _ => JsonValue.Create(_string!),
    };

    /// <summary>Reads a JSON scalar: true/false, an integer literal (Int), any other number (Float), or a string.</summary>
    public static bool TryFromJson(JsonNode? node, out ParameterValue value)
    {
        value = default;
        if (node is not JsonValue scalar) return false;
        switch (scalar.GetValueKind())
        {
            case JsonValueKind.True: value = Of(true); return true;
            case JsonValueKind.False: value = Of(false); return true;
            case JsonValueKind.String: value = Of(scalar.GetValue<string>()); return true;
            case JsonValueKind.Number:
                var raw = scalar.ToJsonString();
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) value = Of(l);
                else value = Of(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
                return true;
            default: return false;
        }
    }

    /// <summary>Parses command-line text (`--set name=value` style) into the given kind.</summary>
    public static bool TryParse(string text, ParameterKind kind, out ParameterValue value)
    {
        value = default;
        switch (kind)
        {
            case ParameterKind.Bool when bool.TryParse(text, out var b): value = Of(b); return true;
            case ParameterKind.Int when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l): value = Of(l); return true;
            case ParameterKind.Float when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d): value = Of(d); return true;
            case ParameterKind.String: value = Of(text); return true;
            default: return false;
        }
    }
}

/// <summary>A point of the search space: an ordered set of named parameter values (names as the simulator's `--set name=value`).</summary>
public sealed record Candidate
{
    public Candidate(IReadOnlyList<KeyValuePair<string, ParameterValue>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in values)
        {
            if (string.IsNullOrWhiteSpace(pair.Key)) throw new ArgumentException("candidate parameter names must not be empty", nameof(values));
            if (!seen.Add(pair.Key)) throw new ArgumentException($"candidate has parameter '{pair.Key}' twice", nameof(values));
        }
        Values = values.ToArray();
        Key = string.Join(';', Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
    }

    public IReadOnlyList<KeyValuePair<string, ParameterValue>> Values { get; }

    /// <summary>Canonical, stable identity: `name=value` pairs sorted by name (ordinal), joined by ';'.</summary>
    public string Key { get; }

    public bool TryGet(string name, out ParameterValue value)
    {
        foreach (var pair in Values)
        {
            if (pair.Key == name) { value = pair.Value; return true; }
        }
        value = default;
        return false;
    }

    public ParameterValue this[string name] => TryGet(name, out var v) ? v
        : throw new KeyNotFoundException($"candidate {Key} has no parameter '{name}'");

    /// <summary>A copy with <paramref name="name"/> set (replaced in place, or appended).</summary>
    public Candidate With(string name, ParameterValue value)
    {
        var list = Values.ToList();
        var index = list.FindIndex(p => p.Key == name);
        if (index >= 0) list[index] = new(name, value);
        else list.Add(new(name, value));
        return new Candidate(list);
    }

    public string ToJson()
    {
        var obj = new JsonObject();
        foreach (var pair in Values) obj[pair.Key] = pair.Value.ToJson();
        return obj.ToJsonString();
    }

    public static Candidate FromJson(string json)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("candidate JSON must be an object");
        var values = new List<KeyValuePair<string, ParameterValue>>();
        foreach (var (name, valueNode) in node)
        {
            if (!ParameterValue.TryFromJson(valueNode, out var value))
                throw new FormatException($"candidate parameter '{name}' is not a JSON scalar");
            values.Add(new(name, value));
        }
        return new Candidate(values);
    }

    public bool Equals(Candidate? other) => other is not null && other.Key == Key;
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);
    public override string ToString() => Key;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(Key);
        return true;
    }
}
