using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// Current-based (delta-synapse) LIF as BindsNET: v decays exactly towards rest, the input delivered for a step is a
/// voltage jump added to it (masked while refractory); inhibition subtracts from that input.
/// </summary>
internal sealed class CurrentLif : NeuronPopulation
{
    public static INeuronModel Model { get; } = new Description();

    private readonly float[] _input;
    private readonly CurrentConstants _constants;

    private CurrentLif(NetworkConfig c, NeuronParameters p, int size)
        // BindsNET: input masked while the counter (set to the period, decremented after the mask) is positive: period/dt steps
        : base(size, p, Steps(p.RefractoryMs, c.Dt, offset: 0))
    {
        _input = new float[size];
        _constants = new CurrentConstants(p.Rest, (float)Math.Exp(-c.Dt / p.TauMembrane), p.Threshold);
    }

    public override float[] ExcitatoryInput => _input;
    public override float[] InhibitoryInput => _input;
    public override float InhibitionSign => -1f;
    public override bool IntegratesArrivals => false;

    public override int Integrate(int start, int length, Span<float> theta, float thetaScale, float thetaStepDecay, Span<int> crossed,
        Span<float> arrivingA = default, Span<float> arrivingB = default) =>
        NeuronKernels.Current(V.AsSpan(start, length), _input.AsSpan(start, length), Refractory.AsSpan(start, length), theta,
            _constants, crossed, thetaScale, thetaStepDecay);

    public override int IntegrateActive(IndexSet active, Span<int> crossed) =>
        NeuronKernels.CurrentActive(V, _input, Refractory, _constants, active, crossed);

    private sealed class Description : INeuronModel
    {
        public IReadOnlyList<StateVariable> State(PopulationRole role) => role == PopulationRole.Excitatory
            ? [new("v", Precision.Float32), new("input", Precision.Float32), new("theta", Precision.Float32), new("refractory", Precision.Fixed(8))]
            : [new("v", Precision.Float32), new("input", Precision.Float32), new("refractory", Precision.Fixed(8))];

        // exact exponential decay, as BindsNET
        public double ThetaDecay(NetworkConfig config) => Math.Exp(-config.Dt / config.ThetaTau);

        public NeuronPopulation CreatePopulation(NetworkConfig config, PopulationRole role, int size, bool inhibited) =>
            new CurrentLif(config, NeuronParameters.Of(config, role), size);
    }
}
