using System.Globalization;
using FSpiNN.Dse.Pareto;

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

public static class StudyResults
{
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
    /// Among feasible completed trials at the study's highest train_samples: highest accuracy; within 0.1 pt of it, lower
    /// energy (the constrained energy measure), then lower memory, then lower trial number. Never an infeasible trial.
    /// </summary>
    public static Recommendation? Recommend(StudyDefinition definition, IReadOnlyList<TrialRow> rows)
    {
        var complete = rows.Where(r => r.Trial.Status == TrialStatus.Complete).ToList();
        if (complete.Count == 0) return null;
        var fidelity = complete.Max(r => r.Trial.TrainSamples);
        var pool = complete.Where(r => r.Feasible && r.Trial.TrainSamples == fidelity).ToList();
        if (pool.Count == 0) return null;
        double Energy(TrialRow r) => Budgets.ConstrainedEnergy(definition.Objectives, r.Trial.Result!);
        var bestAccuracy = pool.Max(r => r.Trial.Accuracy ?? 0);
        var tied = pool.Where(r => (r.Trial.Accuracy ?? 0) >= bestAccuracy - AccuracyTieTolerance - 1e-12).ToList();
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
        var accuracy = $"Trial {t.Number} ({t.Candidate.Key}) has {(t.Accuracy ?? 0).ToString("P2", inv)} accuracy, the best is {bestAccuracy.ToString("P2", inv)}; ";
        var tie = tied.Count > 1
            ? $"{tied.Count} trials are within 0.1 pt of it, and among them it has the lowest energy ({Units.FormatJoules(Energy(chosen))}) then memory ({Units.FormatBytes(t.MemoryBytes ?? 0)})."
            : $"no other feasible trial is within 0.1 pt. It needs {Units.FormatBytes(t.MemoryBytes ?? 0)} and {Units.FormatJoules(Energy(chosen))}.";
        var why = counts + accuracy + tie;
        return new Recommendation(t, why);
    }
}
