using System.Diagnostics;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Training;

/// <summary>Progress of a long pass: examples done out of total.</summary>
public readonly record struct PassProgress(string Phase, long Done, long Total);

/// <summary>Accuracy and diagnostics of a test pass.</summary>
public sealed class TestReport
{
    public required int Examples { get; init; }
    public required double AccuracyAllActivity { get; init; }
    public required double AccuracyProportion { get; init; }
    /// <summary>Confusion of the all-activity rule: [true class, predicted class].</summary>
    public required int[,] Confusion { get; init; }
    public required int[,] ConfusionProportion { get; init; }
    public required double MeanSpikesPerExample { get; init; }
    public required long Retries { get; init; }
    public required WorkCounts Counts { get; init; }
}

/// <summary>
/// The unsupervised protocol: train with STDP in dataset order, label neurons from a learning-off pass, classify by
/// all-activity and by proportion weighting. Labelling and testing run on several threads with identical results for
/// any thread count (each example has its own random stream and starts from the reset state).
/// </summary>
public static class Protocol
{
    /// <summary>The examples a pass over the first <paramref name="samples"/> of <paramref name="data"/> uses (0 = all).</summary>
    public static int ExamplesUsed(Dataset data, int samples) => samples <= 0 ? data.Count : Math.Min(samples, data.Count);

    /// <summary>
    /// Trains <paramref name="epochs"/> passes over the first <paramref name="samples"/> training examples (0 = all), the
    /// network stepped by <paramref name="threads"/> threads (0 = all cores; small networks use fewer, see
    /// <see cref="Simulator.EffectiveThreads"/>); the model does not depend on the thread count.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="checkpoint"/> the model is saved between examples every <see cref="TrainingCheckpoint.Every"/>;
    /// when <paramref name="model"/> is the checkpoint's <see cref="TrainingCheckpoint.Resumed"/> model, the plan's first
    /// <see cref="SnnModel.ExamplesTrained"/> examples are taken as done and training continues with the next one.
    /// </remarks>
    public static void Train(SnnModel model, Dataset train, int samples, int epochs,
        Action<PassProgress>? progress = null, CancellationToken cancellationToken = default, int threads = 1,
        TrainingCheckpoint? checkpoint = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        CheckShape(model, train);
        var count = ExamplesUsed(train, samples);
        var total = (long)count * epochs;
        var start = checkpoint?.Resumed is { } resumed && ReferenceEquals(resumed, model) ? model.ExamplesTrained : 0;
        if (start > total)
            throw new ArgumentOutOfRangeException(nameof(model), $"the resumed model has {start} examples trained, more than the plan's {total}");
        using var simulator = new Simulator(model, model.TrainingCounts, threads);
        model.TrainingData = DataFingerprint.Of(train.Take(count));
        var lastSave = Stopwatch.GetTimestamp();
        // example `done` of the plan is image done % count of pass done / count: the order of the nested epoch/image loops
        for (var done = start; done < total;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = model.ExamplesTrained;
            simulator.Train(train.Image((int)(done % count)), Xoshiro256.ForStream(model.Seed, StreamPurpose.Training, (ulong)index));
            model.ExamplesTrained++;
            done++;
            if (progress is not null && (done % 16 == 0 || done == total))
                progress(new PassProgress("train", done, total));
            if (checkpoint is not null && done < total && Stopwatch.GetElapsedTime(lastSave) >= checkpoint.Every)
            {
                checkpoint.Save(model);
                lastSave = Stopwatch.GetTimestamp();
            }
        }
        model.IsLabelled = false;
    }

    /// <summary>Assigns each neuron the class it responds to most (mean spike count per class) from a learning-off pass.</summary>
    public static void Label(SnnModel model, Dataset data, int samples = 0, int threads = 0,
        Action<PassProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckShape(model, data);
        var count = ExamplesUsed(data, samples);
        var n = model.Neurons;
        var classSums = new long[SnnModel.Classes * n];
        var classCounts = new long[SnnModel.Classes];
        RunInference(model, data, count, StreamPurpose.Labelling, threads, "label", progress, cancellationToken,
            () => (new long[SnnModel.Classes * n], new long[SnnModel.Classes]),
            (state, index, spikes, _) =>
            {
                var label = data.Label(index);
                state.Item2[label]++;
                var row = state.Item1.AsSpan(label * n, n);
                for (var j = 0; j < n; j++) row[j] += spikes[j];
            },
            state =>
            {
                lock (classSums)
                {
                    for (var k = 0; k < classSums.Length; k++) classSums[k] += state.Item1[k];
                    for (var c = 0; c < classCounts.Length; c++) classCounts[c] += state.Item2[c];
                }
            });
        Assign(model, classSums, classCounts);
    }

    /// <summary>Assignment rule of Diehl &amp; Cook: highest mean response; ties keep the earlier class; silent neurons stay −1.</summary>
    internal static void Assign(SnnModel model, long[] classSums, long[] classCounts)
    {
        var n = model.Neurons;
        for (var c = 0; c < SnnModel.Classes; c++)
            for (var j = 0; j < n; j++)
                model.ClassRates[c * n + j] = classCounts[c] > 0 ? (float)((double)classSums[c * n + j] / classCounts[c]) : 0f;
        AssignFromRates(model);
    }

    /// <summary>Each neuron's class from its <see cref="SnnModel.ClassRates"/> (the rule of <see cref="Assign"/>); marks the model labelled.</summary>
    public static void AssignFromRates(SnnModel model)
    {
        var n = model.Neurons;
        for (var j = 0; j < n; j++)
        {
            var best = -1;
            var bestRate = 0f;
            for (var c = 0; c < SnnModel.Classes; c++)
            {
                var rate = model.ClassRates[c * n + j];
                if (rate > bestRate)
                {
                    bestRate = rate;
                    best = c;
                }
            }
            model.Assignments[j] = best;
        }
        model.IsLabelled = true;
    }

    /// <summary>Classifies the first <paramref name="samples"/> examples (0 = all) with learning off.</summary>
    public static TestReport Test(SnnModel model, Dataset data, int samples = 0, int threads = 0,
        Action<PassProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!model.IsLabelled)
            throw new InvalidOperationException("the model has no neuron labels yet: label it (learning-off pass over training data) before testing");
        CheckShape(model, data);
        var count = ExamplesUsed(data, samples);
        var classifier = new Classifier(model);
        var confusion = new int[SnnModel.Classes, SnnModel.Classes];
        var confusionPw = new int[SnnModel.Classes, SnnModel.Classes];
        long totalSpikes = 0;
        var counts = RunInference(model, data, count, StreamPurpose.Testing, threads, "test", progress, cancellationToken,
            () => (new int[SnnModel.Classes, SnnModel.Classes], new int[SnnModel.Classes, SnnModel.Classes], new long[1]),
            (state, index, spikes, result) =>
            {
                var label = data.Label(index);
                state.Item1[label, classifier.PredictAllActivity(spikes)]++;
                state.Item2[label, classifier.PredictProportion(spikes)]++;
                state.Item3[0] += result.Spikes;
            },
            state =>
            {
                lock (confusion)
                {
                    for (var a = 0; a < SnnModel.Classes; a++)
                        for (var b = 0; b < SnnModel.Classes; b++)
                        {
                            confusion[a, b] += state.Item1[a, b];
                            confusionPw[a, b] += state.Item2[a, b];
                        }
                    totalSpikes += state.Item3[0];
                }
            });
        return new TestReport
        {
            Examples = count,
            AccuracyAllActivity = Diagonal(confusion) / (double)count,
            AccuracyProportion = Diagonal(confusionPw) / (double)count,
            Confusion = confusion,
            ConfusionProportion = confusionPw,
            MeanSpikesPerExample = totalSpikes / (double)count,
            Retries = counts.Retries,
            Counts = counts,
        };
    }

    private static int Diagonal(int[,] m)
    {
        var sum = 0;
        for (var c = 0; c < m.GetLength(0); c++) sum += m[c, c];
        return sum;
    }

    private static void CheckShape(SnnModel model, Dataset data)
    {
        if (data.PixelsPerImage != model.InputSize)
            throw new InvalidOperationException(
                $"dataset {data.Name} has {data.Rows}x{data.Cols} = {data.PixelsPerImage} pixels per image but the model expects {model.InputSize} inputs");
    }

    /// <summary>
    /// Runs examples [0, count) with learning off on <paramref name="threads"/> workers (0 = all cores), each with its
    /// own simulator, taking chunks of consecutive examples from a shared cursor so that a worker that meets slow
    /// examples (retries, busy inputs) does not hold the others up. Every example has its own random stream and
    /// per-worker results are merged with integer sums, so the outcome does not depend on the thread count or on
    /// which worker ran which chunk. With an inference rest (Diehl &amp; Cook's test mode) chunks are fixed blocks of
    /// <see cref="NetworkConfig.InferenceBlock"/> examples: the first starts from the reset state, each next one from the
    /// state its predecessor left after the rest.
    /// </summary>
    private static WorkCounts RunInference<TState>(SnnModel model, Dataset data, int count, ulong purpose, int threads,
        string phase, Action<PassProgress>? progress, CancellationToken cancellationToken,
        Func<TState> createState, Action<TState, int, ReadOnlySpan<int>, ExampleResult> onExample, Action<TState> merge)
    {
        var workers = Math.Max(1, Math.Min(threads <= 0 ? Environment.ProcessorCount : threads, Math.Max(1, count / 8)));
        var carryOver = model.Config.InferenceRestSteps > 0;
        var chunk = carryOver ? NetworkConfig.InferenceBlock : Math.Clamp(count / (workers * 32), 1, 64);
        var total = Simulator.CreateCounts(model.Config, model.InputSize);
        long done = 0;
        var cursor = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken };
        Parallel.For(0, workers, options, _ =>
        {
            var simulator = new Simulator(model);
            var state = createState();
            int start;
            while ((start = Interlocked.Add(ref cursor, chunk) - chunk) < count)
            {
                var end = Math.Min(start + chunk, count);
                for (var i = start; i < end; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var result = simulator.Infer(data.Image(i), Xoshiro256.ForStream(model.Seed, purpose, (ulong)i), carryOver && i > start);
                    onExample(state, i, simulator.ExampleSpikes, result);
                    var d = Interlocked.Increment(ref done);
                    if (progress is not null && (d % 16 == 0 || d == count))
                        progress(new PassProgress(phase, d, count));
                }
            }
            merge(state);
            lock (total) total.Add(simulator.Counts);
        });
        model.InferenceCounts.Add(total);
        return total;
    }
}

/// <summary>The two decision rules over a labelled model.</summary>
public sealed class Classifier
{
    private readonly int[] _assignments;
    private readonly int[] _assignedCount = new int[SnnModel.Classes];
    private readonly float[] _proportions; // [j * classes + c]

    public Classifier(SnnModel model)
    {
        var n = model.Neurons;
        _assignments = model.Assignments;
        foreach (var a in _assignments)
            if (a >= 0) _assignedCount[a]++;
        _proportions = new float[n * SnnModel.Classes];
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var c = 0; c < SnnModel.Classes; c++) sum += model.ClassRates[c * n + j];
            for (var c = 0; c < SnnModel.Classes; c++)
                _proportions[j * SnnModel.Classes + c] = sum > 0 ? (float)(model.ClassRates[c * n + j] / sum) : 0f;
        }
    }

    /// <summary>Diehl &amp; Cook: mean spike count of the neurons assigned to each class; highest wins (ties: lower class).</summary>
    public int PredictAllActivity(ReadOnlySpan<int> spikes)
    {
        Span<double> scores = stackalloc double[SnnModel.Classes];
        for (var j = 0; j < spikes.Length; j++)
        {
            var a = _assignments[j];
            if (a >= 0) scores[a] += spikes[j];
        }
        return ArgMax(scores);
    }

    /// <summary>BindsNET proportion weighting: spikes weighted by each neuron's share of its response to the class.</summary>
    public int PredictProportion(ReadOnlySpan<int> spikes)
    {
        Span<double> scores = stackalloc double[SnnModel.Classes];
        for (var j = 0; j < spikes.Length; j++)
        {
            var a = _assignments[j];
            if (a >= 0) scores[a] += _proportions[j * SnnModel.Classes + a] * spikes[j];
        }
        return ArgMax(scores);
    }

    private int ArgMax(Span<double> sums)
    {
        var best = 0;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < SnnModel.Classes; c++)
        {
            var score = _assignedCount[c] > 0 ? sums[c] / _assignedCount[c] : 0;
            if (score > bestScore)
            {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }
}
