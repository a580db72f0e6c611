using FSpiNN.Snn.Config;

namespace FSpiNN.Snn.Learning;

/// <summary>
/// One STDP rule on the input→excitatory projection. A rule decides which terms apply at the pre- and postsynaptic
/// spikes of a step and which traces it reads; <see cref="Plasticity"/> owns the traces, the weights and the
/// (optional) timestep-based accumulator, and performs the vectorised row and column updates.
/// </summary>
public interface ILearningRule
{
    /// <summary>True when the rule reads postsynaptic traces (the plasticity engine then keeps them).</summary>
    bool UsesPostTraces { get; }

    /// <summary>Applies the rule for one step, given the input spikes and the emitted excitatory spikes of that step.</summary>
    void Apply(Plasticity plasticity, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, float potentiationFactor);

    public static ILearningRule Create(NetworkConfig config) => config.Stdp switch
    {
        StdpRule.Triplet => new TripletRule(config.EtaPre, config.EtaPost),
        StdpRule.PostPre => new PostPreRule(config.EtaPre, config.EtaPost),
        StdpRule.Potentiation => new PotentiationOnlyRule(config.EtaPre, config.EtaPost),
        _ => throw new ConfigException("stdp", $"unknown rule {config.Stdp}"),
    };
}

/// <summary>
/// Diehl &amp; Cook's code: on a pre spike x_pre ← 1 and w −= η_pre·x_post1; on a post spike
/// w += η_post·x_pre·x_post2 (read before it is set), then x_post1 ← 1, x_post2 ← 1.
/// Pre terms run before post terms within a step, as in Brian. With input delays the pre terms act at emission or at
/// arrival (<see cref="Plasticity.DepressPre"/>, <see cref="Plasticity.PreTraces(int)"/>).
/// </summary>
public sealed class TripletRule(double etaPre, double etaPost) : ILearningRule
{
    public bool UsesPostTraces => true;

    public void Apply(Plasticity p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, float kp)
    {
        if (etaPre > 0) p.DepressPre(preSpikes, (float)etaPre);
        p.SetPreTraces(preSpikes);
        foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp * p.PostTrace2[j]), p.PreTraces(j));
        p.SetPostTraces(postSpikes);
    }
}

/// <summary>
/// BindsNET PostPre: traces already include this step's spikes; pre spike w −= η_pre·x_post, post spike w += η_post·x_pre.
/// </summary>
public sealed class PostPreRule(double etaPre, double etaPost) : ILearningRule
{
    public bool UsesPostTraces => true;

    public void Apply(Plasticity p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, float kp)
    {
        p.SetPreTraces(preSpikes);
        p.SetPostTraces(postSpikes);
        if (etaPre > 0) p.DepressPre(preSpikes, (float)etaPre);
        foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp), p.PreTraces(j));
    }
}

/// <summary>
/// FSpiNN's simplified STDP: potentiation only, at postsynaptic spikes, from the presynaptic trace
/// (Δw[:, j] = k_p·η_post·x_pre). With η_pre &gt; 0 the pair depression term is switched back on (using a post trace).
/// </summary>
public sealed class PotentiationOnlyRule(double etaPre, double etaPost) : ILearningRule
{
    public bool UsesPostTraces => etaPre > 0;

    public void Apply(Plasticity p, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, float kp)
    {
        p.SetPreTraces(preSpikes);
        if (etaPre > 0)
        {
            p.SetPostTraces(postSpikes);
            p.DepressPre(preSpikes, (float)etaPre);
        }
        foreach (var j in postSpikes) p.PotentiateColumn(j, (float)(etaPost * kp), p.PreTraces(j));
    }
}
