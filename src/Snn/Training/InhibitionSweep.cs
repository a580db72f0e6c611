using System.Globalization;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;

namespace FSpiNN.Snn.Training;

/// <summary>Accuracy on the held-out split for one inhibition strength.</summary>
public readonly record struct SweepPoint(double Strength, double Accuracy, double AccuracyProportion);

/// <summary>Outcome of an inhibition sweep: every point tried and the chosen (most accurate) strength.</summary>
public sealed record SweepResult(IReadOnlyList<SweepPoint> Points, double Best);

/// <summary>
/// FSpiNN's "effective inhibition strength": the inhibition strength is a per-network-size hyperparameter chosen by
/// training one network per candidate strength on the first part of the training set and testing it on a held-out part
/// (never the test set). The strength swept is w_inh for direct lateral inhibition and w_inh_exc for an inhibitory layer.
/// Ties (within 0.1 point) go to the weaker inhibition.
/// </summary>
public static class InhibitionSweep
{
    /// <summary>
    /// Factors of the default grid, applied to the strength the network uses (<see cref="StrengthInUse"/>): 1/8 to 8 in
    /// doublings, so that the grid holds the strength in use and reaches almost an order of magnitude either way. A
    /// fixed grid cannot: the earlier {5 … 120} did not contain fspinn's w_inh of 250 (issue 15). With BindsNET's 17.5
    /// it spans 2.19-140 (its example script's 120 included), with fspinn's 250 31.25-2000.
    /// </summary>
    public static IReadOnlyList<double> DefaultFactors { get; } = [0.125, 0.25, 0.5, 1, 2, 4, 8];

    /// <summary>The strength a sweep varies, as the network uses it: w_inh (lateral) or w_inh_exc (inhibitory layer).</summary>
    public static double StrengthInUse(NetworkConfig config) =>
        config.Inhibition == InhibitionKind.Lateral ? config.LateralInhibition : config.InhToExcWeight;

    /// <summary>The default candidates for <paramref name="config"/>: <see cref="DefaultFactors"/> times its strength in use.</summary>
    public static IReadOnlyList<double> DefaultStrengths(NetworkConfig config)
    {
        var inUse = StrengthInUse(config);
        if (!(inUse > 0))
            throw new ArgumentException($"the network's inhibition strength is {inUse.ToString(CultureInfo.InvariantCulture)}, " +
                "so there is nothing to scale the default grid (that strength times 1/8 to 8) from; give the strengths to try");
        return [.. DefaultFactors.Select(f => inUse * f)];
    }

    /// <param name="done">Points of an earlier, stopped run of this very sweep: their strengths are not trained again
    /// (each point is deterministic, so the result equals an uninterrupted sweep's).</param>
    /// <param name="pointDone">Called after each newly trained point, e.g. to save the progress.</param>
    public static SweepResult Run(NetworkConfig config, Dataset train, IReadOnlyList<double> strengths, int trainSamples, double holdoutFraction,
        ulong seed, int threads = 0, Action<PassProgress>? progress = null, CancellationToken cancellationToken = default,
        IReadOnlyList<SweepPoint>? done = null, Action<SweepPoint>? pointDone = null)
    {
        if (strengths.Count == 0) throw new ArgumentException("at least one inhibition strength is needed", nameof(strengths));
        if (holdoutFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "must be in (0, 1)");
        var available = trainSamples <= 0 ? train.Count : Math.Min(trainSamples, train.Count);
        var holdout = Math.Max(1, (int)Math.Round(available * holdoutFraction));
        var fit = available - holdout;
        if (fit < 1) throw new ArgumentException($"{available} training examples are too few to hold out {holdout}");
        var fitSet = train.Take(fit);
        var holdoutSet = train.Slice(fit, holdout);
        var points = new List<SweepPoint>();
        foreach (var strength in strengths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var earlier = done?.Where(p => p.Strength == strength).Take(1).ToArray() ?? [];
            if (earlier.Length == 1)
            {
                points.Add(earlier[0]);
                continue;
            }
            var candidate = WithStrength(config, strength);
            var model = SnnModel.Create(candidate, train.PixelsPerImage, seed);
            Protocol.Train(model, fitSet, 0, 1, progress, cancellationToken, threads);
            Protocol.Label(model, fitSet, 0, threads, progress, cancellationToken);
            var report = Protocol.Test(model, holdoutSet, 0, threads, progress, cancellationToken);
            var point = new SweepPoint(strength, report.AccuracyAllActivity, report.AccuracyProportion);
            points.Add(point);
            pointDone?.Invoke(point);
        }
        var bestAccuracy = points.Max(p => p.Accuracy);
        var best = points.Where(p => p.Accuracy >= bestAccuracy - 0.001).Min(p => p.Strength);
        return new SweepResult(points, best);
    }

    public static NetworkConfig WithStrength(NetworkConfig config, double strength) =>
        config.Inhibition == InhibitionKind.Lateral ? config with { LateralInhibition = strength } : config with { InhToExcWeight = strength };
}
