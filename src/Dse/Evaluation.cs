namespace FSpiNN.Dse;

/// <summary>
/// What an evaluator understands: a parameter's name, kind and allowed values or range.
/// <paramref name="AllowedValues"/> (if given) lists every legal value; <paramref name="Min"/>/<paramref name="Max"/> bound numeric values (inclusive).
/// </summary>
public sealed record ParameterSpec(string Name, ParameterKind Kind, IReadOnlyList<ParameterValue>? AllowedValues = null,
    double? Min = null, double? Max = null, string? Description = null)
{
    /// <summary>Null if <paramref name="value"/> is legal, else the reason it is not.</summary>
    public string? Check(ParameterValue value)
    {
        var kindOk = value.Kind == Kind || (Kind == ParameterKind.Float && value.Kind == ParameterKind.Int);
        if (!kindOk) return $"'{Name}' takes {Kind.WithArticle()}, got {value.Kind.WithArticle()} {value}";
        if (AllowedValues is { Count: > 0 } allowed && !allowed.Any(a => SameValue(a, value)))
            return $"'{Name}' must be one of {{{string.Join(", ", allowed)}}}, got {value}";
        if (value.IsNumeric)
        {
            var x = value.AsDouble;
            if (Min is { } min && x < min) return $"'{Name}' must be >= {min}, got {value}";
            if (Max is { } max && x > max) return $"'{Name}' must be <= {max}, got {value}";
        }
        return null;
    }

    private static bool SameValue(ParameterValue a, ParameterValue b) =>
        a.IsNumeric && b.IsNumeric ? a.AsDouble.Equals(b.AsDouble) : a == b;
}

/// <summary>
/// How far a running evaluation is: the pass it is in (for the SNN: train, label, test) and its examples done of
/// <paramref name="Total"/>. What `explore` shows of a running trial.
/// </summary>
public readonly record struct EvaluationProgress(string Phase, long Done, long Total);

/// <summary>Evaluates candidates for the search. The real one trains/labels/tests with the simulator and prices counts with the cost model.</summary>
public interface ICandidateEvaluator
{
    /// <summary>Names the evaluator understands, with kind and allowed values/range.</summary>
    IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Analytic and instant; over-budget candidates are never trained.</summary>
    double EstimateMemoryBytes(Candidate candidate);

    EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken);

    /// <summary>
    /// The same evaluation, telling <paramref name="progress"/> how far its passes are (examples trained, labelled,
    /// tested), from the evaluating thread. Evaluators without such passes ignore it.
    /// </summary>
    EvaluationResult Evaluate(Candidate candidate, int trainSamples, Action<EvaluationProgress>? progress, CancellationToken cancellationToken) =>
        Evaluate(candidate, trainSamples, cancellationToken);

    /// <summary>
    /// Replicate <paramref name="replicate"/> (1-based) of <see cref="Evaluate"/>: the same evaluation trained with
    /// <see cref="ReplicateSeed"/>(<paramref name="replicate"/>); replicate 1 is <see cref="Evaluate"/> itself. An
    /// evaluator that supports replicates lists the <c>replicates</c> parameter; the others evaluate replicate 1 only.
    /// </summary>
    EvaluationResult EvaluateReplicate(Candidate candidate, int trainSamples, int replicate, CancellationToken cancellationToken) =>
        replicate == 1 ? Evaluate(candidate, trainSamples, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} evaluates one replicate per trial (it has no training seed to vary)");

    /// <summary>The seed replicate <paramref name="replicate"/> trains with; null when the evaluator has none (a replay of stored results).</summary>
    ulong? ReplicateSeed(int replicate) => null;

    /// <summary>Dataset checksum recorded by the study; resuming with other data is refused.</summary>
    string DataFingerprint { get; }
}

/// <summary>The outcome of one evaluation. <paramref name="DetailsJson"/> is stored verbatim.</summary>
public sealed record EvaluationResult(double Accuracy, double MemoryBytes, double TrainEnergyJoules,
    double InferenceEnergyJoules, IReadOnlyDictionary<string, double> Metrics, string? DetailsJson);

public static class CandidateEvaluatorExtensions
{
    /// <summary>Most replicates per trial the evaluator supports: its <c>replicates</c> parameter's maximum, 1 if it has none.</summary>
    public static int MaxReplicates(this ICandidateEvaluator evaluator) =>
        evaluator.Parameters.FirstOrDefault(p => p.Name == Statistics.ReplicateEvaluation.ParameterName) is { } spec ? (int)(spec.Max ?? 1) : 1;
}
