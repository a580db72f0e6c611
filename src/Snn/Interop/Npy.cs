using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace FSpiNN.Snn.Interop;

/// <summary>A file to or from another tool (.npz, NIR) cannot be written or read; names the file and the problem.</summary>
public sealed class InteropException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
}

/// <summary>
/// One array read from a .npy file: its numpy dtype ("&lt;f4", "|u1", "&lt;U12" ...), shape (row-major, C order) and
/// values. Numbers are held as doubles, exact for every float32 and for integers up to 2^53; a text array (dtype
/// &lt;U) holds its one string in <see cref="Text"/>.
/// </summary>
public sealed record NpyArray(string DType, int[] Shape, double[] Numbers, string? Text)
{
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    public string ShapeText => $"({string.Join(", ", Shape)}{(Shape.Length == 1 ? "," : "")})";
}

/// <summary>
/// The NumPy .npy format (version 1.0 written; 1.0-3.0 read) and .npz archives of .npy files, as `numpy.save`,
/// `numpy.savez[_compressed]` and `numpy.load` use them. Little-endian only, which is every machine .NET runs on here.
/// </summary>
public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes one .npy array: the header (padded to 64 bytes, as numpy does) then the raw values.</summary>
    public static void Write<T>(Stream stream, ReadOnlySpan<T> values, string dtype, params int[] shape) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy writing assumes a little-endian machine");
        var expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != values.Length)
            throw new ArgumentException($"{values.Length} values do not fill shape ({string.Join(", ", shape)})");
        WriteHeader(stream, dtype, shape);
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes a 0-d text array (dtype &lt;U, UTF-32): `numpy.load(f)["name"].item()` gives the string back.</summary>
    public static void WriteText(Stream stream, string text)
    {
        var utf32 = new UTF32Encoding(bigEndian: false, byteOrderMark: false).GetBytes(text);
        WriteHeader(stream, $"<U{Math.Max(1, utf32.Length / 4)}", []);
        stream.Write(utf32.Length == 0 ? new byte[4] : utf32);
    }

    private static void WriteHeader(Stream stream, string dtype, int[] shape)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shapeText}, }}";
        const int prefix = 10; // magic (6) + version (2) + header length (2)
        var padded = (prefix + dict.Length + 1 + 63) / 64 * 64 - prefix;
        var header = dict.PadRight(padded - 1) + "\n";
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[2];
        BitConverter.TryWriteBytes(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
    }

    /// <summary>Reads one .npy array. <paramref name="source"/> names it in errors ("net.npz:theta").</summary>
    public static NpyArray Read(Stream stream, string source)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{source} is not a .npy array (no \\x93NUMPY magic)");
        var major = bytes[6];
        int headerLength, offset;
        switch (major)
        {
            case 1:
                headerLength = BitConverter.ToUInt16(bytes[8..10]);
                offset = 10;
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw new InvalidDataException($"{source}: truncated .npy header");
                headerLength = checked((int)BitConverter.ToUInt32(bytes[8..12]));
                offset = 12;
                break;
            default:
                throw new InvalidDataException($"{source}: .npy format version {major} is not supported (1-3 are)");
        }
        if (offset + headerLength > bytes.Length) throw new InvalidDataException($"{source}: truncated .npy header");
        var header = (major == 3 ? System.Text.Encoding.UTF8 : System.Text.Encoding.Latin1).GetString(bytes.Slice(offset, headerLength));
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new InvalidDataException($"{source}: unreadable .npy header {header.Trim()}");
        var dtype = descr.Groups[1].Value;
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => int.Parse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        var data = bytes[(offset + headerLength)..];
        var count = shape.Aggregate(1L, (a, b) => a * b);

        if (dtype.Length > 2 && dtype[1] == 'U')
        {
            var chars = int.Parse(dtype[2..], NumberStyles.None, CultureInfo.InvariantCulture);
            if (count != 1) throw new InvalidDataException($"{source}: only single strings are read from text arrays, found shape {string.Join("x", shape)}");
            if (dtype[0] == '>') throw new InvalidDataException($"{source}: big-endian text is not supported; save it from a little-endian machine");
            if (data.Length < chars * 4) throw new InvalidDataException($"{source}: truncated text");
            var text = new UTF32Encoding(false, false).GetString(data[..(chars * 4)]).TrimEnd('\0');
            return new NpyArray(dtype, shape, [], text);
        }
        if (dtype[0] == '>' && dtype[1..] is not ("u1" or "i1" or "b1"))
            throw new InvalidDataException($"{source}: big-endian dtype {dtype} is not supported; save the array with numpy on this kind of machine (little-endian) or as '<{dtype[1..]}'");
        var kind = dtype[1..];
        var size = kind switch
        {
            "f4" or "i4" or "u4" => 4,
            "f8" or "i8" or "u8" => 8,
            "f2" or "i2" or "u2" => 2,
            "u1" or "i1" or "b1" => 1,
            _ => throw new InvalidDataException($"{source}: dtype {dtype} is not supported (floats, integers and booleans are)"),
        };
        if (data.Length < count * size)
            throw new InvalidDataException($"{source}: {data.Length} data bytes, shape {string.Join("x", shape)} of {dtype} needs {count * size} (truncated)");
        var values = new double[count];
        for (var k = 0; k < count; k++)
        {
            var v = data.Slice(k * size, size);
            values[k] = kind switch
            {
                "f4" => BitConverter.ToSingle(v),
                "f8" => BitConverter.ToDouble(v),
                "f2" => (double)BitConverter.ToHalf(v),
                "i8" => BitConverter.ToInt64(v),
                "u8" => BitConverter.ToUInt64(v),
                "i4" => BitConverter.ToInt32(v),
                "u4" => BitConverter.ToUInt32(v),
                "i2" => BitConverter.ToInt16(v),
                "u2" => BitConverter.ToUInt16(v),
                "i1" => (sbyte)v[0],
                _ => v[0],
            };
        }
        if (fortran.Groups[1].Value == "True" && shape.Length > 1)
            values = FromFortranOrder(values, shape);
        return new NpyArray(dtype, shape, values, null);
    }

    /// <summary>Column-major (Fortran) values to row-major (C) order.</summary>
    private static double[] FromFortranOrder(double[] values, int[] shape)
    {
        var result = new double[values.Length];
        var index = new int[shape.Length];
        for (var k = 0; k < values.Length; k++)
        {
            // k walks the row-major order; its Fortran position puts the first axis fastest
            long fortranIndex = 0, stride = 1;
            for (var d = 0; d < shape.Length; d++)
            {
                fortranIndex += index[d] * stride;
                stride *= shape[d];
            }
            result[k] = values[fortranIndex];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

/// <summary>
/// A .npz archive being built: named arrays, written as one zip of "name.npy" entries (deflate, like
/// `numpy.savez_compressed`) to a temporary file that is renamed into place, so a failed export leaves no half file.
/// </summary>
public sealed class NpzWriter
{
    private readonly List<(string Name, Action<Stream> Write)> _entries = [];

    public NpzWriter Add(string name, float[] values, params int[] shape) => Entry(name, s => Npy.Write<float>(s, values, "<f4", shape));

    public NpzWriter Add(string name, long[] values, params int[] shape) => Entry(name, s => Npy.Write<long>(s, values, "<i8", shape));

    public NpzWriter Add(string name, byte[] values, params int[] shape) => Entry(name, s => Npy.Write<byte>(s, values, "|u1", shape));

    public NpzWriter AddText(string name, string text) => Entry(name, s => Npy.WriteText(s, text));

    private NpzWriter Entry(string name, Action<Stream> write)
    {
        _entries.Add((name, write));
        return this;
    }

    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var file = File.Create(temp))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                foreach (var (name, write) in _entries)
                {
                    using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
                    write(entry);
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

/// <summary>Reads every array of a .npz archive (stored or deflated, as numpy writes them).</summary>
public static class NpzReader
{
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                var name = entry.FullName[..^4];
                using var stream = entry.Open();
                arrays[name] = Npy.Read(stream, $"array '{name}'");
            }
            return arrays;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InteropException(path, "file not found");
        }
        catch (InvalidDataException e)
        {
            throw new InteropException(path, $"not a readable .npz archive ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InteropException(path, $"cannot read the file ({e.Message})");
        }
    }
}
