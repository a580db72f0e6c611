using System.Globalization;
using FSpiNN.Dse;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Statistics;

namespace FSpiNN.Dse.TestWorker;

/// <summary>
/// A fast, deterministic stand-in for the real evaluator, declaring the real parameter names. Memory follows the
/// model reference's dense formula (C.7); accuracy rises with N and samples and falls at low bits; energy grows with
/// N and samples. Optional delay per evaluation, for kill/resume and multi-process tests.
/// </summary>
/// <para>
/// Replicates: replicate 1 is <see cref="Evaluate"/>; replicate k ≥ 2 adds a deterministic accuracy offset within ±2 pt
/// drawn from its seed (<see cref="ReplicateSeeds.For"/>(<paramref name="seed"/>, k)) and the candidate, as a
/// retraining with another seed would. <see cref="BeforeReplicate"/> runs before each one (tests count, fail or kill there).
/// </para>
public sealed class SyntheticEvaluator(int delayMilliseconds = 0, string fingerprint = "synthetic-v1", ulong seed = 1) : ICandidateEvaluator
{
    private int _evaluations;

    public int Evaluations => _evaluations;

    /// <summary>Called with (candidate, replicate) before each replicate is evaluated.</summary>
    public Action<Candidate, int>? BeforeReplicate { get; init; }

    public ulong? ReplicateSeed(int replicate) => ReplicateSeeds.For(seed, replicate);

    public EvaluationResult EvaluateReplicate(Candidate c, int trainSamples, int replicate, CancellationToken cancellationToken)
    {
        BeforeReplicate?.Invoke(c, replicate);
        var result = Evaluate(c, trainSamples, cancellationToken);
        if (replicate == 1) return result;
        // a stable hash of the seed and the candidate (string.GetHashCode differs between processes)
        var h = ReplicateSeeds.For(ReplicateSeed(replicate)!.Value, 2);
        foreach (var ch in c.Key) h = ReplicateSeeds.For(h ^ ch, 2);
        var offset = ((h >> 11) * (1.0 / (1UL << 53)) * 2 - 1) * 0.02;
        return result with { Accuracy = Math.Clamp(result.Accuracy + offset, 0, 1) };
    }

    public IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        new("network", ParameterKind.String, ["dc2015", "bindsnet", "fspinn"]),
        new("neurons", ParameterKind.Int, Min: 1),
        new("bits", ParameterKind.Int, Min: 1, Max: 32),
        new("rounding", ParameterKind.String, ["tr", "rn", "sr"]),
        new("quantize", ParameterKind.String, ["ptq", "itq"]),
        new("stdp", ParameterKind.String, ["triplet", "postpre", "potentiation"]),
        new("update_interval", ParameterKind.Int, Min: 1),
        new("adaptive_potentiation", ParameterKind.Bool),
        new("inhibition", ParameterKind.String, ["layer", "lateral"]),
        new("w_inh", ParameterKind.Float, Min: 1e-9),
        new("presentation_ms", ParameterKind.Float, Min: 1e-9),
        new("train_samples", ParameterKind.Int, Min: 1),
        new(ReplicateEvaluation.ParameterName, ParameterKind.Int, Min: 1, Max: ReplicateEvaluation.MaxReplicates),
    ];

    public string DataFingerprint => fingerprint;

    public double EstimateMemoryBytes(Candidate c)
    {
        double n = Int(c, "neurons", 100);
        var bits = Int(c, "bits", 32);
        var network = Str(c, "network", "fspinn");
        var synapses = network == "fspinn" ? 784 * n + n * n : 784 * n + 2 * n * n;
        return (network == "fspinn" ? bits : 32) * synapses / 8;
    }

    public EvaluationResult Evaluate(Candidate c, int trainSamples, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _evaluations);
        if (delayMilliseconds > 0) Task.Delay(delayMilliseconds, cancellationToken).Wait(cancellationToken);
        double n = Int(c, "neurons", 100);
        var bits = Int(c, "bits", 32);
        var fspinn = Str(c, "network", "fspinn") == "fspinn";
        var rounding = Str(c, "rounding", "sr");
        var accuracy = 0.6 + 0.3 * (1 - Math.Exp(-n / 150)) - (bits < 8 ? 0.03 * (8 - bits) * (rounding == "sr" ? 0.5 : 1) : 0);
        accuracy *= 1 - Math.Exp(-trainSamples / 200.0);
        accuracy = Math.Clamp(accuracy - (fspinn ? 0.002 : 0), 0, 1);
        var work = (784 * n + (fspinn ? 1 : 2) * n * n) * trainSamples;
        var trainEnergy = work * (fspinn ? 0.3e-9 : 1e-9) * (bits / 32.0 + 0.25);
        var inferenceEnergy = work * 0.2e-9 * (fspinn ? 0.55 : 1);
        var metrics = new Dictionary<string, double> { ["spikes"] = Math.Round(n * 3.5), ["work"] = work };
        return new EvaluationResult(accuracy, EstimateMemoryBytes(c), trainEnergy, inferenceEnergy, metrics,
            string.Create(CultureInfo.InvariantCulture, $"{{\"work\":{work}}}"));
    }

    private static long Int(Candidate c, string name, long fallback) => c.TryGet(name, out var v) ? (long)v.AsDouble : fallback;
    private static string Str(Candidate c, string name, string fallback) => c.TryGet(name, out var v) ? v.ToString() : fallback;

    /// <summary>A 2 x 16 x 3 = 96-point synthetic space (network x neurons x bits) with a fixed fidelity; <paramref name="maxNeurons"/> widens it.</summary>
    public static SearchSpace TestSpace(int trainSamples = 400, int maxNeurons = 400) => SearchSpace.Parse($$"""
        { "name": "synthetic",
          "parameters": { "network": ["bindsnet", "fspinn"], "neurons": {"min": 25, "max": {{maxNeurons}}, "step": 25}, "bits": [32, 8, 4] },
          "fixed": { "rounding": "sr", "train_samples": {{trainSamples}} } }
        """, "synthetic");
}
