namespace FSpiNN.Dse.Pareto;

/// <summary>Exact hypervolume (minimisation) dominated by a point set and bounded by a reference point, in 1, 2 or 3 objectives.</summary>
public static class Hypervolume
{
    public static double Compute(IReadOnlyList<double[]> points, ReadOnlySpan<double> reference)
    {
        var inside = new List<double[]>();
        foreach (var p in points)
        {
            if (p.Length == reference.Length && Below(p, reference)) inside.Add(p);
        }
        if (inside.Count == 0) return 0;
        return reference.Length switch
        {
            1 => reference[0] - inside.Min(p => p[0]),
            2 => TwoD(inside.Select(p => (p[0], p[1])).ToList(), reference[0], reference[1]),
            3 => ThreeD(inside, reference[0], reference[1], reference[2]),
            _ => throw new NotSupportedException($"exact hypervolume is implemented for 1-3 objectives, not {reference.Length}"),
        };
    }

    private static bool Below(double[] p, ReadOnlySpan<double> r)
    {
        for (var i = 0; i < p.Length; i++)
        {
            if (!(p[i] < r[i])) return false;
        }
        return true;
    }

    /// <summary>Sweep by the first objective: each point adds the slab between its second objective and the best seen so far.</summary>
    private static double TwoD(List<(double X, double Y)> points, double rx, double ry)
    {
        points.Sort((a, b) => a.X != b.X ? a.X.CompareTo(b.X) : a.Y.CompareTo(b.Y));
        double area = 0, bestY = ry;
        foreach (var (x, y) in points)
        {
            if (y >= bestY) continue;
            area += (rx - x) * (bestY - y);
            bestY = y;
        }
        return area;
    }

    /// <summary>
    /// Sweep along the third objective (Beume et al.'s HV3D idea): points are added in z order to a 2-D staircase kept
    /// sorted by x, whose area is updated by the terms that change (the new point's, the ones it dominates, its right
    /// neighbour's), so the whole volume costs O(n log n) rather than a 2-D recomputation per slice.
    /// </summary>
    private static double ThreeD(List<double[]> points, double rx, double ry, double rz)
    {
        points.Sort((a, b) => a[2].CompareTo(b[2]));
        var staircase = new SortedSet<(double X, double Y)>();   // x ascending, y strictly descending
        double volume = 0, area = 0;
        for (var i = 0; i < points.Count; i++)
        {
            area += AddToStaircase(staircase, points[i][0], points[i][1], rx, ry);
            var zNext = i + 1 < points.Count ? points[i + 1][2] : rz;
            volume += (zNext - points[i][2]) * area;
        }
        return volume;
    }

    /// <summary>
    /// Adds (x, y) to the staircase and returns the change of its area, where the area is the sum over points in x order
    /// of (rx - x) * (y of the left neighbour, or ry - y).
    /// </summary>
    private static double AddToStaircase(SortedSet<(double X, double Y)> staircase, double x, double y, double rx, double ry)
    {
        var yLeft = ry;
        // the left neighbour: the last point at or before (x, y) in (x, y) order (a view's Count is O(n): test Min instead)
        if (staircase.Count > 0 && staircase.Min.CompareTo((x, y)) <= 0)
        {
            var l = staircase.GetViewBetween(staircase.Min, (x, y)).Max;
            if (l.Y <= y) return 0;   // dominated in x-y by a point at least as good in z
            yLeft = l.Y;
        }
        double delta = 0, yPrevious = yLeft;
        var dominated = new List<(double X, double Y)>();
        (double X, double Y)? right = null;
        foreach (var s in staircase.Count > 0 && staircase.Max.CompareTo((x, y)) > 0 ? staircase.GetViewBetween((x, y), staircase.Max) : [])
        {
            if (s.Y < y)
            {
                right = s;
                break;
            }
            delta -= (rx - s.X) * (yPrevious - s.Y);
            yPrevious = s.Y;
            dominated.Add(s);
        }
        foreach (var s in dominated) staircase.Remove(s);
        if (right is { } r) delta += (rx - r.X) * (y - r.Y) - (rx - r.X) * (yPrevious - r.Y);
        delta += (rx - x) * (yLeft - y);
        staircase.Add((x, y));
        return delta;
    }
}
