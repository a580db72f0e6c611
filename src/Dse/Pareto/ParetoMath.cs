namespace FSpiNN.Dse.Pareto;

/// <summary>A point for ranking: objectives in minimisation form (null when unknown, e.g. skipped) and total constraint violation (0 = feasible).</summary>
public readonly record struct RankedPoint(double[]? Objectives, double Violation)
{
    public bool Feasible => Violation <= 0 && Objectives is not null;
}

/// <summary>Non-dominated sorting, constraint domination, crowding distance (Deb et al. 2002).</summary>
public static class ParetoMath
{
    /// <summary>Plain Pareto domination for minimisation: no worse everywhere, better somewhere.</summary>
    public static bool Dominates(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var better = false;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }

    /// <summary>Constraint domination: feasible beats infeasible; among infeasible, smaller violation wins; among feasible, Pareto.</summary>
    public static bool ConstrainedDominates(in RankedPoint a, in RankedPoint b)
    {
        if (a.Feasible && !b.Feasible) return true;
        if (!a.Feasible && b.Feasible) return false;
        if (!a.Feasible) return Score(a) < Score(b);
        return Dominates(a.Objectives, b.Objectives);
    }

    private static double Score(in RankedPoint p) => p.Objectives is null && p.Violation <= 0 ? double.PositiveInfinity : p.Violation;

    /// <summary>Front index (0 = non-dominated) for each point, by constraint domination.</summary>
    public static int[] NonDominatedRanks(IReadOnlyList<RankedPoint> points)
    {
        var n = points.Count;
        var rank = new int[n];
        var dominatedBy = new int[n];
        var dominates = new List<int>[n];
        var front = new List<int>();
        for (var i = 0; i < n; i++)
        {
            dominates[i] = [];
            for (var j = 0; j < n; j++)
            {
                if (i == j) continue;
                var pi = points[i];
                var pj = points[j];
                if (ConstrainedDominates(pi, pj)) dominates[i].Add(j);
                else if (ConstrainedDominates(pj, pi)) dominatedBy[i]++;
            }
            if (dominatedBy[i] == 0) front.Add(i);
        }
        var current = 0;
        while (front.Count > 0)
        {
            var next = new List<int>();
            foreach (var i in front)
            {
                rank[i] = current;
                foreach (var j in dominates[i])
                {
                    if (--dominatedBy[j] == 0) next.Add(j);
                }
            }
            front = next;
            current++;
        }
        return rank;
    }

    /// <summary>Crowding distance of the points <paramref name="members"/> (indices into <paramref name="points"/>) within one front; boundary points get +inf.</summary>
    public static void CrowdingDistance(IReadOnlyList<RankedPoint> points, IReadOnlyList<int> members, double[] distance)
    {
        foreach (var i in members) distance[i] = 0;
        if (members.Count == 0) return;
        if (members.Any(i => points[i].Objectives is null))
        {
            // Infeasible-without-objectives fronts: order by violation only.
            foreach (var i in members) distance[i] = 0;
            return;
        }
        var m = points[members[0]].Objectives!.Length;
        var order = members.ToArray();
        for (var k = 0; k < m; k++)
        {
            var kk = k;
            Array.Sort(order, (a, b) => points[a].Objectives![kk].CompareTo(points[b].Objectives![kk]) is var c && c != 0 ? c : a.CompareTo(b));
            var lo = points[order[0]].Objectives![k];
            var hi = points[order[^1]].Objectives![k];
            distance[order[0]] = double.PositiveInfinity;
            distance[order[^1]] = double.PositiveInfinity;
            if (hi - lo <= 0) continue;
            for (var i = 1; i < order.Length - 1; i++)
                distance[order[i]] += (points[order[i + 1]].Objectives![k] - points[order[i - 1]].Objectives![k]) / (hi - lo);
        }
    }

    /// <summary>Ranks and crowding distances for all points.</summary>
    public static (int[] Rank, double[] Crowding) RankAndCrowd(IReadOnlyList<RankedPoint> points)
    {
        var rank = NonDominatedRanks(points);
        var crowd = new double[points.Count];
        foreach (var group in Enumerable.Range(0, points.Count).GroupBy(i => rank[i]))
            CrowdingDistance(points, group.ToList(), crowd);
        return (rank, crowd);
    }

    /// <summary>Indices sorted best first: lower rank, then larger crowding distance, then index (stable, deterministic).</summary>
    public static int[] BestFirst(IReadOnlyList<RankedPoint> points)
    {
        var (rank, crowd) = RankAndCrowd(points);
        var order = Enumerable.Range(0, points.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = rank[a].CompareTo(rank[b]);
            if (c != 0) return c;
            c = crowd[b].CompareTo(crowd[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
