using System.Diagnostics;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;

namespace FSpiNN.Snn.Training;

/// <summary>How much of the data one run of the pipeline uses, and its threads.</summary>
/// <param name="TrainSamples">Training examples per epoch (0 = all).</param>
/// <param name="LabelSamples">Training examples that label the neurons (0 = the training examples).</param>
/// <param name="TestSamples">Test examples (0 = all).</param>
/// <param name="Threads">Threads for labelling and testing (0 = all cores).</param>
/// <param name="TrainThreads">Threads stepping the network in training (see <see cref="Simulation.Simulator.EffectiveThreads"/>).</param>
public readonly record struct PipelineOptions(int TrainSamples, int Epochs = 1, int LabelSamples = 0, int TestSamples = 0, int Threads = 0,
    int TrainThreads = 1);

/// <summary>What the labelling and test passes gave, with their wall times.</summary>
public readonly record struct EvaluationOutcome(TestReport? Test, double LabelSeconds, double TestSeconds);

/// <summary>
/// The one train → post-training quantization → label → test pipeline, used by `fspinn train` and by the search's
/// evaluator (which may replace the training by a cached float model, then runs the rest).
/// </summary>
public static class Pipeline
{
    /// <summary>
    /// A new model of <paramref name="config"/> trained with STDP (<see cref="Protocol.Train"/>), or the
    /// <paramref name="checkpoint"/>'s resumed model trained to the end of the plan.
    /// </summary>
    public static SnnModel Train(NetworkConfig config, Dataset train, ulong seed, PipelineOptions options,
        Action<PassProgress>? progress = null, CancellationToken cancellationToken = default, TrainingCheckpoint? checkpoint = null)
    {
        var model = checkpoint?.Resumed ?? SnnModel.Create(config, train.PixelsPerImage, seed);
        Protocol.Train(model, train, options.TrainSamples, options.Epochs, progress, cancellationToken, options.TrainThreads, checkpoint);
        return model;
    }

    /// <summary>Quantizes the weights of a model trained in float when <paramref name="config"/> asks for post-training quantization.</summary>
    public static void QuantizeAfterTraining(SnnModel model, NetworkConfig config)
    {
        if (config.Quantize == QuantizationMode.PostTraining)
            model.QuantizeWeights(config.WeightBits, config.EffectiveFractionBits, config.Rounding);
    }

    /// <summary>
    /// Post-training quantization (if <paramref name="config"/> asks for it), labelling on the training data and a test
    /// pass (when <paramref name="data"/> has a test split).
    /// </summary>
    public static EvaluationOutcome Evaluate(SnnModel model, NetworkConfig config, DatasetPair data, PipelineOptions options,
        Action<PassProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        QuantizeAfterTraining(model, config);
        var watch = Stopwatch.StartNew();
        Protocol.Label(model, data.Train, options.LabelSamples > 0 ? options.LabelSamples : options.TrainSamples, options.Threads, progress, cancellationToken);
        var labelSeconds = watch.Elapsed.TotalSeconds;
        TestReport? test = null;
        if (data.Test is not null)
            test = Protocol.Test(model, data.Test, options.TestSamples, options.Threads, progress, cancellationToken);
        return new EvaluationOutcome(test, labelSeconds, watch.Elapsed.TotalSeconds - labelSeconds);
    }
}
