using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// The Izhikevich neuron model: its integration step against the equations computed by hand, its resting state and
/// rheobase as the phase plane of a regular-spiking neuron gives them, and its spike-frequency adaptation.
/// </summary>
public sealed class IzhikevichTests
{
    private static NetworkConfig Config(double dt) => NetworkPresets.BindsNet(1) with { NeuronModel = NeuronModel.Izhikevich, Dt = dt, ExcInitialV = -65 };

    private static NeuronPopulation Neuron(double dt) =>
        NeuronModels.For(NeuronModel.Izhikevich).CreatePopulation(Config(dt), PopulationRole.Excitatory, 1, inhibited: true);

    /// <summary>Runs one neuron with a constant input current for <paramref name="steps"/> steps; returns its spike steps.</summary>
    private static List<int> Drive(NeuronPopulation neuron, float current, int steps)
    {
        var spikes = new List<int>();
        Span<int> crossed = stackalloc int[1];
        for (var t = 0; t < steps; t++)
        {
            neuron.ExcitatoryInput[0] = current;
            if (neuron.Integrate(0, 1, [], 1f, 1f, crossed) == 1)
            {
                spikes.Add(t);
                neuron.Fire(crossed[..1]);
            }
        }
        return spikes;
    }

    [Test]
    public void OneStep_FollowsTheEquationsComputedByHand()
    {
        // v0 = −65, u0 = b·v0 = −13, I = 10, dt = 1 (two half steps of v, then u with the new v):
        // v' = −65 + 0.5·(0.04·4225 − 325 + 140 + 13 + 10) = −65 + 0.5·7 = −61.5
        // v'' = −61.5 + 0.5·(0.04·3782.25 − 307.5 + 140 + 13 + 10) = −61.5 + 0.5·6.79 = −58.105
        // u' = −13 + 0.02·(0.2·(−58.105) + 13) = −13 + 0.02·1.379 = −12.97242
        var neuron = (Izhikevich)Neuron(1);
        neuron.ExcitatoryInput[0] = 10;
        var crossed = neuron.Integrate(0, 1, [], 1f, 1f, new int[1]);
        Assert.Multiple(() =>
        {
            Assert.That(crossed, Is.Zero);
            Assert.That(neuron.V[0], Is.EqualTo(-58.105f).Within(1e-4f));
            Assert.That(neuron.Recovery[0], Is.EqualTo(-12.97242f).Within(1e-5f));
            Assert.That(neuron.ExcitatoryInput[0], Is.Zero, "the input acts for one step");
        });
    }

    [Test]
    public void WithoutInput_TheNeuronSettlesAtTheStableRestOfMinus70()
    {
        // 0.04v² + (5 − b)v + 140 = 0 has roots −70 (stable node) and −50 (saddle)
        var neuron = (Izhikevich)Neuron(0.5);
        var spikes = Drive(neuron, 0, 4000);
        Assert.Multiple(() =>
        {
            Assert.That(spikes, Is.Empty);
            Assert.That(neuron.V[0], Is.EqualTo(-70f).Within(0.05f));
            Assert.That(neuron.Recovery[0], Is.EqualTo(-14f).Within(0.01f), "u = b·v at rest");
        });
    }

    [TestCase(3.0f, false)]
    [TestCase(5.0f, true)]
    public void Rheobase_IsWhereRestAndSaddleMerge_AtI4(float current, bool fires)
    {
        // the fixed points merge when 0.04v² + 4.8v + 140 + I has a double root: 4.8² = 0.16·(140 + I), I = 4
        var spikes = Drive(Neuron(0.5), current, 4000);
        Assert.That(spikes.Count > 0, Is.EqualTo(fires), $"spikes at I = {current}: {spikes.Count}");
    }

    [Test]
    public void RegularSpiking_AdaptsItsRateUnderConstantInput()
    {
        // tonic spiking with spike-frequency adaptation (Izhikevich 2003, fig. 2 RS): each spike adds d to u, so the
        // intervals lengthen after the first and settle (to within 2 steps: the discrete step moves the crossing)
        var spikes = Drive(Neuron(0.25), 10, 4000);   // 1 s
        var intervals = spikes.Zip(spikes.Skip(1), (a, b) => b - a).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(intervals, Has.Count.GreaterThan(5));
            Assert.That(intervals.Skip(1).Min(), Is.GreaterThan(intervals[0] * 1.5), $"adapted intervals well above the first: {string.Join(",", intervals)}");
            Assert.That(intervals.Skip(1).Max() - intervals.Skip(1).Min(), Is.LessThanOrEqualTo(2), "settled");
        });
    }

    [Test]
    public void ANetworkOfIzhikevichNeurons_TrainsThroughTheSimulator()
    {
        var config = NetworkPresets.Create("bindsnet", 8);
        config = ParameterTable.Set(config, "neuron_model", "izhikevich") with { PresentationMs = 100 };
        // 64 inputs at full weight: the mean drive (64 × 128 Hz × 1 mV ≈ 8 per ms) is above the rheobase of 4
        var model = Models.SnnModel.Create(config, 64, seed: 3);
        var rng = new Xoshiro256(5);
        for (var k = 0; k < 64 * 8; k++) model.Weights.StoreUnclipped(k, 1.0, ref rng);
        var image = new byte[64];
        Array.Fill(image, (byte)255);
        using var simulator = new Simulator(model);
        var spikes = 0;
        for (var k = 0; k < 3; k++) spikes += simulator.Train(image, new Xoshiro256((ulong)k + 1)).Spikes;
        Assert.Multiple(() =>
        {
            Assert.That(spikes, Is.GreaterThan(0));
            Assert.That(simulator.Counts.Population("inh").Spikes, Is.GreaterThan(0), "the inhibitory layer (fast spiking) fires too");
            Assert.That(model.Weights.ToFloatArray().All(float.IsFinite), Is.True);
        });
    }
}
