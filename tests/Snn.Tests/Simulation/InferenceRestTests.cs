using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// Diehl &amp; Cook's test mode (`inference_rest_ms`): labelling and testing rest between examples with no input and
/// carry the state over, within fixed blocks of <see cref="NetworkConfig.InferenceBlock"/> examples that each start from
/// the reset state; 0 resets the state before every example.
/// </summary>
public sealed class InferenceRestTests
{
    private static readonly FSpiNN.Snn.Data.Dataset Images = Digits(150, seed: 9);

    /// <summary>dc2015 (delays, conductances) small enough to run 150 examples in a moment, firing on every example, no retries.</summary>
    private static NetworkConfig Small(double inferenceRestMs) => NetworkPresets.Dc2015(30) with
    {
        PresentationMs = 40,
        MaxInputRate = 500,
        InitScale = 1,
        RetryMinSpikes = 0,
        InferenceRestMs = inferenceRestMs,
    };

    private static SnnModel Labelled(NetworkConfig config, int threads)
    {
        var model = SnnModel.Create(config.Validate(), Images.PixelsPerImage, seed: 4);
        Protocol.Label(model, Images, threads: threads);
        return model;
    }

    [Test]
    public void Dc2015Preset_RestsLikeTraining()
    {
        var c = NetworkPresets.Dc2015(10);
        Assert.That(c.InferenceRestMs, Is.EqualTo(150).And.EqualTo(c.RestMs));
        Assert.That(NetworkPresets.BindsNet(10).InferenceRestMs, Is.Zero);
        Assert.That(NetworkPresets.FSpiNN(10).InferenceRestMs, Is.Zero);
    }

    [Test]
    public void EveryExampleButTheFirstOfABlock_RunsTheRestFirst()
    {
        var config = Small(inferenceRestMs: 15);
        var model = Labelled(config, threads: 1);
        var n = Images.Count;
        var blocks = (n + NetworkConfig.InferenceBlock - 1) / NetworkConfig.InferenceBlock;
        Assert.That(blocks, Is.EqualTo(3), "150 examples: blocks of 64, 64 and 22");
        Assert.That(model.InferenceCounts.TimeSteps,
            Is.EqualTo((long)n * config.PresentationSteps + (long)(n - blocks) * config.InferenceRestSteps));
        var reset = Labelled(Small(inferenceRestMs: 0), threads: 1);
        Assert.That(reset.InferenceCounts.TimeSteps, Is.EqualTo((long)n * config.PresentationSteps), "no rest: presentations only");
    }

    [Test]
    public void CarryingTheStateOver_ChangesTheResponses()
    {
        // a 1 ms rest leaves most of the previous example's membrane potential and in-flight input: the responses change
        var carried = Labelled(Small(inferenceRestMs: 1), threads: 1);
        var reset = Labelled(Small(inferenceRestMs: 0), threads: 1);
        Assert.That(carried.ClassRates.Sum(), Is.GreaterThan(0), "the network fires");
        Assert.That(carried.ClassRates, Is.Not.EqualTo(reset.ClassRates));
    }

    [Test]
    public void WithRest_ResultsDoNotDependOnTheThreadCount()
    {
        var config = Small(inferenceRestMs: 15);
        var one = Labelled(config, threads: 1);
        foreach (var threads in new[] { 2, 3 })
        {
            var many = Labelled(config, threads);
            Assert.That(many.ClassRates, Is.EqualTo(one.ClassRates), $"{threads} threads");
            Assert.That(many.InferenceCounts.TimeSteps, Is.EqualTo(one.InferenceCounts.TimeSteps), $"{threads} threads");
            Assert.That(many.InferenceCounts.Population("exc").Spikes, Is.EqualTo(one.InferenceCounts.Population("exc").Spikes), $"{threads} threads");
        }
    }
}
