using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace FSpiNN.Dse.Statistics;

/// <summary>
/// A measurement repeated n times, summarised: mean, sample standard deviation (n − 1) and a two-sided Student-t
/// confidence interval for the mean, mean ± t(1 − α/2, n − 1)·sd/√n. With one value the spread is unknown: sd and the
/// interval's half-width are NaN, and the interval collapses to the value itself.
/// </summary>
public readonly record struct Replicates(int Count, double Mean, double StandardDeviation, double ConfidenceLow, double ConfidenceHigh,
    double ConfidenceLevel)
{
    public const double DefaultConfidence = 0.95;

    /// <summary>Half the interval's width (NaN for a single value).</summary>
    public double HalfWidth => Count < 2 ? double.NaN : (ConfidenceHigh - ConfidenceLow) / 2;

    /// <summary>True when the two confidence intervals share a point (the means are not told apart at this level).</summary>
    public bool Overlaps(Replicates other) => ConfidenceLow <= other.ConfidenceHigh && other.ConfidenceLow <= ConfidenceHigh;

    public static Replicates Of(IReadOnlyCollection<double> values, double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("no values to summarise", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException($"values must be finite numbers, got [{string.Join(", ", values)}]", nameof(values));
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must be in (0, 1)");
        var n = values.Count;
        var mean = values.Mean();
        if (n == 1) return new Replicates(1, mean, double.NaN, mean, mean, confidence);
        var sd = values.StandardDeviation();
        var t = StudentT.InvCDF(0, 1, n - 1, 1 - (1 - confidence) / 2);
        var half = t * sd / Math.Sqrt(n);
        return new Replicates(n, mean, sd, mean - half, mean + half, confidence);
    }
}
