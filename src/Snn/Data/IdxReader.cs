using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace FSpiNN.Snn.Data;

/// <summary>
/// Reads an IDX images file (magic 0x00000803, N x rows x cols unsigned bytes) and its IDX labels file
/// (magic 0x00000801, N unsigned bytes 0..9), each either raw or gzip-compressed (detected from the content,
/// not the name). Data goes straight into the final buffers; the sha256 of each file's uncompressed bytes
/// is computed on the way.
/// </summary>
public static class IdxReader
{
    /// <summary>Largest accepted image side; anything bigger is treated as a corrupt header.</summary>
    public const int MaxSide = 4096;

    /// <summary>Largest accepted pixel payload (1 GiB), so a corrupt header cannot make the reader allocate absurd buffers.</summary>
    public const long MaxPixelBytes = 1L << 30;

    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    public static Dataset Read(string imagesPath, string labelsPath, string name)
    {
        using var images = OpenFile(imagesPath);
        using var labels = OpenFile(labelsPath);
        return Read(images, labels, name, imagesPath, labelsPath);
    }

    /// <param name="imagesSource">How to name the images stream in errors (usually its path).</param>
    /// <param name="labelsSource">How to name the labels stream in errors.</param>
    public static Dataset Read(Stream images, Stream labels, string name, string imagesSource, string labelsSource)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        using var imageFile = IdxStream.Open(images, imagesSource);
        using var labelFile = IdxStream.Open(labels, labelsSource);

        var imageDims = imageFile.ReadHeader(ImagesMagic, dimensions: 3, otherKind: "a labels file (1 dimension)");
        var labelDims = labelFile.ReadHeader(LabelsMagic, dimensions: 1, otherKind: "an images file (3 dimensions)");
        var (count, rows, cols) = (imageDims[0], imageDims[1], imageDims[2]);

        if (rows is < 1 or > MaxSide || cols is < 1 or > MaxSide)
            throw new IdxFormatException(imagesSource, IdxProblem.AbsurdDimensions, $"images of {rows}x{cols} pixels (each side must be 1..{MaxSide}).");
        if (count == 0)
            throw new IdxFormatException(imagesSource, IdxProblem.Empty, "the header declares 0 images.");
        var pixelBytes = count * rows * cols;
        if (pixelBytes > MaxPixelBytes)
            throw new IdxFormatException(imagesSource, IdxProblem.AbsurdDimensions,
                $"{count} images of {rows}x{cols} would be {pixelBytes:N0} bytes, more than the {MaxPixelBytes:N0} this reader accepts.");

        // Each file is first checked against its own header, so a damaged count is blamed on the damaged file;
        // only two self-consistent files of different lengths are a count mismatch.
        var labelBytes = labelFile.ReadPayload(labelDims[0]);
        for (var i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= Dataset.ClassCount)
                throw new IdxFormatException(labelsSource, IdxProblem.LabelOutOfRange, $"label {labelBytes[i]} at index {i}.");
        }
        labelFile.ExpectEnd();
        var pixels = imageFile.ReadPayload(pixelBytes);
        imageFile.ExpectEnd();
        if (count != labelDims[0])
            throw new IdxFormatException(labelsSource, IdxProblem.CountMismatch,
                $"the labels file holds {labelDims[0]} labels but the images file {imagesSource} holds {count} images.");

        return new Dataset(name, (int)rows, (int)cols, pixels, labelBytes, imageFile.Sha256(), labelFile.Sha256());
    }

    /// <summary>sha256 (lowercase hex) of the uncompressed content of a raw or gzip file, without parsing it.</summary>
    public static string UncompressedSha256(string path)
    {
        using var file = OpenFile(path);
        return UncompressedSha256(file, path);
    }

    /// <inheritdoc cref="UncompressedSha256(string)"/>
    public static string UncompressedSha256(Stream stream, string source)
    {
        using var idx = IdxStream.Open(stream, source);
        idx.ReadToEnd();
        return idx.Sha256();
    }

    internal static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);

    /// <summary>One IDX file being read: content-detected gzip, hashing of every uncompressed byte, typed errors.</summary>
    private sealed class IdxStream : IDisposable
    {
        private const int InitialPayloadLimit = 64 << 20;
        private readonly Stream _content;
        private readonly string _source;
        private readonly bool _isGzip;
        private readonly PrefixedStream? _compressed;
        private readonly long? _rawRemaining;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _consumed;

        private IdxStream(Stream content, string source, PrefixedStream? compressed, long? rawRemaining)
        {
            _content = content;
            _source = source;
            _compressed = compressed;
            _isGzip = compressed is not null;
            _rawRemaining = rawRemaining;
        }

        public static IdxStream Open(Stream stream, string source)
        {
            long? remaining = stream.CanSeek ? stream.Length - stream.Position : null;
            var prefix = new byte[2];
            var got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got == 0)
                throw new IdxFormatException(source, IdxProblem.Empty, "the file has no bytes.");
            var prefixed = new PrefixedStream(prefix.AsMemory(0, got), stream);
            var isGzip = got == 2 && prefix[0] == 0x1f && prefix[1] == 0x8b;
            return isGzip
                ? new IdxStream(new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true), source, prefixed, null)
                : new IdxStream(prefixed, source, null, remaining);
        }

        /// <summary>Reads magic and dimensions; returns the dimension sizes.</summary>
        public long[] ReadHeader(int magic, int dimensions, string otherKind)
        {
            Span<byte> head = stackalloc byte[4];
            var got = Fill(head);
            if (got == 0 && _compressed is not null && !_compressed.EndsWithGzipSize(0))
                throw new IdxFormatException(_source, IdxProblem.Truncated, "the gzip stream ends before any data could be decompressed.");
            if (got == 0)
                throw new IdxFormatException(_source, IdxProblem.Empty, "the decompressed content has no bytes.");
            if (got < 4)
                throw new IdxFormatException(_source, IdxProblem.Truncated, $"only {got} bytes, not even a 4-byte magic number.");
            var actual = BinaryPrimitives.ReadInt32BigEndian(head);
            if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
                throw new IdxFormatException(_source, IdxProblem.WrongMagic, $"magic 0x{actual:x8}, expected 0x{magic:x8}.");
            if (head[3] != dimensions)
            {
                var hint = head[3] == (dimensions == 3 ? 1 : 3) ? $" This looks like {otherKind}: are images and labels swapped?" : "";
                throw new IdxFormatException(_source, IdxProblem.WrongDimensionCount,
                    $"magic 0x{actual:x8} declares {head[3]} dimensions, expected {dimensions} (0x{magic:x8}).{hint}");
            }
            Span<byte> sizes = stackalloc byte[4 * dimensions];
            if (Fill(sizes) < sizes.Length)
                throw new IdxFormatException(_source, IdxProblem.Truncated, $"the file ends inside the {4 + sizes.Length}-byte header.");
            var dims = new long[dimensions];
            for (var d = 0; d < dimensions; d++)
                dims[d] = BinaryPrimitives.ReadUInt32BigEndian(sizes[(4 * d)..]);
            return dims;
        }

        /// <summary>Reads exactly <paramref name="length"/> payload bytes into a new array (grown as data arrives, so a lying header cannot force a huge allocation).</summary>
        public byte[] ReadPayload(long length)
        {
            if (length > MaxPixelBytes)
                throw new IdxFormatException(_source, IdxProblem.AbsurdDimensions, $"the header declares {length:N0} data bytes, more than the {MaxPixelBytes:N0} this reader accepts.");
            if (_rawRemaining is { } remaining && remaining - _consumed < length)
                throw new IdxFormatException(_source, IdxProblem.Truncated,
                    $"the header declares {length:N0} data bytes but only {Math.Max(0, remaining - _consumed):N0} follow.");
            var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(length, InitialPayloadLimit));
            var filled = 0;
            while (true)
            {
                filled += Fill(buffer.AsSpan(filled));
                if (filled == length)
                    return buffer;
                if (filled < buffer.Length)
                    throw new IdxFormatException(_source, IdxProblem.Truncated, $"the header declares {length:N0} data bytes but the data ends after {filled:N0}.");
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }
        }

        /// <summary>Checks that nothing follows the declared data (and, for gzip, lets the decompressor check its trailer).</summary>
        public void ExpectEnd()
        {
            Span<byte> probe = stackalloc byte[1];
            if (Fill(probe) != 0)
                throw new IdxFormatException(_source, IdxProblem.TrailingData, $"more bytes follow the {_consumed - 1:N0} bytes the header declares.");
            CheckGzipEnd();
        }

        /// <summary>
        /// The decompressor stops silently at non-gzip bytes after the compressed data. Drain the file and check
        /// that it ends with the gzip size field of what was decompressed: otherwise something follows the data.
        /// </summary>
        private void CheckGzipEnd()
        {
            if (_compressed is null)
                return;
            var extra = _compressed.DrainToEnd();
            if (!_compressed.EndsWithGzipSize((uint)_consumed))
                throw new IdxFormatException(_source, IdxProblem.TrailingData,
                    $"the file does not end with the gzip trailer of its {_consumed:N0} decompressed bytes: other data follows the compressed stream" +
                    (extra > 0 ? $" (at least {extra:N0} bytes)." : " (or it is a multi-member gzip file, which is not supported)."));
        }

        public void ReadToEnd()
        {
            var chunk = new byte[1 << 16];
            while (Fill(chunk) > 0)
            {
            }
            CheckGzipEnd();
        }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        /// <summary>Reads until <paramref name="target"/> is full or the content ends; returns the count read.</summary>
        private int Fill(Span<byte> target)
        {
            var total = 0;
            try
            {
                while (total < target.Length)
                {
                    var n = _content.Read(target[total..]);
                    if (n == 0)
                        break;
                    total += n;
                }
            }
            catch (InvalidDataException e) when (_isGzip)
            {
                throw new IdxFormatException(_source, IdxProblem.GzipCorrupt, $"{e.Message} (after {_consumed + total:N0} decompressed bytes).", e);
            }
            _hash.AppendData(target[..total]);
            _consumed += total;
            return total;
        }

        public void Dispose()
        {
            _content.Dispose();
            _compressed?.Dispose();
            _hash.Dispose();
        }
    }

    /// <summary>A read-only stream that yields some already-read bytes, then the rest of the inner stream (which it leaves open: the caller owns it).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        private readonly byte[] _tail = new byte[4];
        private int _tailLength;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_prefix.IsEmpty)
            {
                n = inner.Read(buffer);
            }
            else
            {
                n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
            }
            RememberTail(buffer[..n]);
            return n;
        }

        /// <summary>Reads whatever is left; returns how many bytes that was.</summary>
        public long DrainToEnd()
        {
            Span<byte> chunk = stackalloc byte[4096];
            long total = 0;
            int n;
            while ((n = Read(chunk)) > 0)
                total += n;
            return total;
        }

        /// <summary>True if the last 4 bytes read are the little-endian gzip ISIZE field equal to <paramref name="size"/>.</summary>
        public bool EndsWithGzipSize(uint size) =>
            _tailLength == 4 && BinaryPrimitives.ReadUInt32LittleEndian(_tail) == size;

        private void RememberTail(ReadOnlySpan<byte> read)
        {
            if (read.Length >= 4)
            {
                read[^4..].CopyTo(_tail);
                _tailLength = 4;
                return;
            }
            var keep = Math.Min(_tailLength, 4 - read.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            read.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + read.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
