using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Simulation;
using FSpiNN.SnnSearch;

namespace FSpiNN.Reproduction;

/// <summary>
/// The cost figures of one trained model (one row of priced.csv), priced like <c>fspinn cost --from-run</c>: default
/// energy profile, event-driven execution, dense inhibitory storage (the paper's accounting). Spikes are excitatory
/// spikes; synaptic events are summed over all projections; per-example figures divide by the phase's examples
/// (inference = labelling + testing).
/// </summary>
internal sealed record PricedRun(
    string Name,
    string Commit,
    string Weights,
    double MemoryInferenceBytes,
    double MemoryTrainingBytes,
    double TrainEnergyJoulesPerExample,
    double InferenceEnergyJoulesPerExample,
    double WeightWritesPerTrainExample,
    double TrainSynapticEventsPerExample,
    double InferenceSynapticEventsPerExample,
    double TrainSpikesPerExample,
    double InferenceSpikesPerExample,
    long TrainExamples,
    long InferenceExamples,
    string Profile,
    double TrainEnergyDramJoulesPerExample,
    double InferenceEnergyDramJoulesPerExample);

/// <summary>Prices models and keeps the figures in a CSV cache keyed by run name and commit.</summary>
internal static class Pricing
{
    private static readonly string[] Columns =
    [
        "name", "commit", "weights", "memory_inference_bytes", "memory_training_bytes", "train_energy_j_per_example",
        "inference_energy_j_per_example", "weight_writes_per_train_example", "train_synaptic_events_per_example",
        "inference_synaptic_events_per_example", "train_spikes_per_example", "inference_spikes_per_example",
        "train_examples", "inference_examples", "profile",
        "train_energy_dram_j_per_example", "inference_energy_dram_j_per_example",
    ];

    /// <summary>The second profile every model is also priced with: the same 45 nm figures with every weight array in DRAM.</summary>
    public const string DramProfileFile = "horowitz-45nm-weights-in-dram.json";

    public static PricedRun Price(string name, string commit, string modelPath, EnergyProfile dramProfile)
    {
        var model = ModelFile.Load(modelPath);
        if (model.TrainingCounts.Examples == 0 || model.InferenceCounts.Examples == 0)
            throw new InvalidOperationException($"{modelPath} has no recorded training or inference counts");
        var profile = EnergyProfile.Default;
        var options = new CostOptions { Execution = SynapticExecution.EventDriven };
        var report = SnnCost.Estimate(model.Config, model.TrainingCounts, model.InferenceCounts, profile, options, WeightStorage.Dense);
        var dram = SnnCost.Estimate(model.Config, model.TrainingCounts, model.InferenceCounts, dramProfile, options, WeightStorage.Dense);
        var train = model.TrainingCounts;
        var inference = model.InferenceCounts;
        return new PricedRun(name, commit, DescribeWeights(model.Config), report.InferenceMemoryBytes, report.TrainingMemoryBytes,
            report.Training.PerExampleJoules, report.Inference.PerExampleJoules,
            (double)train.StdpWeightUpdates / train.Examples,
            (double)SynapticEvents(train) / train.Examples, (double)SynapticEvents(inference) / inference.Examples,
            (double)train.Population("exc").Spikes / train.Examples, (double)inference.Population("exc").Spikes / inference.Examples,
            train.Examples, inference.Examples, profile.Name, dram.Training.PerExampleJoules, dram.Inference.PerExampleJoules);
    }

    /// <summary>"float32", or e.g. "int8 itq sr" (bits, when quantized, rounding).</summary>
    public static string DescribeWeights(NetworkConfig config) => config.Quantize == QuantizationMode.None
        ? "float32"
        : $"int{config.WeightBits} {ParameterTable.Get(config, "quantize")} {ParameterTable.Get(config, "rounding")}";

    private static long SynapticEvents(WorkCounts counts) => counts.Projections.Sum(p => p.SynapticEvents);

    /// <summary>Reads the cache; a missing file is an empty cache.</summary>
    public static Dictionary<string, PricedRun> ReadCache(string path)
    {
        var cache = new Dictionary<string, PricedRun>();
        if (!File.Exists(path)) return cache;
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!csv.Read() || !csv.ReadHeader()) return cache;
        foreach (var column in Columns)
            if (!csv.HeaderRecord!.Contains(column))
                throw new ResultsFileException(path, 1, $"missing column '{column}': delete the file to reprice every model");
        while (csv.Read())
        {
            var line = csv.Parser.Row;
            double D(string c) => double.TryParse(csv.GetField(c), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new ResultsFileException(path, line, $"column '{c}' is '{csv.GetField(c)}', not a number");
            var row = new PricedRun(csv.GetField("name")!, csv.GetField("commit")!, csv.GetField("weights")!,
                D("memory_inference_bytes"), D("memory_training_bytes"), D("train_energy_j_per_example"),
                D("inference_energy_j_per_example"), D("weight_writes_per_train_example"), D("train_synaptic_events_per_example"),
                D("inference_synaptic_events_per_example"), D("train_spikes_per_example"), D("inference_spikes_per_example"),
                (long)D("train_examples"), (long)D("inference_examples"), csv.GetField("profile")!,
                D("train_energy_dram_j_per_example"), D("inference_energy_dram_j_per_example"));
            cache[row.Name] = row;
        }
        return cache;
    }

    /// <summary>Writes the cache sorted by name (stable diffs).</summary>
    public static void WriteCache(string path, IEnumerable<PricedRun> rows)
    {
        using var writer = new StreamWriter(path);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var c in Columns) csv.WriteField(c);
        csv.NextRecord();
        foreach (var r in rows.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            csv.WriteField(r.Name);
            csv.WriteField(r.Commit);
            csv.WriteField(r.Weights);
            foreach (var v in new[]
                     {
                         r.MemoryInferenceBytes, r.MemoryTrainingBytes, r.TrainEnergyJoulesPerExample, r.InferenceEnergyJoulesPerExample,
                         r.WeightWritesPerTrainExample, r.TrainSynapticEventsPerExample, r.InferenceSynapticEventsPerExample,
                         r.TrainSpikesPerExample, r.InferenceSpikesPerExample,
                     })
                csv.WriteField(v.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(r.TrainExamples);
            csv.WriteField(r.InferenceExamples);
            csv.WriteField(r.Profile);
            csv.WriteField(r.TrainEnergyDramJoulesPerExample.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(r.InferenceEnergyDramJoulesPerExample.ToString("R", CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }
}
