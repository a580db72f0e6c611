using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Models;

/// <summary>
/// The learned state of a network: configuration, input→excitatory weights (float32 or fixed-point codes), adaptive
/// thresholds, per-synapse input delays, neuron→class assignments and the work counted while training.
/// </summary>
public sealed class SnnModel
{
    public const int Classes = 10;

    public SnnModel(NetworkConfig config, int inputSize, ulong seed, WeightMatrix weights, float[] theta, byte[]? delaySteps)
    {
        Config = config;
        InputSize = inputSize;
        Seed = seed;
        Weights = weights;
        Theta = theta;
        DelaySteps = delaySteps;
        Assignments = new int[config.Neurons];
        Array.Fill(Assignments, -1);
        ClassRates = new float[Classes * config.Neurons];
        TrainingCounts = Simulator.CreateCounts(config, inputSize);
        InferenceCounts = Simulator.CreateCounts(config, inputSize);
    }

    public NetworkConfig Config { get; private set; }
    public int InputSize { get; }
    public int Neurons => Config.Neurons;
    public ulong Seed { get; }
    public WeightMatrix Weights { get; private set; }
    public float[] Theta { get; }
    /// <summary>Input→excitatory delay of each synapse in steps (row-major like the weights), or null without delays.</summary>
    public byte[]? DelaySteps { get; }

    private int[]? _delayOffsets;

    /// <summary>
    /// Per synapse, delay·N + j: where its weight lands in a simulator's delay ring, relative to the current slot. Built
    /// on first use and shared by every simulator of this model (4 bytes per synapse, once per model rather than once
    /// per thread); null without delays. Throws if a delay exceeds the configured maximum (a corrupt model).
    /// </summary>
    internal int[]? DelayOffsets => DelaySteps is null ? null : LazyInitializer.EnsureInitialized(ref _delayOffsets, () =>
    {
        var n = Neurons;
        var maxDelay = Config.InputDelaySteps;
        if (DelaySteps.Length != InputSize * n)
            throw new InvalidDataException($"the model has {DelaySteps.Length} input delays, expected {InputSize} × {n}");
        var offsets = new int[DelaySteps.Length];
        for (var k = 0; k < offsets.Length; k++)
        {
            var d = DelaySteps[k];
            if (d > maxDelay)
                throw new InvalidDataException($"input delay {d} steps at synapse {k} exceeds the configured maximum of {maxDelay}");
            offsets[k] = d * n + k % n;
        }
        return offsets;
    });
    /// <summary>Class of each excitatory neuron, −1 when it never responded during labelling.</summary>
    public int[] Assignments { get; }
    /// <summary>Mean spike count of neuron j for class c at index c·N + j (from labelling).</summary>
    public float[] ClassRates { get; }
    public bool IsLabelled { get; set; }
    public long ExamplesTrained { get; set; }
    public WorkCounts TrainingCounts { get; set; }
    /// <summary>Work of the learning-off passes (labelling and testing) run on this model so far.</summary>
    public WorkCounts InferenceCounts { get; set; }
    /// <summary>The data the weights were learned from (set by training; null in model files of format 1 and in imported weights).</summary>
    public DataFingerprint? TrainingData { get; set; }

    /// <summary>A fresh, untrained model: weights (U[0,1) + offset)·scale, theta at its initial value, random delays.</summary>
    public static SnnModel Create(NetworkConfig config, int inputSize, ulong seed)
    {
        config.Validate();
        var rng = Xoshiro256.ForStream(seed, StreamPurpose.Initialisation, 0);
        var n = config.Neurons;
        var weights = config.Quantize == QuantizationMode.InTraining
            ? WeightMatrix.CreateFixed(inputSize, n, new FixedPointFormat(config.WeightBits, config.EffectiveFractionBits), config.Rounding)
            : WeightMatrix.CreateFloat(inputSize, n);
        for (var k = 0; k < inputSize * n; k++)
            weights.StoreUnclipped(k, (rng.NextDouble() + config.InitOffset) * config.InitScale, ref rng);
        var theta = new float[n];
        Array.Fill(theta, (float)config.ThetaInit);
        byte[]? delays = null;
        var maxDelaySteps = config.InputDelaySteps;
        if (maxDelaySteps > 0)
        {
            delays = new byte[inputSize * n];
            for (var k = 0; k < delays.Length; k++)
                delays[k] = (byte)rng.NextInt(maxDelaySteps + 1);
        }
        return new SnnModel(config, inputSize, seed, weights, theta, delays);
    }

    /// <summary>Post-training quantization: replaces float weights by fixed-point codes of the given format.</summary>
    public void QuantizeWeights(int bits, int fractionBits, RoundingMode rounding)
    {
        var rng = Xoshiro256.ForStream(Seed, StreamPurpose.PostTrainingQuantization, (ulong)bits);
        Weights = Weights.Quantized(new FixedPointFormat(bits, fractionBits), rounding, ref rng);
        Config = Config with { WeightBits = bits, WeightFractionBits = fractionBits, Rounding = rounding, Quantize = QuantizationMode.PostTraining };
    }

    /// <summary>A deep copy (weights, theta, labels); used to derive post-training-quantized variants of one trained model.</summary>
    public SnnModel Clone()
    {
        var weights = Weights.IsQuantized
            ? WeightMatrix.CreateFixed(Weights.Rows, Weights.Cols, Weights.Format!.Value, Weights.Rounding)
            : WeightMatrix.CreateFloat(Weights.Rows, Weights.Cols);
        weights.LoadRawBytes(Weights.RawBytes);
        var copy = new SnnModel(Config, InputSize, Seed, weights, (float[])Theta.Clone(), DelaySteps)
        {
            IsLabelled = IsLabelled,
            ExamplesTrained = ExamplesTrained,
            TrainingData = TrainingData,
        };
        Assignments.CopyTo(copy.Assignments, 0);
        ClassRates.CopyTo(copy.ClassRates, 0);
        copy.TrainingCounts.Add(TrainingCounts);
        copy.InferenceCounts.Add(InferenceCounts);
        return copy;
    }
}

/// <summary>Purposes of independent random streams derived from the run seed.</summary>
public static class StreamPurpose
{
    public const ulong Initialisation = 1;
    public const ulong Training = 2;
    public const ulong Labelling = 3;
    public const ulong Testing = 4;
    public const ulong PostTrainingQuantization = 5;
}
