namespace FSpiNN.Snn.Data;

/// <summary>The check of one loaded file against the checksum the catalog knows for it.</summary>
/// <param name="Expected">The known file it should equal, or null if no known dataset could be matched.</param>
public sealed record FileCheck(DatasetSplit Split, IdxKind Kind, string ActualSha256, DatasetFileDescriptor? Expected)
{
    public bool Matches => Expected is not null && string.Equals(Expected.UncompressedSha256, ActualSha256, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The result of verifying a loaded dataset pair against a known dataset.</summary>
/// <param name="Against">The known dataset compared with (null: none could be matched).</param>
public sealed record VerificationReport(DatasetPair Data, DatasetDescriptor? Against, IReadOnlyList<FileCheck> Files)
{
    public bool AllMatch => Against is not null && Files.Count > 0 && Files.All(f => f.Matches);
}

/// <summary>Compares loaded datasets' content checksums with the catalog's.</summary>
public static class DatasetVerifier
{
    /// <summary>
    /// Verifies <paramref name="data"/> against <paramref name="expected"/>, or, when that is null, against the known
    /// dataset that most of its files match (then the one named like <paramref name="directoryHint"/>).
    /// </summary>
    public static VerificationReport Verify(DatasetPair data, DatasetDescriptor? expected = null, string? directoryHint = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var actual = new List<(DatasetSplit Split, IdxKind Kind, string Sha)>();
        void Add(Dataset? set, DatasetSplit split)
        {
            if (set is null)
                return;
            actual.Add((split, IdxKind.Images, set.ImagesSha256 ?? throw NoChecksum(set)));
            actual.Add((split, IdxKind.Labels, set.LabelsSha256 ?? throw NoChecksum(set)));
        }

        Add(data.Train, DatasetSplit.Train);
        Add(data.Test, DatasetSplit.Test);

        expected ??= DatasetCatalog.Known
                         .Select(d => (Descriptor: d, Hits: actual.Count(a => string.Equals(d.File(a.Split, a.Kind).UncompressedSha256, a.Sha, StringComparison.OrdinalIgnoreCase))))
                         .Where(x => x.Hits > 0)
                         .OrderByDescending(x => x.Hits)
                         .Select(x => x.Descriptor)
                         .FirstOrDefault()
                     ?? (directoryHint is null ? null : DatasetCatalog.Find(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directoryHint)))));

        var checks = actual.Select(a => new FileCheck(a.Split, a.Kind, a.Sha, expected?.File(a.Split, a.Kind))).ToList();
        return new VerificationReport(data, expected, checks);
    }

    private static InvalidOperationException NoChecksum(Dataset set) =>
        new($"Dataset '{set.Describe()}' was not read from IDX files, so it has no content checksum to verify.");
}
