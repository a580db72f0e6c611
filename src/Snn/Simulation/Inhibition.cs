using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using CostPopulation = FSpiNN.CostModel.Population;
using CostProjection = FSpiNN.CostModel.Projection;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// A step's inhibition of the excitatory layer, acting from the next step: each of the first <see cref="Count"/>
/// <see cref="Sources"/> k inhibits every excitatory neuron but k by <see cref="Strength"/>.
/// </summary>
internal readonly record struct InhibitionPulse(int[] Sources, int Count, float Strength);

/// <summary>
/// How excitatory neurons inhibit each other, as a component of the network: the populations and projections it adds
/// (to the counts and to the cost model's description) and, per simulator, its running state (<see cref="Inhibition"/>).
/// Registered in <see cref="InhibitionSchemes"/>.
/// </summary>
internal interface IInhibitionScheme
{
    /// <summary>Adds its populations and projections (after the input and excitatory ones) to <paramref name="counts"/>.</summary>
    void AddCounts(WorkCounts counts, int neurons);

    /// <summary>Adds its populations and projections to a cost description.</summary>
    void Describe(NetworkConfig config, WeightStorage storage, List<CostPopulation> populations, List<CostProjection> projections);

    /// <summary>Its projections' strengths as the simulator holds them: (count key, value).</summary>
    IReadOnlyList<(string Projection, double Value)> Strengths(NetworkConfig config);

    /// <summary>Running state for one simulator; <paramref name="reference"/>: step every neuron (no event-driven shortcuts).</summary>
    Inhibition Create(NetworkConfig config, WorkCounts counts, bool reference);
}

/// <summary>The inhibition schemes by configuration value: add a scheme here (and its <see cref="InhibitionKind"/> value and `--set` name).</summary>
internal static class InhibitionSchemes
{
    public static IInhibitionScheme For(InhibitionKind kind) => kind switch
    {
        InhibitionKind.Layer => LayerInhibition.Scheme,
        InhibitionKind.Lateral => LateralInhibition.Scheme,
        _ => throw new ConfigException("inhibition", $"unknown inhibition {kind}"),
    };
}

/// <summary>The running inhibition of one simulator (see <see cref="IInhibitionScheme"/>).</summary>
internal abstract class Inhibition(int neurons)
{
    /// <summary>After the excitatory layer has fired: steps whatever inhibitory neurons the scheme has.</summary>
    public abstract void StepNeurons();

    /// <summary>Takes this step's excitatory spikes; returns the inhibition the excitatory layer receives for the next step.</summary>
    public abstract InhibitionPulse Deliver(int[] excSpikes, int excSpikeCount);

    /// <summary>Adds what a dense engine does in <paramref name="steps"/> steps (neuron updates, matrix products).</summary>
    public abstract void CountDenseSteps(long steps);

    /// <summary>Back to rest (between examples).</summary>
    public abstract void Reset();

    /// <summary>The inhibitory population's membrane (empty without one; test hook).</summary>
    public virtual ReadOnlySpan<float> Membrane => [];

    /// <summary>The inhibitory population's spikes at the last step (empty without one; test hook).</summary>
    public virtual ReadOnlySpan<int> LastSpikes => [];

    /// <summary>The pulse of <paramref name="count"/> sources at strength <paramref name="strength"/>, counted on <paramref name="projection"/>.</summary>
    protected InhibitionPulse Pulse(int[] sources, int count, float strength, ProjectionCounts projection)
    {
        var active = strength == 0 ? 0 : count;
        if (active > 0)
        {
            projection.SynapticEvents += (long)count * (neurons - 1);
            projection.WeightReads += count; // the simulator holds inhibition as one shared value per projection
        }
        return new InhibitionPulse(sources, active, strength);
    }

    /// <summary>Precision of an inhibitory projection of strength <paramref name="value"/> (see <see cref="NetworkTopology.InhibitionFormat"/>).</summary>
    protected static Precision PrecisionOf(NetworkConfig config, double value) =>
        NetworkTopology.InhibitionFormat(config, value) is { } format ? Precision.Fixed(format.TotalBits) : Precision.Float32;
}

/// <summary>A layer of N inhibitory neurons: E→I one-to-one, I→E all-but-self (Diehl &amp; Cook, BindsNET).</summary>
internal sealed class LayerInhibition : Inhibition
{
    public static IInhibitionScheme Scheme { get; } = new Description();

    private readonly NeuronPopulation _population;
    private readonly int[] _spikes;
    private int _spikeCount;
    /// <summary>
    /// Inhibitory neurons that may change at the next step (null: step all of them). The others sit at a fixed point of
    /// their update with no input: the population only hears the few excitatory spikes, so most of it is idle.
    /// </summary>
    private readonly IndexSet? _active;
    private readonly float _excToInh, _inhToExc;
    private readonly PopulationCounts _counts;
    private readonly ProjectionCounts _excInh, _inhExc;
    private readonly int _n;

    private LayerInhibition(NetworkConfig config, WorkCounts counts, bool reference) : base(config.Neurons)
    {
        _n = config.Neurons;
        _population = NeuronModels.For(config).CreatePopulation(config, PopulationRole.Inhibitory, _n, inhibited: false);
        _spikes = new int[_n];
        if (!reference)
        {
            _active = new IndexSet(_n);
            _active.AddAll();
        }
        _excToInh = (float)config.ExcToInhWeight;
        _inhToExc = (float)config.InhToExcWeight;
        _counts = counts.Population(NetworkTopology.Inhibitory);
        _excInh = counts.Projection(NetworkTopology.ExcitatoryToInhibitory)!;
        _inhExc = counts.Projection(NetworkTopology.InhibitoryToExcitatory)!;
    }

    public override ReadOnlySpan<float> Membrane => _population.V;
    public override ReadOnlySpan<int> LastSpikes => _spikes.AsSpan(0, _spikeCount);

    /// <summary>Inhibitory neurons that crossed threshold spike and reset (no one-spike rule, no adaptation).</summary>
    public override void StepNeurons()
    {
        var spikes = _active is null
            ? _population.Integrate(0, _n, [], 1f, 1f, _spikes)
            : _population.IntegrateActive(_active, _spikes);
        _population.Fire(_spikes.AsSpan(0, spikes));
        _spikeCount = spikes;
        _counts.Spikes += spikes;
    }

    public override InhibitionPulse Deliver(int[] excSpikes, int excSpikeCount)
    {
        var input = _population.ExcitatoryInput;
        foreach (var j in excSpikes.AsSpan(0, excSpikeCount))
        {
            input[j] += _excToInh;
            _active?.Add(j);
        }
        _excInh.SynapticEvents += excSpikeCount;
        _excInh.WeightReads += excSpikeCount;
        return Pulse(_spikes, _spikeCount, _inhToExc, _inhExc);
    }

    public override void CountDenseSteps(long steps)
    {
        _counts.NeuronUpdates += steps * _n;
        _excInh.DenseSynapticOps += steps * _n * _n;
        _inhExc.DenseSynapticOps += steps * _n * _n;
    }

    public override void Reset()
    {
        _population.Reset();
        _spikeCount = 0;
        _active?.AddAll();
    }

    private sealed class Description : IInhibitionScheme
    {
        public void AddCounts(WorkCounts counts, int neurons)
        {
            counts.AddPopulation(NetworkTopology.Inhibitory, neurons);
            counts.AddProjection(NetworkTopology.ExcitatoryToInhibitory, NetworkTopology.Excitatory, NetworkTopology.Inhibitory, neurons);
            counts.AddProjection(NetworkTopology.InhibitoryToExcitatory, NetworkTopology.Inhibitory, NetworkTopology.Excitatory, (long)neurons * (neurons - 1));
        }

        public void Describe(NetworkConfig config, WeightStorage storage, List<CostPopulation> populations, List<CostProjection> projections)
        {
            populations.Add(new CostPopulation(ReferenceNetworks.Inhibitory, config.Neurons, NeuronModels.For(config).State(PopulationRole.Inhibitory)));
            projections.Add(new CostProjection(ReferenceNetworks.ExcitatoryToInhibitory, ReferenceNetworks.Excitatory, ReferenceNetworks.Inhibitory,
                ConnectivityKind.OneToOne, storage, PrecisionOf(config, config.ExcToInhWeight), Plastic: false));
            projections.Add(new CostProjection(ReferenceNetworks.InhibitoryToExcitatory, ReferenceNetworks.Inhibitory, ReferenceNetworks.Excitatory,
                ConnectivityKind.AllButSelf, storage, PrecisionOf(config, config.InhToExcWeight), Plastic: false));
        }

        public IReadOnlyList<(string Projection, double Value)> Strengths(NetworkConfig config) =>
            [(NetworkTopology.ExcitatoryToInhibitory, config.ExcToInhWeight), (NetworkTopology.InhibitoryToExcitatory, config.InhToExcWeight)];

        public Inhibition Create(NetworkConfig config, WorkCounts counts, bool reference) => new LayerInhibition(config, counts, reference);
    }
}

/// <summary>Direct lateral inhibition among excitatory neurons, all-but-self (FSpiNN, BindsNET DiehlAndCook2015v2).</summary>
internal sealed class LateralInhibition : Inhibition
{
    public static IInhibitionScheme Scheme { get; } = new Description();

    private readonly float _strength;
    private readonly ProjectionCounts _lateral;
    private readonly int _n;

    private LateralInhibition(NetworkConfig config, WorkCounts counts) : base(config.Neurons)
    {
        _n = config.Neurons;
        _strength = (float)config.LateralInhibition;
        _lateral = counts.Projection(NetworkTopology.Lateral)!;
    }

    public override void StepNeurons() { }

    public override InhibitionPulse Deliver(int[] excSpikes, int excSpikeCount) => Pulse(excSpikes, excSpikeCount, _strength, _lateral);

    public override void CountDenseSteps(long steps) => _lateral.DenseSynapticOps += steps * _n * _n;

    public override void Reset() { }

    private sealed class Description : IInhibitionScheme
    {
        public void AddCounts(WorkCounts counts, int neurons) =>
            counts.AddProjection(NetworkTopology.Lateral, NetworkTopology.Excitatory, NetworkTopology.Excitatory, (long)neurons * (neurons - 1));

        public void Describe(NetworkConfig config, WeightStorage storage, List<CostPopulation> populations, List<CostProjection> projections) =>
            projections.Add(new CostProjection(ReferenceNetworks.Lateral, ReferenceNetworks.Excitatory, ReferenceNetworks.Excitatory,
                ConnectivityKind.AllButSelf, storage, PrecisionOf(config, config.LateralInhibition), Plastic: false));

        public IReadOnlyList<(string Projection, double Value)> Strengths(NetworkConfig config) => [(NetworkTopology.Lateral, config.LateralInhibition)];

        public Inhibition Create(NetworkConfig config, WorkCounts counts, bool reference) => new LateralInhibition(config, counts);
    }
}
