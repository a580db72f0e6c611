using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FSpiNN.CostModel;
using FSpiNN.Dse;
using FSpiNN.Dse.Statistics;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;

namespace FSpiNN.SnnSearch;

/// <summary>Settings of the real evaluator.</summary>
public sealed record SnnEvaluatorOptions
{
    /// <summary>
    /// Seed of every trained network (same seed, same result): replicate 1's; replicate k trains with
    /// <see cref="ReplicateSeeds.For"/>(Seed, k).
    /// </summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Threads for labelling and testing inside one evaluation (0 = all cores; results do not depend on it).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Threads stepping one network in training (0 = automatic, one thread: see <c>Simulator.EffectiveThreads</c>, two were
    /// measured slower on the 2-core machine); results do not depend on it.
    /// </summary>
    public int TrainThreads { get; init; }
    /// <summary>Test examples per evaluation (0 = the whole test set).</summary>
    public int TestSamples { get; init; }
    /// <summary>Training passes per evaluation.</summary>
    public int Epochs { get; init; } = 1;
    public EnergyProfile Profile { get; init; } = EnergyProfile.Default;
    /// <summary>How inhibition is priced: as simulated (one shared value, the default) or as the paper's dense N×N matrix.</summary>
    public WeightStorage InhibitionStorage { get; init; } = SnnCost.DefaultInhibitionStorage;
    public CostOptions Cost { get; init; } = CostOptions.Defaults;
    /// <summary>Trained float models kept for post-training-quantization reuse.</summary>
    public int CachedModels { get; init; } = 8;
    /// <summary>
    /// Folder of trained models shared by studies (null = none): a training whose configuration, sample count, epochs,
    /// seed, training data and code version match a stored model loads it instead of training again.
    /// </summary>
    public string? ModelCacheDirectory { get; init; }
}

/// <summary>
/// The real candidate evaluation: configuration → train with STDP → label → test → exact counts → cost model.
/// Memory is the analytic inference footprint (instant, so over-budget candidates are never trained); energies are
/// per example, from the exact counts of training and of the test pass. Post-training-quantization variants of one
/// trained float network are evaluated without retraining: trained float models are cached under the
/// training-relevant part of the configuration (everything but bits, rounding and fraction bits) and the sample count.
/// </summary>
public sealed class SnnEvaluator : ICandidateEvaluator
{
    /// <summary>Parameters that only affect post-training quantization.</summary>
    private static readonly HashSet<string> QuantizationOnly = new(StringComparer.OrdinalIgnoreCase) { "bits", "rounding", "weight_fraction_bits", "quantize" };

    private readonly DatasetPair _data;
    private readonly SnnEvaluatorOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<SnnModel>> _trained = new();
    private readonly ConcurrentQueue<string> _trainedOrder = new();

    public SnnEvaluator(DatasetPair data, SnnEvaluatorOptions? options = null)
    {
        _data = data;
        _options = options ?? new SnnEvaluatorOptions();
        if (data.Test is null)
            throw new ArgumentException($"dataset {data.Train.Name} has no test split; the search evaluates accuracy on test data");
        DataFingerprint = $"train:{data.Train.Describe()}:{data.Train.ImagesSha256}:{data.Train.LabelsSha256};" +
                          $"test:{data.Test.Describe()}:{data.Test.ImagesSha256}:{data.Test.LabelsSha256}";
        Parameters = BuildSpecs();
    }

    public IReadOnlyList<ParameterSpec> Parameters { get; }

    public string DataFingerprint { get; }

    /// <summary>Number of evaluations that reused a cached trained float model.</summary>
    public int ReusedTrainings => _reused;
    private int _reused;

    public double EstimateMemoryBytes(Candidate candidate)
    {
        var config = ToConfig(candidate);
        return MemoryModel.Compute(SnnCost.Describe(config, _data.Train.PixelsPerImage, _options.InhibitionStorage)).InferenceBytes;
    }

    /// <summary>
    /// Builds the simulator configuration: the `network` preset (default fspinn) at `neurons`, then every other parameter
    /// by its <see cref="ParameterTable"/> name; a `bits` value means what <see cref="ParameterTable.ImplyQuantization"/>
    /// says (32 = float32; fewer bits fixed point, in training unless `quantize` says ptq).
    /// </summary>
    public static NetworkConfig ToConfig(Candidate candidate)
    {
        var preset = candidate.TryGet("network", out var network) ? network.ToString() : "fspinn";
        var neurons = candidate.TryGet("neurons", out var n) ? (int)n.AsDouble : 100;
        var config = NetworkPresets.Create(preset, neurons);
        foreach (var (name, value) in candidate.Values)
        {
            if (name is "network" or "neurons" or "train_samples" or LabelSamplesName or TestSamplesName or ReplicateEvaluation.ParameterName) continue;
            config = value.Kind switch   // the typed value, no text in between: the table checks kind, choices and range
            {
                ParameterKind.Int => ParameterTable.Set(config, name, value.AsLong),
                ParameterKind.Float => ParameterTable.Set(config, name, value.AsDouble),
                ParameterKind.Bool => ParameterTable.Set(config, name, value.AsBool),
                _ => ParameterTable.Set(config, name, value.AsString),
            };
        }
        if (candidate.TryGet("bits", out _)) config = ParameterTable.ImplyQuantization(config, modeGiven: candidate.TryGet("quantize", out _));
        return config.Validate();
    }

    public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken) =>
        EvaluateReplicate(candidate, trainSamples, 1, null, cancellationToken);

    public EvaluationResult Evaluate(Candidate candidate, int trainSamples, Action<EvaluationProgress>? progress, CancellationToken cancellationToken) =>
        EvaluateReplicate(candidate, trainSamples, 1, progress, cancellationToken);

    public ulong? ReplicateSeed(int replicate) => ReplicateSeeds.For(_options.Seed, replicate);

    public EvaluationResult EvaluateReplicate(Candidate candidate, int trainSamples, int replicate, CancellationToken cancellationToken) =>
        EvaluateReplicate(candidate, trainSamples, replicate, null, cancellationToken);

    /// <summary>
    /// The evaluation trained with replicate <paramref name="replicate"/>'s seed, telling <paramref name="progress"/> how
    /// far its passes are. The trained-model sharing of post-training quantization and the model cache are keyed by that
    /// seed, so they work per replicate.
    /// </summary>
    public EvaluationResult EvaluateReplicate(Candidate candidate, int trainSamples, int replicate, Action<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        Action<PassProgress>? passes = progress is null ? null : p => progress(new EvaluationProgress(p.Phase, p.Done, p.Total));
        var seed = ReplicateSeeds.For(_options.Seed, replicate);
        var config = ToConfig(candidate);
        var watch = Stopwatch.StartNew();
        SnnModel model;
        var reused = false;
        if (config.Quantize == QuantizationMode.PostTraining)
        {
            // the float network is the candidate's 32-bit variant (so the model cache shares it with every width)
            var floatConfig = ToConfig(candidate.With("bits", ParameterValue.Of(32L)));
            var key = $"{TrainingKey(candidate)}|samples={trainSamples}|epochs={_options.Epochs}|seed={seed}";
            var created = false;
            var lazy = _trained.GetOrAdd(key, _ => new Lazy<SnnModel>(() =>
            {
                created = true;
                return Train(floatConfig, trainSamples, seed, passes, cancellationToken);
            }, LazyThreadSafetyMode.ExecutionAndPublication));
            SnnModel trained;
            try
            {
                trained = lazy.Value;
            }
            catch
            {
                _trained.TryRemove(key, out _); // a cancelled or failed training must not poison the cache
                throw;
            }
            if (!created)
            {
                reused = true;
                Interlocked.Increment(ref _reused);
            }
            else
            {
                _trainedOrder.Enqueue(key);
                while (_trainedOrder.Count > _options.CachedModels && _trainedOrder.TryDequeue(out var old)) _trained.TryRemove(old, out _);
            }
            model = trained.Clone();
            model.InferenceCounts = Snn.Simulation.Simulator.CreateCounts(model.Config, model.InputSize);
        }
        else
        {
            model = Train(config, trainSamples, seed, passes, cancellationToken);
        }
        var trainSeconds = watch.Elapsed.TotalSeconds;

        var labelSamples = Math.Min(trainSamples <= 0 ? _data.Train.Count : trainSamples, _data.Train.Count);
        if (candidate.TryGet(LabelSamplesName, out var labelValue)) labelSamples = Math.Min((int)labelValue.AsDouble, _data.Train.Count);
        var testSamples = candidate.TryGet(TestSamplesName, out var testValue) ? (int)testValue.AsDouble : _options.TestSamples;
        // post-training quantization (of the cached float model's copy), labelling and test: the pipeline `fspinn train` runs
        var test = Pipeline.Evaluate(model, config, _data,
            new PipelineOptions(trainSamples, _options.Epochs, labelSamples, testSamples, _options.Threads, _options.TrainThreads),
            passes, cancellationToken).Test!;
        var totalSeconds = watch.Elapsed.TotalSeconds;

        var report = SnnCost.Estimate(model.Config, model.TrainingCounts, test.Counts, _options.Profile, _options.Cost, _options.InhibitionStorage);
        var metrics = new Dictionary<string, double>
        {
            ["accuracy_proportion"] = test.AccuracyProportion,
            ["mean_spikes"] = test.MeanSpikesPerExample,
            ["train_retries"] = model.TrainingCounts.Retries,
            ["test_retries"] = test.Retries,
            ["memory_training_bytes"] = report.TrainingMemoryBytes,
            ["weight_bytes_held"] = model.Weights.StorageBytes,
            ["train_energy_per_pass_joules"] = report.Training.PerDatasetPassJoules,
            ["inference_energy_per_pass_joules"] = report.Inference.PerDatasetPassJoules,
            ["stdp_energy_share"] = report.Training.LearningShare,
            ["train_seconds"] = trainSeconds,
            ["evaluation_seconds"] = totalSeconds,
            ["train_examples"] = model.TrainingCounts.Examples,
            ["test_examples"] = test.Examples,
            ["label_examples"] = labelSamples,
            ["reused_training"] = reused ? 1 : 0,
            ["w_inh"] = config.Inhibition == InhibitionKind.Lateral ? config.LateralInhibition : config.InhToExcWeight,
        };
        var details = JsonSerializer.Serialize(new
        {
            config = ParameterTable.Describe(model.Config).ToDictionary(p => p.Key, p => p.Value),
            confusion = ToJagged(test.Confusion),
            confusion_proportion = ToJagged(test.ConfusionProportion),
            training_counts = JsonDocument.Parse(WorkCountsJson.Serialize(model.TrainingCounts)).RootElement,
            inference_counts = JsonDocument.Parse(WorkCountsJson.Serialize(test.Counts)).RootElement,
        });
        return new EvaluationResult(test.AccuracyAllActivity, report.InferenceMemoryBytes, report.Training.PerExampleJoules,
            report.Inference.PerExampleJoules, metrics, details);
    }

    private SnnModel Train(NetworkConfig config, int trainSamples, ulong seed, Action<PassProgress>? progress, CancellationToken cancellationToken)
    {
        var cached = CachedModelPath(config, trainSamples, seed);
        if (cached is not null && TryLoadCached(cached, config) is { } loaded)
        {
            Interlocked.Increment(ref _loadedFromCache);
            return loaded;
        }
        var model = Pipeline.Train(config, _data.Train, seed,
            new PipelineOptions(trainSamples, _options.Epochs, TrainThreads: _options.TrainThreads), progress, cancellationToken);
        if (cached is not null) ModelFile.Save(model, cached); // atomic: a temporary file renamed into place
        return model;
    }

    /// <summary>Trainings answered from <see cref="SnnEvaluatorOptions.ModelCacheDirectory"/> instead of simulated.</summary>
    public int LoadedFromCache => _loadedFromCache;
    private int _loadedFromCache;

    /// <summary>The file of a training in the model cache: a hash of everything the trained weights depend on.</summary>
    private string? CachedModelPath(NetworkConfig config, int trainSamples, ulong seed)
    {
        if (_options.ModelCacheDirectory is not { } directory) return null;   // ModelFile.Save creates it
        var count = trainSamples <= 0 ? _data.Train.Count : Math.Min(trainSamples, _data.Train.Count);
        var identity = string.Join("\n",
            $"code={Dse.Study.StudyStorage.CodeVersion}",
            $"train={_data.Train.Describe()}:{_data.Train.ImagesSha256}:{_data.Train.LabelsSha256}",
            $"samples={count}", $"epochs={_options.Epochs}", $"seed={seed}",
            string.Join(";", ParameterTable.Describe(config).Select(p => $"{p.Key}={p.Value}")));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)));
        return Path.Combine(directory, $"{config.Preset}-n{config.Neurons}-{hash[..20]}.model");
    }

    /// <summary>The cached model, or null when it is missing, unreadable or not of this configuration (then it is trained again).</summary>
    private static SnnModel? TryLoadCached(string path, NetworkConfig config)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var model = ModelFile.Load(path);
            return model.Config == config ? model : null;
        }
        catch (Exception e) when (e is ModelFileException or IOException)
        {
            return null;
        }
    }

    /// <summary>Name of the evaluator parameter that sets how many training examples label the neurons (default: the training samples).</summary>
    public const string LabelSamplesName = "label_samples";

    /// <summary>Name of the evaluator parameter that tests on the first K test examples (default: <see cref="SnnEvaluatorOptions.TestSamples"/>, all of them).</summary>
    public const string TestSamplesName = "test_samples";

    private static string TrainingKey(Candidate candidate) =>
        string.Join(";", candidate.Values.Where(v => !QuantizationOnly.Contains(v.Key) && v.Key is not ("train_samples" or LabelSamplesName or TestSamplesName or ReplicateEvaluation.ParameterName))
            .Select(v => $"{v.Key}={v.Value}"));

    private static int[][] ToJagged(int[,] m) =>
        [.. Enumerable.Range(0, m.GetLength(0)).Select(a => Enumerable.Range(0, m.GetLength(1)).Select(b => m[a, b]).ToArray())];

    /// <summary>
    /// The evaluator's own names (network, train_samples, label_samples) and every <see cref="ParameterTable"/> parameter
    /// with its kind, choices and range as the table defines them: a space is checked against the same bounds as `--set`.
    /// </summary>
    private static List<ParameterSpec> BuildSpecs()
    {
        var specs = new List<ParameterSpec>
        {
            new("network", ParameterKind.String, [.. NetworkPresets.Names.Select(v => ParameterValue.Of(v))], Description: "preset network"),
            new("train_samples", ParameterKind.Int, Min: 1, Max: 10_000_000, Description: "training examples (the fidelity)"),
            new(LabelSamplesName, ParameterKind.Int, Min: 1, Max: 10_000_000, Description: "training examples that label the neurons (default: the training samples)"),
            new(TestSamplesName, ParameterKind.Int, Min: 1, Max: 10_000_000, Description: "test examples, the first K of the test set (default: all of them)"),
            new(ReplicateEvaluation.ParameterName, ParameterKind.Int, Min: 1, Max: ReplicateEvaluation.MaxReplicates,
                Description: "trainings per trial, each with its own seed: accuracy as a mean with a 95 % interval (default: explore --replicates, 1)"),
        };
        foreach (var p in ParameterTable.Parameters)
        {
            if (p.Name == "preset") continue;
            specs.Add(p.Type switch
            {
                ParameterTable.ParameterType.Integer => new ParameterSpec(p.Name, ParameterKind.Int, Min: p.Min, Max: p.Max, Description: p.Description),
                ParameterTable.ParameterType.Real => new ParameterSpec(p.Name, ParameterKind.Float, Min: p.Min, Max: p.Max, Description: p.Description),
                ParameterTable.ParameterType.Flag => new ParameterSpec(p.Name, ParameterKind.Bool, Description: p.Description),
                ParameterTable.ParameterType.Choice => new ParameterSpec(p.Name, ParameterKind.String, [.. p.Choices!.Select(c => ParameterValue.Of(c))], Description: p.Description),
                _ => new ParameterSpec(p.Name, ParameterKind.String, Description: p.Description),
            });
        }
        return specs;
    }
}
