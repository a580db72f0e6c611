using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// Conductance-based LIF (Diehl &amp; Cook's Brian code), forward Euler as the Brian ports integrate it:
/// τ dv/dt = (E_rest − v) + g_e·(E_exc − v) + g_i·(E_inh − v), conductances decaying with τ_ge, τ_gi; delayed input joins
/// g_e when it arrives; inhibition is the conductance g_i (excitatory layer only).
/// </summary>
internal sealed class ConductanceLif : NeuronPopulation
{
    public static INeuronModel Model { get; } = new Description();

    private readonly float[] _ge;
    private readonly float[] _gi;
    private readonly ConductanceConstants _constants;

    private ConductanceLif(NetworkConfig c, NeuronParameters p, int size, bool inhibited)
        // Brian: refractory while t − t_spike < period, so the neuron integrates again at the step where
        // t − t_spike = period (period/dt − 1 held steps)
        : base(size, p, Steps(p.RefractoryMs, c.Dt, offset: 1))
    {
        _ge = new float[size];
        _gi = new float[inhibited ? size : 0];
        _constants = new ConductanceConstants(p.Rest, p.Reset, (float)c.ExcitatoryReversal, p.InhibitoryReversal,
            (float)(c.Dt / p.TauMembrane), p.Threshold, (float)(1 - c.Dt / c.TauGe), (float)(1 - c.Dt / c.TauGi));
    }

    public override float[] ExcitatoryInput => _ge;
    public override float[] InhibitoryInput => _gi;
    public override float InhibitionSign => 1f;
    public override bool IntegratesArrivals => true;

    public override int Integrate(int start, int length, Span<float> theta, float thetaScale, float thetaStepDecay, Span<int> crossed,
        Span<float> arrivingA = default, Span<float> arrivingB = default) =>
        NeuronKernels.Conductance(V.AsSpan(start, length), _ge.AsSpan(start, length), _gi.Length == 0 ? [] : _gi.AsSpan(start, length),
            Refractory.AsSpan(start, length), theta, _constants, crossed, thetaScale, thetaStepDecay, arrivingA, arrivingB);

    public override int IntegrateActive(IndexSet active, Span<int> crossed) =>
        NeuronKernels.ConductanceActive(V, _ge, Refractory, _constants, active, crossed);

    private sealed class Description : INeuronModel
    {
        private static readonly Precision F32 = Precision.Float32;

        public IReadOnlyList<StateVariable> State(PopulationRole role) => role == PopulationRole.Excitatory
            ? [new("v", F32), new("g_e", F32), new("g_i", F32), new("theta", F32), new("refractory", Precision.Fixed(8))]
            : [new("v", F32), new("g_e", F32), new("refractory", Precision.Fixed(8))];

        // forward Euler, as Brian integrates θ with v
        public double ThetaDecay(NetworkConfig config) => 1 - config.Dt / config.ThetaTau;

        public NeuronPopulation CreatePopulation(NetworkConfig config, PopulationRole role, int size, bool inhibited) =>
            new ConductanceLif(config, NeuronParameters.Of(config, role), size, inhibited);
    }
}
