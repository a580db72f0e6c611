using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// One network stepped by several threads (neuron ranges that synchronise only at steps where a neuron crosses
/// threshold, or every step where learning or delays need it) against one thread: training and inference must be
/// bit-identical for any thread count, including ranges that end inside a vector block.
/// </summary>
public sealed class ThreadedSimulatorTests
{
    private static readonly FSpiNN.Snn.Data.Dataset Images = Digits(16, seed: 5);

    /// <summary>200 neurons: 2 threads split at 64, 3 threads at 64 and 128, so the last range has a 72-neuron tail.</summary>
    private static NetworkConfig Small(string preset, int bits) =>
        NetworkPresets.Create(preset, 200) with
        {
            PresentationMs = 100,
            RestMs = preset == "dc2015" ? 20 : 0,
            MaxInputRate = 500,
            InitScale = 1,
            NormalizationTarget = preset == "dc2015" ? 14 : 12,
            MaxRetries = 2,
            Quantize = bits == 32 ? QuantizationMode.None : QuantizationMode.InTraining,
            WeightBits = bits,
            Rounding = RoundingMode.Stochastic,
        };

    [TestCase("dc2015", 32)]
    [TestCase("dc2015", 8)]
    [TestCase("bindsnet", 32)]
    [TestCase("bindsnet", 8)]
    [TestCase("fspinn", 8)]
    [TestCase("fspinn", 16)]
    public void TrainingAndInference_AreBitIdenticalForAnyThreadCount(string preset, int bits)
    {
        var config = Small(preset, bits);
        var one = Run(config, threads: 1);
        foreach (var threads in new[] { 2, 3 })
        {
            var many = Run(config, threads);
            Assert.Multiple(() =>
            {
                Assert.That(one.Spikes.Sum(), Is.GreaterThan(Images.Count), "the network fires");
                Assert.That(many.Weights, Is.EqualTo(one.Weights), $"weights, {threads} threads");
                Assert.That(many.Theta, Is.EqualTo(one.Theta), $"thresholds, {threads} threads");
                Assert.That(many.Spikes, Is.EqualTo(one.Spikes), $"spikes of every example, {threads} threads");
                Assert.That(many.Responses, Is.EqualTo(one.Responses), $"per-neuron spike counts in inference, {threads} threads");
                Assert.That(many.State, Is.EqualTo(one.State), $"membrane potentials, {threads} threads");
                Assert.That(many.Counts, Is.EqualTo(one.Counts), $"work counts, {threads} threads");
                // steps without a crossing run unsynchronised where nothing shared changes: inference without delays, and
                // training with a rule that writes weights at post spikes only (fspinn); delays (dc2015) and bindsnet's
                // pre-spike depression synchronise every step
                Assert.That(many.FreeInferenceSteps, preset == "dc2015" ? Is.Zero : Is.GreaterThan(0), $"free inference steps, {threads} threads");
                Assert.That(many.FreeTrainingSteps, preset == "fspinn" ? Is.GreaterThan(0) : Is.Zero, $"free training steps, {threads} threads");
            });
        }
    }

    [Test]
    public void EffectiveThreads_GivesSmallNetworksOneThreadAndNeverMoreThanAsked()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Simulator.EffectiveThreads(2, 400), Is.EqualTo(1));
            Assert.That(Simulator.EffectiveThreads(2, 1600), Is.EqualTo(2));
            Assert.That(Simulator.EffectiveThreads(1, 4900), Is.EqualTo(1));
            Assert.That(Simulator.EffectiveThreads(0, 4900), Is.EqualTo(1), "automatic is one thread (two were measured slower)");
            Assert.That(Simulator.EffectiveThreads(4, 4900), Is.EqualTo(4));
        });
    }

    private sealed record RunResult(byte[] Weights, float[] Theta, List<int> Spikes, List<int> Responses, string Counts, List<float> State,
        long FreeTrainingSteps, long FreeInferenceSteps);

    private static RunResult Run(NetworkConfig config, int threads)
    {
        var model = SnnModel.Create(config, Images.PixelsPerImage, seed: 9);
        // parallel even when a busy test machine would send it back to one thread (the same results, untested path)
        using var trainer = new Simulator(model, counts: null, reference: false, threads) { StayParallel = true };
        Assert.That(trainer.Threads, Is.EqualTo(threads));
        var spikes = new List<int>();
        for (var i = 0; i < Images.Count; i++)
        {
            var result = trainer.Train(Images.Image(i), Xoshiro256.ForStream(13, StreamPurpose.Training, (ulong)i));
            spikes.Add(result.Spikes);
            spikes.Add(result.Retries);
        }
        var state = trainer.ExcMembrane.ToArray().Concat(trainer.InhMembrane.ToArray()).ToList();
        using var tester = new Simulator(model, counts: null, reference: false, threads) { StayParallel = true };
        var responses = new List<int>();
        for (var i = 0; i < Images.Count; i++)
        {
            var result = tester.Infer(Images.Image(i), Xoshiro256.ForStream(13, StreamPurpose.Testing, (ulong)i));
            spikes.Add(result.Spikes);
            responses.AddRange(tester.ExampleSpikes.ToArray());
        }
        state.AddRange(tester.ExcMembrane.ToArray().Concat(tester.InhMembrane.ToArray()));
        trainer.Counts.Add(tester.Counts);
        return new RunResult(model.Weights.RawBytes.ToArray(), model.Theta.ToArray(), spikes, responses,
            WorkCountsJson.Serialize(trainer.Counts), state, trainer.FreeSteps, tester.FreeSteps);
    }
}
