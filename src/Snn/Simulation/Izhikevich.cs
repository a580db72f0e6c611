using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// Izhikevich (2003) neurons: dv/dt = 0.04v² + 5v + 140 − u + I, du/dt = a(bv − u); at v ≥ peak (30 mV, raised by θ in
/// the excitatory layer): v ← c, u ← u + d. Integrated as BindsNET's IzhikevichNodes: two half steps of v, then u with
/// the new v. Delivered input I is a current for one step (as BindsNET); inhibition subtracts from it. Excitatory neurons
/// are regular spiking (a, b, c, d) = (0.02, 0.2, −65, 8), inhibitory ones fast spiking (0.1, 0.2, −65, 2); there is no
/// refractory period (the recovery variable u plays its part), and v starts at the role's initial potential with u = bv.
/// </summary>
internal sealed class Izhikevich : NeuronPopulation
{
    public static INeuronModel Model { get; } = new Description();

    /// <summary>Spike cut-off (mV) before θ.</summary>
    public const float Peak = 30f;

    private readonly float[] _u;
    private readonly float[] _input;
    private readonly float _a, _b, _c, _d, _dt;

    private Izhikevich(NetworkConfig config, PopulationRole role, int size)
        : base(size, NeuronParameters.Of(config, role), refractorySteps: 0)
    {
        (_a, _b, _c, _d) = role == PopulationRole.Excitatory ? (0.02f, 0.2f, -65f, 8f) : (0.1f, 0.2f, -65f, 2f);
        _dt = (float)config.Dt;
        _u = new float[size];
        _input = new float[size];
        for (var j = 0; j < size; j++) _u[j] = _b * V[j];
    }

    public float[] Recovery => _u;
    public override float[] ExcitatoryInput => _input;
    public override float[] InhibitoryInput => _input;
    public override float InhibitionSign => -1f;
    public override bool IntegratesArrivals => false;

    public override int Integrate(int start, int length, Span<float> theta, float thetaScale, float thetaStepDecay, Span<int> crossed,
        Span<float> arrivingA = default, Span<float> arrivingB = default)
    {
        var hasTheta = !theta.IsEmpty;
        var scaleTheta = hasTheta && thetaScale != 1f;
        var decayTheta = hasTheta && thetaStepDecay != 1f;
        var count = 0;
        for (var k = 0; k < length; k++)
        {
            if (decayTheta) theta[k] *= thetaStepDecay;
            if (Step(start + k, hasTheta ? (scaleTheta ? theta[k] * thetaScale : theta[k]) : 0f)) crossed[count++] = k;
        }
        return count;
    }

    public override int IntegrateActive(IndexSet active, Span<int> crossed)
    {
        // no neuron sits at an exact fixed point of this update, so every listed neuron (all of them) is stepped
        var count = 0;
        foreach (var j in active.Items)
            if (Step(j, 0f)) crossed[count++] = j;
        crossed[..count].Sort();
        return count;
    }

    /// <summary>One step of neuron <paramref name="j"/>; true when it reached the peak (raised by <paramref name="theta"/>).</summary>
    private bool Step(int j, float theta)
    {
        var x = _input[j];
        _input[j] = 0;
        var v = V[j];
        var u = _u[j];
        var half = 0.5f * _dt;
        v += half * (0.04f * v * v + 5f * v + 140f - u + x);
        v += half * (0.04f * v * v + 5f * v + 140f - u + x);
        _u[j] = u + _dt * _a * (_b * v - u);
        V[j] = v;
        return v >= Peak + theta;
    }

    public override void Fire(ReadOnlySpan<int> firing)
    {
        foreach (var j in firing)
        {
            V[j] = _c;
            _u[j] += _d;
        }
    }

    public override void Reset()
    {
        base.Reset();
        for (var j = 0; j < Size; j++) _u[j] = _b * V[j];
    }

    private sealed class Description : INeuronModel
    {
        public IReadOnlyList<StateVariable> State(PopulationRole role) => role == PopulationRole.Excitatory
            ? [new("v", Precision.Float32), new("u", Precision.Float32), new("input", Precision.Float32), new("theta", Precision.Float32)]
            : [new("v", Precision.Float32), new("u", Precision.Float32), new("input", Precision.Float32)];

        public double ThetaDecay(NetworkConfig config) => Math.Exp(-config.Dt / config.ThetaTau);

        public NeuronPopulation CreatePopulation(NetworkConfig config, PopulationRole role, int size, bool inhibited) =>
            new Izhikevich(config, role, size);
    }
}
