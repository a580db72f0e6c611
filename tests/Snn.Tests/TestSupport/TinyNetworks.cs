using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Encoding;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Quantization;

namespace FSpiNN.Snn.Tests.TestSupport;

/// <summary>A presynaptic spike at a given step of a scripted schedule.</summary>
internal readonly record struct InputSpike(int Step, int Input);

/// <summary>Builders for tiny, fully specified networks and inputs used by the simulator tests.</summary>
internal static class TinyNetworks
{
    /// <summary>A scripted input schedule of <paramref name="steps"/> steps with exactly the given spikes.</summary>
    public static SpikeSchedule Schedule(int steps, params InputSpike[] spikes)
    {
        var schedule = new SpikeSchedule();
        schedule.Begin(steps);
        // the schedule expects spikes added input by input, each input's steps increasing
        foreach (var s in spikes.OrderBy(s => s.Input).ThenBy(s => s.Step))
        {
            if (s.Step < 0 || s.Step >= steps) throw new ArgumentOutOfRangeException(nameof(spikes), s, "spike outside the schedule");
            schedule.Add(s.Step, s.Input);
        }
        schedule.End();
        return schedule;
    }

    /// <summary>A model with float32 weights given row-major (input × neuron), theta at the config's initial value, no delays.</summary>
    public static SnnModel Model(NetworkConfig config, int inputs, params float[] weights)
    {
        config.Validate();
        if (weights.Length != inputs * config.Neurons)
            throw new ArgumentException($"expected {inputs * config.Neurons} weights, got {weights.Length}", nameof(weights));
        var matrix = WeightMatrix.CreateFloat(inputs, config.Neurons);
        var rng = new Numerics.Xoshiro256(0);
        for (var k = 0; k < weights.Length; k++) matrix.StoreUnclipped(k, weights[k], ref rng);
        var theta = new float[config.Neurons];
        Array.Fill(theta, (float)config.ThetaInit);
        return new SnnModel(config, inputs, seed: 1, matrix, theta, delaySteps: null);
    }

    /// <summary>
    /// A current-based (BindsNET-style) network with every incidental mechanism off: no learning rates, no
    /// normalisation, no one-spike selection, no retries; callers switch on what they test.
    /// </summary>
    public static NetworkConfig Current(int neurons) => NetworkPresets.BindsNet(neurons) with
    {
        OneSpikePerStep = false,
        Inhibition = InhibitionKind.Lateral,
        LateralInhibition = 0,
        EtaPre = 0,
        EtaPost = 0,
        Normalization = NormalizationTiming.None,
    };

    /// <summary>
    /// A tiny version of a preset (6 neurons) that trains on <see cref="Digits"/>: every random path (encoding, one-spike
    /// picks, SR, delays, retries) is used.
    /// </summary>
    public static NetworkConfig TinyPreset(string preset) => NetworkPresets.Create(preset, 6) with
    {
        PresentationMs = 40,
        RestMs = preset == "dc2015" ? 10 : 0,
        // 20 inputs instead of 784: stronger input and weights so that a few neurons fire in 40 ms
        MaxInputRate = 500,
        InitScale = 1,
        NormalizationTarget = preset == "dc2015" ? 16 : 8,
        MaxRetries = 2,
    };

    /// <summary>A conductance-based (Diehl &amp; Cook) network, no delays, no learning, no normalisation, no retries.</summary>
    public static NetworkConfig Conductance(int neurons) => NetworkPresets.Dc2015(neurons) with
    {
        InputDelayMaxMs = 0,
        Inhibition = InhibitionKind.Lateral,
        LateralInhibition = 0,
        EtaPre = 0,
        EtaPost = 0,
        Normalization = NormalizationTiming.None,
        RetryMinSpikes = 0,
        ThetaInit = 0,
        ThetaOffset = 0,
    };

    /// <summary>
    /// A synthetic labelled dataset of <paramref name="count"/> images of 4×5 pixels: class c lights pixels 2c and 2c+1
    /// at full intensity, plus a little seeded noise elsewhere, so a tiny network can tell classes apart.
    /// </summary>
    public static Dataset Digits(int count, ulong seed)
    {
        const int rows = 4, cols = 5;
        var rng = new Numerics.Xoshiro256(seed);
        var pixels = new byte[count * rows * cols];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % Dataset.ClassCount;
            labels[i] = (byte)label;
            var image = pixels.AsSpan(i * rows * cols, rows * cols);
            for (var k = 0; k < image.Length; k++) image[k] = (byte)(rng.NextInt(4) == 0 ? rng.NextInt(60) : 0);
            image[2 * label] = 255;
            image[2 * label + 1] = 255;
        }
        return new Dataset("synthetic/digits", rows, cols, pixels, labels);
    }
}
