using System.Buffers.Binary;
using System.IO.Compression;
using FSpiNN.Snn.Data;

namespace FSpiNN.Snn.Tests.Data;

/// <summary>Bytes of the embedded sample files and hand-made IDX files for tests.</summary>
internal static class IdxTestFiles
{
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";

    private static readonly Dictionary<string, byte[]> Cache = [];

    /// <summary>The sample file as embedded (.gz).</summary>
    public static byte[] Gzip(string fileName)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(fileName, out var bytes))
            {
                using var stream = DatasetCatalog.OpenEmbeddedSampleFile(fileName + ".gz");
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                Cache[fileName] = bytes = copy.ToArray();
            }
            return bytes;
        }
    }

    /// <summary>The sample file uncompressed.</summary>
    public static byte[] Raw(string fileName) => Decompress(Gzip(fileName));

    public static byte[] Decompress(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Compress(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return output.ToArray();
    }

    public static byte[] Images(uint count, uint rows, uint cols, byte[]? pixels = null, uint magic = 0x00000803)
    {
        pixels ??= new byte[count * rows * cols];
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] Labels(params byte[] labels) => LabelsDeclaring((uint)labels.Length, labels);

    public static byte[] LabelsDeclaring(uint count, byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), count);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static Dataset Read(byte[] images, byte[] labels, string name = "test") =>
        IdxReader.Read(new MemoryStream(images), new MemoryStream(labels), name, "images.idx", "labels.idx");
}

/// <summary>A stream that cannot seek (like a network stream), to exercise the non-seekable paths.</summary>
internal sealed class ForwardOnlyStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
