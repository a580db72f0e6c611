using System.Globalization;
using FSpiNN.Shared;

namespace FSpiNN.Snn.Config;

/// <summary>
/// The stable names of every <see cref="NetworkConfig"/> parameter, used by `--set name=value`, search-space files
/// and stored trials. One table, so a name means the same thing everywhere.
/// </summary>
public static class ParameterTable
{
    /// <summary>
    /// One parameter. <paramref name="Min"/>..<paramref name="Max"/> (inclusive; numbers only) is the one range every way
    /// of setting it (`--set`, space files, model files, stored trials) is checked against: values outside it are refused
    /// by <see cref="ParameterTable.Set"/>, and the search-space validator reads the same bounds.
    /// </summary>
    public sealed record Parameter(string Name, string Description, ParameterType Type, Func<NetworkConfig, string> Get, Func<NetworkConfig, string, NetworkConfig> Set,
        double Min = double.NaN, double Max = double.NaN, IReadOnlyList<string>? Choices = null)
    {
        /// <summary>Sets a <see cref="ParameterType.Real"/> or <see cref="ParameterType.Integer"/> parameter from a number (range-checked); the text <see cref="Set"/> parses, then calls it.</summary>
        internal Func<NetworkConfig, double, NetworkConfig>? SetNumber { get; init; }
        /// <summary>Sets a <see cref="ParameterType.Flag"/> parameter.</summary>
        internal Func<NetworkConfig, bool, NetworkConfig>? SetFlag { get; init; }

        public bool IsNumeric => Type is ParameterType.Real or ParameterType.Integer;
        public string Range => IsNumeric ? $"[{Format(Min)}, {Format(Max)}]" : Choices is { } c ? string.Join(", ", c) : "";
    }

    /// <summary>How a parameter's text is read.</summary>
    public enum ParameterType { Text, Real, Integer, Flag, Choice }

    private static string Format(double x) => x.ToString("G", CultureInfo.InvariantCulture);

    private static readonly List<Parameter> All = [];
    private static readonly Dictionary<string, Parameter> ByName = new(StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<Parameter> Parameters => All;

    public static bool Contains(string name) => ByName.ContainsKey(name);

    public static string Get(NetworkConfig config, string name) => Find(name).Get(config);

    /// <summary>Returns a copy of <paramref name="config"/> with one parameter set from text; throws <see cref="ConfigException"/> on an unknown name or bad value.</summary>
    public static NetworkConfig Set(NetworkConfig config, string name, string value) => Find(name).Set(config, value.Trim());

    // Typed values (a search candidate's): no text in between, the same range checks and messages as the text. A value
    // of another kind than the parameter's is read as its invariant text, as `--set` would read it.

    /// <summary>Sets an integer or real parameter from an integer.</summary>
    public static NetworkConfig Set(NetworkConfig config, string name, long value) =>
        Find(name) is { SetNumber: { } set } ? set(config, value) : Set(config, name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Sets a real parameter from a number (an integer parameter takes it only when it is whole).</summary>
    public static NetworkConfig Set(NetworkConfig config, string name, double value) =>
        Find(name) is { Type: ParameterType.Real, SetNumber: { } set } ? set(config, value) : Set(config, name, value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>Sets a flag.</summary>
    public static NetworkConfig Set(NetworkConfig config, string name, bool value) =>
        Find(name) is { SetFlag: { } set } ? set(config, value) : Set(config, name, value ? "true" : "false");

    /// <summary>
    /// What giving a weight width means, the one rule for `fspinn train/cost --bits` and for a search space's `bits`:
    /// 32 bits are float32 weights (quantization off, whatever the mode); fewer bits are fixed point, quantized in
    /// training unless a mode was given with them (<paramref name="modeGiven"/>), and refused with quantization off.
    /// Call it after the bits (and the mode, if given) are set.
    /// </summary>
    public static NetworkConfig ImplyQuantization(NetworkConfig config, bool modeGiven)
    {
        if (config.WeightBits == 32) return config with { Quantize = QuantizationMode.None };
        if (config.Quantize != QuantizationMode.None) return config;
        if (modeGiven)
            throw new ConfigException("quantize", $"bits={config.WeightBits} needs quantization: give quantize ptq or itq");
        return config with { Quantize = QuantizationMode.InTraining };
    }

    /// <summary>Applies `name=value` assignments in order.</summary>
    public static NetworkConfig Apply(NetworkConfig config, IEnumerable<string> assignments)
    {
        foreach (var assignment in assignments)
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new ConfigException(assignment, "expected name=value");
            config = Set(config, assignment[..eq].Trim(), assignment[(eq + 1)..]);
        }
        return config.Validate();
    }

    /// <summary>All parameters as name → value text (stable order), for model files and stored trials.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Describe(NetworkConfig config) =>
        [.. All.Select(p => new KeyValuePair<string, string>(p.Name, p.Get(config)))];

    /// <summary>Rebuilds a configuration from <see cref="Describe"/>'s output.</summary>
    public static NetworkConfig FromDescription(IEnumerable<KeyValuePair<string, string>> values)
    {
        var config = new NetworkConfig();
        foreach (var (name, value) in values)
            config = Set(config, name, value);
        return config.Validate();
    }

    /// <summary>Throws <see cref="ConfigException"/> for the first numeric parameter of <paramref name="config"/> outside its range (or NaN).</summary>
    internal static void CheckRanges(NetworkConfig config)
    {
        foreach (var p in All)
        {
            if (!p.IsNumeric) continue;
            var text = p.Get(config);
            var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!(value >= p.Min && value <= p.Max)) throw new ConfigException(p.Name, $"must be in {p.Range}, got {text}");
        }
    }

    private static Parameter Find(string name) =>
        ByName.TryGetValue(name, out var p) ? p
            : throw new ConfigException(name, $"unknown parameter{NearestName.Hint(name, All.Select(x => x.Name))}; known: {string.Join(", ", All.Select(x => x.Name))}");

    private static void Add(Parameter p)
    {
        All.Add(p);
        ByName[p.Name] = p;
    }

    private static void Real(string name, string description, double min, double max, Func<NetworkConfig, double> get, Func<NetworkConfig, double, NetworkConfig> set)
    {
        NetworkConfig SetNumber(NetworkConfig c, double v) => set(c, InRange(name, v, min, max));
        Add(new(name, description, ParameterType.Real, c => get(c).ToString("R", CultureInfo.InvariantCulture),
            (c, v) => SetNumber(c, ParseReal(name, v)), min, max) { SetNumber = SetNumber });
    }

    /// <summary>An integer parameter; its typed setter is only given whole numbers (<see cref="Set(NetworkConfig, string, double)"/> passes others as text).</summary>
    private static void Integer(string name, string description, int min, int max, Func<NetworkConfig, int> get, Func<NetworkConfig, int, NetworkConfig> set)
    {
        NetworkConfig SetNumber(NetworkConfig c, double v) => set(c, (int)InRange(name, v, min, max));
        Add(new(name, description, ParameterType.Integer, c => get(c).ToString(CultureInfo.InvariantCulture),
            (c, v) => SetNumber(c, ParseInt(name, v)), min, max) { SetNumber = SetNumber });
    }

    private static void Flag(string name, string description, Func<NetworkConfig, bool> get, Func<NetworkConfig, bool, NetworkConfig> set) =>
        Add(new(name, description, ParameterType.Flag, c => get(c) ? "true" : "false", (c, v) => set(c, ParseBool(name, v))) { SetFlag = set });

    private static double InRange(string name, double value, double min, double max) =>
        value >= min && value <= max ? value
            : throw new ConfigException(name, $"must be in [{Format(min)}, {Format(max)}], got {value.ToString("R", CultureInfo.InvariantCulture)}");

    private static void Choice<T>(string name, string description, (string Text, T Value)[] choices, Func<NetworkConfig, T> get, Func<NetworkConfig, T, NetworkConfig> set)
        where T : struct, Enum =>
        Add(new(name, description, ParameterType.Choice,
            c => choices.First(x => EqualityComparer<T>.Default.Equals(x.Value, get(c))).Text,
            (c, v) =>
            {
                foreach (var (text, value) in choices)
                    if (string.Equals(text, v, StringComparison.OrdinalIgnoreCase))
                        return set(c, value);
                throw new ConfigException(name, $"'{v}' is not one of {string.Join(", ", choices.Select(x => x.Text))}");
            }, Choices: [.. choices.Select(x => x.Text)]));

    private static double ParseReal(string name, string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d : throw new ConfigException(name, $"'{v}' is not a number");

    private static long ParseInt(string name, string v) =>
        long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i : throw new ConfigException(name, $"'{v}' is not an integer");

    private static bool ParseBool(string name, string v) => v.ToLowerInvariant() switch
    {
        "true" or "1" or "on" or "yes" => true,
        "false" or "0" or "off" or "no" => false,
        _ => throw new ConfigException(name, $"'{v}' is not true/false"),
    };

    static ParameterTable()
    {
        Add(new("preset", "name of the preset this configuration started from", ParameterType.Text, c => c.Preset, (c, v) => c with { Preset = v }));
        Integer("neurons", "number of excitatory neurons N", 1, 100_000, c => c.Neurons, (c, v) => c with { Neurons = v });
        Choice("neuron_model", "conductance (Diehl & Cook), current (BindsNET) or izhikevich",
            [("conductance", NeuronModel.Conductance), ("current", NeuronModel.Current), ("izhikevich", NeuronModel.Izhikevich)], c => c.NeuronModel, (c, v) => c with { NeuronModel = v });
        Real("dt", "time step, ms", 1e-3, 10, c => c.Dt, (c, v) => c with { Dt = v });
        Real("exc_rest", "excitatory resting potential, mV", -1000, 1000, c => c.ExcRest, (c, v) => c with { ExcRest = v });
        Real("exc_reset", "excitatory reset potential, mV", -1000, 1000, c => c.ExcReset, (c, v) => c with { ExcReset = v });
        Real("exc_threshold", "excitatory base threshold, mV", -1000, 1000, c => c.ExcThreshold, (c, v) => c with { ExcThreshold = v });
        Real("exc_tau_membrane", "excitatory membrane time constant, ms", 1e-3, 1e15, c => c.ExcTauMembrane, (c, v) => c with { ExcTauMembrane = v });
        Real("exc_refractory", "excitatory refractory period, ms", 0, 10_000, c => c.ExcRefractory, (c, v) => c with { ExcRefractory = v });
        Real("exc_initial_v", "excitatory membrane potential at the start of training, mV", -1000, 1000, c => c.ExcInitialV, (c, v) => c with { ExcInitialV = v });
        Real("inh_rest", "inhibitory resting potential, mV", -1000, 1000, c => c.InhRest, (c, v) => c with { InhRest = v });
        Real("inh_reset", "inhibitory reset potential, mV", -1000, 1000, c => c.InhReset, (c, v) => c with { InhReset = v });
        Real("inh_threshold", "inhibitory threshold, mV", -1000, 1000, c => c.InhThreshold, (c, v) => c with { InhThreshold = v });
        Real("inh_tau_membrane", "inhibitory membrane time constant, ms", 1e-3, 1e15, c => c.InhTauMembrane, (c, v) => c with { InhTauMembrane = v });
        Real("inh_refractory", "inhibitory refractory period, ms", 0, 10_000, c => c.InhRefractory, (c, v) => c with { InhRefractory = v });
        Real("inh_initial_v", "inhibitory membrane potential at the start, mV", -1000, 1000, c => c.InhInitialV, (c, v) => c with { InhInitialV = v });
        Real("e_exc", "excitatory reversal potential (conductance model), mV", -1000, 1000, c => c.ExcitatoryReversal, (c, v) => c with { ExcitatoryReversal = v });
        Real("e_inh_exc", "inhibitory reversal potential of excitatory neurons, mV", -1000, 1000, c => c.ExcInhibitoryReversal, (c, v) => c with { ExcInhibitoryReversal = v });
        Real("e_inh_inh", "inhibitory reversal potential of inhibitory neurons, mV", -1000, 1000, c => c.InhInhibitoryReversal, (c, v) => c with { InhInhibitoryReversal = v });
        Real("tau_ge", "excitatory conductance time constant, ms", 1e-3, 1e15, c => c.TauGe, (c, v) => c with { TauGe = v });
        Real("tau_gi", "inhibitory conductance time constant, ms", 1e-3, 1e15, c => c.TauGi, (c, v) => c with { TauGi = v });
        Real("theta_plus", "threshold increase per spike, mV", -1000, 1000, c => c.ThetaPlus, (c, v) => c with { ThetaPlus = v });
        Real("theta_tau", "threshold adaptation decay time constant, ms", 1e-3, 1e15, c => c.ThetaTau, (c, v) => c with { ThetaTau = v });
        Real("theta_init", "initial theta, mV", -1000, 1000, c => c.ThetaInit, (c, v) => c with { ThetaInit = v });
        Real("theta_offset", "subtracted from threshold + theta, mV", -1000, 1000, c => c.ThetaOffset, (c, v) => c with { ThetaOffset = v });
        Choice("theta_decay_arithmetic", "theta's decay while learning: exact (kept in double, as Brian2) or float32-step (rounded to float32 every step, as BindsNET)",
            [("exact", ThetaDecayArithmetic.Exact), ("float32-step", ThetaDecayArithmetic.Float32PerStep)],
            c => c.ThetaDecayArithmetic, (c, v) => c with { ThetaDecayArithmetic = v });
        Choice("inhibition", "layer (inhibitory neurons) or lateral (direct, FSpiNN)",
            [("layer", InhibitionKind.Layer), ("lateral", InhibitionKind.Lateral)], c => c.Inhibition, (c, v) => c with { Inhibition = v });
        Real("w_exc_inh", "E→I one-to-one weight", 0, 1e6, c => c.ExcToInhWeight, (c, v) => c with { ExcToInhWeight = v });
        Real("w_inh_exc", "I→E all-but-self weight (applied negatively)", 0, 1e6, c => c.InhToExcWeight, (c, v) => c with { InhToExcWeight = v });
        Real("w_inh", "direct lateral inhibition strength (applied negatively)", 0, 1e6, c => c.LateralInhibition, (c, v) => c with { LateralInhibition = v });
        Flag("one_spike", "at most one excitatory spike per step", c => c.OneSpikePerStep, (c, v) => c with { OneSpikePerStep = v });
        Choice("encoding", "bernoulli (per-step Poisson) or bindsnet (Poisson intervals)",
            [("bernoulli", InputEncoding.Bernoulli), ("bindsnet", InputEncoding.BindsNetIntervals)], c => c.Encoding, (c, v) => c with { Encoding = v });
        Real("max_input_rate", "rate of a 255 pixel on the first attempt, Hz", 0, 1e6, c => c.MaxInputRate, (c, v) => c with { MaxInputRate = v });
        Real("retry_rate_increment", "rate added to a 255 pixel per retry, Hz", 0, 1e6, c => c.RetryRateIncrement, (c, v) => c with { RetryRateIncrement = v });
        Integer("retry_min_spikes", "retry while the layer fires fewer spikes than this (0 = off)", 0, 1_000_000, c => c.RetryMinSpikes, (c, v) => c with { RetryMinSpikes = v });
        Integer("max_retries", "cap on retries per example", 0, 1000, c => c.MaxRetries, (c, v) => c with { MaxRetries = v });
        Real("presentation_ms", "presentation time per example, ms", 1e-3, 10_000, c => c.PresentationMs, (c, v) => c with { PresentationMs = v });
        Real("rest_ms", "rest time after each presentation, ms", 0, 10_000, c => c.RestMs, (c, v) => c with { RestMs = v });
        Flag("reset_between_examples", "reset state variables (not theta) before each example", c => c.ResetBetweenExamples, (c, v) => c with { ResetBetweenExamples = v });
        Real("input_delay_max_ms", "input→excitatory delays uniform in [0, max] ms (0 = none)", 0, 1000, c => c.InputDelayMaxMs, (c, v) => c with { InputDelayMaxMs = v });
        Real("inference_rest_ms", "labelling/testing: rest between examples carrying the state over, ms (Diehl & Cook 150; 0 = reset before each example)",
            0, 10_000, c => c.InferenceRestMs, (c, v) => c with { InferenceRestMs = v });
        Choice("stdp", "triplet (Diehl & Cook), postpre (BindsNET) or potentiation (FSpiNN)",
            [("triplet", StdpRule.Triplet), ("postpre", StdpRule.PostPre), ("potentiation", StdpRule.Potentiation)], c => c.Stdp, (c, v) => c with { Stdp = v });
        Choice("stdp_pre_timing", "with input delays, the pre-synaptic STDP terms act at spike arrival, per synapse (Brian2) or at emission",
            [("arrival", PreSpikeTiming.Arrival), ("emission", PreSpikeTiming.Emission)], c => c.StdpPreTiming, (c, v) => c with { StdpPreTiming = v });
        Real("eta_pre", "depression rate (pre spike)", 0, 1e6, c => c.EtaPre, (c, v) => c with { EtaPre = v });
        Real("eta_post", "potentiation rate (post spike)", 0, 1e6, c => c.EtaPost, (c, v) => c with { EtaPost = v });
        Real("tau_pre", "presynaptic trace time constant, ms", 1e-3, 1e15, c => c.TauPre, (c, v) => c with { TauPre = v });
        Real("tau_post", "postsynaptic trace time constant, ms", 1e-3, 1e15, c => c.TauPost, (c, v) => c with { TauPost = v });
        Real("tau_post2", "second postsynaptic trace time constant (triplet), ms", 1e-3, 1e15, c => c.TauPost2, (c, v) => c with { TauPost2 = v });
        Real("weight_max", "upper clip of input weights", 1e-6, 1e6, c => c.WeightMax, (c, v) => c with { WeightMax = v });
        Real("init_scale", "initial weight = (U[0,1) + init_offset) · init_scale", 0, 1e6, c => c.InitScale, (c, v) => c with { InitScale = v });
        Real("init_offset", "see init_scale", -1e6, 1e6, c => c.InitOffset, (c, v) => c with { InitOffset = v });
        Choice("normalization", "column normalisation: before, after (each example) or none",
            [("before", NormalizationTiming.BeforeExample), ("after", NormalizationTiming.AfterExample), ("none", NormalizationTiming.None)],
            c => c.Normalization, (c, v) => c with { Normalization = v });
        Real("normalization_target", "column sum after normalisation", 1e-6, 1e9, c => c.NormalizationTarget, (c, v) => c with { NormalizationTarget = v });
        Integer("update_interval", "timestep-based weight updates: write accumulated changes every T_u steps", 1, 1_000_000, c => c.UpdateInterval, (c, v) => c with { UpdateInterval = v });
        Flag("adaptive_potentiation", "scale potentiation by k_p from the largest spike count", c => c.AdaptivePotentiation, (c, v) => c with { AdaptivePotentiation = v });
        Real("potentiation_reference", "S_ref in k_p = clamp(maxSpk / S_ref, min, max)", 1e-6, 1e9, c => c.PotentiationReference, (c, v) => c with { PotentiationReference = v });
        Real("potentiation_min", "lower clamp of k_p", 0, 1e6, c => c.PotentiationMin, (c, v) => c with { PotentiationMin = v });
        Real("potentiation_max", "upper clamp of k_p", 0, 1e6, c => c.PotentiationMax, (c, v) => c with { PotentiationMax = v });
        Choice("quantize", "none (float32), ptq (post-training) or itq (in-training)",
            [("none", QuantizationMode.None), ("ptq", QuantizationMode.PostTraining), ("itq", QuantizationMode.InTraining)],
            c => c.Quantize, (c, v) => c with { Quantize = v });
        Integer("bits", "weight bits (1-32)", 1, 32, c => c.WeightBits, (c, v) => c with { WeightBits = v });
        Integer("weight_fraction_bits", "fractional bits of the weight format (-1 = bits-1)", -1, 32, c => c.WeightFractionBits, (c, v) => c with { WeightFractionBits = v });
        Choice("rounding", "tr (truncate), rn (nearest) or sr (stochastic)",
            [("tr", RoundingMode.Truncate), ("rn", RoundingMode.Nearest), ("sr", RoundingMode.Stochastic)], c => c.Rounding, (c, v) => c with { Rounding = v });
        Choice("normalization_rounding", "rounding of the re-quantization after in-training normalisation: tr, rn or sr",
            [("tr", RoundingMode.Truncate), ("rn", RoundingMode.Nearest), ("sr", RoundingMode.Stochastic)],
            c => c.NormalizationRounding, (c, v) => c with { NormalizationRounding = v });
    }
}
