using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// Sums of several weight rows over one range of columns, column block by column block: each block's partial sums stay
/// in registers while every listed row is added, so the target is read and written once per call instead of once per
/// row, and 8-bit codes are summed as 16-bit integers (a quarter of float's bytes read, half the adds). Every element
/// gets exactly the arithmetic of the row-at-a-time loops they replace (float: the same additions in the same order;
/// codes: the same exact integer sum, converted and scaled once), so results are bit-identical to them.
/// Needs 512-bit vectors (<see cref="IsAccelerated"/>); callers keep the row-at-a-time path otherwise.
/// </summary>
internal static class RowBlocks
{
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>Most 8-bit rows one 16-bit partial sum can take: 257 · 255 ≤ 65535.</summary>
    public const int MaxByteRowsPer16Bits = 257;

    /// <summary>target[j] = (…(target[j] + w[r0, start + j]) + w[r1, start + j]) + …, rows in the listed order.</summary>
    public static void AddFloatRows(float[] weights, int cols, ReadOnlySpan<int> rows, Span<float> target, int start)
    {
        ref var w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref var t = ref MemoryMarshal.GetReference(target);
        var length = target.Length;
        var j = 0;
        for (; j + 64 <= length; j += 64)
        {
            var a0 = Vector512.LoadUnsafe(ref t, (nuint)j);
            var a1 = Vector512.LoadUnsafe(ref t, (nuint)(j + 16));
            var a2 = Vector512.LoadUnsafe(ref t, (nuint)(j + 32));
            var a3 = Vector512.LoadUnsafe(ref t, (nuint)(j + 48));
            foreach (var i in rows)
            {
                ref var r = ref Unsafe.Add(ref w, (nint)i * cols + start + j);
                a0 += Vector512.LoadUnsafe(ref r);
                a1 += Vector512.LoadUnsafe(ref r, 16);
                a2 += Vector512.LoadUnsafe(ref r, 32);
                a3 += Vector512.LoadUnsafe(ref r, 48);
            }
            a0.StoreUnsafe(ref t, (nuint)j);
            a1.StoreUnsafe(ref t, (nuint)(j + 16));
            a2.StoreUnsafe(ref t, (nuint)(j + 32));
            a3.StoreUnsafe(ref t, (nuint)(j + 48));
        }
        for (; j + 16 <= length; j += 16)
        {
            var a = Vector512.LoadUnsafe(ref t, (nuint)j);
            foreach (var i in rows) a += Vector512.LoadUnsafe(ref Unsafe.Add(ref w, (nint)i * cols + start + j));
            a.StoreUnsafe(ref t, (nuint)j);
        }
        for (; j < length; j++)
        {
            var a = Unsafe.Add(ref t, j);
            foreach (var i in rows) a += Unsafe.Add(ref w, (nint)i * cols + start + j);
            Unsafe.Add(ref t, j) = a;
        }
    }

    /// <summary>
    /// target[j] += (float)(Σ_rows code[r, start + j]) · scale for 8-bit codes, at most <see cref="MaxByteRowsPer16Bits"/>
    /// rows (the exact integer sum then fits 16 bits).
    /// </summary>
    public static void AddByteRows(byte[] codes, int cols, ReadOnlySpan<int> rows, float scale, Span<float> target, int start)
    {
        if (rows.Length > MaxByteRowsPer16Bits) throw new ArgumentOutOfRangeException(nameof(rows), rows.Length, "too many rows for 16-bit sums");
        ref var c = ref MemoryMarshal.GetArrayDataReference(codes);
        ref var t = ref MemoryMarshal.GetReference(target);
        var length = target.Length;
        var s = Vector512.Create(scale);
        var j = 0;
        for (; j + 64 <= length; j += 64)
        {
            var lo = Vector512<ushort>.Zero;
            var hi = Vector512<ushort>.Zero;
            foreach (var i in rows)
            {
                var (l, h) = Vector512.Widen(Vector512.LoadUnsafe(ref Unsafe.Add(ref c, (nint)i * cols + start + j)));
                lo += l;
                hi += h;
            }
            var (q0, q1) = Vector512.Widen(lo);
            var (q2, q3) = Vector512.Widen(hi);
            AddScaled(ref t, j, q0, s);
            AddScaled(ref t, j + 16, q1, s);
            AddScaled(ref t, j + 32, q2, s);
            AddScaled(ref t, j + 48, q3, s);
        }
        for (; j < length; j++)
        {
            var sum = 0u;
            foreach (var i in rows) sum += Unsafe.Add(ref c, (nint)i * cols + start + j);
            Unsafe.Add(ref t, j) += sum * scale;
        }
    }

    /// <summary>target[j] += (float)(Σ_rows code[r, start + j]) · scale for 16-bit codes (32-bit sums: any row count up to 65537).</summary>
    public static void AddUShortRows(ushort[] codes, int cols, ReadOnlySpan<int> rows, float scale, Span<float> target, int start)
    {
        ref var c = ref MemoryMarshal.GetArrayDataReference(codes);
        ref var t = ref MemoryMarshal.GetReference(target);
        var length = target.Length;
        var s = Vector512.Create(scale);
        var j = 0;
        for (; j + 32 <= length; j += 32)
        {
            var lo = Vector512<uint>.Zero;
            var hi = Vector512<uint>.Zero;
            foreach (var i in rows)
            {
                var (l, h) = Vector512.Widen(Vector512.LoadUnsafe(ref Unsafe.Add(ref c, (nint)i * cols + start + j)));
                lo += l;
                hi += h;
            }
            AddScaled(ref t, j, lo, s);
            AddScaled(ref t, j + 16, hi, s);
        }
        for (; j < length; j++)
        {
            var sum = 0u;
            foreach (var i in rows) sum += Unsafe.Add(ref c, (nint)i * cols + start + j);
            Unsafe.Add(ref t, j) += sum * scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(ref float target, int at, Vector512<uint> sums, Vector512<float> scale) =>
        (Vector512.LoadUnsafe(ref target, (nuint)at) + Vector512.ConvertToSingle(sums) * scale).StoreUnsafe(ref target, (nuint)at);

    /// <summary>
    /// Column sums and maxima of all rows of 8-bit codes over columns [start, start + sums.Length): exact integer sums
    /// into <paramref name="sums"/>, the largest code of each column into <paramref name="maxima"/> (same length). Rows
    /// are summed in 16 bits in groups of <see cref="MaxByteRowsPer16Bits"/>, then widened into 32-bit sums.
    /// </summary>
    public static void ByteColumnSums(byte[] codes, int rows, int cols, Span<uint> sums, Span<uint> maxima, int start)
    {
        ref var c = ref MemoryMarshal.GetArrayDataReference(codes);
        ref var sum = ref MemoryMarshal.GetReference(sums);
        ref var top = ref MemoryMarshal.GetReference(maxima);
        var length = sums.Length;
        var j = 0;
        for (; j + 64 <= length; j += 64)
        {
            Vector512<uint> q0 = default, q1 = default, q2 = default, q3 = default;
            var max = Vector512<byte>.Zero;
            for (var first = 0; first < rows; first += MaxByteRowsPer16Bits)
            {
                var lo = Vector512<ushort>.Zero;
                var hi = Vector512<ushort>.Zero;
                var end = Math.Min(rows, first + MaxByteRowsPer16Bits);
                for (var i = first; i < end; i++)
                {
                    var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, (nint)i * cols + start + j));
                    max = Vector512.Max(max, v);
                    var (l, h) = Vector512.Widen(v);
                    lo += l;
                    hi += h;
                }
                var (w0, w1) = Vector512.Widen(lo);
                var (w2, w3) = Vector512.Widen(hi);
                q0 += w0;
                q1 += w1;
                q2 += w2;
                q3 += w3;
            }
            q0.StoreUnsafe(ref sum, (nuint)j);
            q1.StoreUnsafe(ref sum, (nuint)(j + 16));
            q2.StoreUnsafe(ref sum, (nuint)(j + 32));
            q3.StoreUnsafe(ref sum, (nuint)(j + 48));
            var (m01, m23) = Vector512.Widen(max);
            var (m0, m1) = Vector512.Widen(m01);
            var (m2, m3) = Vector512.Widen(m23);
            m0.StoreUnsafe(ref top, (nuint)j);
            m1.StoreUnsafe(ref top, (nuint)(j + 16));
            m2.StoreUnsafe(ref top, (nuint)(j + 32));
            m3.StoreUnsafe(ref top, (nuint)(j + 48));
        }
        for (; j < length; j++)
        {
            var total = 0u;
            var largest = 0u;
            for (var i = 0; i < rows; i++)
            {
                uint v = Unsafe.Add(ref c, (nint)i * cols + start + j);
                total += v;
                largest = Math.Max(largest, v);
            }
            sums[j] = total;
            maxima[j] = largest;
        }
    }
}
