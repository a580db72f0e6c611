using System.Globalization;
using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Statistics;

namespace FSpiNN.Dse.Study;

/// <summary>One trial with its constraint values and ranking (rank/pareto only for completed trials, within its train_samples).</summary>
public sealed record TrialRow(TrialRecord Trial, double MemoryViolation, double EnergyViolation, double AccuracyViolation,
    bool Feasible, int? Rank, bool Pareto);

/// <summary>The recommended trial and a paragraph saying why.</summary>
public sealed record Recommendation(TrialRecord Trial, string Why);

/// <summary>What a study found: all rows, the frontier, counts and the recommendation (null when nothing is feasible).</summary>
public sealed record StudyReport(StudyDefinition Definition, IReadOnlyList<TrialRow> Rows, Recommendation? Recommendation)
{
    public IEnumerable<TrialRow> Frontier => Rows.Where(r => r.Pareto);
    public int Count(TrialStatus status) => Rows.Count(r => r.Trial.Status == status);
}

/// <summary>One entry of the hypervolume history: after the <paramref name="CompletedCount"/>-th completed trial in trial-number order.</summary>
public readonly record struct HypervolumePoint(int CompletedCount, int TrialNumber, double Hypervolume);

public static class StudyResults
{
    /// <summary>Memory reference = this factor x the largest analytic memory in the space (when no memory budget is given).</summary>
    public const double MemoryReferenceMargin = 1.1;

    /// <summary>Energy reference = this factor x the energy of the first completed trial by number (when no energy budget is given).</summary>
    public const double EnergyReferenceFactor = 10;

    /// <summary>
    /// The hypervolume reference point in raw minimisation units (error, bytes, joules), independent of worker timing:
    /// error 1; memory = the memory budget, else <see cref="MemoryReferenceMargin"/> x <paramref name="maxSpaceMemoryBytes"/>
    /// (the largest analytic memory of the space); each energy = the energy budget, else <see cref="EnergyReferenceFactor"/> x
    /// that energy of the lowest-numbered completed trial. Null while that trial is needed and not yet known, i.e. when
    /// no trial of the closed prefix (see <see cref="HypervolumeHistory"/>) has completed.
    /// </summary>
    public static double[]? HypervolumeReference(StudyDefinition definition, IReadOnlyList<TrialRecord> trials, double? maxSpaceMemoryBytes)
    {
        var budgets = definition.Budgets;
        var first = ClosedPrefix(trials).FirstOrDefault(t => t.Status == TrialStatus.Complete);
        var needsFirst = definition.Objectives.Any(o => o is Objective.TrainEnergy or Objective.InferenceEnergy) && budgets.EnergyJoules is null
            || definition.Objectives.Contains(Objective.Memory) && budgets.MemoryBytes is null && maxSpaceMemoryBytes is null;
        if (needsFirst && first is null) return null;
        static double Positive(double x) => x > 0 && double.IsFinite(x) ? x : 1;
        return [.. definition.Objectives.Select(o => Positive(o switch
        {
            Objective.Accuracy => 1.0,
            Objective.Memory => budgets.MemoryBytes ?? (maxSpaceMemoryBytes is { } max ? MemoryReferenceMargin * max : EnergyReferenceFactor * (first!.MemoryBytes ?? 1)),
            Objective.TrainEnergy => budgets.EnergyJoules ?? EnergyReferenceFactor * (first!.TrainEnergyJoules ?? 1),
            _ => budgets.EnergyJoules ?? EnergyReferenceFactor * (first!.InferenceEnergyJoules ?? 1),
        }))];
    }

    /// <summary>
    /// Hypervolume after each completed trial, taking trials in trial-number order and stopping at the first trial that is
    /// still running (the closed prefix), so the history depends only on the results, not on which worker finished first.
    /// Points are the feasible completed trials, normalised (error as is, the rest divided by <paramref name="reference"/>),
    /// against the unit reference; NaN for more than 3 objectives. Entries up to <paramref name="knownCount"/> are not recomputed.
    /// </summary>
    public static IReadOnlyList<HypervolumePoint> HypervolumeHistory(StudyDefinition definition, IReadOnlyList<TrialRecord> trials,
        IReadOnlyList<double> reference, int knownCount = 0)
    {
        var byNumber = new Dictionary<int, TrialRecord>();
        foreach (var t in trials) byNumber[t.Number] = t;
        var history = new List<HypervolumePoint>();
        new HypervolumeTracker(definition, reference).Advance(n => byNumber.GetValueOrDefault(n), knownCount, history);
        return history;
    }

    /// <summary>
    /// Trials 0, 1, 2... in number order up to (not including) the first one still running or not yet stored (a gap left
    /// by a cancelled trial); strategies number their proposals from 0 without gaps.
    /// </summary>
    private static IEnumerable<TrialRecord> ClosedPrefix(IReadOnlyList<TrialRecord> trials)
    {
        var expected = 0;
        foreach (var t in trials.OrderBy(t => t.Number))
        {
            if (t.Number != expected++ || !t.IsTerminal) yield break;
            yield return t;
        }
    }

    internal static bool WeaklyDominates(double[] a, double[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] > b[i]) return false;
        }
        return true;
    }

    /// <summary>Accuracy ties within this (0.1 percentage point) are broken by energy, then memory (model reference C.9).</summary>
    public const double AccuracyTieTolerance = 0.001;

    public static double[] Minimised(IReadOnlyList<Objective> objectives, EvaluationResult r) =>
        objectives.Select(o => Objectives.Minimised(o, r)).ToArray();

    public static StudyReport Analyze(StudyDefinition definition, IReadOnlyList<TrialRecord> trials)
    {
        var budgets = definition.Budgets;
        var rows = new List<TrialRow>();
        var ranks = new Dictionary<int, int>();
        foreach (var group in trials.Where(t => t.Status == TrialStatus.Complete).GroupBy(t => t.TrainSamples))
        {
            var list = group.ToList();
            var points = list.Select(t => new RankedPoint(Minimised(definition.Objectives, t.Result!), t.Violation ?? 0)).ToList();
            var rank = ParetoMath.NonDominatedRanks(points);
            for (var i = 0; i < list.Count; i++) ranks[list[i].Number] = rank[i];
        }
        foreach (var t in trials)
        {
            double mem = 0, energy = 0, acc = 0;
            var feasible = false;
            if (t.Result is { } r)
            {
                (mem, energy, acc) = budgets.Violations(definition.Objectives, r);
                feasible = mem + energy + acc <= 0;
            }
            else if (t.Status == TrialStatus.Skipped && t.MemoryBytes is { } m) mem = budgets.MemoryViolation(m);
            int? rank = ranks.TryGetValue(t.Number, out var rk) ? rk : null;
            rows.Add(new TrialRow(t, mem, energy, acc, feasible, rank, feasible && rank == 0));
        }
        return new StudyReport(definition, rows, Recommend(definition, rows));
    }

    /// <summary>
    /// Among feasible completed trials at the study's highest train_samples: highest (mean) accuracy; tied with it on
    /// accuracy are the trials within 0.1 pt of it and, for trials measured with replicates, those whose 95 % confidence
    /// interval overlaps its own (the data cannot tell their means apart); among the tied, lower energy (the constrained
    /// energy measure), then lower memory, then lower trial number. Never an infeasible trial. The reason says which
    /// trials were tied and why.
    /// </summary>
    public static Recommendation? Recommend(StudyDefinition definition, IReadOnlyList<TrialRow> rows)
    {
        var complete = rows.Where(r => r.Trial.Status == TrialStatus.Complete).ToList();
        if (complete.Count == 0) return null;
        var fidelity = complete.Max(r => r.Trial.TrainSamples);
        var pool = complete.Where(r => r.Feasible && r.Trial.TrainSamples == fidelity).ToList();
        if (pool.Count == 0) return null;
        double Energy(TrialRow r) => Budgets.ConstrainedEnergy(definition.Objectives, r.Trial.Result!);
        var best = pool.OrderByDescending(r => r.Trial.Accuracy ?? 0).ThenBy(r => r.Trial.Number).First();
        var bestAccuracy = best.Trial.Accuracy ?? 0;
        var bestInterval = best.Trial.AccuracyReplicates!.Value;
        bool WithinTolerance(TrialRow r) => (r.Trial.Accuracy ?? 0) >= bestAccuracy - AccuracyTieTolerance - 1e-12;
        // one measurement's interval is the point itself: overlap then only ties trials whose interval contains it
        bool IntervalsOverlap(TrialRow r) => r.Trial.AccuracyReplicates!.Value is var i && (i.Count > 1 || bestInterval.Count > 1) && i.Overlaps(bestInterval);
        var tied = pool.Where(r => WithinTolerance(r) || IntervalsOverlap(r)).ToList();
        var tiedByInterval = tied.Where(r => r != best && !WithinTolerance(r)).ToList();
        var chosen = tied.OrderBy(Energy).ThenBy(r => r.Trial.MemoryBytes).ThenBy(r => r.Trial.Number).First();
        var t = chosen.Trial;
        var inv = CultureInfo.InvariantCulture;
        var budgetText = new List<string>();
        if (definition.Budgets.MemoryBytes is { } mb) budgetText.Add($"memory <= {Units.FormatBytes(mb)}");
        if (definition.Budgets.EnergyJoules is { } eb) budgetText.Add($"energy <= {Units.FormatJoules(eb)}");
        if (definition.Budgets.MinAccuracy is { } ma) budgetText.Add($"accuracy >= {ma.ToString("P1", inv)}");
        var skipped = rows.Count(r => r.Trial.Status == TrialStatus.Skipped);
        var budgetsGiven = budgetText.Count > 0 ? string.Join(", ", budgetText) : "none given";
        var counts = $"Of {rows.Count} trials, {complete.Count} completed, {skipped} were skipped as over the memory budget without training, "
            + $"and {pool.Count} completed at the full {fidelity} training samples within the budgets ({budgetsGiven}). ";
        static string Measured(TrialRecord r) => r.AccuracyReplicates is { Count: > 1 } m
            ? $"{ReplicateEvaluation.Format(m)} pt" : (r.Accuracy ?? 0).ToString("P2", CultureInfo.InvariantCulture);
        var replicated = pool.Where(r => r.Trial.AccuracyReplicates!.Value.Count > 1).Select(r => r.Trial.AccuracyReplicates!.Value.Count).Distinct().ToList();
        var explain = replicated.Count == 0 ? ""
            : $" (the mean of {string.Join(" or ", replicated.Order())} replicates ± half its 95 % confidence interval)";
        var accuracy = best == chosen
            ? $"Trial {t.Number} has {Measured(t)} accuracy{explain}, the best is {Measured(best.Trial)}; "
            : $"Trial {t.Number} has {Measured(t)} accuracy{explain}, the best is trial {best.Trial.Number}'s {Measured(best.Trial)}; ";
        var lowest = $"among them it has the lowest energy ({Units.FormatJoules(Energy(chosen))}) then memory ({Units.FormatBytes(t.MemoryBytes ?? 0)}).";
        var byInterval = $"trial{(tiedByInterval.Count > 1 ? "s" : "")} {string.Join(", ", tiedByInterval.Take(8).Select(r => r.Trial.Number))}{(tiedByInterval.Count > 8 ? ", ..." : "")}";
        var withinCount = tied.Count - 1 - tiedByInterval.Count;
        var tie = tied.Count > 1 && tiedByInterval.Count > 0
            ? $"{tied.Count} trials are tied on accuracy: {(withinCount > 0 ? $"{withinCount} within 0.1 pt of the best, and " : "")}" +
              $"{byInterval} with a 95 % confidence interval overlapping the best's (the replicates cannot tell them apart); {lowest}"
            : tied.Count > 1
            ? $"{tied.Count} trials are within 0.1 pt of it, and {lowest}"
            : $"no other feasible trial is within 0.1 pt{(replicated.Count > 0 ? " or has a 95 % interval overlapping the best's" : "")}. It needs {Units.FormatBytes(t.MemoryBytes ?? 0)} and {Units.FormatJoules(Energy(chosen))}.";
        var why = counts + accuracy + tie;
        return new Recommendation(t, why);
    }
}

/// <summary>
/// The hypervolume history of <see cref="StudyResults.HypervolumeHistory"/>, kept incrementally: trials are taken in
/// number order as the closed prefix grows, so a worker pays for each trial once, not for every stored trial on every
/// claim.
/// </summary>
public sealed class HypervolumeTracker(StudyDefinition definition, IReadOnlyList<double> reference)
{
    private readonly List<double[]> _front = [];
    private readonly double[] _unit = Enumerable.Repeat(1.0, definition.Objectives.Count).ToArray();
    private int _next;
    private int _completed;
    /// <summary>Hypervolume of <see cref="_front"/> as last computed; null once the front changed since.</summary>
    private double? _frontHypervolume;

    /// <summary>
    /// Takes the terminal trials <paramref name="lookup"/> gives for the next numbers (stopping at the first one still
    /// running or missing) and adds a history entry to <paramref name="into"/> for each completed trial past <paramref name="knownCount"/>.
    /// </summary>
    public void Advance(Func<int, TrialRecord?> lookup, int knownCount, List<HypervolumePoint> into)
    {
        var objectives = definition.Objectives;
        while (lookup(_next) is { IsTerminal: true } t)
        {
            _next++;
            if (t.Status != TrialStatus.Complete) continue;
            _completed++;
            if ((t.Violation ?? 0) <= 0)
            {
                var point = StudyResults.Minimised(objectives, t.Result!).Select((x, i) => objectives[i] == Objective.Accuracy ? x : x / reference[i]).ToArray();
                if (!_front.Any(f => StudyResults.WeaklyDominates(f, point)))
                {
                    _front.RemoveAll(f => StudyResults.WeaklyDominates(point, f));
                    _front.Add(point);
                    _frontHypervolume = null;
                }
            }
            if (_completed <= knownCount) continue;
            // a dominated or infeasible trial leaves the front, and so its hypervolume, as it was: not computed again
            _frontHypervolume ??= objectives.Count <= 3 ? Hypervolume.Compute(_front, _unit) : double.NaN;
            into.Add(new HypervolumePoint(_completed, t.Number, _frontHypervolume.Value));
        }
    }
}
