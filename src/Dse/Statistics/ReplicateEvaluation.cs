using System.Globalization;
using System.Text.Json.Nodes;

namespace FSpiNN.Dse.Statistics;

/// <summary>
/// The seed each replicate of an evaluation trains with. Replicate 1 keeps the base seed (the trial's, i.e. the
/// evaluator's seed: `explore --seed`), so that a study with one replicate gives exactly what it gave before replicates
/// existed. Replicate k ≥ 2 gets SplitMix64's finaliser (a bijection of 64-bit words) of base + k·<see cref="Step"/>:
/// distinct for distinct (base, k) pairs of any realistic size (checked for bases 0–999 and k ≤ 10 in the tests), and
/// unrelated to the neighbouring base seeds, which a plain base + k would reuse (base 1 replicate 2 = base 2 replicate
/// 1). The step is not SplitMix's own increment (φ·2⁶⁴), with which the simulator expands a seed into its generator's
/// state: replicate k's seed is then no word of replicate 1's generator state.
/// The seed does not depend on the trial number: every candidate's replicate k shares one seed, so that post-training
/// quantization variants share their float training, and the model cache its files, per replicate.
/// </summary>
public static class ReplicateSeeds
{
    /// <summary>An odd 64-bit constant (wyhash's first prime), so that k·Step never repeats for k &lt; 2⁶⁴.</summary>
    private const ulong Step = 0xA0761D6478BD642FUL;

    public static ulong For(ulong baseSeed, int replicate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicate, 1);
        if (replicate == 1) return baseSeed;
        var z = unchecked(baseSeed + (ulong)replicate * Step);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}

/// <summary>
/// One trial's evaluation repeated with several seeds, combined into the trial's result: accuracy, memory and the
/// energies are the means over the replicates (memory is analytic, the same for every replicate; energies differ a
/// little, as the counts do); every metric present in all replicates is its mean; the accuracy's
/// <see cref="Replicates"/> summary (count, standard deviation, 95 % Student-t interval) is kept in the metrics under
/// <see cref="CountKey"/>, <see cref="SdKey"/>, <see cref="CiLowKey"/> and <see cref="CiHighKey"/>; the details are
/// <c>{"replicates": [details of replicate 1, 2, ...]}</c> (so that `frontier --reprice` prices each replicate's counts).
/// One replicate is returned as it is: no summary keys, details unchanged.
/// </summary>
public static class ReplicateEvaluation
{
    public const string CountKey = "replicates";
    public const string SdKey = "accuracy_sd";
    public const string CiLowKey = "accuracy_ci_low";
    public const string CiHighKey = "accuracy_ci_high";

    /// <summary>Name of the space parameter (and study setting) that sets how many replicates a trial is evaluated with.</summary>
    public const string ParameterName = "replicates";

    /// <summary>Most replicates of one trial (each is a full training).</summary>
    public const int MaxReplicates = 100;

    public static EvaluationResult Combine(IReadOnlyList<EvaluationResult> replicates)
    {
        ArgumentNullException.ThrowIfNull(replicates);
        if (replicates.Count == 0) throw new ArgumentException("no replicates to combine", nameof(replicates));
        if (replicates.Count == 1) return replicates[0];
        var accuracy = Replicates.Of([.. replicates.Select(r => r.Accuracy)]);
        var metrics = new Dictionary<string, double>();
        foreach (var key in replicates[0].Metrics.Keys.Where(k => replicates.All(r => r.Metrics.ContainsKey(k))))
            metrics[key] = replicates.Average(r => r.Metrics[key]);
        foreach (var (key, value) in Summary(accuracy)) metrics[key] = value;
        var details = new JsonObject
        {
            ["replicates"] = new JsonArray([.. replicates.Select(r => r.DetailsJson is { } d ? JsonNode.Parse(d) : null)]),
        };
        return new EvaluationResult(accuracy.Mean, replicates.Average(r => r.MemoryBytes), replicates.Average(r => r.TrainEnergyJoules),
            replicates.Average(r => r.InferenceEnergyJoules), metrics, details.ToJsonString());
    }

    /// <summary>The metric entries that record <paramref name="accuracy"/> (JSON has no NaN: a single value stores none).</summary>
    public static IReadOnlyDictionary<string, double> Summary(Replicates accuracy) => accuracy.Count < 2
        ? new Dictionary<string, double>()
        : new Dictionary<string, double>
        {
            [CountKey] = accuracy.Count, [SdKey] = accuracy.StandardDeviation, [CiLowKey] = accuracy.ConfidenceLow, [CiHighKey] = accuracy.ConfidenceHigh,
        };

    /// <summary>
    /// The accuracy summary a trial's metrics record, or the single measurement <paramref name="accuracy"/> (count 1,
    /// no spread) when they record none; null without an accuracy.
    /// </summary>
    public static Replicates? Read(IReadOnlyDictionary<string, double> metrics, double? accuracy)
    {
        if (accuracy is not { } mean) return null;
        if (!metrics.TryGetValue(CountKey, out var n) || n < 2 || !metrics.TryGetValue(SdKey, out var sd)
            || !metrics.TryGetValue(CiLowKey, out var low) || !metrics.TryGetValue(CiHighKey, out var high))
            return new Replicates(1, mean, double.NaN, mean, mean, Replicates.DefaultConfidence);
        return new Replicates((int)n, mean, sd, low, high, Replicates.DefaultConfidence);
    }

    /// <summary>"92.00% ± 1.96" (percentage points, half the 95 % interval) or "92.00%" for one replicate.</summary>
    public static string Format(Replicates r) => r.Count < 2
        ? (r.Mean * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%"
        : (r.Mean * 100).ToString("0.00", CultureInfo.InvariantCulture) + "% ± " + (r.HalfWidth * 100).ToString("0.00", CultureInfo.InvariantCulture);
}
