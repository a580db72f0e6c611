using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FSpiNN.Snn.Quantization;

/// <summary>Vectorised widening of 8/16-bit weight codes to float and narrowing back (values already integral and in range).</summary>
internal static class CodeConversions
{
    public static void ToSingle(ReadOnlySpan<byte> codes, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && codes.Length >= Vector<byte>.Count)
        {
            var w = Vector<float>.Count;
            var source = MemoryMarshal.Cast<byte, Vector<byte>>(codes);
            for (var b = 0; b < source.Length; b++)
            {
                Vector.Widen(source[b], out var lo16, out var hi16);
                Vector.Widen(lo16, out var q0, out var q1);
                Vector.Widen(hi16, out var q2, out var q3);
                var o = b * Vector<byte>.Count;
                Vector.ConvertToSingle(q0).CopyTo(destination[o..]);
                Vector.ConvertToSingle(q1).CopyTo(destination[(o + w)..]);
                Vector.ConvertToSingle(q2).CopyTo(destination[(o + 2 * w)..]);
                Vector.ConvertToSingle(q3).CopyTo(destination[(o + 3 * w)..]);
            }
            i = source.Length * Vector<byte>.Count;
        }
        for (; i < codes.Length; i++) destination[i] = codes[i];
    }

    public static void ToSingle(ReadOnlySpan<ushort> codes, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && codes.Length >= Vector<ushort>.Count)
        {
            var w = Vector<float>.Count;
            var source = MemoryMarshal.Cast<ushort, Vector<ushort>>(codes);
            for (var b = 0; b < source.Length; b++)
            {
                Vector.Widen(source[b], out var lo, out var hi);
                var o = b * Vector<ushort>.Count;
                Vector.ConvertToSingle(lo).CopyTo(destination[o..]);
                Vector.ConvertToSingle(hi).CopyTo(destination[(o + w)..]);
            }
            i = source.Length * Vector<ushort>.Count;
        }
        for (; i < codes.Length; i++) destination[i] = codes[i];
    }

    /// <summary>values must already be integers in [0, 255].</summary>
    public static void ToCodes(ReadOnlySpan<float> values, Span<byte> codes)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<byte>.Count)
        {
            var w = Vector<float>.Count;
            var blocks = values.Length / Vector<byte>.Count;
            var target = MemoryMarshal.Cast<byte, Vector<byte>>(codes);
            for (var b = 0; b < blocks; b++)
            {
                var o = b * Vector<byte>.Count;
                var q0 = Vector.ConvertToUInt32(new Vector<float>(values[o..]));
                var q1 = Vector.ConvertToUInt32(new Vector<float>(values[(o + w)..]));
                var q2 = Vector.ConvertToUInt32(new Vector<float>(values[(o + 2 * w)..]));
                var q3 = Vector.ConvertToUInt32(new Vector<float>(values[(o + 3 * w)..]));
                target[b] = Vector.Narrow(Vector.Narrow(q0, q1), Vector.Narrow(q2, q3));
            }
            i = blocks * Vector<byte>.Count;
        }
        for (; i < values.Length; i++) codes[i] = (byte)values[i];
    }

    /// <summary>values must already be integers in [0, 65535].</summary>
    public static void ToCodes(ReadOnlySpan<float> values, Span<ushort> codes)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<ushort>.Count)
        {
            var w = Vector<float>.Count;
            var blocks = values.Length / Vector<ushort>.Count;
            var target = MemoryMarshal.Cast<ushort, Vector<ushort>>(codes);
            for (var b = 0; b < blocks; b++)
            {
                var o = b * Vector<ushort>.Count;
                target[b] = Vector.Narrow(Vector.ConvertToUInt32(new Vector<float>(values[o..])), Vector.ConvertToUInt32(new Vector<float>(values[(o + w)..])));
            }
            i = blocks * Vector<ushort>.Count;
        }
        for (; i < values.Length; i++) codes[i] = (ushort)values[i];
    }

    /// <summary>
    /// codes[j] = clamp(floor(codes[j]·factors[j] (+ 0.5 if <paramref name="nearest"/>)), 0, maxCode) in one pass, with
    /// the float arithmetic of the general path (convert, multiply, add, floor, clamp, convert back), so the same codes.
    /// </summary>
    public static void ScaleCodes(Span<byte> codes, ReadOnlySpan<float> factors, bool nearest, uint maxCode)
    {
        var half = nearest ? 0.5f : 0f;
        var max = (float)maxCode;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && codes.Length >= Vector512<byte>.Count)
        {
            var source = MemoryMarshal.Cast<byte, Vector512<byte>>(codes);
            var f = MemoryMarshal.Cast<float, Vector512<float>>(factors[..(source.Length * Vector512<byte>.Count)]);
            var halves = Vector512.Create(half);
            var top = Vector512.Create(max);
            for (var b = 0; b < source.Length; b++)
            {
                var (lo16, hi16) = Vector512.Widen(source[b]);
                var (q0, q1) = Vector512.Widen(lo16);
                var (q2, q3) = Vector512.Widen(hi16);
                var o = b * 4;
                var r0 = Scale(q0, f[o]);
                var r1 = Scale(q1, f[o + 1]);
                var r2 = Scale(q2, f[o + 2]);
                var r3 = Scale(q3, f[o + 3]);
                source[b] = Vector512.Narrow(Vector512.Narrow(r0, r1), Vector512.Narrow(r2, r3));
            }
            i = source.Length * Vector512<byte>.Count;

            Vector512<uint> Scale(Vector512<uint> q, Vector512<float> factor)
            {
                var x = Vector512.ConvertToSingle(q) * factor;
                if (nearest) x += halves;
                return Vector512.ConvertToUInt32(Vector512.Min(Vector512.Max(Vector512.Floor(x), Vector512<float>.Zero), top));
            }
        }
        for (; i < codes.Length; i++)
        {
            var x = codes[i] * factors[i];
            if (nearest) x += half;
            codes[i] = (byte)Math.Clamp(MathF.Floor(x), 0f, max);
        }
    }

    /// <summary>accumulator[j] += codes[j] (exact integer sums; a float conversion per input spike is avoided).</summary>
    public static void Accumulate(ReadOnlySpan<byte> codes, Span<uint> accumulator)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated && codes.Length >= Vector512<byte>.Count)
        {
            // 64 codes per step where 512-bit vectors run natively (Vector<T> stays 256 bits wide)
            var source = MemoryMarshal.Cast<byte, Vector512<byte>>(codes);
            var acc = MemoryMarshal.Cast<uint, Vector512<uint>>(accumulator[..(source.Length * Vector512<byte>.Count)]);
            for (var b = 0; b < source.Length; b++)
            {
                var (lo16, hi16) = Vector512.Widen(source[b]);
                var (q0, q1) = Vector512.Widen(lo16);
                var (q2, q3) = Vector512.Widen(hi16);
                var o = b * 4;
                acc[o] += q0;
                acc[o + 1] += q1;
                acc[o + 2] += q2;
                acc[o + 3] += q3;
            }
            i = source.Length * Vector512<byte>.Count;
        }
        if (Vector.IsHardwareAccelerated && codes.Length - i >= Vector<byte>.Count)
        {
            var source = MemoryMarshal.Cast<byte, Vector<byte>>(codes[i..]);
            var acc = MemoryMarshal.Cast<uint, Vector<uint>>(accumulator[i..]);
            for (var b = 0; b < source.Length; b++)
            {
                Vector.Widen(source[b], out var lo16, out var hi16);
                Vector.Widen(lo16, out var q0, out var q1);
                Vector.Widen(hi16, out var q2, out var q3);
                var o = b * 4;
                acc[o] += q0;
                acc[o + 1] += q1;
                acc[o + 2] += q2;
                acc[o + 3] += q3;
            }
            i += source.Length * Vector<byte>.Count;
        }
        for (; i < codes.Length; i++) accumulator[i] += codes[i];
    }

    public static void Accumulate(ReadOnlySpan<ushort> codes, Span<uint> accumulator)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && codes.Length >= Vector<ushort>.Count)
        {
            var source = MemoryMarshal.Cast<ushort, Vector<ushort>>(codes);
            var acc = MemoryMarshal.Cast<uint, Vector<uint>>(accumulator);
            for (var b = 0; b < source.Length; b++)
            {
                Vector.Widen(source[b], out var lo, out var hi);
                acc[2 * b] += lo;
                acc[2 * b + 1] += hi;
            }
            i = source.Length * Vector<ushort>.Count;
        }
        for (; i < codes.Length; i++) accumulator[i] += codes[i];
    }

    /// <summary>target[j] += accumulator[j]·scale, then clears the accumulator.</summary>
    public static void Flush(Span<uint> accumulator, float scale, Span<float> target)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated && accumulator.Length >= Vector512<uint>.Count)
        {
            var acc = MemoryMarshal.Cast<uint, Vector512<uint>>(accumulator);
            var t = MemoryMarshal.Cast<float, Vector512<float>>(target[..(acc.Length * Vector512<uint>.Count)]);
            var s = Vector512.Create(scale);
            for (var b = 0; b < acc.Length; b++)
            {
                t[b] += Vector512.ConvertToSingle(acc[b]) * s;
                acc[b] = Vector512<uint>.Zero;
            }
            i = acc.Length * Vector512<uint>.Count;
        }
        if (Vector.IsHardwareAccelerated && accumulator.Length - i >= Vector<uint>.Count)
        {
            var acc = MemoryMarshal.Cast<uint, Vector<uint>>(accumulator[i..]);
            var t = MemoryMarshal.Cast<float, Vector<float>>(target[i..][..(acc.Length * Vector<uint>.Count)]);
            var s = new Vector<float>(scale);
            for (var b = 0; b < acc.Length; b++)
            {
                t[b] += Vector.ConvertToSingle(acc[b]) * s;
                acc[b] = Vector<uint>.Zero;
            }
            i += acc.Length * Vector<uint>.Count;
        }
        for (; i < accumulator.Length; i++)
        {
            target[i] += accumulator[i] * scale;
            accumulator[i] = 0;
        }
    }
}
