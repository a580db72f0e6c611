using FSpiNN.Dse.Study;

namespace FSpiNN.Dse.Reporting;

/// <summary>One parameter's share of an objective's variance.</summary>
public readonly record struct Importance(string Parameter, double Share);

/// <summary>
/// Which parameters matter for each objective: a first-order (main-effect) variance decomposition, as fANOVA's first
/// term, estimated directly from the completed trials at the study's highest fidelity. For each parameter the trials
/// are grouped by its value (numeric ranges in up to five quantile bins) and the share is the between-group variance
/// over the total variance. On a full grid the shares are exact main effects; on a search's trials (which crowd into
/// good regions) parameters are partly confounded, so read them as a ranking, not as exact fractions. Memory and
/// energies are decomposed in log scale (they span orders of magnitude), accuracy as is.
/// </summary>
public static class ParameterImportance
{
    public static IReadOnlyList<(Objective Objective, IReadOnlyList<Importance> Ranking)> Compute(StudyDefinition definition, IReadOnlyList<TrialRecord> trials)
    {
        var complete = trials.Where(t => t.Status == TrialStatus.Complete && t.Result is not null).ToList();
        if (complete.Count < 3) return [];
        var fidelity = complete.Max(t => t.TrainSamples);
        complete = complete.Where(t => t.TrainSamples == fidelity).ToList();
        var parameters = complete.SelectMany(t => t.Candidate.Values.Select(v => v.Key)).Distinct()
            .Where(p => complete.Select(t => Value(t, p)).Distinct().Count() > 1).ToList();
        var result = new List<(Objective, IReadOnlyList<Importance>)>();
        foreach (var objective in definition.Objectives)
        {
            var y = complete.Select(t => Transform(objective, Objectives.Minimised(objective, t.Result!))).ToArray();
            var mean = y.Average();
            var total = y.Sum(v => (v - mean) * (v - mean));
            if (!(total > 0)) continue;
            var ranking = parameters.Select(p =>
            {
                var groups = Groups(complete, p);
                var between = groups.Sum(g => g.Count * Math.Pow(g.Average(i => y[i]) - mean, 2));
                return new Importance(p, between / total);
            }).OrderByDescending(i => i.Share).ThenBy(i => i.Parameter, StringComparer.Ordinal).ToList();
            result.Add((objective, ranking));
        }
        return result;
    }

    private static double Transform(Objective objective, double value) =>
        objective == Objective.Accuracy ? value : Math.Log(Math.Max(value, 1e-300));

    private static string Value(TrialRecord t, string parameter) => t.Candidate.TryGet(parameter, out var v) ? v.ToString() : "(absent)";

    /// <summary>Indices of the trials grouped by the parameter's value; more than five distinct numbers are binned by quantile.</summary>
    private static List<List<int>> Groups(List<TrialRecord> trials, string parameter)
    {
        var numeric = trials.All(t => t.Candidate.TryGet(parameter, out var v) && v.IsNumeric);
        var distinct = trials.Select(t => Value(t, parameter)).Distinct().Count();
        if (!numeric || distinct <= 5)
            return [.. Enumerable.Range(0, trials.Count).GroupBy(i => Value(trials[i], parameter)).Select(g => g.ToList())];
        var order = Enumerable.Range(0, trials.Count).OrderBy(i => trials[i].Candidate[parameter].AsDouble).ToList();
        return [.. order.Select((index, rank) => (index, bin: rank * 5 / order.Count)).GroupBy(x => x.bin).Select(g => g.Select(x => x.index).ToList())];
    }
}
