namespace FSpiNN.Snn.Data;

public enum DatasetSplit { Train, Test }

public enum IdxKind { Images, Labels }

/// <summary>One official IDX file of a known dataset and the checksum of its uncompressed content.</summary>
/// <param name="FileName">Official name without ".gz", e.g. "train-images-idx3-ubyte".</param>
/// <param name="Count">Number of examples it holds.</param>
/// <param name="UncompressedSha256">sha256 (lowercase hex) of the uncompressed bytes: the decisive check.</param>
/// <param name="GzipSha256">sha256 of the official .gz file where known (a mirror may wrap the same content differently).</param>
public sealed record DatasetFileDescriptor(DatasetSplit Split, IdxKind Kind, string FileName, int Count, string UncompressedSha256, string? GzipSha256 = null)
{
    public string GzipFileName => FileName + ".gz";
}

/// <summary>A known dataset: its name, where to download it, its four files with checksums, and its class names.</summary>
/// <param name="Name">Short name used on the command line and in dataset names, e.g. "mnist".</param>
/// <param name="DefaultMirror">Base URL the official .gz files are fetched from (file names appended); null if there is none.</param>
public sealed record DatasetDescriptor(string Name, string Title, Uri? DefaultMirror, IReadOnlyList<DatasetFileDescriptor> Files, IReadOnlyList<string> ClassNames)
{
    public DatasetFileDescriptor File(DatasetSplit split, IdxKind kind) =>
        Files.FirstOrDefault(f => f.Split == split && f.Kind == kind)
        ?? throw new InvalidOperationException($"Dataset descriptor '{Name}' has no {split} {kind} file.");

    /// <summary>Per-class counts of a split, if the descriptor knows them (null otherwise).</summary>
    public IReadOnlyList<int>? ExpectedCountsPerClass(DatasetSplit split) =>
        split == DatasetSplit.Train ? TrainCountsPerClass : TestCountsPerClass;

    public IReadOnlyList<int>? TrainCountsPerClass { get; init; }
    public IReadOnlyList<int>? TestCountsPerClass { get; init; }
}
