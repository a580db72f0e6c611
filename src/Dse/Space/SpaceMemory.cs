namespace FSpiNN.Dse.Space;

/// <summary>
/// The analytic memory of the candidates of a space, without training: every grid point of a finite space of at most
/// <see cref="MaxEnumerated"/> points, else <see cref="Samples"/> candidates drawn with the study's seed.
/// </summary>
public static class SpaceMemory
{
    public const int MaxEnumerated = 100_000;
    public const int Samples = 4096;

    /// <summary>True when <see cref="Estimate"/> covers every candidate of the space.</summary>
    public static bool IsExhaustive(SearchSpace space) => space.IsFinite && space.Count <= MaxEnumerated;

    public static IEnumerable<(Candidate Candidate, double Bytes)> Estimate(SearchSpace space, ICandidateEvaluator evaluator, int seed)
    {
        var random = new Random(seed);
        var candidates = IsExhaustive(space) ? space.Grid() : Enumerable.Range(0, Samples).Select(_ => space.Sample(random));
        return candidates.Select(c => (c, evaluator.EstimateMemoryBytes(c)));
    }
}
