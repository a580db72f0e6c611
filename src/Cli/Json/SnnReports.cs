using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Json;

// JSON reports of `train` and `test` (fields: docs/json.md), built from what the commands already compute.

/// <summary>A network as configured: preset, size, weight format and every model parameter (as `fspinn params` names them).</summary>
internal sealed record NetworkJson(string Preset, int Neurons, string Weights, IReadOnlyDictionary<string, string> Parameters)
{
    public static NetworkJson Of(NetworkConfig config) => new(config.Preset, config.Neurons, Commands.TrainCommand.DescribeWeights(config),
        ParameterTable.Describe(config).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}

/// <summary>A data set: description, example counts and the sha256 of its images and labels (the fingerprint models record).</summary>
internal sealed record DataJson(string Description, int TrainExamples, int? TestExamples, string? TrainImagesSha256, string? TrainLabelsSha256)
{
    public static DataJson Of(DatasetPair pair) =>
        new(pair.Train.Describe(), pair.Train.Count, pair.Test?.Count, pair.Train.ImagesSha256, pair.Train.LabelsSha256);
}

/// <summary>One pass: examples, wall seconds and examples per second.</summary>
internal sealed record PassJson(int Examples, double Seconds, double ExamplesPerSecond)
{
    public static PassJson Of(long examples, double seconds) => new((int)examples, seconds, examples / Math.Max(seconds, 1e-9));
}

/// <summary>A test pass: accuracy by both rules, the confusion matrix of each ([true class][predicted class]), activity.</summary>
internal sealed record TestResultJson(
    int Examples,
    double Seconds,
    double ExamplesPerSecond,
    double AccuracyAllActivity,
    double AccuracyProportion,
    int CorrectAllActivity,
    int CorrectProportion,
    double MeanSpikesPerExample,
    long Retries,
    int[][] ConfusionAllActivity,
    int[][] ConfusionProportion)
{
    public static TestResultJson Of(TestReport report, double seconds) => new(report.Examples, seconds, report.Examples / Math.Max(seconds, 1e-9),
        report.AccuracyAllActivity, report.AccuracyProportion, Diagonal(report.Confusion), Diagonal(report.ConfusionProportion),
        report.MeanSpikesPerExample, report.Retries, Rows(report.Confusion), Rows(report.ConfusionProportion));

    private static int[][] Rows(int[,] matrix) =>
        [.. Enumerable.Range(0, matrix.GetLength(0)).Select(r => Enumerable.Range(0, matrix.GetLength(1)).Select(c => matrix[r, c]).ToArray())];

    private static int Diagonal(int[,] matrix) => Enumerable.Range(0, Math.Min(matrix.GetLength(0), matrix.GetLength(1))).Sum(i => matrix[i, i]);
}

internal sealed record SweepPointJson(double Strength, double Accuracy, double AccuracyProportion);

/// <summary>--sweep-inhibition: held-out accuracy per strength and the strength kept.</summary>
internal sealed record SweepJson(int Samples, IReadOnlyList<SweepPointJson> Points, double Best);

internal sealed record TrainReport(
    NetworkJson Network,
    DataJson Data,
    ulong Seed,
    int Epochs,
    int Threads,
    SweepJson? Sweep,
    PassJson Training,
    long? ResumedFromExamples,
    long TrainingRetries,
    PassJson Labelling,
    TestResultJson? Test,
    string ModelPath,
    double TotalSeconds) : CommandReport("train");

internal sealed record TestCommandReport(
    string ModelPath,
    NetworkJson Network,
    string? ModelTrainingData,
    DataJson Data,
    IReadOnlyList<string> Warnings,
    int Threads,
    TestResultJson Test) : CommandReport("test");
