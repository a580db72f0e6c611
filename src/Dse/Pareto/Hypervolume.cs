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

    /// <summary>Slicing along the third objective: between consecutive z values the section is the 2-D hypervolume of points below.</summary>
    private static double ThreeD(List<double[]> points, double rx, double ry, double rz)
    {
        points.Sort((a, b) => a[2].CompareTo(b[2]));
        double volume = 0;
        var active = new List<(double, double)>();
        for (var i = 0; i < points.Count; i++)
        {
            active.Add((points[i][0], points[i][1]));
            var zNext = i + 1 < points.Count ? points[i + 1][2] : rz;
            var depth = zNext - points[i][2];
            if (depth > 0) volume += depth * TwoD([.. active], rx, ry);
        }
        return volume;
    }
}
