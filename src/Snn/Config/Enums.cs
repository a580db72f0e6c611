namespace FSpiNN.Snn.Config;

/// <summary>How synaptic input acts on the membrane.</summary>
public enum NeuronModel
{
    /// <summary>Conductance-based LIF with reversal potentials (Diehl &amp; Cook's Brian code).</summary>
    Conductance,
    /// <summary>Current-based (delta-synapse) LIF: a weight is a voltage jump in mV (BindsNET).</summary>
    Current,
    /// <summary>Izhikevich (2003) regular-spiking neurons driven by current input (BindsNET's IzhikevichNodes).</summary>
    Izhikevich,
}

/// <summary>How excitatory neurons inhibit each other.</summary>
public enum InhibitionKind
{
    /// <summary>A layer of N inhibitory neurons: E→I one-to-one, I→E all-but-self.</summary>
    Layer,
    /// <summary>Direct lateral inhibition among excitatory neurons (FSpiNN, BindsNET DiehlAndCook2015v2).</summary>
    Lateral,
}

/// <summary>STDP rule on the input→excitatory projection.</summary>
public enum StdpRule
{
    /// <summary>Diehl &amp; Cook code: pre spike w -= eta_pre·x_post1; post spike w += eta_post·x_pre·x_post2(before).</summary>
    Triplet,
    /// <summary>BindsNET PostPre: pre spike w -= eta_pre·x_post; post spike w += eta_post·x_pre.</summary>
    PostPre,
    /// <summary>FSpiNN: potentiation only, at post spikes, from the presynaptic trace: w += k_p·eta_post·x_pre.</summary>
    Potentiation,
}

/// <summary>When the presynaptic side of STDP (trace set, depression) acts on an input synapse with a delay.</summary>
public enum PreSpikeTiming
{
    /// <summary>When the delayed spike arrives at the synapse, per synapse: Brian2's <c>on_pre</c> on a pathway with delays.</summary>
    Arrival,
    /// <summary>When the input neuron emits the spike, one trace per input neuron; the delay only moves the conductance.</summary>
    Emission,
}

/// <summary>How the adaptive threshold θ decays during learning, step by step (docs/model.md, "Threshold adaptation").</summary>
public enum ThetaDecayArithmetic
{
    /// <summary>
    /// As the decay's exact value (Brian2 integrates θ in double): the decay of a presentation or rest is kept as a
    /// double scale and folded into the float32 θ once at its end.
    /// </summary>
    Exact,
    /// <summary>
    /// θ ← θ·decay in float32 at every learning step, rounded each time, as BindsNET (PyTorch float32 tensors) does. With
    /// τθ = 10⁷ ms the factor is within an ulp of 1, so the rounding makes θ decay 1.2-2.4x faster than τθ.
    /// </summary>
    Float32PerStep,
}

/// <summary>When the column normalisation of the input→excitatory weights runs during training.</summary>
public enum NormalizationTiming { None, BeforeExample, AfterExample }

/// <summary>How Poisson input spike trains are drawn.</summary>
public enum InputEncoding
{
    /// <summary>Independent Bernoulli(rate·dt) per input and step (Brian's PoissonGroup), drawn as geometric inter-spike gaps.</summary>
    Bernoulli,
    /// <summary>BindsNET's encoder: Poisson-distributed inter-spike intervals of mean 1/(rate·dt) steps, zero gaps bumped to one.</summary>
    BindsNetIntervals,
}

/// <summary>Rounding used when a real value is stored in a fixed-point format.</summary>
public enum RoundingMode
{
    /// <summary>Truncation toward −∞ (chop the low bits).</summary>
    Truncate,
    /// <summary>Round to nearest, ties up.</summary>
    Nearest,
    /// <summary>Stochastic rounding: round up with probability equal to the dropped fraction (seeded, unbiased).</summary>
    Stochastic,
}

/// <summary>When weights are quantized.</summary>
public enum QuantizationMode
{
    /// <summary>float32 weights throughout.</summary>
    None,
    /// <summary>Post-training: train in float, quantize once before labelling and testing.</summary>
    PostTraining,
    /// <summary>In-training: weights are stored as integers and re-quantized after every write and normalisation.</summary>
    InTraining,
}
