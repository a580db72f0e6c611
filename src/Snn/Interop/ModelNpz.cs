using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Training;

namespace FSpiNN.Snn.Interop;

/// <summary>
/// A trained network as NumPy arrays (.npz), named and shaped as BindsNET's DiehlAndCook2015 holds them, so that
/// `numpy.load` reads our models and a BindsNET network saved with `numpy.savez` imports. The layout is documented in
/// docs/interop.md; every name is a constant here.
/// </summary>
public static class ModelNpz
{
    public const string FormatName = "fspinn-npz";
    public const int FormatVersion = 1;

    /// <summary>Input → excitatory weights, float32 (inputs, N): BindsNET's connections[("X", "Ae")].w.</summary>
    public const string InputWeights = "X_to_Ae";
    /// <summary>Adaptive threshold of each excitatory neuron in mV, float32 (N,): BindsNET's layers["Ae"].theta.</summary>
    public const string Theta = "theta";
    /// <summary>Inhibitory layer: E → I one-to-one, float32 (N, N), w_exc_inh on the diagonal.</summary>
    public const string ExcToInh = "Ae_to_Ai";
    /// <summary>Inhibitory layer: I → E all-but-self, float32 (N, N), −w_inh_exc off the diagonal.</summary>
    public const string InhToExc = "Ai_to_Ae";
    /// <summary>Direct lateral inhibition (FSpiNN): E → E all-but-self, float32 (N, N), −w_inh off the diagonal.</summary>
    public const string Lateral = "Ae_to_Ae";
    /// <summary>Class of each neuron, int64 (N,), −1 for a neuron that never responded while labelling.</summary>
    public const string Assignments = "assignments";
    /// <summary>Mean spike count of each neuron per class during labelling, float32 (N, 10): BindsNET's rates.</summary>
    public const string Rates = "rates";
    /// <summary>Rates normalised per neuron, float32 (N, 10): BindsNET's proportions (read when rates are absent).</summary>
    public const string Proportions = "proportions";
    /// <summary>Input → excitatory delay of each synapse in time steps, uint8 (inputs, N); only networks with delays.</summary>
    public const string Delays = "delays";
    /// <summary>0-d text array: a JSON object with the format, every model parameter, seed, counts and training data.</summary>
    public const string Config = "config";

    public static void Export(SnnModel model, string path)
    {
        var n = model.Neurons;
        var c = model.Config;
        var npz = new NpzWriter()
            .Add(InputWeights, model.Weights.ToFloatArray(), model.InputSize, n)
            .Add(Theta, (float[])model.Theta.Clone(), n);
        if (c.Inhibition == InhibitionKind.Layer)
        {
            npz.Add(ExcToInh, Diagonal(n, (float)c.ExcToInhWeight), n, n);
            npz.Add(InhToExc, AllButSelf(n, -(float)c.InhToExcWeight), n, n);
        }
        else
        {
            npz.Add(Lateral, AllButSelf(n, -(float)c.LateralInhibition), n, n);
        }
        if (model.IsLabelled)
        {
            npz.Add(Assignments, [.. model.Assignments.Select(a => (long)a)], n);
            var rates = new float[n * SnnModel.Classes];
            for (var j = 0; j < n; j++)
                for (var k = 0; k < SnnModel.Classes; k++)
                    rates[j * SnnModel.Classes + k] = model.ClassRates[k * n + j];
            npz.Add(Rates, rates, n, SnnModel.Classes);
        }
        if (model.DelaySteps is { } delays) npz.Add(Delays, (byte[])delays.Clone(), model.InputSize, n);
        npz.AddText(Config, DescribeJson(model));
        npz.Save(path);
    }

    private static string DescribeJson(SnnModel model)
    {
        var parameters = new JsonObject();
        foreach (var (name, value) in ParameterTable.Describe(model.Config)) parameters[name] = value;
        var json = new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
            ["input_size"] = model.InputSize,
            ["neurons"] = model.Neurons,
            ["seed"] = model.Seed.ToString(CultureInfo.InvariantCulture),
            ["examples_trained"] = model.ExamplesTrained,
            ["labelled"] = model.IsLabelled,
            ["training_data"] = model.TrainingData is { } d
                ? new JsonObject { ["name"] = d.Name, ["images_sha256"] = d.ImagesSha256, ["labels_sha256"] = d.LabelsSha256 }
                : null,
            ["parameters"] = parameters,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static float[] Diagonal(int n, float value)
    {
        var m = new float[n * n];
        for (var j = 0; j < n; j++) m[j * n + j] = value;
        return m;
    }

    private static float[] AllButSelf(int n, float value)
    {
        var m = new float[n * n];
        Array.Fill(m, value);
        for (var j = 0; j < n; j++) m[j * n + j] = 0;
        return m;
    }

    /// <summary>Reads and checks the arrays of an .npz file (ours or BindsNET's); <see cref="ToModel"/> builds the model.</summary>
    public static NpzContents Read(string path)
    {
        try
        {
            return ReadChecked(path);
        }
        catch (InvalidDataException e)
        {
            throw new InteropException(path, e.Message);
        }
    }

    private static NpzContents ReadChecked(string path)
    {
        var arrays = NpzReader.Read(path);
        InteropException Bad(string problem) => new(path, problem);
        NpyArray Require(string name, string hint) => arrays.TryGetValue(name, out var a) ? a
            : throw Bad($"no array '{name}' ({hint}); the arrays found are: {(arrays.Count == 0 ? "none" : string.Join(", ", arrays.Keys.Order()))}");

        var weights = Require(InputWeights, "the input weights, float (inputs, N): BindsNET's network.connections[('X', 'Ae')].w");
        if (weights.Shape.Length != 2 || weights.Shape[0] < 1 || weights.Shape[1] < 1)
            throw Bad($"'{InputWeights}' must be a 2-d array (inputs, neurons), found shape {weights.ShapeText}");
        var (inputs, n) = (weights.Shape[0], weights.Shape[1]);
        var theta = Require(Theta, "the adaptive thresholds in mV, float (N,): BindsNET's network.layers['Ae'].theta");
        CheckShape(theta, Theta, n);
        RequireFinite(weights, InputWeights);
        RequireFinite(theta, Theta);

        int[]? assignments = null;
        if (arrays.TryGetValue(Assignments, out var a))
        {
            CheckShape(a, Assignments, n);
            assignments = new int[n];
            for (var j = 0; j < n; j++)
            {
                var v = a.Numbers[j];
                if (v != Math.Floor(v) || v is < -1 or > SnnModel.Classes - 1)
                    throw Bad($"'{Assignments}'[{j}] is {v.ToString(CultureInfo.InvariantCulture)}; classes are integers 0..9, or -1 for an unassigned neuron");
                assignments[j] = (int)v;
            }
        }
        float[]? classRates = null;
        var ratesName = arrays.ContainsKey(Rates) ? Rates : arrays.ContainsKey(Proportions) ? Proportions : null;
        if (ratesName is not null)
        {
            var r = arrays[ratesName];
            CheckShape(r, ratesName, n, SnnModel.Classes);
            RequireFinite(r, ratesName);
            classRates = new float[n * SnnModel.Classes];
            for (var j = 0; j < n; j++)
                for (var k = 0; k < SnnModel.Classes; k++)
                    classRates[k * n + j] = (float)r.Numbers[j * SnnModel.Classes + k];
        }
        byte[]? delays = null;
        if (arrays.TryGetValue(Delays, out var d))
        {
            CheckShape(d, Delays, inputs, n);
            delays = new byte[d.Numbers.Length];
            for (var k = 0; k < delays.Length; k++)
            {
                var v = d.Numbers[k];
                if (v != Math.Floor(v) || v is < 0 or > 255)
                    throw Bad($"'{Delays}' holds {v.ToString(CultureInfo.InvariantCulture)}; delays are whole time steps 0..255");
                delays[k] = (byte)v;
            }
        }

        NetworkConfig? config = null;
        ulong? seed = null;
        long examples = 0;
        DataFingerprint? trainingData = null;
        if (arrays.TryGetValue(Config, out var configArray))
        {
            if (configArray.Text is null) throw Bad($"'{Config}' must be a text array holding JSON");
            try
            {
                var json = JsonNode.Parse(configArray.Text)?.AsObject() ?? throw new JsonException("not an object");
                if (json["parameters"] is JsonObject parameters)
                    config = ParameterTable.FromDescription(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.GetValue<string>() ?? "")));
                if (json["seed"]?.GetValue<string>() is { } s) seed = ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
                examples = json["examples_trained"]?.GetValue<long>() ?? 0;
                if (json["training_data"] is JsonObject td)
                    trainingData = new DataFingerprint(td["name"]?.GetValue<string>() ?? "unknown",
                        td["images_sha256"]?.GetValue<string>(), td["labels_sha256"]?.GetValue<string>());
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException or ConfigException)
            {
                throw Bad($"'{Config}' is not the JSON fspinn writes ({e.Message})");
            }
            if (config is not null && config.Neurons != n)
                throw Bad($"'{Config}' describes {config.Neurons} neurons but '{InputWeights}' has {n} columns");
        }

        return new NpzContents(path, inputs, n, ToFloats(weights), ToFloats(theta), assignments, classRates, delays,
            config, seed, examples, trainingData, InhibitionSettings(arrays, n, path));
    }

    /// <summary>
    /// The inhibition the arrays describe, as parameter assignments ("inhibition=lateral", "w_inh=250"). fspinn has one
    /// strength per projection, so a matrix must be uniform: a constant diagonal (E → I) or a constant off-diagonal with a
    /// zero diagonal (I → E, E → E).
    /// </summary>
    private static IReadOnlyList<string> InhibitionSettings(IReadOnlyDictionary<string, NpyArray> arrays, int n, string path)
    {
        var hasLayer = arrays.ContainsKey(ExcToInh) || arrays.ContainsKey(InhToExc);
        if (hasLayer && arrays.ContainsKey(Lateral))
            throw new InteropException(path, $"both an inhibitory layer ('{ExcToInh}'/'{InhToExc}') and direct lateral inhibition ('{Lateral}'); a network has one of the two");
        var settings = new List<string>();
        string Text(double v) => ((float)v).ToString("R", CultureInfo.InvariantCulture);
        if (arrays.TryGetValue(ExcToInh, out var ei))
        {
            settings.Add("inhibition=layer");
            settings.Add($"w_exc_inh={Text(Uniform(ei, ExcToInh, n, path, diagonal: true))}");
        }
        if (arrays.TryGetValue(InhToExc, out var ie))
        {
            settings.Add("inhibition=layer");
            settings.Add($"w_inh_exc={Text(-Uniform(ie, InhToExc, n, path, diagonal: false))}");
        }
        if (arrays.TryGetValue(Lateral, out var ee))
        {
            settings.Add("inhibition=lateral");
            settings.Add($"w_inh={Text(-Uniform(ee, Lateral, n, path, diagonal: false))}");
        }
        return settings;
    }

    private static double Uniform(NpyArray m, string name, int n, string path, bool diagonal)
    {
        CheckShape(m, name, n, n);
        RequireFinite(m, name);
        double? value = null;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var v = m.Numbers[i * n + j];
                var onPattern = diagonal ? i == j : i != j;
                if (!onPattern)
                {
                    if (v != 0)
                        throw new InteropException(path, $"'{name}'[{i}, {j}] is {v.ToString(CultureInfo.InvariantCulture)}; fspinn's {(diagonal ? "E → I connection is one-to-one" : "inhibition spares each neuron itself")}, so it must be 0");
                    continue;
                }
                value ??= v;
                if (Math.Abs(v - value.Value) > 1e-6 * Math.Max(1, Math.Abs(value.Value)))
                    throw new InteropException(path, $"'{name}' is not uniform ({value.Value.ToString(CultureInfo.InvariantCulture)} and {v.ToString(CultureInfo.InvariantCulture)}); fspinn has one strength per inhibitory projection");
            }
        return value ?? 0;
    }

    private static void CheckShape(NpyArray a, string name, params int[] shape)
    {
        if (!a.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"'{name}' has shape {a.ShapeText}, expected ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")})");
    }

    private static void RequireFinite(NpyArray a, string name)
    {
        for (var k = 0; k < a.Numbers.Length; k++)
            if (!double.IsFinite(a.Numbers[k]))
                throw new InvalidDataException($"'{name}' holds {a.Numbers[k].ToString(CultureInfo.InvariantCulture)} at flat index {k}; values must be finite");
    }

    private static float[] ToFloats(NpyArray a) => [.. a.Numbers.Select(v => (float)v)];

    /// <summary>
    /// The model of <paramref name="contents"/> under <paramref name="config"/> (whose neuron count must match).
    /// Quantized configurations store the weights in their fixed-point format (values already on its grid, as in our
    /// own exports, are kept exactly). Returns the model and notes on what was taken from where.
    /// </summary>
    public static (SnnModel Model, IReadOnlyList<string> Notes) ToModel(NpzContents contents, NetworkConfig config, ulong seed)
    {
        var n = contents.Neurons;
        if (config.Neurons != n)
            throw new InteropException(contents.Path, $"the configuration has {config.Neurons} neurons, the arrays {n}");
        var notes = new List<string>();
        WeightMatrix weights;
        if (config.Quantize == QuantizationMode.None)
        {
            weights = WeightMatrix.CreateFloat(contents.InputSize, n);
        }
        else
        {
            if (contents.InputWeights.Any(w => w < 0))
                throw new InteropException(contents.Path, $"'{InputWeights}' has negative weights, which the unsigned {config.WeightBits}-bit format cannot hold; import as float (--quantize none)");
            weights = WeightMatrix.CreateFixed(contents.InputSize, n, new FixedPointFormat(config.WeightBits, config.EffectiveFractionBits), config.Rounding);
        }
        var rng = Xoshiro256.ForStream(seed, StreamPurpose.PostTrainingQuantization, (ulong)config.WeightBits);
        for (var k = 0; k < contents.InputWeights.Length; k++)
            weights.StoreUnclipped(k, contents.InputWeights[k], ref rng);

        byte[]? delays = null;
        if (config.InputDelaySteps > 0)
        {
            delays = contents.Delays ?? throw new InteropException(contents.Path,
                $"the network has input delays (input_delay_max_ms={config.InputDelayMaxMs.ToString(CultureInfo.InvariantCulture)}) but the file has no '{Delays}' array; add it or --set input_delay_max_ms=0");
            var tooLong = delays.FirstOrDefault(v => v > config.InputDelaySteps);
            if (tooLong > 0)
                throw new InteropException(contents.Path, $"'{Delays}' holds {tooLong} steps, more than the configured maximum of {config.InputDelaySteps}");
        }
        else if (contents.Delays is not null)
        {
            notes.Add($"'{Delays}' ignored: the configuration has no input delays");
        }

        var model = new SnnModel(config, contents.InputSize, seed, weights, (float[])contents.Theta.Clone(), delays)
        {
            ExamplesTrained = contents.ExamplesTrained,
            TrainingData = contents.TrainingData,
        };
        if (contents.ClassRates is { } rates)
        {
            rates.CopyTo(model.ClassRates, 0);
            if (contents.Assignments is { } given)
            {
                given.CopyTo(model.Assignments, 0);
                model.IsLabelled = true;
                notes.Add("labels: assignments and per-class rates from the file");
            }
            else
            {
                Protocol.AssignFromRates(model);
                notes.Add("labels: each neuron's class is its highest rate in the file");
            }
        }
        else if (contents.Assignments is { } only)
        {
            only.CopyTo(model.Assignments, 0);
            for (var j = 0; j < n; j++)
                if (only[j] >= 0) model.ClassRates[only[j] * n + j] = 1; // no rates: proportion weighting counts each neuron for its class only
            model.IsLabelled = true;
            notes.Add($"labels: assignments from the file; without '{Rates}' or '{Proportions}' the proportion-weighting rule equals all-activity");
        }
        return (model, notes);
    }
}

/// <summary>The checked arrays of an .npz file, before they become a model. Class rates are stored as the model holds them (class-major).</summary>
public sealed record NpzContents(
    string Path, int InputSize, int Neurons, float[] InputWeights, float[] Theta, int[]? Assignments, float[]? ClassRates,
    byte[]? Delays, NetworkConfig? Config, ulong? Seed, long ExamplesTrained, DataFingerprint? TrainingData,
    IReadOnlyList<string> InhibitionSettings)
{
    public bool HasLabels => Assignments is not null || ClassRates is not null;
}
