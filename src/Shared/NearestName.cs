namespace FSpiNN.Shared;

/// <summary>
/// "Did you mean ...?" for a misspelt name: the known name at the smallest edit distance, when it is close enough.
/// One source file compiled into each project that refuses names (Snn, Dse, Cli: see their .csproj), as internal, so
/// that the search engine need not reference the simulator for it.
/// </summary>
internal static class NearestName
{
    /// <summary>The closest of <paramref name="known"/> (case-insensitive), or null when none is within a third of the name's length (at least 2 edits).</summary>
    public static string? Find(string given, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(given);
        var lowered = given.ToLowerInvariant();
        var best = known.Select(k => (Name: k, Distance: Distance(lowered, k.ToLowerInvariant()))).Where(k => k.Distance > 0 || k.Name != given)
            .OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, given.Length / 3) ? best.Name : null;
    }

    /// <summary>" (did you mean 'x'?)", or "" when nothing is close.</summary>
    public static string Hint(string given, IEnumerable<string> known) => Find(given, known) is { } name ? $" (did you mean '{name}'?)" : "";

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
