using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// Sums of several weight rows over one range of columns, 64-column block by block: each block's partial sums stay in
/// registers while every listed row is added, so the target is read and written once per call instead of once per row,
/// and codes are summed in their narrowest exact integer lanes (8-bit codes in 16 bits: a quarter of float's bytes read,
/// half the adds). Every element gets exactly the arithmetic of the row-at-a-time loops they replace (float: the same
/// additions in the same order; codes: the same exact integer sum, converted and scaled once), so results are
/// bit-identical to them. One loop per operation serves every stored type (<see cref="IWeightCode{T}"/>).
/// Needs 512-bit vectors (<see cref="IsAccelerated"/>); callers keep the row-at-a-time path otherwise.
/// </summary>
internal static class RowBlocks
{
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// target[j] = (…(target[j] + w[r0, start + j]) + w[r1, start + j]) + …, rows in the listed order, for float; for
    /// codes target[j] += (float)(Σ_rows code[r, start + j]) · scale, at most <see cref="IWeightCode{T}.MaxRowsPerPartialSum"/> rows.
    /// </summary>
    public static void AddRows<T, TCode>(T[] weights, int cols, ReadOnlySpan<int> rows, float scale, Span<float> target, int start)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        if (!TCode.IsFloat && !TCode.IsSmallCode) throw new InvalidOperationException("32-bit codes are not summed in blocks");
        if (!TCode.IsFloat && rows.Length > TCode.MaxRowsPerPartialSum)
            throw new ArgumentOutOfRangeException(nameof(rows), rows.Length, "too many rows for exact partial sums");
        ref var w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref var t = ref MemoryMarshal.GetReference(target);
        var length = target.Length;
        var s = Vector512.Create(scale);
        var j = 0;
        for (; j + Lanes64<float>.Count <= length; j += Lanes64<float>.Count)
        {
            ref var at = ref Unsafe.Add(ref t, j);
            if (TCode.IsFloat)
            {
                // the sums start from the target: the same additions in the same order as row after row
                var sums = Lanes64<float>.Load(ref at);
                foreach (var i in rows) sums = Lanes64.Add(sums, TCode.LoadSingles(ref Unsafe.Add(ref w, (nint)i * cols + start + j)));
                sums.Store(ref at);
            }
            else
            {
                var partial = default(Lanes64<uint>);
                foreach (var i in rows) TCode.AddToPartialSums(ref Unsafe.Add(ref w, (nint)i * cols + start + j), ref partial);
                var sums = Lanes64.ToSingle(TCode.WidenPartialSums(partial));
                Lanes64.Add(Lanes64<float>.Load(ref at), Lanes64.Multiply(sums, s)).Store(ref at);
            }
        }
        if (TCode.IsFloat)
        {
            // float rows: 16 columns at a time before the scalar tail
            ref var f = ref Unsafe.As<T, float>(ref w);
            for (; j + 16 <= length; j += 16)
            {
                var a = Vector512.LoadUnsafe(ref t, (nuint)j);
                foreach (var i in rows) a += Vector512.LoadUnsafe(ref Unsafe.Add(ref f, (nint)i * cols + start + j));
                a.StoreUnsafe(ref t, (nuint)j);
            }
        }
        for (; j < length; j++)
        {
            if (TCode.IsFloat)
            {
                var a = Unsafe.Add(ref t, j);
                foreach (var i in rows) a += TCode.ToSingle(Unsafe.Add(ref w, (nint)i * cols + start + j));
                Unsafe.Add(ref t, j) = a;
            }
            else
            {
                var sum = 0u;
                foreach (var i in rows) sum += TCode.ToCode(Unsafe.Add(ref w, (nint)i * cols + start + j));
                Unsafe.Add(ref t, j) += sum * scale;
            }
        }
    }

    /// <summary>
    /// Column sums and maxima of all rows of 8- or 16-bit codes over columns [start, start + sums.Length): exact integer
    /// sums into <paramref name="sums"/>, the largest code of each column into <paramref name="maxima"/> (same length).
    /// Rows are summed in partial sums of <see cref="IWeightCode{T}.MaxRowsPerPartialSum"/> rows, then widened into
    /// 32-bit sums.
    /// </summary>
    public static void ColumnSums<T, TCode>(T[] codes, int rows, int cols, Span<uint> sums, Span<uint> maxima, int start)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        if (!TCode.IsSmallCode) throw new InvalidOperationException("only 8- and 16-bit codes are summed in blocks");
        ref var c = ref MemoryMarshal.GetArrayDataReference(codes);
        ref var sum = ref MemoryMarshal.GetReference(sums);
        ref var top = ref MemoryMarshal.GetReference(maxima);
        var length = sums.Length;
        var j = 0;
        for (; j + Lanes64<uint>.Count <= length; j += Lanes64<uint>.Count)
        {
            var total = default(Lanes64<uint>);
            var max = default(Lanes64<uint>);
            for (var first = 0; first < rows; first += TCode.MaxRowsPerPartialSum)
            {
                var partial = default(Lanes64<uint>);
                var end = Math.Min(rows, first + TCode.MaxRowsPerPartialSum);
                for (var i = first; i < end; i++)
                {
                    ref var row = ref Unsafe.Add(ref c, (nint)i * cols + start + j);
                    TCode.MaxInto(ref row, ref max);
                    TCode.AddToPartialSums(ref row, ref partial);
                }
                total = Lanes64.Add(total, TCode.WidenPartialSums(partial));
            }
            total.Store(ref Unsafe.Add(ref sum, j));
            TCode.WidenMaxima(max).Store(ref Unsafe.Add(ref top, j));
        }
        for (; j < length; j++)
        {
            var columnTotal = 0u;
            var largest = 0u;
            for (var i = 0; i < rows; i++)
            {
                var v = TCode.ToCode(Unsafe.Add(ref c, (nint)i * cols + start + j));
                columnTotal += v;
                largest = Math.Max(largest, v);
            }
            sums[j] = columnTotal;
            maxima[j] = largest;
        }
    }
}
