using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FSpiNN.Cli.Json;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Preset: dc2015, bindsnet or fspinn.", DefaultValueFactory = _ => "fspinn" };
        network.AcceptOnlyFromAmong([.. NetworkPresets.Names]);
        var neurons = new Option<int>("--neurons") { Description = "Number of excitatory neurons N.", DefaultValueFactory = _ => 100 };
        var bits = new Option<int?>("--bits") { Description = "Weight bits (1-32): 32 = float32; fewer without --quantize mean in-training quantization." };
        var rounding = new Option<string?>("--rounding") { Description = "Rounding of quantized weights: tr, rn or sr." };
        rounding.AcceptOnlyFromAmong("tr", "rn", "sr");
        var quantize = new Option<string?>("--quantize") { Description = "none, ptq (post-training) or itq (in-training)." };
        quantize.AcceptOnlyFromAmong("none", "ptq", "itq");
        var data = CommonOptions.Data();
        var trainSamples = new Option<int>("--train-samples") { Description = "Training examples per epoch (0 = all).", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training examples.", DefaultValueFactory = _ => 1 };
        var labelSamples = new Option<int>("--label-samples") { Description = "Training examples used to label neurons (0 = the training examples).", DefaultValueFactory = _ => 0 };
        var testSamples = new Option<int>("--test-samples") { Description = "Test examples (0 = all).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed: same seed, same result.", DefaultValueFactory = _ => 1UL };
        var threads = CommonOptions.Threads();
        var set = new Option<string[]>("--set") { Description = "Override any model parameter: --set name=value (repeatable; see 'fspinn params').", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out") { Description = "Model file to write.", Required = true };
        var sweep = new Option<bool>("--sweep-inhibition")
        {
            Description = "Effective inhibition strength: first train one network per strength in --sweep-values on 90% of the training examples, "
                        + "test on the held-out 10%, then train with the best.",
        };
        var sweepSamples = new Option<int>("--sweep-samples")
        {
            Description = "Training examples used by --sweep-inhibition (90% to train, 10% held out; 0 = the same as --train-samples).",
            DefaultValueFactory = _ => 0,
        };
        var sweepValues = CommonOptions.NumberList("--sweep-values", "Inhibition strengths for --sweep-inhibition.",
            $"the network's strength in use (w_inh, or w_inh_exc with an inhibitory layer) times {string.Join(',', InhibitionSweep.DefaultFactors.Select(f => f.ToString(CultureInfo.InvariantCulture)))}");
        var json = JsonOutput.Option();
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Save the model in training to this file every --checkpoint-minutes and, when the file exists, resume from it " +
                "(same options, seed and data); deleted once --out is written. With --sweep-inhibition, the finished sweep points are " +
                "kept in this file's name + .sweep, so a stopped sweep resumes at the next strength.",
        };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes")
        {
            Description = "Minutes between two checkpoint saves.", DefaultValueFactory = _ => 10.0,
        };

        var command = new Command("train", """
            Train a network with STDP, label its neurons from a learning-off pass over the training examples, and test it.

            Examples:
              fspinn train --network fspinn --neurons 100 --train-samples 1000 --out fspinn100.model
              fspinn train --network dc2015 --neurons 400 --data ~/mnist --epochs 1 --out dc400.model
              fspinn train --network bindsnet --neurons 100 --bits 8 --quantize ptq --rounding rn --out b100q8.model
              fspinn train --network fspinn --set w_inh=25 --set update_interval=10 --out f.model
              fspinn train --network fspinn --neurons 100 --sweep-inhibition --sweep-values 10,25,50 --out f.model
              fspinn train --network fspinn --neurons 100 --out f.model --json f.json    (results also as JSON: docs/json.md)
              fspinn train --network dc2015 --neurons 6400 --epochs 3 --out dc.model --checkpoint dc.ckpt    (rerun the same command to resume)
            """)
        {
            network, neurons, bits, rounding, quantize, data, trainSamples, epochs, labelSamples, testSamples, seed, threads, set, output, sweep, sweepValues, sweepSamples,
            checkpoint, checkpointMinutes, json,
        };
        command.SetAction(parse =>
        {
            var started = Stopwatch.StartNew();
            var stdout = JsonOutput.TextWriter(parse, json);
            var config = BuildConfig(parse.GetValue(network)!, parse.GetValue(neurons), parse.GetValue(bits), parse.GetValue(rounding),
                parse.GetValue(quantize), parse.GetValue(set) ?? [], neuronsGiven: parse.IsGiven(neurons));
            var samples = parse.NonNegative(trainSamples);
            var epochCount = parse.GetValue(epochs);
            if (epochCount < 1) throw new UsageException("--epochs must be >= 1");
            var labelCount = parse.NonNegative(labelSamples);
            var testCount = parse.NonNegative(testSamples);
            var threadCount = parse.NonNegative(threads);
            if (parse.GetValue(sweepSamples) < 0) throw new UsageException($"--sweep-samples must be >= 0, got {parse.GetValue(sweepSamples)}");
            IReadOnlyList<double> strengths = parse.GetValue(sweepValues) ?? [];
            if (parse.GetValue(sweep))
            {
                if (strengths.Count == 0) // not given (a given list has at least one number, or is refused by its parser)
                {
                    try
                    {
                        strengths = InhibitionSweep.DefaultStrengths(config);
                    }
                    catch (ArgumentException e)
                    {
                        throw new UsageException($"--sweep-inhibition: {e.Message} with --sweep-values");
                    }
                }
                foreach (var strength in strengths)
                {
                    try
                    {
                        InhibitionSweep.WithStrength(config, strength).Validate();
                    }
                    catch (ConfigException e)
                    {
                        throw new UsageException($"--sweep-values {strength.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
                    }
                }
            }
            var outPath = parse.GetValue(output)!;
            var checkpointPath = parse.GetValue(checkpoint);
            var checkpointEvery = parse.GetValue(checkpointMinutes);
            if (!(checkpointEvery > 0) || double.IsInfinity(checkpointEvery))
                throw new UsageException($"--checkpoint-minutes must be a positive number of minutes, got {checkpointEvery.ToString(CultureInfo.InvariantCulture)}");
            // everything the run will write is checked before hours of training: a refusal after them would lose the work
            new FileRoles().DataInputs("--data", parse.GetValue(data)).Output("--out", outPath).Output("--checkpoint", checkpointPath)
                .Output("--json", JsonOutput.FilePath(parse, json)).Check();
            var pair = DatasetCatalog.Load(parse.GetValue(data));
            if (labelCount > pair.Train.Count)
                throw new UsageException($"--label-samples {labelCount} exceeds the {pair.Train.Count} training examples of {pair.Train.Describe()}; give at most {pair.Train.Count} (0 = the training examples)");
            SweepJson? sweepReport = null;
            if (parse.GetValue(sweep))
            {
                var sweepCount = parse.GetValue(sweepSamples) > 0 ? parse.GetValue(sweepSamples) : samples;
                // with --checkpoint, each finished point is kept next to it, so a stopped sweep resumes at the next strength
                var sweepProgress = checkpointPath is null ? null
                    : SweepProgressFile.Open(stdout, checkpointPath + ".sweep", config, parse.GetValue(seed), sweepCount, pair.Train);
                var result = PassProgressDisplay.Run(stdout, progress => InhibitionSweep.Run(config, pair.Train, strengths,
                    sweepCount, 0.1, parse.GetValue(seed), threadCount, progress, done: sweepProgress?.Points, pointDone: sweepProgress is null ? null : sweepProgress.Add));
                foreach (var point in result.Points)
                    stdout.WriteLine($"sweep strength {point.Strength.ToString(CultureInfo.InvariantCulture)}: held-out accuracy {point.Accuracy:P2} (proportion {point.AccuracyProportion:P2})");
                stdout.WriteLine($"effective inhibition strength {result.Best.ToString(CultureInfo.InvariantCulture)}");
                config = InhibitionSweep.WithStrength(config, result.Best);
                sweepReport = new SweepJson(sweepCount, [.. result.Points.Select(p => new SweepPointJson(p.Strength, p.Accuracy, p.AccuracyProportion))], result.Best);
            }
            stdout.WriteLine($"network {config.Preset}, N={config.Neurons}, weights {DescribeWeights(config)}, data {pair.Train.Describe()}");
            var options = new PipelineOptions(samples, epochCount, labelCount, testCount, threadCount, TrainThreads: parse.GetValue(threads));
            var resume = checkpointPath is null ? null : OpenCheckpoint(stdout, checkpointPath, TimeSpan.FromMinutes(checkpointEvery), config,
                parse.GetValue(seed), pair.Train, samples, epochCount);
            var resumedFrom = resume?.Resumed?.ExamplesTrained;
            SnnModel model = null!;
            var report = PassProgressDisplay.Run(stdout, progress =>
            {
                var watch = Stopwatch.StartNew();
                model = Pipeline.Train(config, pair.Train, parse.GetValue(seed), options, progress, checkpoint: resume);
                if (checkpointPath is not null) ModelFile.Save(model, checkpointPath); // a stop in labelling or testing keeps the training
                var trainSeconds = watch.Elapsed.TotalSeconds;
                var outcome = Pipeline.Evaluate(model, config, pair, options, progress);
                ModelFile.Save(model, outPath);
                if (checkpointPath is not null)
                {
                    File.Delete(checkpointPath);
                    File.Delete(checkpointPath + ".sweep");
                }
                return (r: outcome.Test, trainSeconds, labelSeconds: outcome.LabelSeconds, testSeconds: outcome.TestSeconds);
            });
            var trained = model.TrainingCounts.Examples;
            var resumedNote = resumedFrom is { } from ? $" ({trained - from} in this run, resumed after {from})" : "";
            var trainRate = (trained - (resumedFrom ?? 0)) / Math.Max(report.trainSeconds, 1e-9); // this run's part
            stdout.WriteLine($"trained {trained} examples{resumedNote} in {report.trainSeconds:F1} s ({trainRate:F1} ex/s), retries {model.TrainingCounts.Retries}");
            stdout.WriteLine($"labelled in {report.labelSeconds:F1} s");
            if (report.r is { } test)
                stdout.WriteLine($"tested {test.Examples} examples in {report.testSeconds:F1} s ({test.Examples / Math.Max(report.testSeconds, 1e-9):F1} ex/s)");
            stdout.WriteLine($"model written to {outPath}");
            if (report.r is { } tested) TestCommand.PrintReport(stdout, tested, printConfusion: false);
            var labelled = labelCount > 0 ? labelCount : samples;
            var trainReport = new TrainReport(NetworkJson.Of(config), DataJson.Of(pair), parse.GetValue(seed), epochCount, threadCount, sweepReport,
                new PassJson((int)trained, report.trainSeconds, trainRate), resumedFrom, model.TrainingCounts.Retries,
                PassJson.Of(labelled <= 0 ? pair.Train.Count : Math.Min(labelled, pair.Train.Count), report.labelSeconds),
                report.r is { } t ? TestResultJson.Of(t, report.testSeconds) : null, outPath, started.Elapsed.TotalSeconds);
            trainReport.Written.Add(new WrittenFile("model", outPath));
            JsonOutput.Write(parse, json, trainReport);
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>
    /// The checkpoint of `--checkpoint PATH`: resumed when the file exists (refused when it belongs to another training), new
    /// otherwise. Says which on <paramref name="stdout"/>.
    /// </summary>
    private static TrainingCheckpoint OpenCheckpoint(TextWriter stdout, string path, TimeSpan every, NetworkConfig config, ulong seed,
        Dataset train, int samples, int epochs)
    {
        void Save(SnnModel m) => ModelFile.Save(m, path);
        if (!File.Exists(path))
        {
            stdout.WriteLine($"checkpoint {path}: saved every {every.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min of training");
            return new TrainingCheckpoint(Save, every);
        }
        SnnModel resumed;
        try
        {
            resumed = TrainingCheckpoint.Load(path, config, seed, train, samples, epochs);
        }
        catch (Exception e) when (e is CheckpointMismatchException or ModelFileException)
        {
            throw new UsageException($"--checkpoint {(e is ModelFileException ? e.Message + "; delete it to start the training over" : e.Message)}");
        }
        var count = Protocol.ExamplesUsed(train, samples);
        stdout.WriteLine($"checkpoint {path}: resuming after {resumed.ExamplesTrained} of {(long)count * epochs} training examples");
        if (!TrainingCheckpoint.ResumeIsExact(config))
            stdout.WriteLine($"note: {config.Preset} carries its state from one example to the next (reset_between_examples=false); the resumed " +
                "training starts that state from rest, so it is not bit-identical to an uninterrupted run (weights, theta and counts are resumed exactly)");
        return new TrainingCheckpoint(Save, every, resumed);
    }

    /// <summary>
    /// The preset at <paramref name="neurons"/>, then the dedicated options, then `--set` in order. A `--set` of a parameter
    /// that a dedicated option also gives is refused: one of the two would be ignored.
    /// </summary>
    internal static NetworkConfig BuildConfig(string preset, int neurons, int? bits, string? rounding, string? quantize, IReadOnlyList<string> overrides,
        bool neuronsGiven = true)
    {
        if (neurons < 1) throw new UsageException("--neurons must be >= 1");
        var dedicated = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["neurons"] = neuronsGiven ? neurons.ToString(CultureInfo.InvariantCulture) : null,
            ["bits"] = bits?.ToString(CultureInfo.InvariantCulture),
            ["rounding"] = rounding,
            ["quantize"] = quantize,
        };
        foreach (var assignment in overrides)
        {
            var name = assignment.Split('=', 2)[0].Trim();
            if (dedicated.TryGetValue(name, out var given) && given is not null)
                throw new UsageException($"--set {assignment.Trim()} conflicts with --{name.ToLowerInvariant()} {given}: give the value once");
        }
        try
        {
            var config = NetworkPresets.Create(preset, neurons);
            if (bits is { } b) config = ParameterTable.Set(config, "bits", (long)b);
            if (rounding is not null) config = ParameterTable.Set(config, "rounding", rounding);
            if (quantize is not null) config = ParameterTable.Set(config, "quantize", quantize);
            if (bits is not null) config = ParameterTable.ImplyQuantization(config, modeGiven: quantize is not null);
            config = ParameterTable.Apply(config, overrides);
            if (config.Quantize == QuantizationMode.None && config.WeightBits != 32)
                throw new UsageException($"bits={config.WeightBits} needs quantization: add --quantize ptq or --quantize itq");
            return config;
        }
        catch (ConfigException e)
        {
            throw new UsageException(e.Message);
        }
    }

    internal static string DescribeWeights(NetworkConfig config) => config.Quantize == QuantizationMode.None
        ? "float32"
        : $"Q{config.WeightBits - config.EffectiveFractionBits}.{config.EffectiveFractionBits} ({config.WeightBits} bit, {ParameterTable.Get(config, "rounding")}, {ParameterTable.Get(config, "quantize")})";
}
