using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>
/// A one-dimensional Parzen density over one search-space dimension, fitted on the values some trials took (the TPE
/// "good" or "bad" group). Choices are handled by their index: categorical choices (strings, bools) get a weighted
/// histogram plus a uniform prior; numeric choices (neurons, bits) are ordinal, so each observation spreads over
/// neighbouring indices with a discrete Gaussian kernel. Ranges get a mixture of Gaussians truncated to the range (in
/// log space for log ranges) plus a wide prior component at the centre. A trial that lacks the dimension (a conditional
/// parameter that was inactive) simply does not contribute to it.
/// </summary>
internal sealed class ParzenEstimator
{
    private const double PriorWeight = 1.0;

    private readonly Dimension _dimension;
    private readonly double[]? _choiceProbabilities;   // choices: a probability per index
    private readonly double[] _means = [];             // ranges: component centres (gene space), prior last
    private readonly double[] _sigmas = [];
    private readonly double[] _weights = [];            // normalised
    private readonly double[] _massInside = [];         // each component's mass inside [low, high]

    public ParzenEstimator(Dimension dimension, IReadOnlyList<double> coordinates)
    {
        _dimension = dimension;
        var n = coordinates.Count;
        if (dimension.Kind == DimensionKind.Choice)
        {
            var k = dimension.Choices.Count;
            var p = new double[k];
            for (var j = 0; j < k; j++) p[j] = PriorWeight / k;
            if (dimension.IsCategorical)
            {
                foreach (var c in coordinates) p[(int)c] += 1;
            }
            else
            {
                // ordinal: discrete Gaussian over the index, narrowing as observations accumulate
                var bandwidth = Math.Max(0.5, (k - 1) * Math.Pow(Math.Max(n, 1), -0.2) / 2);
                var kernel = new double[k];
                foreach (var c in coordinates)
                {
                    double total = 0;
                    for (var j = 0; j < k; j++) total += kernel[j] = Math.Exp(-0.5 * Square((j - c) / bandwidth));
                    for (var j = 0; j < k; j++) p[j] += kernel[j] / total;
                }
            }
            var sum = p.Sum();
            for (var j = 0; j < k; j++) p[j] /= sum;
            _choiceProbabilities = p;
            return;
        }
        var low = dimension.GeneLower;
        var high = dimension.GeneUpper;
        var range = Math.Max(high - low, 1e-12);
        // each component as wide as the larger gap to its neighbours (the range ends and the prior's centre count as
        // neighbours), clipped below by Optuna's "magic clip" range / min(100, n + 1) so a tight cluster keeps some spread
        var sorted = coordinates.Append((low + high) / 2).Order().ToArray();
        var floor = range / Math.Min(100, n + 1);
        double Width(double mu)
        {
            var i = Array.IndexOf(sorted, mu);
            var left = mu - (i > 0 ? sorted[i - 1] : low);
            var right = (i + 1 < sorted.Length ? sorted[i + 1] : high) - mu;
            return Math.Clamp(Math.Max(left, right), floor, range);
        }
        _means = [.. coordinates, (low + high) / 2];
        _sigmas = [.. coordinates.Select(Width), range];
        var weights = Enumerable.Repeat(1.0, n).Append(PriorWeight).ToArray();
        var weightSum = weights.Sum();
        _weights = weights.Select(w => w / weightSum).ToArray();
        _massInside = new double[_means.Length];
        for (var i = 0; i < _means.Length; i++)
            _massInside[i] = Math.Max(NormalCdf((high - _means[i]) / _sigmas[i]) - NormalCdf((low - _means[i]) / _sigmas[i]), 1e-12);
    }

    /// <summary>Draws a gene-space coordinate (a choice index, or a range value before decoding).</summary>
    public double Sample(Random random)
    {
        if (_choiceProbabilities is { } p) return Pick(p, random);
        var component = Pick(_weights, random);
        var (low, high) = (_dimension.GeneLower, _dimension.GeneUpper);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var x = _means[component] + _sigmas[component] * StandardNormal(random);
            if (x >= low && x <= high) return x;
        }
        return Math.Clamp(_means[component], low, high);
    }

    /// <summary>Log density at a coordinate (probability mass for choices).</summary>
    public double LogDensity(double coordinate)
    {
        if (_choiceProbabilities is { } p) return Math.Log(p[(int)coordinate]);
        double density = 0;
        for (var i = 0; i < _means.Length; i++)
            density += _weights[i] * Math.Exp(-0.5 * Square((coordinate - _means[i]) / _sigmas[i])) / (_sigmas[i] * Math.Sqrt(2 * Math.PI) * _massInside[i]);
        return Math.Log(Math.Max(density, 1e-300));
    }

    private static int Pick(double[] weights, Random random)
    {
        var u = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Length - 1;
    }

    private static double Square(double x) => x * x;

    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Standard normal CDF via erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).</summary>
    internal static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
