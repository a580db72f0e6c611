using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FSpiNN.Dse.Space;

/// <summary>A space file could not be read or is malformed; the message names the file and entry.</summary>
public sealed class SpaceFormatException(string message) : Exception(message);

/// <summary>
/// The search space: an ordered list of dimensions (file order; the last one varies fastest in the grid).
/// Read from JSON or YAML (see docs/dse.md); validated against what an evaluator understands.
/// </summary>
public sealed class SearchSpace
{
    /// <summary>The fidelity parameter: number of training samples. Always understood (int >= 1).</summary>
    public const string TrainSamplesName = "train_samples";

    public SearchSpace(string name, IReadOnlyList<Dimension> dimensions)
    {
        Name = name;
        var duplicate = dimensions.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new SpaceFormatException($"space '{name}': parameter '{duplicate.Key}' is defined twice");
        if (dimensions.Count == 0) throw new SpaceFormatException($"space '{name}': no parameters");
        Dimensions = dimensions.ToArray();
        for (var i = 0; i < Dimensions.Count; i++) CheckConditions(Dimensions[i], Dimensions.Take(i).ToList());
    }

    /// <summary>Each condition names an earlier, searched parameter (not the fidelity) and values that parameter can take.</summary>
    private void CheckConditions(Dimension d, List<Dimension> earlier)
    {
        if (d.IsConditional && d.Name == TrainSamplesName) throw new SpaceFormatException($"space '{Name}': '{TrainSamplesName}' (the fidelity) cannot be conditional");
        foreach (var c in d.When)
        {
            var parent = earlier.FirstOrDefault(e => e.Name == c.Parameter)
                ?? throw new SpaceFormatException(Dimensions.Any(e => e.Name == c.Parameter)
                    ? $"space '{Name}': '{d.Name}' has 'when' on '{c.Parameter}', which comes after it; list '{c.Parameter}' first"
                    : $"space '{Name}': '{d.Name}' has 'when' on '{c.Parameter}', which is not a parameter of the space");
            if (parent.Name == TrainSamplesName) throw new SpaceFormatException($"space '{Name}': '{d.Name}' cannot depend on the fidelity '{TrainSamplesName}'");
            if (c.Values.Count == 0) throw new SpaceFormatException($"space '{Name}': '{d.Name}' has an empty list of values for 'when' '{c.Parameter}'");
            foreach (var v in c.Values)
            {
                var possible = parent.Kind switch
                {
                    DimensionKind.Fixed or DimensionKind.Choice => new DimensionCondition(parent.Name, parent.Choices).Accepts(v),
                    _ => v.IsNumeric && v.AsDouble >= parent.Min && v.AsDouble <= parent.Max,
                };
                if (!possible) throw new SpaceFormatException($"space '{Name}': '{d.Name}' has 'when' {c.Parameter} = {v}, which '{c.Parameter}' never takes ({parent})");
            }
        }
    }

    public string Name { get; }
    public IReadOnlyList<Dimension> Dimensions { get; }

    public Dimension? Find(string name) => Dimensions.FirstOrDefault(d => d.Name == name);

    public bool IsFinite => Dimensions.All(d => d.IsFinite);

    /// <summary>True when some parameter exists only for some values of earlier ones (see <see cref="Dimension.When"/>).</summary>
    public bool HasConditions => Dimensions.Any(d => d.IsConditional);

    /// <summary>Largest full product a conditional space enumerates to find its distinct grid points.</summary>
    public const long ConditionalGridLimit = 2_000_000;

    private Candidate[]? _conditionalGrid;

    /// <summary>
    /// Number of grid points (saturating at long.MaxValue). With conditions, the distinct candidates (an inactive
    /// parameter does not multiply the count), or the full product when that exceeds <see cref="ConditionalGridLimit"/>.
    /// </summary>
    public long Count
    {
        get
        {
            var product = ProductCount;
            return HasConditions && IsFinite && product <= ConditionalGridLimit ? ConditionalGrid().Length : product;
        }
    }

    private long ProductCount
    {
        get
        {
            long total = 1;
            foreach (var d in Dimensions)
            {
                var c = d.Count;
                if (c == long.MaxValue || total > long.MaxValue / c) return long.MaxValue;
                total *= c;
            }
            return total;
        }
    }

    /// <summary>The index-th grid point (mixed radix, last dimension fastest; with conditions, the index-th distinct one in that order).</summary>
    public Candidate GridPoint(long index)
    {
        if (!IsFinite) throw new InvalidOperationException($"space '{Name}' has a continuous range ({Dimensions.First(d => !d.IsFinite).Name}) and cannot be enumerated as a grid; give it a 'step'");
        if (HasConditions)
        {
            if (ProductCount > ConditionalGridLimit)
                throw new InvalidOperationException($"space '{Name}' has conditional parameters and {ProductCount} combinations (more than {ConditionalGridLimit}): too many to enumerate as a grid; sample it (random, tpe, nsga2)");
            return ConditionalGrid()[index];
        }
        return ProductPoint(index);
    }

    private Candidate ProductPoint(long index)
    {
        var values = new ParameterValue[Dimensions.Count];
        for (var i = Dimensions.Count - 1; i >= 0; i--)
        {
            var count = Dimensions[i].Count;
            values[i] = Dimensions[i].ValueAt(index % count);
            index /= count;
        }
        return Build(values);
    }

    private Candidate[] ConditionalGrid()
    {
        if (_conditionalGrid is { } grid) return grid;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<Candidate>();
        for (long i = 0, n = ProductCount; i < n; i++)
        {
            var c = ProductPoint(i);
            if (seen.Add(c.Key)) distinct.Add(c);
        }
        return _conditionalGrid = [.. distinct];
    }

    /// <summary>
    /// A candidate from one value per dimension (in space order), leaving out the conditional parameters whose
    /// conditions do not hold (their values are ignored).
    /// </summary>
    public Candidate Build(IReadOnlyList<ParameterValue> values)
    {
        if (!HasConditions) return new Candidate([.. Dimensions.Select((d, i) => new KeyValuePair<string, ParameterValue>(d.Name, values[i]))]);
        var chosen = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        var kept = new List<KeyValuePair<string, ParameterValue>>(Dimensions.Count);
        for (var i = 0; i < Dimensions.Count; i++)
        {
            if (!Dimensions[i].IsActive(chosen)) continue;
            chosen[Dimensions[i].Name] = values[i];
            kept.Add(new(Dimensions[i].Name, values[i]));
        }
        return new Candidate([.. kept]);
    }

    /// <summary>True when <paramref name="candidate"/> carries exactly the parameters that are active for its own values.</summary>
    public bool HasExactlyTheActiveParameters(Candidate candidate)
    {
        var chosen = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var d in Dimensions)
        {
            var present = candidate.TryGet(d.Name, out var value);
            if (present != d.IsActive(chosen)) return false;
            if (present) chosen[d.Name] = value;
        }
        return true;
    }

    public IEnumerable<Candidate> Grid()
    {
        var count = Count;
        for (long i = 0; i < count; i++) yield return GridPoint(i);
    }

    /// <summary>A random candidate: every dimension drawn (so the random stream does not depend on conditions), inactive ones left out.</summary>
    public Candidate Sample(Random random) => Build([.. Dimensions.Select(d => d.Sample(random))]);

    /// <summary>The candidate of a gene vector (one gene per dimension); genes of inactive conditional parameters are ignored.</summary>
    public Candidate Decode(ReadOnlySpan<double> genes)
    {
        var values = new ParameterValue[Dimensions.Count];
        for (var i = 0; i < values.Length; i++) values[i] = Dimensions[i].Decode(genes[i]);
        return Build(values);
    }

    /// <summary>
    /// Checks every entry against the evaluator's parameters; throws one <see cref="SpaceFormatException"/> listing all problems.
    /// </summary>
    public void Validate(IReadOnlyList<ParameterSpec> parameters)
    {
        var specs = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        specs.TryAdd(TrainSamplesName, new ParameterSpec(TrainSamplesName, ParameterKind.Int, Min: 1, Description: "training samples (fidelity)"));
        var errors = new List<string>();
        foreach (var d in Dimensions)
        {
            if (!specs.TryGetValue(d.Name, out var spec))
            {
                errors.Add($"parameter '{d.Name}' is unknown to the evaluator (known: {string.Join(", ", specs.Keys.Order(StringComparer.Ordinal))})");
                continue;
            }
            switch (d.Kind)
            {
                case DimensionKind.Fixed or DimensionKind.Choice:
                    foreach (var v in d.Choices)
                    {
                        if (spec.Check(v) is { } problem) errors.Add(problem);
                    }
                    break;
                case DimensionKind.IntRange or DimensionKind.FloatRange:
                    if (spec.Kind is not (ParameterKind.Int or ParameterKind.Float))
                        errors.Add($"'{d.Name}' takes {spec.Kind.WithArticle()}: give a list of choices, not a numeric range");
                    else if (spec.Kind == ParameterKind.Int && d.Kind == DimensionKind.FloatRange)
                        errors.Add($"'{d.Name}' takes an integer: use an integer range (integer min/max/step), not a range of numbers");
                    else
                    {
                        // an int range's bounds are ints: as doubles an int parameter would refuse them as floats
                        ParameterValue Bound(double x) => d.Kind == DimensionKind.IntRange ? ParameterValue.Of((long)x) : ParameterValue.Of(x);
                        if (spec.Check(Bound(d.Min)) is { } lo) errors.Add(lo + " (range min)");
                        if (spec.Check(Bound(d.Max)) is { } hi) errors.Add(hi + " (range max)");
                    }
                    break;
            }
        }
        if (errors.Count > 0)
            throw new SpaceFormatException($"space '{Name}' is not valid for this evaluator:\n  - " + string.Join("\n  - ", errors));
    }

    /// <summary>Canonical JSON: the dimensions in order, fixed values as scalars. Recorded by the study; resuming with another space is refused.</summary>
    public string ToCanonicalJson()
    {
        var parameters = new JsonObject();
        foreach (var d in Dimensions) parameters[d.Name] = d.ToCanonicalJson();
        return new JsonObject { ["parameters"] = parameters }.ToJsonString();
    }

    public static SearchSpace Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"space file '{path}' does not exist", path);
        var text = File.ReadAllText(path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        var isYaml = ext is ".yaml" or ".yml";
        try
        {
            return Parse(text, Path.GetFileNameWithoutExtension(path), isYaml);
        }
        catch (SpaceFormatException e)
        {
            throw new SpaceFormatException($"{path}: {e.Message}");
        }
    }

    /// <summary>Parses space text (JSON, or YAML when <paramref name="yaml"/>).</summary>
    public static SearchSpace Parse(string text, string defaultName, bool yaml = false)
    {
        JsonNode? root;
        try
        {
            root = yaml ? YamlToJson(text) : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (Exception e) when (e is JsonException or YamlException)
        {
            throw new SpaceFormatException($"not valid {(yaml ? "YAML" : "JSON")}: {e.Message}");
        }
        if (root is not JsonObject obj) throw new SpaceFormatException("the top level must be an object with 'parameters'");
        foreach (var (key, _) in obj)
        {
            if (key is not ("name" or "description" or "parameters" or "fixed"))
                throw new SpaceFormatException($"unknown top-level entry '{key}' (expected name, description, parameters, fixed)");
        }
        var name = obj["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : defaultName;
        var dimensions = new List<Dimension>();
        if (obj["parameters"] is not JsonObject parameters) throw new SpaceFormatException("'parameters' must be an object mapping names to choices, ranges or fixed values");
        foreach (var (key, node) in parameters) dimensions.Add(ParseDimension(key, node));
        if (obj["fixed"] is JsonObject fixedValues)
        {
            foreach (var (key, node) in fixedValues)
            {
                if (!ParameterValue.TryFromJson(node, out var value)) throw new SpaceFormatException($"fixed value '{key}' must be a scalar (number, string or bool)");
                dimensions.Add(Dimension.Fixed(key, value));
            }
        }
        else if (obj["fixed"] is not null) throw new SpaceFormatException("'fixed' must be an object mapping names to values");
        return new SearchSpace(name, dimensions);
    }

    private static Dimension ParseDimension(string name, JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                var choices = new List<ParameterValue>();
                foreach (var item in array)
                {
                    if (!ParameterValue.TryFromJson(item, out var value)) throw new SpaceFormatException($"parameter '{name}': choices must be scalars, got {item?.ToJsonString() ?? "null"}");
                    choices.Add(value);
                }
                return Dimension.Choice(name, Unify(choices));
            case JsonObject conditional when conditional.ContainsKey("when"):
                var rest = conditional.DeepClone().AsObject();
                rest.Remove("when");
                var inner = rest.Count == 1 && rest["choices"] is { } listed ? listed.DeepClone() : rest;
                if (inner is JsonObject leftover && leftover.ContainsKey("choices"))
                    throw new SpaceFormatException($"parameter '{name}': 'choices' takes no range entries beside it (only 'when')");
                return ParseDimension(name, inner).OnlyWhen(ParseWhen(name, conditional["when"]));
            case JsonObject { Count: 1 } wrapped when wrapped["choices"] is { } choiceList:
                return ParseDimension(name, choiceList.DeepClone());
            case JsonObject range:
                foreach (var (key, _) in range)
                {
                    if (key is not ("type" or "min" or "max" or "step" or "log"))
                        throw new SpaceFormatException($"parameter '{name}': unknown range entry '{key}' (expected type, min, max, step, log; or choices; and when)");
                }
                var min = Number(name, range, "min") ?? throw new SpaceFormatException($"parameter '{name}': a range needs 'min'");
                var max = Number(name, range, "max") ?? throw new SpaceFormatException($"parameter '{name}': a range needs 'max'");
                var step = Number(name, range, "step");
                var log = range["log"] is JsonValue l && l.GetValueKind() == JsonValueKind.True;
                var type = range["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
                var isInt = type switch
                {
                    "int" => true,
                    "float" => false,
                    null => IsIntLiteral(range["min"]) && IsIntLiteral(range["max"]) && (range["step"] is null || IsIntLiteral(range["step"])),
                    _ => throw new SpaceFormatException($"parameter '{name}': range type must be 'int' or 'float', got '{type}'"),
                };
                return Dimension.Range(name, isInt, min, max, step, log);
            default:
                if (ParameterValue.TryFromJson(node, out var fixedValue)) return Dimension.Fixed(name, fixedValue);
                throw new SpaceFormatException($"parameter '{name}': expected a list of choices, a range object {{min, max[, step][, log]}} or a fixed value");
        }
    }

    /// <summary>'when': an object mapping earlier parameters to the value, or list of values, that switch this one on.</summary>
    private static List<DimensionCondition> ParseWhen(string name, JsonNode? node)
    {
        if (node is not JsonObject { Count: > 0 } when)
            throw new SpaceFormatException($"parameter '{name}': 'when' must be an object mapping earlier parameters to a value or a list of values, e.g. {{\"bits\": [16, 8, 4]}}");
        var conditions = new List<DimensionCondition>();
        foreach (var (parent, values) in when)
        {
            var items = values is JsonArray array ? array.ToList() : [values];
            var parsed = new List<ParameterValue>();
            foreach (var item in items)
            {
                if (!ParameterValue.TryFromJson(item, out var value)) throw new SpaceFormatException($"parameter '{name}': 'when' {parent} must be a scalar or a list of scalars, got {item?.ToJsonString() ?? "null"}");
                parsed.Add(value);
            }
            conditions.Add(new DimensionCondition(parent, parsed));
        }
        return conditions;
    }

    /// <summary>A list mixing ints and floats is a float list (so [0.5, 1] is {0.5, 1.0}).</summary>
    private static List<ParameterValue> Unify(List<ParameterValue> choices) =>
        choices.Any(c => c.Kind == ParameterKind.Float) && choices.All(c => c.IsNumeric)
            ? choices.Select(c => ParameterValue.Of(c.AsDouble)).ToList()
            : choices;

    private static double? Number(string name, JsonObject range, string key)
    {
        var node = range[key];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        throw new SpaceFormatException($"parameter '{name}': range '{key}' must be a number, got {node.ToJsonString()}");
    }

    /// <summary>Remembers where the last well-formed YAML event ended, for errors YamlDotNet raises without a position.</summary>
    private sealed class PositionTrackingParser(IParser inner) : IParser
    {
        public Mark LastGood { get; private set; } = Mark.Empty;
        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current) LastGood = current.End;
            return inner.MoveNext();
        }
    }

    /// <summary>YamlDotNet's message without the position prefix it also carries (given separately).</summary>
    private static string YamlReason(YamlException e) =>
        System.Text.RegularExpressions.Regex.Replace(e.Message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "");

    private static bool IsIntLiteral(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        var parser = new PositionTrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new SpaceFormatException($"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {YamlReason(e)}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet reports some malformed documents (e.g. an unclosed list, a duplicate key) without a position
            var reason = e is ArgumentException ? e.Message : "the text that follows is not well-formed (an unclosed [ or {?)";
            throw new SpaceFormatException($"not valid YAML after line {parser.LastGood.Line}, column {parser.LastGood.Column}: {reason}");
        }
        if (stream.Documents.Count == 0) throw new SpaceFormatException("empty YAML document");
        if (stream.Documents.Count > 1) throw new SpaceFormatException($"a space file holds one YAML document, found {stream.Documents.Count} (a second '---'?)");
        return Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    var obj = new JsonObject();
                    foreach (var (key, value) in map.Children)
                    {
                        if (key is not YamlScalarNode { Value: { } name })
                            throw new SpaceFormatException($"YAML line {key.Start.Line}, column {key.Start.Column}: a key must be a plain name, not a {Describe(key)}");
                        if (obj.ContainsKey(name))
                            throw new SpaceFormatException($"YAML line {key.Start.Line}, column {key.Start.Column}: key '{name}' is given twice");
                        obj[name] = Convert(value);
                    }
                    return obj;
                case YamlSequenceNode seq:
                    return new JsonArray(seq.Children.Select(Convert).ToArray());
                case YamlScalarNode scalar:
                    return Scalar(scalar);
                default:
                    throw new SpaceFormatException($"YAML line {node.Start.Line}, column {node.Start.Column}: unsupported {Describe(node)}");
            }
        }

        static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "mapping",
            YamlSequenceNode => "list",
            YamlScalarNode => "null",
            _ => node.NodeType.ToString().ToLowerInvariant(),
        };

        static JsonNode? Scalar(YamlScalarNode scalar)
        {
            var value = scalar.Value ?? "";
            if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) return JsonValue.Create(value);
            if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
            if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
            if (value is "" or "~" or "null") return null;
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return ParameterValue.Of(d).ToJson();
            return JsonValue.Create(value);
        }
    }
}
