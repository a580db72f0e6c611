namespace FSpiNN.Snn.Data;

/// <summary>
/// A labelled image dataset held in two contiguous buffers: pixels (Count x Rows x Cols, row-major, one byte each)
/// and labels (Count bytes, 0..9). Views made by <see cref="Take"/> and <see cref="Slice"/> share the buffers.
/// </summary>
public sealed class Dataset
{
    public const int ClassCount = 10;

    /// <summary>Builds a dataset over existing buffers (checked: sizes consistent, labels 0..9).</summary>
    /// <param name="imagesSha256">sha256 (lowercase hex) of the uncompressed images file the pixels came from, if any.</param>
    /// <param name="labelsSha256">sha256 (lowercase hex) of the uncompressed labels file, if any.</param>
    public Dataset(string name, int rows, int cols, ReadOnlyMemory<byte> pixels, ReadOnlyMemory<byte> labels,
        string? imagesSha256 = null, string? labelsSha256 = null)
        : this(name, rows, cols, pixels, labels, imagesSha256, labelsSha256, sourceOffset: 0, sourceCount: labels.Length)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if ((long)labels.Length * rows * cols != pixels.Length)
            throw new ArgumentException(
                $"Dataset '{name}': {pixels.Length} pixel bytes do not match {labels.Length} labels of {rows}x{cols} images.", nameof(pixels));
        var span = labels.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] >= ClassCount)
                throw new ArgumentException($"Dataset '{name}': label {span[i]} at index {i} is outside 0..9.", nameof(labels));
        }
    }

    private Dataset(string name, int rows, int cols, ReadOnlyMemory<byte> pixels, ReadOnlyMemory<byte> labels,
        string? imagesSha256, string? labelsSha256, int sourceOffset, int sourceCount)
    {
        Name = name;
        Rows = rows;
        Cols = cols;
        Pixels = pixels;
        Labels = labels;
        ImagesSha256 = imagesSha256;
        LabelsSha256 = labelsSha256;
        SourceOffset = sourceOffset;
        SourceCount = sourceCount;
    }

    /// <summary>Where the data comes from, e.g. "mnist/train" or "mnist-sample/t10k". Views keep their source's name.</summary>
    public string Name { get; }

    public int Count => Labels.Length;
    public int Rows { get; }
    public int Cols { get; }
    public int PixelsPerImage => Rows * Cols;

    /// <summary>All images, one contiguous buffer of Count*Rows*Cols bytes, row-major.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>Count labels, each 0..9.</summary>
    public ReadOnlyMemory<byte> Labels { get; }

    /// <summary>sha256 (lowercase hex) of the whole uncompressed images file this data was read from; null if not read from a file.</summary>
    public string? ImagesSha256 { get; }

    /// <summary>sha256 (lowercase hex) of the whole uncompressed labels file; null if not read from a file.</summary>
    public string? LabelsSha256 { get; }

    /// <summary>Index of this view's first example in the source file (0 unless made by <see cref="Slice"/>).</summary>
    public int SourceOffset { get; }

    /// <summary>Number of examples in the source file.</summary>
    public int SourceCount { get; }

    /// <summary>True if this view covers its whole source (so the checksums describe exactly this data).</summary>
    public bool IsWholeSource => SourceOffset == 0 && Count == SourceCount;

    /// <summary>A short identity for logs and stores: the name, and the example range if this is a part of the source.</summary>
    public string Describe() => IsWholeSource ? Name : $"{Name}[{SourceOffset}..{SourceOffset + Count})";

    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.Span.Slice(index * PixelsPerImage, PixelsPerImage);
    }

    public byte Label(int index) => Labels.Span[index];

    /// <summary>The first <paramref name="count"/> examples, sharing this dataset's buffers.</summary>
    public Dataset Take(int count) => Slice(0, count);

    /// <summary>Examples [start, start+count), sharing this dataset's buffers.</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Dataset '{Describe()}' has {Count} examples; cannot take [{start}..{start + (long)count}).");
        if (start == 0 && count == Count)
            return this;
        return new Dataset(Name, Rows, Cols,
            Pixels.Slice(start * PixelsPerImage, count * PixelsPerImage), Labels.Slice(start, count),
            ImagesSha256, LabelsSha256, SourceOffset + start, SourceCount);
    }

    /// <summary>How many examples each class 0..9 has (length 10).</summary>
    public int[] CountsPerClass()
    {
        var counts = new int[ClassCount];
        foreach (var label in Labels.Span)
            counts[label]++;
        return counts;
    }

    public override string ToString() => $"{Describe()}: {Count} images of {Rows}x{Cols}";
}
