using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// STDP on delayed input synapses (`stdp_pre_timing`). At arrival (Brian2: a pathway's on_pre runs on each synapse when
/// the delayed spike reaches it, with a per-synapse pre trace) synapse (i, j) with delay d learns as if input i had
/// spiked d steps later; at emission every synapse of input i sees the spike when it is emitted.
/// </summary>
public sealed class ArrivalStdpTests
{
    private const float InitialWeight = 0.5f;

    private static NetworkConfig TripletConfig(PreSpikeTiming timing, int maxDelaySteps) => Current(1) with
    {
        Stdp = StdpRule.Triplet, EtaPre = 3e-3, EtaPost = 1e-2, TauPre = 20, TauPost = 15, TauPost2 = 40, Dt = 1, WeightMax = 1,
        InputDelayMaxMs = maxDelaySteps, StdpPreTiming = timing,
    };

    /// <summary>Trace at step t of a spike train: exp(−(t − last spike)·dt/τ), 0 before the first (a spike at t counts when inclusive).</summary>
    private static double Trace(IEnumerable<int> spikes, int t, double tau, bool includeCurrent)
    {
        var before = spikes.Where(s => includeCurrent ? s <= t : s < t).ToList();
        return before.Count == 0 ? 0 : Math.Exp(-(t - before.Max()) / tau);
    }

    /// <summary>
    /// Diehl &amp; Cook's triplet rule on one synapse whose pre spikes take effect at <paramref name="pre"/> (event-driven,
    /// independent of the engine): pre −η_pre·x_post1 (earlier post spikes), post +η_post·x_pre·x_post2(before).
    /// </summary>
    private static double TripletChange(NetworkConfig c, IReadOnlyList<int> pre, IReadOnlyList<int> post) =>
        post.Sum(q => c.EtaPost * Trace(pre, q, c.TauPre, includeCurrent: true) * Trace(post, q, c.TauPost2, includeCurrent: false))
        - pre.Sum(p => c.EtaPre * Trace(post, p, c.TauPost, includeCurrent: false));

    /// <summary>Drives the plasticity engine of an inputs × neurons projection with scripted spike steps; returns the weights.</summary>
    private static float[] Drive(NetworkConfig config, int inputs, byte[] delays, IReadOnlyList<int>[] pre, IReadOnlyList<int>[] post, int steps)
    {
        var neurons = config.Neurons;
        var weights = WeightMatrix.CreateFloat(inputs, neurons);
        var rng = new Xoshiro256(3);
        for (var k = 0; k < inputs * neurons; k++) weights.StoreUnclipped(k, InitialWeight, ref rng);
        var plasticity = new Plasticity(weights, config, Simulator.CreateCounts(config, inputs), delaySteps: delays,
            rule: ILearningRule.Create(config, new FixedPotentiation(1f)));
        var exampleSpikes = new int[neurons];
        plasticity.SeedRounding(rng);
        for (var t = 0; t < steps; t++)
        {
            int[] preNow = [.. Enumerable.Range(0, inputs).Where(i => pre[i].Contains(t))];
            int[] postNow = [.. Enumerable.Range(0, neurons).Where(j => post[j].Contains(t))];
            plasticity.BeginStep(t);
            plasticity.Rule.Apply(plasticity, preNow, postNow, exampleSpikes);
        }
        plasticity.Flush();
        return [.. Enumerable.Range(0, inputs * neurons).Select(k => weights[k / neurons, k % neurons])];
    }

    /// <summary>
    /// One input, two neurons: the synapse to neuron 0 has no delay, the one to neuron 1 a delay of 6 steps. The input
    /// spikes at step 40; both neurons spike at 30 and at 43, between its emission and its arrival at neuron 1. At
    /// emission the delayed synapse is potentiated (the pre spike precedes the post spike at 43); at arrival (step 46)
    /// it is depressed, because the post spike came first. The undelayed synapse is the same in both.
    /// </summary>
    [Test]
    public void DelayedSynapse_IsDepressedAtArrivalWhereEmissionPotentiatesIt()
    {
        byte[] delays = [0, 6];
        IReadOnlyList<int>[] pre = [[40]];
        IReadOnlyList<int>[] post = [[30, 43], [30, 43]];
        var emission = TripletConfig(PreSpikeTiming.Emission, 10) with { Neurons = 2 };
        var arrival = emission with { StdpPreTiming = PreSpikeTiming.Arrival };
        var atEmission = Drive(emission, 1, delays, pre, post, 60);
        var atArrival = Drive(arrival, 1, delays, pre, post, 60);

        var potentiated = TripletChange(emission, [40], [30, 43]);
        var depressed = TripletChange(emission, [46], [30, 43]);
        Assert.Multiple(() =>
        {
            Assert.That(potentiated, Is.GreaterThan(0), "reference: the pre spike before the post spike at 43 potentiates");
            Assert.That(depressed, Is.LessThan(0), "reference: arriving after the post spike at 43 depresses");
            Assert.That(atEmission[0] - InitialWeight, Is.EqualTo(potentiated).Within(1e-7), "undelayed synapse, emission");
            Assert.That(atArrival[0] - InitialWeight, Is.EqualTo(potentiated).Within(1e-7), "undelayed synapse, arrival");
            Assert.That(atEmission[1] - InitialWeight, Is.EqualTo(potentiated).Within(1e-7), "delayed synapse at emission: as if undelayed");
            Assert.That(atArrival[1] - InitialWeight, Is.EqualTo(depressed).Within(1e-7), "delayed synapse at arrival: as if the input spiked 6 steps later");
        });
    }

    /// <summary>
    /// Dense random trains (several spikes of one input in flight on the same synapse at once) and random delays up to
    /// the maximum: at arrival every synapse follows the rule on its own pre train shifted by its delay.
    /// </summary>
    [Test]
    public void EverySynapse_LearnsFromItsOwnArrivals()
    {
        const int inputs = 5, neurons = 7, maxDelay = 8, steps = 150;
        var rng = new Xoshiro256(21);
        var delays = new byte[inputs * neurons];
        for (var k = 0; k < delays.Length; k++) delays[k] = (byte)rng.NextInt(maxDelay + 1);
        IReadOnlyList<int>[] Trains(int count, int perThousand) =>
            [.. Enumerable.Range(0, count).Select(_ => (IReadOnlyList<int>)[.. Enumerable.Range(0, steps - maxDelay - 1).Where(_ => rng.NextInt(1000) < perThousand)])];
        var pre = Trains(inputs, 250);   // a spike every 4 steps on average: two or three in flight per synapse
        var post = Trains(neurons, 80);
        var config = TripletConfig(PreSpikeTiming.Arrival, maxDelay) with { Neurons = neurons };

        var w = Drive(config, inputs, delays, pre, post, steps);

        for (var i = 0; i < inputs; i++)
            for (var j = 0; j < neurons; j++)
            {
                var d = delays[i * neurons + j];
                var expected = TripletChange(config, [.. pre[i].Select(s => s + d)], post[j]);
                Assert.That(w[i * neurons + j] - InitialWeight, Is.EqualTo(expected).Within(2e-6), $"synapse ({i}, {j}), delay {d}");
            }
        Assert.That(delays.Distinct().Count(), Is.GreaterThan(maxDelay / 2), "the draw covers many delays");
    }

    /// <summary>The presets: dc2015 (with delays) acts at arrival; the others have no delays, so the switch changes nothing there.</summary>
    [Test]
    public void Presets_Dc2015IsAtArrival_OthersHaveNoDelays()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NetworkPresets.Dc2015(10).StdpAtArrival, Is.True);
            Assert.That(NetworkPresets.BindsNet(10).StdpAtArrival, Is.False);
            Assert.That(NetworkPresets.FSpiNN(10).StdpAtArrival, Is.False);
            Assert.That((NetworkPresets.Dc2015(10) with { StdpPreTiming = PreSpikeTiming.Emission }).StdpAtArrival, Is.False);
            Assert.That(ParameterTable.Get(ParameterTable.Set(NetworkPresets.Dc2015(10), "stdp_pre_timing", "emission"), "stdp_pre_timing"), Is.EqualTo("emission"));
            // a model file written before the parameter existed does not name it: it gets the behaviour it was trained with
            Assert.That(new NetworkConfig().StdpPreTiming, Is.EqualTo(PreSpikeTiming.Emission));
        });
    }
}
