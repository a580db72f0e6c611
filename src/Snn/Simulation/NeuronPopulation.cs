using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Simulation;

/// <summary>Which population of the network a neuron group is: the learning excitatory layer or an inhibitory one.</summary>
public enum PopulationRole { Excitatory, Inhibitory }

/// <summary>The membrane constants one population takes from the configuration (exc_* or inh_* parameters).</summary>
public readonly record struct NeuronParameters(float Rest, float Reset, float Threshold, double TauMembrane, double RefractoryMs,
    float InitialV, float InhibitoryReversal)
{
    public static NeuronParameters Of(NetworkConfig c, PopulationRole role) => role == PopulationRole.Excitatory
        ? new((float)c.ExcRest, (float)c.ExcReset, (float)(c.ExcThreshold - c.ThetaOffset), c.ExcTauMembrane, c.ExcRefractory,
            (float)c.ExcInitialV, (float)c.ExcInhibitoryReversal)
        : new((float)c.InhRest, (float)c.InhReset, (float)c.InhThreshold, c.InhTauMembrane, c.InhRefractory,
            (float)c.InhInitialV, (float)c.InhInhibitoryReversal);
}

/// <summary>
/// A neuron model: how its populations integrate, cross threshold and reset, which state each neuron keeps (for the
/// cost model), and how the adaptive threshold θ of the excitatory layer decays in its integration scheme. Registered in
/// <see cref="NeuronModels"/>; the simulator only schedules its populations (integrate, threshold and reset, deliver).
/// </summary>
internal interface INeuronModel
{
    /// <summary>State variables of one neuron of <paramref name="role"/> (the excitatory layer's include its adaptive threshold θ), besides the STDP traces.</summary>
    IReadOnlyList<StateVariable> State(PopulationRole role);

    /// <summary>θ ← θ·decay per learning step, in this model's integration scheme.</summary>
    double ThetaDecay(NetworkConfig config);

    /// <summary>
    /// The population of <paramref name="size"/> neurons of <paramref name="role"/>; <paramref name="inhibited"/> when
    /// inhibition arrives at it (the excitatory layer), which some models keep as a separate input.
    /// </summary>
    NeuronPopulation CreatePopulation(NetworkConfig config, PopulationRole role, int size, bool inhibited);
}

/// <summary>
/// The state of one population (struct-of-arrays) and its step: integrate (the vectorised kernels of
/// <see cref="NeuronKernels"/>), list the neurons that crossed threshold, and reset the ones that fire. Delivered input
/// goes into <see cref="ExcitatoryInput"/> and inhibition into <see cref="InhibitoryInput"/> with sign <see cref="InhibitionSign"/>.
/// </summary>
internal abstract class NeuronPopulation
{
    protected NeuronPopulation(int size, NeuronParameters parameters, int refractorySteps)
    {
        Size = size;
        Parameters = parameters;
        RefractorySteps = refractorySteps;
        V = new float[size];
        Refractory = new int[size];
        Array.Fill(V, parameters.InitialV);
    }

    public int Size { get; }
    public NeuronParameters Parameters { get; }
    /// <summary>Steps after the spike step during which a neuron is held.</summary>
    public int RefractorySteps { get; }
    /// <summary>Membrane potential (mV).</summary>
    public float[] V { get; }
    /// <summary>Remaining refractory steps.</summary>
    public int[] Refractory { get; }

    /// <summary>Where delivered excitatory input goes (a conductance or the input delivered for the next step).</summary>
    public abstract float[] ExcitatoryInput { get; }

    /// <summary>Where inhibition goes, added with <see cref="InhibitionSign"/> × strength.</summary>
    public abstract float[] InhibitoryInput { get; }

    /// <summary>+1 when inhibition is a conductance (pulling towards the inhibitory reversal), −1 when it subtracts from the input.</summary>
    public abstract float InhibitionSign { get; }

    /// <summary>
    /// True when delayed input arriving at a step is added by <see cref="Integrate"/> itself (a conductance joins it there),
    /// false when it must be added to <see cref="ExcitatoryInput"/> when it is delivered.
    /// </summary>
    public abstract bool IntegratesArrivals { get; }

    /// <summary>
    /// Integrates neurons [start, start + length) for one step; their threshold is raised by <paramref name="theta"/>
    /// (empty: none) times <paramref name="thetaScale"/>. θ is written only with a <paramref name="thetaStepDecay"/> other than
    /// 1: θ ← θ·thetaStepDecay in float32 before the threshold test (<see cref="Config.ThetaDecayArithmetic.Float32PerStep"/>).
    /// Neurons that crossed go into <paramref name="crossed"/> (relative to start, in increasing order); returns their count.
    /// </summary>
    /// <param name="arrivingA">Delayed input arriving now (with <paramref name="arrivingB"/>; only when <see cref="IntegratesArrivals"/>).</param>
    public abstract int Integrate(int start, int length, Span<float> theta, float thetaScale, float thetaStepDecay, Span<int> crossed,
        Span<float> arrivingA = default, Span<float> arrivingB = default);

    /// <summary>
    /// <see cref="Integrate"/> of the whole population without θ, stepping only the neurons of <paramref name="active"/>
    /// (those that may change: a neuron leaves it after a step without input that left it unchanged; the caller adds it back
    /// when input arrives). Results are those of stepping every neuron.
    /// </summary>
    public abstract int IntegrateActive(IndexSet active, Span<int> crossed);

    /// <summary>Resets the neurons that fire: v ← reset, refractory for <see cref="RefractorySteps"/>.</summary>
    public virtual void Fire(ReadOnlySpan<int> firing)
    {
        var reset = Parameters.Reset;
        foreach (var j in firing)
        {
            V[j] = reset;
            Refractory[j] = RefractorySteps;
        }
    }

    /// <summary>Back to rest with no input and no refractoriness (between examples).</summary>
    public virtual void Reset()
    {
        Array.Fill(V, Parameters.Rest);
        Array.Clear(ExcitatoryInput);
        Array.Clear(InhibitoryInput);
        Array.Clear(Refractory);
    }

    /// <summary>Steps of a refractory period of <paramref name="ms"/> at step <paramref name="dt"/>, less <paramref name="offset"/> (clamped at 0).</summary>
    protected static int Steps(double ms, double dt, int offset) => Math.Max(0, (int)Math.Round(ms / dt) - offset);
}

/// <summary>The neuron models by configuration value: add a model here (and its <see cref="NeuronModel"/> value and `--set` name).</summary>
internal static class NeuronModels
{
    public static INeuronModel For(NeuronModel model) => model switch
    {
        NeuronModel.Conductance => ConductanceLif.Model,
        NeuronModel.Current => CurrentLif.Model,
        NeuronModel.Izhikevich => Izhikevich.Model,
        _ => throw new ConfigException("neuron_model", $"unknown neuron model {model}"),
    };

    /// <summary>The model of <paramref name="config"/>.</summary>
    public static INeuronModel For(NetworkConfig config) => For(config.NeuronModel);
}
