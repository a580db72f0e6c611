using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// The storage of a <see cref="WeightMatrix"/>: one array of <typeparamref name="T"/>, and one implementation of every
/// operation for all stored types, specialised per <typeparamref name="TCode"/> by the JIT (its flags are constants, so
/// the branches on them vanish from each specialisation). Float-only parts (the float column-sum cache, in-place float
/// updates) sit behind <c>TCode.IsFloat</c>, where <typeparamref name="T"/> is float.
/// </summary>
internal sealed class WeightStore<T, TCode> : WeightMatrix
    where T : unmanaged, INumber<T>
    where TCode : struct, IWeightCode<T>
{
    private readonly T[] _w;
    private readonly float _step;

    // the column-sum cache (see WeightMatrix): exact code sums and maxima for 8/16-bit codes; for float, the sums as a
    // row-by-row summation computes them (rows in order from 0): the scaling of a normalisation computes them for the
    // scaled weights in the same pass, and a stale column is summed again in row order, so the sums are those of summing
    // every row again. Empty for 32-bit codes, which keep no cache.
    private readonly uint[] _columnCodeSums;
    private readonly uint[] _columnMaxCodes;
    private readonly float[] _columnFloatSums;
    private readonly float[] _columnFloatMax;

    public WeightStore(int rows, int cols, FixedPointFormat? format, RoundingMode rounding) : base(rows, cols, format, rounding)
    {
        if (TCode.IsFloat != format is null) throw new ArgumentException($"{typeof(TCode).Name} storage and format {format?.ToString() ?? "float32"} disagree", nameof(format));
        if (format is { } f && f.TotalBits > TCode.StorageBits) throw new ArgumentException($"{f} does not fit {TCode.StorageBits}-bit codes", nameof(format));
        _w = new T[checked(rows * cols)];
        _step = CodeStep;
        _columnCodeSums = TCode.IsSmallCode ? new uint[cols] : [];
        _columnMaxCodes = TCode.IsSmallCode ? new uint[cols] : [];
        _columnFloatSums = TCode.IsFloat ? new float[cols] : [];
        _columnFloatMax = TCode.IsFloat ? new float[cols] : [];
    }

    /// <summary>The storage as float (float storage only: <typeparamref name="T"/> is float).</summary>
    private float[] Floats => Unsafe.As<float[]>(_w);

    private uint MaxCode => Format!.Value.MaxCode;

    public override int StorageBitsPerWeight => TCode.StorageBits;
    public override bool HasSmallCodes => TCode.IsSmallCode;
    public override bool SupportsSparseRowUpdates => TCode.IsFloat || TCode.IsSmallCode;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float ValueAt(int index) => TCode.IsFloat ? TCode.ToSingle(_w[index]) : TCode.ToSingle(_w[index]) * _step;

    public override float Get(int index) => ValueAt(index);

    public override uint GetCode(int index) => TCode.ToCode(_w[index]);

    private protected override void StoreUnclipped(int index, double value, RoundingMode rounding, ref Xoshiro256 rng)
    {
        _w[index] = TCode.IsFloat ? TCode.FromSingle((float)value) : TCode.FromCode(Format!.Value.Encode(value, rounding, ref rng));
        MarkColumnStale(index % Cols);
    }

    public override ReadOnlySpan<float> FloatRow(int row) => TCode.IsFloat ? Floats.AsSpan(row * Cols, Cols) : default;

    internal override Span<float> WritableFloats()
    {
        if (!TCode.IsFloat) throw new InvalidOperationException("quantized weights have no float storage");
        MarkAllColumnsStale();   // the caller may write any column
        return Floats;
    }

    private Span<T> Row(int row, int start, int length) => _w.AsSpan(row * Cols + start, length);

    public override void AddRowTo(int row, Span<float> target, Span<float> scratch, int start) =>
        CodeConversions.AddDecoded<T, TCode>(Row(row, start, target.Length), _step, target);

    public override bool AddRowsTo(ReadOnlySpan<int> rows, Span<float> target, int start)
    {
        if (!RowBlocks.IsAccelerated || !(TCode.IsFloat || TCode.IsSmallCode && rows.Length <= TCode.MaxRowsPerPartialSum)) return false;
        RowBlocks.AddRows<T, TCode>(_w, Cols, rows, _step, target, start);
        return true;
    }

    public override void AccumulateRowCodes(int row, Span<uint> accumulator, int start) =>
        CodeConversions.Accumulate<T, TCode>(Row(row, start, accumulator.Length), accumulator);

    public override void DecodeRow(int row, int start, Span<float> destination) =>
        CodeConversions.Decode<T, TCode>(Row(row, start, destination.Length), _step, destination);

    public override void AddToRow(int row, ReadOnlySpan<float> delta, double clipMax, Span<float> scratch, ref Xoshiro256 rng)
    {
        if (TCode.IsFloat)
        {
            MarkAllColumnsStale();
            var w = Floats.AsSpan(row * Cols, Cols);
            TensorPrimitives.Add(w, delta, w);
            TensorPrimitives.Clamp(w, 0f, (float)clipMax, w);
            return;
        }
        var values = scratch[..Cols];
        DecodeRow(row, values);
        TensorPrimitives.Add(values, delta, values);
        TensorPrimitives.Clamp(values, 0f, (float)clipMax, values);
        StoreRow(row, values, Rounding, ref rng);
    }

    /// <summary>
    /// Writes a whole row of real values (already clipped as wanted) as codes: 8/16-bit codes through the vectorised
    /// float rounding (<see cref="WeightMatrix.RoundToCodes"/>), 32-bit codes one by one in double.
    /// </summary>
    private void StoreRow(int row, Span<float> values, RoundingMode mode, ref Xoshiro256 rng)
    {
        MarkAllColumnsStale();
        var start = row * Cols;
        if (!TCode.IsSmallCode)
        {
            for (var j = 0; j < Cols; j++)
                StoreUnclipped(start + j, values[j], mode, ref rng);
            return;
        }
        var format = Format!.Value;
        TensorPrimitives.Multiply(values, (float)Math.ScaleB(1.0, format.FractionBits), values);
        RoundToCodes(values, mode, format.MaxCode, ref rng);
        CodeConversions.Encode<T, TCode>(values, _w.AsSpan(start, Cols));
    }

    public override void AddToRowAt(int row, ReadOnlySpan<int> columns, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (!SupportsSparseRowUpdates) throw new InvalidOperationException("sparse row updates need float, 8- or 16-bit storage");
        var start = row * Cols;
        var max = (float)clipMax;
        if (TCode.IsFloat)
        {
            var f = Floats;
            foreach (var j in columns)
            {
                MarkColumnStale(j);
                f[start + j] = Math.Clamp(f[start + j] + delta[j], 0f, max);
            }
            return;
        }
        var format = Format!.Value;
        var toCodeUnits = (float)Math.ScaleB(1.0, format.FractionBits);
        var maxCode = (float)format.MaxCode;
        var mode = Rounding;
        var seed = mode == RoundingMode.Stochastic ? UniformSeed(ref rng) : 0u;
        foreach (var j in columns)
        {
            MarkColumnStale(j);
            var index = start + j;
            var x = Math.Clamp(TCode.ToSingle(_w[index]) * _step + delta[j], 0f, max) * toCodeUnits;
            var floor = MathF.Floor(mode == RoundingMode.Nearest ? x + 0.5f : x);
            if (mode == RoundingMode.Stochastic && UniformAt(seed, j) < x - floor) floor += 1f;
            _w[index] = TCode.FromSingle(Math.Clamp(floor, 0f, maxCode));
        }
    }

    public override void AddToColumn(int col, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (TCode.IsFloat)
        {
            MarkColumnStale(col);
            var f = Floats;
            var max = (float)clipMax;
            for (int i = 0, index = col; i < Rows; i++, index += Cols)
            {
                var v = f[index] + delta[i];
                f[index] = v < 0 ? 0 : v > max ? max : v;
            }
            return;
        }
        for (int i = 0, index = col; i < Rows; i++, index += Cols)
            if (delta[i] != 0)
                Store(index, ValueAt(index) + delta[i], clipMax, ref rng);   // marks the column stale
    }

    public override void AddToColumnAt(int col, ReadOnlySpan<int> rows, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (TCode.IsFloat)
        {
            MarkColumnStale(col);
            var f = Floats;
            var max = (float)clipMax;
            foreach (var i in rows)
            {
                var index = i * Cols + col;
                var v = f[index] + delta[i];
                f[index] = v < 0 ? 0 : v > max ? max : v;
            }
            return;
        }
        foreach (var i in rows)
            if (delta[i] != 0)
            {
                var index = i * Cols + col;
                Store(index, ValueAt(index) + delta[i], clipMax, ref rng);   // marks the column stale
            }
    }

    public override void ColumnMaxima(Span<float> maxima)
    {
        var result = maxima[..Cols];
        if (TCode.IsFloat)
        {
            RowWiseMaxima(MemoryMarshal.Cast<float, T>(result));
            return;
        }
        // over the codes, then scaled: code·step is monotone in the code, so the largest code gives the largest weight
        var codes = (_maxCodes ??= new T[Cols]).AsSpan();
        RowWiseMaxima(codes);
        for (var j = 0; j < Cols; j++) result[j] = TCode.ToSingle(codes[j]) * _step;
    }

    private T[]? _maxCodes;

    /// <summary>Element-wise maximum of all rows into <paramref name="maxima"/>, vectorised.</summary>
    private void RowWiseMaxima(Span<T> maxima)
    {
        _w.AsSpan(0, Cols).CopyTo(maxima);
        for (var i = 1; i < Rows; i++) TensorPrimitives.Max(maxima, _w.AsSpan(i * Cols, Cols), maxima);
    }

    public override void ColumnSums(Span<float> sums, Span<float> scratch, Span<float> maxima = default, bool rowBlocks = true)
    {
        sums[..Cols].Clear();
        var withMaxima = !maxima.IsEmpty;
        if (TCode.IsSmallCode && rowBlocks)
        {
            // the same exact integer sums and maxima, recomputed for the stale columns only
            UpdateColumnCodeSums();
            for (var j = 0; j < Cols; j++) sums[j] = _columnCodeSums[j] * _step;
            if (withMaxima)
                for (var j = 0; j < Cols; j++) maxima[j] = _columnMaxCodes[j] * _step;
            return;
        }
        if (TCode.IsFloat && rowBlocks)
        {
            UpdateColumnFloatSums();
            _columnFloatSums.AsSpan().CopyTo(sums);
            if (withMaxima) _columnFloatMax.AsSpan().CopyTo(maxima);
            return;
        }
        if (TCode.IsSmallCode)
        {
            // exact integer sums of the codes, scaled once
            var codeSums = _codeSums ??= new uint[Cols];
            for (var i = 0; i < Rows; i++) AccumulateRowCodes(i, codeSums);
            CodeConversions.Flush(codeSums, _step, sums);
            if (withMaxima) ColumnMaxima(maxima);   // over the codes: a fraction of the sums' cost
            return;
        }
        for (var i = 0; i < Rows; i++)
        {
            AddRowTo(i, sums, scratch);
            if (!withMaxima || !TCode.IsFloat) continue;
            var row = Floats.AsSpan(i * Cols, Cols);
            if (i == 0) row.CopyTo(maxima);
            else TensorPrimitives.Max(maxima[..Cols], row, maxima[..Cols]);
        }
        if (withMaxima && !TCode.IsFloat) ColumnMaxima(maxima);
    }

    private uint[]? _codeSums;

    /// <summary>Brings the cached float column sums and maxima up to date: all rows again when many columns are stale, else the stale columns one by one, rows in order.</summary>
    private void UpdateColumnFloatSums()
    {
        var f = Floats;
        var sums = _columnFloatSums;
        var maxima = _columnFloatMax;
        if (AllColumnsStale || StaleCount * 8 > Cols)
        {
            sums.AsSpan().Clear();
            for (var i = 0; i < Rows; i++)
            {
                var row = f.AsSpan(i * Cols, Cols);
                TensorPrimitives.Add(sums, row, sums);
                if (i == 0) row.CopyTo(maxima);
                else TensorPrimitives.Max(maxima, row, maxima);
            }
        }
        else
        {
            foreach (var j in StaleColumns)
            {
                var total = 0f;
                var largest = f[j];
                for (int i = 0, index = j; i < Rows; i++, index += Cols)
                {
                    total += f[index];
                    largest = MathF.Max(largest, f[index]);
                }
                sums[j] = total;
                maxima[j] = largest;
            }
        }
        ClearStaleColumns();
    }

    /// <summary>Brings the cached column code sums and maxima up to date: stale columns one by one, or all in one blocked pass when many are stale.</summary>
    private void UpdateColumnCodeSums()
    {
        var sums = _columnCodeSums;
        var maxima = _columnMaxCodes;
        if (AllColumnsStale || StaleCount * 8 > Cols)
        {
            if (RowBlocks.IsAccelerated) RowBlocks.ColumnSums<T, TCode>(_w, Rows, Cols, sums, maxima, 0);
            else
            {
                // row by row: vectorised, where column by column would be strided
                sums.AsSpan().Clear();
                for (var i = 0; i < Rows; i++) AccumulateRowCodes(i, sums);
                var codes = (_maxCodes ??= new T[Cols]).AsSpan();
                RowWiseMaxima(codes);
                for (var j = 0; j < Cols; j++) maxima[j] = TCode.ToCode(codes[j]);
            }
        }
        else
        {
            foreach (var j in StaleColumns)
            {
                uint total = 0, largest = 0;
                for (int i = 0, index = j; i < Rows; i++, index += Cols)
                {
                    var code = TCode.ToCode(_w[index]);
                    total += code;
                    largest = Math.Max(largest, code);
                }
                sums[j] = total;
                maxima[j] = largest;
            }
        }
        ClearStaleColumns();
    }

    public override void ScaleColumns(ReadOnlySpan<float> factors, Span<float> scratch, ref Xoshiro256 rng, RoundingMode? rounding = null)
    {
        var mode = rounding ?? Rounding;
        if (TCode.IsFloat)
        {
            // the scaled weights' column sums in the same pass (rows in order), and their maxima from the old ones (scaling
            // by a factor ≥ 0 with rounding keeps the order: the largest weight stays the largest); columns stale before
            // stay stale (their maxima were not known)
            var f = Floats;
            var sums = _columnFloatSums;
            var allStale = AllColumnsStale;
            sums.AsSpan().Clear();
            for (var i = 0; i < Rows; i++)
            {
                var w = f.AsSpan(i * Cols, Cols);
                TensorPrimitives.Multiply(w, factors[..Cols], w);
                TensorPrimitives.Add(sums, w, sums);
            }
            if (allStale) return;
            TensorPrimitives.Multiply(_columnFloatMax, factors[..Cols], _columnFloatMax);
            // the stale columns' sums are now exact too; their maxima are not: summed again at the next ColumnSums
            return;
        }
        if (TCode.IsSmallCode && mode != RoundingMode.Stochastic)
        {
            if (mode == RoundingMode.Nearest && ScaleFewColumnsNearest(factors)) return;
            // codes·factor directly: the same numbers as (code·step)·factor·2^f, since step = 2^−f scales exactly
            MarkAllColumnsStale();
            for (var i = 0; i < Rows; i++)
                CodeConversions.ScaleCodes<T, TCode>(_w.AsSpan(i * Cols, Cols), factors[..Cols], mode == RoundingMode.Nearest, MaxCode);
            return;
        }
        var values = scratch[..Cols];
        for (var i = 0; i < Rows; i++)
        {
            DecodeRow(i, values);
            TensorPrimitives.Multiply(values, factors[..Cols], values);
            StoreRow(i, values, mode, ref rng);
        }
    }

    /// <summary>
    /// Round-to-nearest rescaling when few columns can change: a column whose factor satisfies |f − 1|·m &lt; 0.49, m its
    /// largest code (cached by the column sums that normalisation takes just before; else MaxCode), keeps every code
    /// (round(c·f) = c for every c ≤ m), so only the other columns are rescaled, column by column.
    /// Returns false (nothing done) when too many columns change for this to pay off.
    /// </summary>
    private bool ScaleFewColumnsNearest(ReadOnlySpan<float> factors)
    {
        var maxCode = MaxCode;
        var changing = 0;
        for (var j = 0; j < Cols; j++)
            if (Math.Abs(factors[j] - 1f) * LargestCode(j) >= 0.49f) changing++;
        // column by column is strided and scalar: worth it only for a few columns where rows go through one vector pass
        if (changing * (TCode.StorageBits == 8 ? 32 : 4) > Cols) return false;
        for (var j = 0; j < Cols; j++)
        {
            var f = factors[j];
            if (Math.Abs(f - 1f) * LargestCode(j) < 0.49f) continue;
            MarkColumnStale(j);
            for (int i = 0, index = j; i < Rows; i++, index += Cols)
            {
                // same float arithmetic as the vector path: floor(code·f + 0.5), clamped
                var scaled = MathF.Floor(TCode.ToSingle(_w[index]) * f + 0.5f);
                var code = scaled <= 0 ? 0u : scaled >= maxCode ? maxCode : (uint)scaled;
                _w[index] = TCode.FromCode(code);
            }
        }
        return true;
    }

    /// <summary>The largest code column <paramref name="col"/> holds if the cache knows it, else the format's largest code.</summary>
    private uint LargestCode(int col) => IsColumnStale(col) ? MaxCode : _columnMaxCodes[col];

    public override ReadOnlySpan<byte> RawBytes => MemoryMarshal.AsBytes(_w.AsSpan());

    public override void LoadRawBytes(ReadOnlySpan<byte> bytes)
    {
        var target = MemoryMarshal.AsBytes(_w.AsSpan());
        if (bytes.Length != target.Length)
            throw new InvalidDataException($"weight data has {bytes.Length} bytes, expected {target.Length}");
        bytes.CopyTo(target);
        MarkAllColumnsStale();
    }
}
