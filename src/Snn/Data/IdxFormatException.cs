namespace FSpiNN.Snn.Data;

/// <summary>What is wrong with an IDX file.</summary>
public enum IdxProblem
{
    /// <summary>The file (or the decompressed stream) has no bytes at all.</summary>
    Empty,
    /// <summary>The first bytes are not an IDX magic number for unsigned bytes (00 00 08 nd).</summary>
    WrongMagic,
    /// <summary>The magic says the wrong number of dimensions (images need 3, labels 1) — often images and labels swapped.</summary>
    WrongDimensionCount,
    /// <summary>The header declares sizes no dataset can have (zero or huge rows/cols, more data than the reader accepts).</summary>
    AbsurdDimensions,
    /// <summary>The images and the labels file declare different example counts.</summary>
    CountMismatch,
    /// <summary>The file ends before the data its header declares.</summary>
    Truncated,
    /// <summary>There are bytes after the data the header declares.</summary>
    TrailingData,
    /// <summary>A label is outside 0..9.</summary>
    LabelOutOfRange,
    /// <summary>The file starts like gzip but cannot be decompressed (corrupt deflate data, bad CRC).</summary>
    GzipCorrupt,
}

/// <summary>An IDX file (images or labels) is malformed; <see cref="File"/> names it and <see cref="Problem"/> says what is wrong.</summary>
public sealed class IdxFormatException : Exception
{
    public IdxFormatException(string file, IdxProblem problem, string detail, Exception? inner = null)
        : base($"{file}: {Describe(problem)}: {detail}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (path or source description) the problem was found in.</summary>
    public string File { get; }

    public IdxProblem Problem { get; }

    private static string Describe(IdxProblem problem) => problem switch
    {
        IdxProblem.Empty => "empty IDX file",
        IdxProblem.WrongMagic => "not an IDX file of unsigned bytes (wrong magic number)",
        IdxProblem.WrongDimensionCount => "wrong number of IDX dimensions",
        IdxProblem.AbsurdDimensions => "implausible IDX dimensions",
        IdxProblem.CountMismatch => "images and labels disagree on the number of examples",
        IdxProblem.Truncated => "IDX file is truncated",
        IdxProblem.TrailingData => "unexpected bytes after the IDX data",
        IdxProblem.LabelOutOfRange => "label out of range 0..9",
        IdxProblem.GzipCorrupt => "corrupt gzip stream",
        _ => problem.ToString(),
    };
}
