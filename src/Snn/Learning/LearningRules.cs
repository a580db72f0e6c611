using FSpiNN.Snn.Config;

namespace FSpiNN.Snn.Learning;

/// <summary>
/// What a learning rule may do to the plastic input→excitatory projection in one step: set and read the traces it
/// declared (<see cref="ILearningRule.PostTraces"/>), depress rows and potentiate columns. <see cref="Plasticity"/>
/// implements it (traces, weights, the optional timestep-based accumulator, the vectorised writes and their counts).
/// </summary>
public interface IPlasticSynapses
{
    /// <summary>x_pre ← 1 for the inputs that spiked this step.</summary>
    void SetPreTraces(ReadOnlySpan<int> preSpikes);

    /// <summary>Every post trace ← 1 for the neurons that spiked this step.</summary>
    void SetPostTraces(ReadOnlySpan<int> postSpikes);

    /// <summary>The presynaptic trace vector at this step.</summary>
    ReadOnlySpan<float> PreTraces();

    /// <summary>
    /// The presynaptic traces column <paramref name="column"/>'s synapses see at this step: <see cref="PreTraces()"/> when
    /// STDP acts at emission; each synapse's own (from the last spike that reached it) when it acts at arrival.
    /// </summary>
    ReadOnlySpan<float> PreTraces(int column);

    /// <summary>The depression of this step's presynaptic spikes (w −= eta·x_post1), at emission or at arrival per synapse.</summary>
    void DepressPre(ReadOnlySpan<int> preSpikes, float eta);

    /// <summary>The second postsynaptic trace x_post2 (kept decaying only when the rule declares two post traces).</summary>
    ReadOnlySpan<float> SecondPostTraces { get; }

    /// <summary>w[row, :] −= eta·x_post1[:], clipped to [0, w_max].</summary>
    void DepressRow(int row, float eta);

    /// <summary>w[:, col] += scale·xPre[:], clipped to [0, w_max].</summary>
    void PotentiateColumn(int col, float scale, ReadOnlySpan<float> xPre);
}

/// <summary>
/// The factor k_p that scales potentiation. FSpiNN's adaptive factor grows with the largest spike count of any
/// excitatory neuron during the current example (<see cref="AdaptivePotentiation"/>); without modulation k_p = 1.
/// </summary>
public interface IPotentiationModulation
{
    /// <summary>k_p for a step in which some neuron spiked, given each neuron's spikes so far in this example.</summary>
    float Factor(ReadOnlySpan<int> exampleSpikes);

    /// <summary>FSpiNN's adaptive factor when <paramref name="config"/> asks for it, else none (k_p = 1).</summary>
    public static IPotentiationModulation? Create(NetworkConfig config) => config.AdaptivePotentiation
        ? new AdaptivePotentiation(config.PotentiationReference, config.PotentiationMin, config.PotentiationMax)
        : null;
}

/// <summary>FSpiNN: k_p = clamp(max spike count / S_ref, min, max).</summary>
public sealed class AdaptivePotentiation(double reference, double min, double max) : IPotentiationModulation
{
    public float Factor(ReadOnlySpan<int> exampleSpikes) =>
        (float)Math.Clamp(System.Numerics.Tensors.TensorPrimitives.Max(exampleSpikes) / reference, min, max);
}

/// <summary>A constant k_p (tests drive the rules with one).</summary>
public sealed class FixedPotentiation(float factor) : IPotentiationModulation
{
    public float Factor(ReadOnlySpan<int> exampleSpikes) => factor;
}

/// <summary>
/// One STDP rule on the input→excitatory projection. A rule decides which terms apply at the pre- and postsynaptic
/// spikes of a step, declares the postsynaptic traces it reads (the engine keeps only those, the cost model stores and
/// prices them) and owns its potentiation modulation.
/// </summary>
public interface ILearningRule
{
    /// <summary>Postsynaptic traces the rule reads: 0 (none kept), 1 (x_post) or 2 (x_post and x_post2). Every rule reads x_pre.</summary>
    int PostTraces { get; }

    /// <summary>
    /// True when a step without a postsynaptic spike can change a weight (a pre-spike depression term); false when only
    /// post spikes write weights, so that a step with no excitatory spike changes only traces (the simulator then lets
    /// several threads run such steps without synchronising).
    /// </summary>
    bool WritesWithoutPostSpikes { get; }

    /// <summary>
    /// Applies the rule for one step, given the input spikes and the emitted excitatory spikes of that step and each
    /// excitatory neuron's spikes so far in the example (for the potentiation modulation).
    /// </summary>
    void Apply(IPlasticSynapses synapses, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, ReadOnlySpan<int> exampleSpikes);

    /// <summary>The rule of <paramref name="config"/>, with its modulation (default: the configuration's).</summary>
    public static ILearningRule Create(NetworkConfig config) => Create(config, IPotentiationModulation.Create(config));

    /// <summary>The rule of <paramref name="config"/> with the given potentiation modulation (null: k_p = 1).</summary>
    public static ILearningRule Create(NetworkConfig config, IPotentiationModulation? modulation) => config.Stdp switch
    {
        StdpRule.Triplet => new TripletRule(config.EtaPre, config.EtaPost, modulation),
        StdpRule.PostPre => new PostPreRule(config.EtaPre, config.EtaPost, modulation),
        StdpRule.Potentiation => new PotentiationOnlyRule(config.EtaPre, config.EtaPost, modulation),
        _ => throw new ConfigException("stdp", $"unknown rule {config.Stdp}"),
    };

    /// <summary>k_p of a step in which some neuron spiked.</summary>
    protected static float PotentiationFactor(IPotentiationModulation? modulation, ReadOnlySpan<int> exampleSpikes) =>
        modulation?.Factor(exampleSpikes) ?? 1f;
}

/// <summary>
/// Diehl &amp; Cook's code: on a pre spike x_pre ← 1 and w −= η_pre·x_post1; on a post spike
/// w += η_post·x_pre·x_post2 (read before it is set), then x_post1 ← 1, x_post2 ← 1.
/// Pre terms run before post terms within a step, as in Brian. With input delays the pre terms act at emission or at
/// arrival (<see cref="Plasticity.DepressPre"/>, <see cref="Plasticity.PreTraces(int)"/>).
/// </summary>
public sealed class TripletRule(double etaPre, double etaPost, IPotentiationModulation? modulation = null) : ILearningRule
{
    public int PostTraces => 2;

    public bool WritesWithoutPostSpikes => etaPre > 0;

    public void Apply(IPlasticSynapses p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, ReadOnlySpan<int> exampleSpikes)
    {
        if (etaPre > 0) p.DepressPre(preSpikes, (float)etaPre);
        p.SetPreTraces(preSpikes);
        if (postSpikes.Length > 0)
        {
            var kp = ILearningRule.PotentiationFactor(modulation, exampleSpikes);
            var xPost2 = p.SecondPostTraces;
            foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp * xPost2[j]), p.PreTraces(j));
        }
        p.SetPostTraces(postSpikes);
    }
}

/// <summary>
/// BindsNET PostPre: traces already include this step's spikes; pre spike w −= η_pre·x_post, post spike w += η_post·x_pre.
/// </summary>
public sealed class PostPreRule(double etaPre, double etaPost, IPotentiationModulation? modulation = null) : ILearningRule
{
    public int PostTraces => 1;

    public bool WritesWithoutPostSpikes => etaPre > 0;

    public void Apply(IPlasticSynapses p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, ReadOnlySpan<int> exampleSpikes)
    {
        p.SetPreTraces(preSpikes);
        p.SetPostTraces(postSpikes);
        if (etaPre > 0) p.DepressPre(preSpikes, (float)etaPre);
        if (postSpikes.Length > 0)
        {
            var kp = ILearningRule.PotentiationFactor(modulation, exampleSpikes);
            foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp), p.PreTraces(j));
        }
    }
}

/// <summary>
/// FSpiNN's simplified STDP: potentiation only, at postsynaptic spikes, from the presynaptic trace
/// (Δw[:, j] = k_p·η_post·x_pre). With η_pre &gt; 0 the pair depression term is switched back on (using a post trace).
/// </summary>
public sealed class PotentiationOnlyRule(double etaPre, double etaPost, IPotentiationModulation? modulation = null) : ILearningRule
{
    public int PostTraces => etaPre > 0 ? 1 : 0;

    public bool WritesWithoutPostSpikes => etaPre > 0;

    public void Apply(IPlasticSynapses p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, ReadOnlySpan<int> exampleSpikes)
    {
        p.SetPreTraces(preSpikes);
        if (etaPre > 0)
        {
            p.SetPostTraces(postSpikes);
            p.DepressPre(preSpikes, (float)etaPre);
        }
        if (postSpikes.Length > 0)
        {
            var kp = ILearningRule.PotentiationFactor(modulation, exampleSpikes);
            foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp), p.PreTraces(j));
        }
    }
}
