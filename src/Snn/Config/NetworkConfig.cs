using System.Globalization;

namespace FSpiNN.Snn.Config;

/// <summary>
/// Every parameter of the one parameterised network model. Presets (<see cref="NetworkPresets"/>) fill it for the
/// Diehl &amp; Cook (2015) code, the BindsNET-style baseline and FSpiNN; <see cref="ParameterTable"/> gives every field a
/// stable snake_case name so that `--set name=value`, search spaces and stored trials say the same thing.
/// Units: time in ms, voltage in mV, rates in Hz.
/// </summary>
public sealed record NetworkConfig
{
    public string Preset { get; init; } = "custom";
    public int Neurons { get; init; } = 100;

    // --- neurons ---
    public NeuronModel NeuronModel { get; init; } = NeuronModel.Current;
    public double Dt { get; init; } = 1.0;
    public double ExcRest { get; init; } = -65;
    public double ExcReset { get; init; } = -60;
    public double ExcThreshold { get; init; } = -52;
    public double ExcTauMembrane { get; init; } = 100;
    public double ExcRefractory { get; init; } = 5;
    /// <summary>Initial membrane potential of excitatory neurons at the start of training.</summary>
    public double ExcInitialV { get; init; } = -65;
    public double InhRest { get; init; } = -60;
    public double InhReset { get; init; } = -45;
    public double InhThreshold { get; init; } = -40;
    public double InhTauMembrane { get; init; } = 10;
    public double InhRefractory { get; init; } = 2;
    public double InhInitialV { get; init; } = -60;
    /// <summary>Conductance model: reversal potentials and conductance time constants.</summary>
    public double ExcitatoryReversal { get; init; }
    public double ExcInhibitoryReversal { get; init; } = -100;
    public double InhInhibitoryReversal { get; init; } = -85;
    public double TauGe { get; init; } = 1;
    public double TauGi { get; init; } = 2;

    // --- adaptive threshold ---
    public double ThetaPlus { get; init; } = 0.05;
    public double ThetaTau { get; init; } = 1e7;
    public double ThetaInit { get; init; }
    /// <summary>Spike when v &gt; threshold + theta − offset (Diehl &amp; Cook: offset 20 mV with theta starting at 20 mV).</summary>
    public double ThetaOffset { get; init; }
    /// <summary>
    /// How θ's decay is computed. Exact is what models saved between 3a63711 (θ's decay made exact) and this parameter
    /// did, so it is the default of a configuration that does not name it; the bindsnet and fspinn presets use BindsNET's
    /// float32 step.
    /// </summary>
    public ThetaDecayArithmetic ThetaDecayArithmetic { get; init; } = ThetaDecayArithmetic.Exact;

    // --- inhibition ---
    public InhibitionKind Inhibition { get; init; } = InhibitionKind.Layer;
    public double ExcToInhWeight { get; init; } = 22.5;
    public double InhToExcWeight { get; init; } = 17.5;
    /// <summary>Direct lateral inhibition strength w_inh (FSpiNN).</summary>
    public double LateralInhibition { get; init; } = 17.5;
    /// <summary>BindsNET's one_spike: at most one excitatory spike emitted per step (random pick among those crossing).</summary>
    public bool OneSpikePerStep { get; init; } = true;

    // --- input and protocol ---
    public InputEncoding Encoding { get; init; } = InputEncoding.BindsNetIntervals;
    /// <summary>Rate of a full-intensity pixel (255) at the first attempt.</summary>
    public double MaxInputRate { get; init; } = 128;
    /// <summary>Rate added to a full-intensity pixel on each retry (Diehl &amp; Cook: one intensity step, 255/8 Hz).</summary>
    public double RetryRateIncrement { get; init; } = 31.875;
    /// <summary>Present the example again at higher rate while the excitatory layer fired fewer than this many spikes; 0 disables.</summary>
    public int RetryMinSpikes { get; init; }
    /// <summary>Upper bound on retries per example (Diehl &amp; Cook loop forever; a cap keeps a silent network from hanging).</summary>
    public int MaxRetries { get; init; } = 20;
    public double PresentationMs { get; init; } = 250;
    public double RestMs { get; init; }
    /// <summary>Reset v, conductances, traces and refractory counters before each example (theta is kept).</summary>
    public bool ResetBetweenExamples { get; init; } = true;
    /// <summary>Input→excitatory delays drawn uniformly from [0, max] ms per synapse; 0 disables.</summary>
    public double InputDelayMaxMs { get; init; }
    /// <summary>
    /// Labelling and testing: rest this long between examples with no input and carry the state over (Diehl &amp; Cook's
    /// test mode, 150 ms); 0 resets the state before each example instead. Examples are carried over within fixed blocks
    /// of <see cref="InferenceBlock"/>, each starting from the reset state, so results do not depend on the thread count.
    /// </summary>
    public double InferenceRestMs { get; init; }

    // --- learning ---
    public StdpRule Stdp { get; init; } = StdpRule.PostPre;
    /// <summary>
    /// With input delays: when the pre-synaptic STDP terms act. Emission is what models saved before this parameter
    /// existed did, so it is the default of a configuration that does not name it; the dc2015 preset uses arrival.
    /// </summary>
    public PreSpikeTiming StdpPreTiming { get; init; } = PreSpikeTiming.Emission;
    public double EtaPre { get; init; } = 1e-4;
    public double EtaPost { get; init; } = 1e-2;
    public double TauPre { get; init; } = 20;
    public double TauPost { get; init; } = 20;
    public double TauPost2 { get; init; } = 40;
    public double WeightMax { get; init; } = 1.0;
    /// <summary>Initial weights: (U[0,1) + InitOffset) · InitScale.</summary>
    public double InitScale { get; init; } = 0.3;
    public double InitOffset { get; init; }
    public NormalizationTiming Normalization { get; init; } = NormalizationTiming.AfterExample;
    public double NormalizationTarget { get; init; } = 78.4;
    /// <summary>Timestep-based weight updates: accumulate STDP changes and write weights once every this many steps (and at the end of each example). 1 = write immediately.</summary>
    public int UpdateInterval { get; init; } = 1;
    public bool AdaptivePotentiation { get; init; }
    /// <summary>k_p = clamp(maxSpikes / reference, min, max), maxSpikes the largest excitatory spike count so far in the example.</summary>
    public double PotentiationReference { get; init; } = 5;
    public double PotentiationMin { get; init; }
    public double PotentiationMax { get; init; } = 1;

    // --- weights ---
    public QuantizationMode Quantize { get; init; } = QuantizationMode.None;
    public int WeightBits { get; init; } = 32;
    /// <summary>Fractional bits of the unsigned Qi.f weight format; -1 = WeightBits − 1 (Q1.(b−1)).</summary>
    public int WeightFractionBits { get; init; } = -1;
    public RoundingMode Rounding { get; init; } = RoundingMode.Nearest;
    /// <summary>
    /// Rounding of the re-quantization after each in-training normalisation. Round-to-nearest by default: a column whose
    /// scale factor is close to 1 keeps its codes. Stochastic rounding here adds a random walk of about one LSB per weight
    /// per example, and truncation shrinks every column at every normalisation.
    /// </summary>
    public RoundingMode NormalizationRounding { get; init; } = RoundingMode.Nearest;

    public int EffectiveFractionBits => WeightFractionBits >= 0 ? WeightFractionBits : WeightBits - 1;

    /// <summary>Number of simulation steps of one presentation.</summary>
    public int PresentationSteps => (int)Math.Round(PresentationMs / Dt);
    public int RestSteps => (int)Math.Round(RestMs / Dt);
    public int InferenceRestSteps => (int)Math.Round(InferenceRestMs / Dt);
    /// <summary>Consecutive inference examples that carry their state over when <see cref="InferenceRestMs"/> &gt; 0.</summary>
    public const int InferenceBlock = 64;
    /// <summary>True when the pre-synaptic STDP terms act at arrival on synapses that have delays.</summary>
    public bool StdpAtArrival => StdpPreTiming == PreSpikeTiming.Arrival && InputDelaySteps > 0;
    /// <summary>The longest input delay in whole steps (0: no delays); delays are drawn in 0 ..= this.</summary>
    public int InputDelaySteps => (int)Math.Round(InputDelayMaxMs / Dt);

    /// <summary>Most simulation steps of one example (presentation + rest): bounds the time and memory of one example.</summary>
    public const int MaxStepsPerExample = 1_000_000;

    /// <summary>Delays are stored as one byte per synapse.</summary>
    public const int MaxInputDelaySteps = byte.MaxValue;

    /// <summary>Throws <see cref="ConfigException"/> naming the first invalid parameter.</summary>
    public NetworkConfig Validate()
    {
        static void Require(bool ok, string name, string problem)
        {
            if (!ok) throw new ConfigException(name, problem);
        }
        // each parameter's own range lives in ParameterTable (shared with --set, space files and model files); the rest are relations
        ParameterTable.CheckRanges(this);
        Require(PresentationSteps >= 1, "presentation_ms", $"must be at least one time step (dt = {Dt.ToString(CultureInfo.InvariantCulture)} ms)");
        Require((long)PresentationSteps + RestSteps <= MaxStepsPerExample, "presentation_ms",
            $"presentation_ms + rest_ms = {PresentationSteps + (long)RestSteps} steps of dt = {Dt.ToString(CultureInfo.InvariantCulture)} ms per example; at most {MaxStepsPerExample} are supported");
        Require((long)PresentationSteps + InferenceRestSteps <= MaxStepsPerExample, "inference_rest_ms",
            $"presentation_ms + inference_rest_ms = {PresentationSteps + (long)InferenceRestSteps} steps of dt = {Dt.ToString(CultureInfo.InvariantCulture)} ms per example; at most {MaxStepsPerExample} are supported");
        Require(InputDelaySteps <= MaxInputDelaySteps, "input_delay_max_ms",
            $"at most {MaxInputDelaySteps} steps of delay are supported, got {InputDelaySteps} (dt = {Dt.ToString(CultureInfo.InvariantCulture)} ms)");
        Require(MaxInputRate * Dt / 1000 <= 1, "max_input_rate", "rate·dt exceeds one spike per step");
        Require(PotentiationMin <= PotentiationMax, "potentiation_min", "must be <= potentiation_max");
        Require(EffectiveFractionBits >= 0 && EffectiveFractionBits <= WeightBits, "weight_fraction_bits",
            $"must be between 0 and bits ({WeightBits}), got {EffectiveFractionBits}");
        return this;
    }
}

/// <summary>A configuration value is invalid; names the parameter.</summary>
public sealed class ConfigException(string parameter, string problem)
    : Exception($"invalid parameter '{parameter}': {problem}")
{
    public string Parameter { get; } = parameter;
}
