using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;
using FSpiNN.Snn.Tests.TestSupport;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Timestep-based weight updates (update_interval) and the adaptive potentiation factor k_p.</summary>
public sealed class LearningSchedulingTests
{
    private const int Probes = 8;

    /// <summary>
    /// One neuron; input 0 is a driver firing every step (pixel 255 at 1000 Hz, dt 1 ms) with a 25 mV weight, so the neuron
    /// fires every (refractory + 1) steps whatever the plastic weights do; inputs 1..8 are probes at assorted rates with
    /// 0.5 weights. No clipping, no normalisation: nothing interferes with the sum of the STDP changes.
    /// </summary>
    private static (SnnModel Model, Simulator Simulator, int[] Spikes) TrainOnce(StdpRule rule, int interval, bool adaptive = false)
    {
        var config = Current(1) with
        {
            Stdp = rule, EtaPre = rule == StdpRule.Potentiation ? 0 : 2e-3, EtaPost = 1e-2, WeightMax = 100,
            Encoding = InputEncoding.Bernoulli, MaxInputRate = 1000, PresentationMs = 120, RestMs = 0,
            UpdateInterval = interval, AdaptivePotentiation = adaptive, PotentiationReference = 6,
        };
        var weights = new float[1 + Probes];
        weights[0] = 25f;
        for (var i = 1; i <= Probes; i++) weights[i] = 0.5f;
        var model = Model(config, 1 + Probes, weights);
        var simulator = new Simulator(model);
        byte[] image = [255, 20, 40, 60, 90, 120, 160, 200, 250];
        simulator.Train(image, new Xoshiro256(11));
        return (model, simulator, simulator.ExampleSpikes.ToArray());
    }

    [TestCase(StdpRule.PostPre, 10)]
    [TestCase(StdpRule.PostPre, 7)]
    [TestCase(StdpRule.PostPre, 1000)]
    [TestCase(StdpRule.Triplet, 10)]
    [TestCase(StdpRule.Potentiation, 10)]
    public void UpdateInterval_WritesTheSameTotalChangeWithFewerWeightWrites(StdpRule rule, int interval)
    {
        var (immediate, immediateSim, immediateSpikes) = TrainOnce(rule, 1, adaptive: rule == StdpRule.Potentiation);
        var (batched, batchedSim, batchedSpikes) = TrainOnce(rule, interval, adaptive: rule == StdpRule.Potentiation);
        var a = immediate.Weights.ToFloatArray();
        var b = batched.Weights.ToFloatArray();
        var moved = a.Skip(1).Select(w => Math.Abs(w - 0.5f)).Max();
        Assert.Multiple(() =>
        {
            Assert.That(batchedSpikes, Is.EqualTo(immediateSpikes), "same post spikes in both runs");
            Assert.That(immediateSpikes[0], Is.GreaterThan(5));
            Assert.That(moved, Is.GreaterThan(1e-3), "STDP really changed the probe weights");
            Assert.That(b.Skip(1), Is.EqualTo(a.Skip(1)).Within(2e-6), "same total change on the probes");
            // the 25 mV driver weight takes ~120 float additions of tiny changes one way and a few the other: ulp(25) ≈ 2e-6 each
            Assert.That(b[0], Is.EqualTo(a[0]).Within(2.5e-4), "same total change on the driver, up to float rounding");
            Assert.That(batchedSim.Counts.StdpWeightUpdates, Is.LessThan(immediateSim.Counts.StdpWeightUpdates), "fewer weight writes");
            Assert.That(batchedSim.Counts.AccumulatorUpdates, Is.GreaterThan(0));
            Assert.That(immediateSim.Counts.AccumulatorUpdates, Is.Zero);
        });
    }

    [TestCase(false, 5.0, 0.0, 1.0, new[] { 1.0, 1, 1, 1, 1 })]
    [TestCase(true, 3.0, 0.0, 1.0, new[] { 1 / 3.0, 2 / 3.0, 1, 1, 1 })]
    [TestCase(true, 4.0, 0.5, 1.0, new[] { 0.5, 0.5, 0.75, 1, 1 })]
    [TestCase(true, 2.0, 0.0, 2.0, new[] { 0.5, 1, 1.5, 2, 2 })]
    public void AdaptivePotentiation_ScalesEachPostSpikeByClampedMaxSpikesOverReference(bool adaptive, double reference, double min, double max, double[] factors)
    {
        var config = Current(1) with
        {
            Stdp = StdpRule.Potentiation, EtaPre = 0, EtaPost = 1e-2, WeightMax = 100,
            AdaptivePotentiation = adaptive, PotentiationReference = reference, PotentiationMin = min, PotentiationMax = max,
        };
        var model = Model(config, 2, 30f, 0.5f);
        var simulator = new Simulator(model);
        // driver (input 0) at 10, 20, ..., 50 → post spikes at 11, 21, ..., 51; the probe (input 1) fires with each post spike
        var spikes = Enumerable.Range(1, 5).SelectMany(k => new[] { new InputSpike(10 * k, 0), new InputSpike(10 * k + 1, 1) }).ToArray();
        var emitted = simulator.RunScripted(Schedule(60, spikes), learning: true, new Xoshiro256(2));
        var expected = 0.5 + factors.Sum() * config.EtaPost;
        Assert.Multiple(() =>
        {
            Assert.That(emitted, Is.EqualTo(5));
            Assert.That(model.Weights[1, 0], Is.EqualTo(expected).Within(1e-6));
        });
    }

    [Test]
    public void AdaptivePotentiation_UsesTheLargestSpikeCountOfAnyNeuron()
    {
        var config = Current(2) with
        {
            Stdp = StdpRule.Potentiation, EtaPre = 0, EtaPost = 1e-2, WeightMax = 100,
            AdaptivePotentiation = true, PotentiationReference = 5,
        };
        // input 0 drives neuron 1, input 1 drives neuron 0, input 2 is the probe
        var model = Model(config, 3, 0f, 30f, 30f, 0f, 0.5f, 0.5f);
        var simulator = new Simulator(model);
        var spikes = new[] { new InputSpike(10, 0), new InputSpike(20, 0), new InputSpike(30, 0), new InputSpike(40, 1), new InputSpike(41, 2) };
        simulator.RunScripted(Schedule(50, spikes), learning: true, new Xoshiro256(2));
        // neuron 0's only spike (step 41) comes after neuron 1 fired 3 times: k_p = 3/5
        Assert.That(model.Weights[2, 0], Is.EqualTo(0.5 + 0.6 * config.EtaPost).Within(1e-6));
    }
}

/// <summary>The flush of timestep-based updates writes what changed, and the same values as writing at once.</summary>
public sealed class AccumulatorFlushTests
{
    [Test]
    public void Flush_WritesTouchedRowsWholeAndTouchedColumnsInTheOtherRowsOnly()
    {
        const int rows = 6, cols = 4;
        var config = Current(cols) with { UpdateInterval = 10, WeightMax = 1 };
        var (batched, batchedCounts) = Apply(config, flush: true);
        var (immediate, _) = Apply(config with { UpdateInterval = 1 }, flush: false);
        Assert.Multiple(() =>
        {
            Assert.That(batched.ToFloatArray(), Is.EqualTo(immediate.ToFloatArray()).Within(1e-7), "same weights as writing at once");
            // rows 1 and 4 whole (2 × 4), column 2 in the 4 other rows
            Assert.That(batchedCounts.StdpWeightUpdates, Is.EqualTo(2 * cols + (rows - 2)));
            Assert.That(batchedCounts.Projection("input_exc")!.WeightWrites, Is.EqualTo(2 * cols + (rows - 2)));
            Assert.That(batchedCounts.AccumulatorUpdates, Is.EqualTo(3 * cols + rows), "three row changes (one row twice) and one column change");
        });

        (WeightMatrix Weights, WorkCounts Counts) Apply(FSpiNN.Snn.Config.NetworkConfig c, bool flush)
        {
            var weights = WeightMatrix.CreateFloat(rows, cols);
            var rng = new Xoshiro256(5);
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < cols; j++)
                    weights.StoreUnclipped(i * cols + j, 0.5f, ref rng);
            var counts = Simulator.CreateCounts(c, rows);
            var plasticity = new FSpiNN.Snn.Learning.Plasticity(weights, c, counts);
            plasticity.BeginStep(0);
            float[] trace = [0.1f, 0.2f, 0.3f, 0.4f];
            plasticity.DepressRow(1, 0.5f, trace);
            plasticity.DepressRow(4, 0.25f, trace);
            plasticity.DepressRow(1, 0.25f, trace);
            plasticity.PotentiateColumn(2, 0.5f, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]);
            if (flush) plasticity.Flush();
            return (weights, counts);
        }
    }
}
