using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;

namespace FSpiNN.Snn.Training;

/// <summary>A checkpoint file cannot resume the training asked for: names the file and what differs.</summary>
public sealed class CheckpointMismatchException(string path, string problem)
    : Exception($"checkpoint {path}: {problem}; delete it to start the training over, or give another checkpoint path");

/// <summary>
/// Periodic saving of a model in training, so that a stopped run resumes where it stopped (<see cref="Protocol.Train"/>).
/// A checkpoint is an ordinary model file, written atomically between two examples, whose
/// <see cref="SnnModel.ExamplesTrained"/> says how far the plan got. Every example's random stream is keyed by its index
/// in the plan and the network is reset before each example (reset_between_examples, bindsnet and fspinn), so a resumed
/// training is bit-identical to an uninterrupted one. A preset that carries its state from one example to the next
/// (dc2015: v, conductances, traces and in-flight spikes after the 150 ms rest) restarts that state from rest at the
/// resume point, which <see cref="ResumeIsExact"/> reports; weights, theta and counts are exact.
/// </summary>
/// <param name="Save">Writes the model (called between examples, and not after the last one).</param>
/// <param name="Every">Least time between two saves.</param>
/// <param name="Resumed">The model read from the checkpoint, or null for a new training.</param>
public sealed record TrainingCheckpoint(Action<SnnModel> Save, TimeSpan Every, SnnModel? Resumed = null)
{
    /// <summary>Whether resuming <paramref name="config"/> mid-plan gives the bits of an uninterrupted run.</summary>
    public static bool ResumeIsExact(NetworkConfig config) => config.ResetBetweenExamples;

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> and checks that it is part of this very training: the same
    /// configuration, seed, input size and training examples (their fingerprint), and no more examples trained than the
    /// plan's <paramref name="samples"/> x <paramref name="epochs"/>. Throws <see cref="CheckpointMismatchException"/>
    /// naming the first difference, or <see cref="ModelFileException"/> for an unreadable file.
    /// </summary>
    public static SnnModel Load(string path, NetworkConfig config, ulong seed, Dataset train, int samples, int epochs)
    {
        var model = ModelFile.Load(path);
        var differing = ParameterTable.Describe(model.Config).Zip(ParameterTable.Describe(config))
            .Where(p => p.First.Value != p.Second.Value)
            .Select(p => $"{p.First.Key}={p.First.Value} (asked: {p.Second.Value})")
            .ToList();
        if (differing.Count > 0)
            throw new CheckpointMismatchException(path, "it was written for another configuration: " + string.Join(", ", differing));
        if (model.Seed != seed)
            throw new CheckpointMismatchException(path, $"it was written with seed {model.Seed}, this training has seed {seed}");
        if (model.InputSize != train.PixelsPerImage)
            throw new CheckpointMismatchException(path, $"its input size is {model.InputSize}, the data has {train.PixelsPerImage} pixels per image");
        var count = Protocol.ExamplesUsed(train, samples);
        var fingerprint = DataFingerprint.Of(train.Take(count));
        if (model.TrainingData != fingerprint)
            throw new CheckpointMismatchException(path,
                $"it was trained on other examples ({model.TrainingData?.Name ?? "unknown"}) than this training's {count} of {train.Describe()}");
        var total = (long)count * epochs;
        if (model.ExamplesTrained > total)
            throw new CheckpointMismatchException(path, $"it has {model.ExamplesTrained} examples trained, more than this training's {total} ({count} x {epochs} epochs)");
        if (model.IsLabelled)
            throw new CheckpointMismatchException(path, "it is a labelled model, not a checkpoint of a training in progress");
        return model;
    }
}
