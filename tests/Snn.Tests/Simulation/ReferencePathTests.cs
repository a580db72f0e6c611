using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// The event-driven shortcuts (sparse depression rows, traces decayed only where non-zero, idle inhibitory neurons
/// skipped) against the unoptimised reference path of the same build: training and inference must be bit-identical.
/// </summary>
public sealed class ReferencePathTests
{
    private static readonly FSpiNN.Snn.Data.Dataset Images = Digits(40, seed: 3);

    /// <summary>
    /// Small versions of the presets, 60 neurons so that the active sets are a small part of the population (the
    /// sparse paths are taken), strong enough input that neurons fire, and column sums that put some weights above w_max.
    /// </summary>
    private static NetworkConfig Small(string preset, int bits, RoundingMode rounding, int updateInterval, int neurons = 60) =>
        NetworkPresets.Create(preset, neurons) with
        {
            PresentationMs = 150,
            RestMs = preset == "dc2015" ? 30 : 0,
            MaxInputRate = 500,
            InitScale = 1,
            NormalizationTarget = preset == "dc2015" ? 14 : 12,
            MaxRetries = 2,
            Quantize = bits == 32 ? QuantizationMode.None : QuantizationMode.InTraining,
            WeightBits = bits,
            Rounding = rounding,
            UpdateInterval = updateInterval,
        };

    [TestCase("dc2015", 32, RoundingMode.Nearest, 1)]
    [TestCase("dc2015", 8, RoundingMode.Stochastic, 1)]
    [TestCase("dc2015", 16, RoundingMode.Nearest, 10)]
    // 256 columns: four bit-set words a row, so that dc2015's arrival depression skips words without a depression column
    [TestCase("dc2015", 32, RoundingMode.Nearest, 1, 256)]
    [TestCase("bindsnet", 32, RoundingMode.Nearest, 1)]
    [TestCase("bindsnet", 8, RoundingMode.Stochastic, 1)]
    [TestCase("bindsnet", 8, RoundingMode.Truncate, 5)]
    [TestCase("fspinn", 8, RoundingMode.Stochastic, 1)]
    [TestCase("fspinn", 32, RoundingMode.Nearest, 1)]
    [TestCase("fspinn", 32, RoundingMode.Nearest, 10)]
    public void TrainingAndInference_AreBitIdenticalToTheReferencePath(string preset, int bits, RoundingMode rounding, int updateInterval, int neurons = 60)
    {
        var config = Small(preset, bits, rounding, updateInterval, neurons);
        var fast = SnnModel.Create(config, Images.PixelsPerImage, seed: 7);
        var reference = SnnModel.Create(config, Images.PixelsPerImage, seed: 7);
        var fastRun = Run(fast, reference: false);
        var referenceRun = Run(reference, reference: true);
        Assert.Multiple(() =>
        {
            Assert.That(fastRun.Spikes.Sum(), Is.GreaterThan(Images.Count), "the network fires");
            Assert.That(fast.Weights.RawBytes.ToArray(), Is.EqualTo(reference.Weights.RawBytes.ToArray()), "weights");
            Assert.That(fast.Theta, Is.EqualTo(reference.Theta), "thresholds");
            Assert.That(fastRun.Spikes, Is.EqualTo(referenceRun.Spikes), "spikes of every training and inference example");
            Assert.That(fastRun.Responses, Is.EqualTo(referenceRun.Responses), "per-neuron spike counts in inference");
            Assert.That(fastRun.State, Is.EqualTo(referenceRun.State), "membrane potentials after training and after inference");
            Assert.That(WorkCountsJson.Serialize(fastRun.Counts), Is.EqualTo(WorkCountsJson.Serialize(referenceRun.Counts)), "work counts");
        });
        if (preset == "dc2015")
        {
            // the case the sparse depression must not skip: a weight above w_max in a column with no post trace
            var max = (float)config.WeightMax;
            Assert.That(Enumerable.Range(0, fast.Weights.Rows * fast.Weights.Cols).Any(k => fast.Weights.Get(k) > max),
                Is.True, "normalisation left some weight above w_max");
        }
    }

    private sealed record RunResult(List<int> Spikes, List<int> Responses, WorkCounts Counts, List<float> State);

    private static RunResult Run(SnnModel model, bool reference)
    {
        var trainer = new Simulator(model, counts: null, reference);
        var spikes = new List<int>();
        for (var i = 0; i < Images.Count; i++)
        {
            var result = trainer.Train(Images.Image(i), Xoshiro256.ForStream(11, StreamPurpose.Training, (ulong)i));
            spikes.Add(result.Spikes);
            spikes.Add(result.Retries);
        }
        // membrane potentials of both populations at the end of training and of inference (idle neurons included)
        var state = trainer.ExcMembrane.ToArray().Concat(trainer.InhMembrane.ToArray()).ToList();
        var tester = new Simulator(model, counts: null, reference);
        var responses = new List<int>();
        for (var i = 0; i < Images.Count; i++)
        {
            var result = tester.Infer(Images.Image(i), Xoshiro256.ForStream(11, StreamPurpose.Testing, (ulong)i));
            spikes.Add(result.Spikes);
            responses.AddRange(tester.ExampleSpikes.ToArray());
        }
        state.AddRange(tester.ExcMembrane.ToArray().Concat(tester.InhMembrane.ToArray()));
        trainer.Counts.Add(tester.Counts);
        return new RunResult(spikes, responses, trainer.Counts, state);
    }

    /// <summary>Delay offsets are unchecked in the scatter loop, so a delay beyond the ring (a corrupt model) must be refused up front.</summary>
    [Test]
    public void ADelayBeyondTheConfiguredMaximum_IsRefusedBeforeAnySimulation()
    {
        var model = SnnModel.Create(Small("dc2015", 32, RoundingMode.Nearest, 1), Images.PixelsPerImage, seed: 7);
        model.DelaySteps![5] = 200;
        var error = Assert.Throws<InvalidDataException>(() => _ = new Simulator(model));
        Assert.That(error!.Message, Does.Contain("exceeds the configured maximum of 20"));
    }
}
