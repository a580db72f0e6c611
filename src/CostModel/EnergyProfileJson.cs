using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FSpiNN.CostModel;

/// <summary>
/// Loads and saves energy profiles as JSON (format in docs/cost-model.md). Parsing is strict: a missing field, a
/// negative energy, an unknown action, format or level fails with an <see cref="InvalidEnergyProfileException"/> naming
/// the entry and the field.
/// </summary>
public static class EnergyProfileJson
{
    public const string DefaultResourceName = "FSpiNN.CostModel.horowitz-45nm.json";

    private static readonly Lazy<EnergyProfile> DefaultProfile = new(() =>
    {
        using var stream = typeof(EnergyProfileJson).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"embedded resource '{DefaultResourceName}' is missing from {typeof(EnergyProfileJson).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "embedded horowitz-45nm.json");
    });

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The embedded copy of <c>profiles/horowitz-45nm.json</c>.</summary>
    public static EnergyProfile Default => DefaultProfile.Value;

    public static EnergyProfile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"energy profile file '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static void Save(EnergyProfile profile, string path) => File.WriteAllText(path, Serialize(profile));

    /// <summary>Parses a profile; <paramref name="origin"/> (a file name) prefixes every error message.</summary>
    public static EnergyProfile Parse(string json, string origin = "profile")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new InvalidEnergyProfileException($"{origin}: not valid JSON: {e.Message}");
        }
        if (root is not JsonObject obj)
            throw new InvalidEnergyProfileException($"{origin}: the top level must be a JSON object");

        string name = RequiredString(obj, "name", origin);
        string where = $"{origin} (profile '{name}')";
        var levels = new List<MemoryLevel>();
        var levelArray = RequiredArray(obj, "levels", where);
        for (int i = 0; i < levelArray.Count; i++)
        {
            string at = $"{where}: levels[{i}]";
            var level = AsObject(levelArray[i], at);
            string levelName = RequiredString(level, "name", at);
            at = $"{where}: levels[{i}] ('{levelName}')";
            var kind = ParseLevelKind(RequiredString(level, "kind", at), at);
            if (!level.ContainsKey("capacityBytes"))
                throw new InvalidEnergyProfileException($"{at}: field 'capacityBytes' is missing (use null for an unbounded level such as DRAM)");
            long? capacity = null;
            if (level["capacityBytes"] is not null)
            {
                var bytes = RequiredNumber(level, "capacityBytes", at);
                if (bytes is < 1 or > 1L << 50 || bytes != Math.Floor(bytes))
                    throw new InvalidEnergyProfileException($"{at}: field 'capacityBytes' must be a whole number of bytes in 1..2^50 (or null for unbounded), got {bytes.ToString(CultureInfo.InvariantCulture)}");
                capacity = (long)bytes;
            }
            levels.Add(new MemoryLevel(levelName, kind, capacity));
        }

        var entries = new List<EnergyEntry>();
        var entryArray = RequiredArray(obj, "entries", where);
        for (int i = 0; i < entryArray.Count; i++)
        {
            string at = $"{where}: entries[{i}]";
            var entry = AsObject(entryArray[i], at);
            var action = ParseAction(RequiredString(entry, "action", at), at);
            bool memory = action is EnergyAction.Read or EnergyAction.Write;
            var bitsNumber = RequiredNumber(entry, "bits", at);
            if (bitsNumber is < 1 or > 4096 || bitsNumber != Math.Floor(bitsNumber))
                throw new InvalidEnergyProfileException($"{at}: field 'bits' must be a whole number in 1..4096, got {bitsNumber.ToString(CultureInfo.InvariantCulture)}");
            int bits = (int)bitsNumber;
            string? level = memory ? RequiredString(entry, "level", at) : null;
            NumberFormat? format = memory ? null : ParseFormat(RequiredString(entry, "format", at), at);
            at = memory
                ? $"{at} ({EnergyProfile.ActionName(action)} {level} {bits}-bit)"
                : $"{at} ({EnergyProfile.ActionName(action)} {new Precision(bits, format!.Value)})";
            double pj = RequiredNumber(entry, "pj", at);
            if (pj < 0)
                throw new InvalidEnergyProfileException($"{at}: field 'pj' is negative ({pj.ToString(CultureInfo.InvariantCulture)}); energies must be ≥ 0");
            if (memory && levels.All(l => l.Name != level))
                throw new InvalidEnergyProfileException($"{at}: unknown level '{level}'; known levels: {string.Join(", ", levels.Select(l => l.Name))}");
            bool derived = OptionalBool(entry, "derived", at) ?? false;
            string? rule = OptionalString(entry, "rule", at);
            if (derived && rule is null)
                throw new InvalidEnergyProfileException($"{at}: field 'rule' is missing; a derived entry must name its scaling rule");
            double? low = null, high = null;
            if (entry["rangePj"] is JsonArray range)
            {
                if (range.Count != 2 || range[0] is not JsonValue lo || range[1] is not JsonValue hi
                    || !lo.TryGetValue<double>(out var l) || !hi.TryGetValue<double>(out var h) || l < 0 || h < l)
                    throw new InvalidEnergyProfileException($"{at}: field 'rangePj' must be [low, high] with 0 ≤ low ≤ high");
                (low, high) = (l, h);
            }
            entries.Add(new EnergyEntry(action, bits, pj, format, level, derived, rule, OptionalString(entry, "from", at),
                OptionalString(entry, "source", at), low, high));
        }

        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["pins"] is JsonObject pinObject)
        {
            foreach (var (array, value) in pinObject)
            {
                string at = $"{where}: pins['{array}']";
                if (value is not JsonValue v || !v.TryGetValue<string>(out var levelName))
                    throw new InvalidEnergyProfileException($"{at}: must be a level name (string)");
                if (levels.All(l => l.Name != levelName))
                    throw new InvalidEnergyProfileException($"{at}: unknown level '{levelName}'; known levels: {string.Join(", ", levels.Select(l => l.Name))}");
                pins[array] = levelName;
            }
        }
        else if (obj["pins"] is not null)
            throw new InvalidEnergyProfileException($"{where}: field 'pins' must be an object mapping array names to level names");

        var technologyNode = OptionalNumber(obj, "technologyNodeNm", where);
        var voltage = OptionalNumber(obj, "voltageV", where);
        var source = OptionalString(obj, "source", where);
        var notes = OptionalString(obj, "notes", where);
        try
        {
            return new EnergyProfile(name, levels, entries, pins, technologyNode, voltage, source, notes);
        }
        catch (InvalidEnergyProfileException e)
        {
            throw new InvalidEnergyProfileException($"{origin}: {e.Message}"); // the checks on the whole profile, with the file named too
        }
    }

    public static string Serialize(EnergyProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var root = new JsonObject { ["name"] = profile.Name };
        if (profile.Source is not null) root["source"] = profile.Source;
        if (profile.TechnologyNodeNm is { } node) root["technologyNodeNm"] = node;
        if (profile.VoltageVolts is { } volts) root["voltageV"] = volts;
        if (profile.Notes is not null) root["notes"] = profile.Notes;
        var levels = new JsonArray();
        foreach (var level in profile.Levels)
        {
            levels.Add(new JsonObject
            {
                ["name"] = level.Name,
                ["kind"] = LevelKindName(level.Kind),
                ["capacityBytes"] = level.CapacityBytes is { } c ? JsonValue.Create(c) : null,
            });
        }
        root["levels"] = levels;
        var entries = new JsonArray();
        foreach (var entry in profile.Entries)
        {
            var o = new JsonObject { ["action"] = EnergyProfile.ActionName(entry.Action) };
            if (entry.Format is { } format) o["format"] = EnergyProfile.FormatName(format);
            if (entry.Level is not null) o["level"] = entry.Level;
            o["bits"] = entry.Bits;
            o["pj"] = entry.Picojoules;
            if (entry.RangeLowPicojoules is { } low && entry.RangeHighPicojoules is { } high) o["rangePj"] = new JsonArray(low, high);
            o["derived"] = entry.Derived;
            if (entry.Rule is not null) o["rule"] = entry.Rule;
            if (entry.From is not null) o["from"] = entry.From;
            if (entry.Source is not null) o["source"] = entry.Source;
            entries.Add(o);
        }
        root["entries"] = entries;
        var pins = new JsonObject();
        foreach (var (array, level) in profile.Pins.OrderBy(p => p.Key, StringComparer.Ordinal))
            pins[array] = level;
        root["pins"] = pins;
        return root.ToJsonString(Indented) + Environment.NewLine;
    }

    private static EnergyAction ParseAction(string text, string at) => text switch
    {
        "accumulate" or "add" => EnergyAction.Accumulate,
        "multiply" => EnergyAction.Multiply,
        "multiply-accumulate" or "mac" => EnergyAction.MultiplyAccumulate,
        "compare" => EnergyAction.Compare,
        "trace-update" => EnergyAction.TraceUpdate,
        "read" => EnergyAction.Read,
        "write" => EnergyAction.Write,
        "random" => EnergyAction.RandomDraw,
        _ => throw new InvalidEnergyProfileException(
            $"{at}: unknown action '{text}'; use accumulate, multiply, multiply-accumulate, compare, trace-update, random, read or write"),
    };

    private static NumberFormat ParseFormat(string text, string at) => text switch
    {
        "int" or "fixed" => NumberFormat.Integer,
        "float" => NumberFormat.Float,
        _ => throw new InvalidEnergyProfileException($"{at}: unknown format '{text}'; use int (also for fixed point) or float"),
    };

    private static MemoryLevelKind ParseLevelKind(string text, string at) => text switch
    {
        "register-file" => MemoryLevelKind.RegisterFile,
        "sram" => MemoryLevelKind.Sram,
        "dram" => MemoryLevelKind.Dram,
        _ => throw new InvalidEnergyProfileException($"{at}: unknown level kind '{text}'; use register-file, sram or dram"),
    };

    private static string LevelKindName(MemoryLevelKind kind) => kind switch
    {
        MemoryLevelKind.RegisterFile => "register-file",
        MemoryLevelKind.Sram => "sram",
        _ => "dram",
    };

    private static JsonObject AsObject(JsonNode? node, string at) =>
        node as JsonObject ?? throw new InvalidEnergyProfileException($"{at}: must be a JSON object");

    private static JsonArray RequiredArray(JsonObject obj, string field, string at) =>
        obj[field] as JsonArray ?? throw new InvalidEnergyProfileException($"{at}: field '{field}' is missing or not an array");

    private static string RequiredString(JsonObject obj, string field, string at) =>
        OptionalString(obj, field, at) ?? throw new InvalidEnergyProfileException($"{at}: field '{field}' is missing");

    private static string? OptionalString(JsonObject obj, string field, string at)
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text))
            return text;
        throw new InvalidEnergyProfileException($"{at}: field '{field}' must be a non-empty string");
    }

    private static double RequiredNumber(JsonObject obj, string field, string at) =>
        OptionalNumber(obj, field, at) ?? throw new InvalidEnergyProfileException($"{at}: field '{field}' is missing");

    private static double? OptionalNumber(JsonObject obj, string field, string at)
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number))
            return number;
        throw new InvalidEnergyProfileException($"{at}: field '{field}' must be a number, got {node.ToJsonString()}");
    }

    private static bool? OptionalBool(JsonObject obj, string field, string at)
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue<bool>(out var flag))
            return flag;
        throw new InvalidEnergyProfileException($"{at}: field '{field}' must be true or false");
    }
}
