using FSpiNN.Snn.Data;

namespace FSpiNN.Cli.Json;

// JSON report of `data verify` (fields: docs/json.md).

/// <summary>One split's examples per class, against the known dataset's counts; verdict ok, different or unknown.</summary>
internal sealed record ClassCountsJson(string Set, string Split, IReadOnlyList<int> CountsPerClass, int Total, IReadOnlyList<int>? ExpectedCountsPerClass, string Verdict);

/// <summary>One file's sha256 of its uncompressed content; result ok, mismatch or unknown (no official value).</summary>
internal sealed record FileCheckJson(string File, string Split, string Kind, string Sha256, string? ExpectedSha256, string Result);

internal sealed record KnownDatasetJson(string Name, string Title);

internal sealed record DataVerifyReport(
    string Dataset,
    KnownDatasetJson? ComparedWith,
    IReadOnlyList<ClassCountsJson> Sets,
    IReadOnlyList<FileCheckJson> Files,
    bool Ok) : CommandReport("data verify");
