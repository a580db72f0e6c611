using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// A dense rows×cols weight matrix (row = presynaptic neuron, so a presynaptic spike reads one contiguous row), stored
/// either as float32 or as fixed-point integer codes of 8, 16 or 32 bits (the smallest that holds the format), so that
/// a quantized network's memory really is what the format says. Every write goes through <see cref="Store"/>, which
/// clips to [0, clip max] and, for integer storage, re-quantizes with the matrix's rounding mode.
/// </summary>
public sealed class WeightMatrix
{
    private readonly float[]? _f32;
    private readonly byte[]? _u8;
    private readonly ushort[]? _u16;
    private readonly uint[]? _u32;
    private readonly float _step;

    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Null for float32 storage.</summary>
    public FixedPointFormat? Format { get; }
    public RoundingMode Rounding { get; }

    private WeightMatrix(int rows, int cols, FixedPointFormat? format, RoundingMode rounding)
    {
        Rows = rows;
        Cols = cols;
        Format = format;
        Rounding = rounding;
        var n = checked(rows * cols);
        if (format is not { } f)
        {
            _f32 = new float[n];
            _step = 1;
        }
        else
        {
            _step = (float)f.Step;
            if (f.TotalBits <= 8) _u8 = new byte[n];
            else if (f.TotalBits <= 16) _u16 = new ushort[n];
            else _u32 = new uint[n];
        }
        if (HasSmallCodes)
        {
            _columnCodeSums = new uint[cols];
            _columnMaxCodes = new uint[cols];
        }
        if (HasSmallCodes || _f32 is not null)
        {
            _staleColumn = new bool[cols];
            _staleColumns = new int[cols];
        }
        if (_f32 is not null)
        {
            _columnFloatSums = new float[cols];
            _columnFloatMax = new float[cols];
        }
    }

    // Exact code sums and maxima of every column (8/16-bit storage), kept between normalisations: every write marks the
    // columns it touches stale and ColumnSums recomputes only those (a training example changes a few dozen columns).
    // Float storage keeps its column sums as a row-by-row summation computes them (rows in order from 0): the scaling of
    // a normalisation computes them for the scaled weights in the same pass, and a stale column is summed again in row
    // order, so the sums are those of summing every row again.
    private readonly uint[]? _columnCodeSums;
    private readonly uint[]? _columnMaxCodes;
    private readonly float[]? _columnFloatSums;
    private readonly float[]? _columnFloatMax;
    private readonly bool[]? _staleColumn;
    private readonly int[]? _staleColumns;
    private int _staleCount;
    private bool _allColumnsStale = true;

    private void MarkColumnStale(int col)
    {
        if (_staleColumn is null || _allColumnsStale || _staleColumn[col]) return;
        _staleColumn[col] = true;
        _staleColumns![_staleCount++] = col;
    }

    private void MarkAllColumnsStale() => _allColumnsStale = true;

    /// <summary>Forgets the cached column sums (benchmarks of a full normalisation pass).</summary>
    internal void InvalidateColumnSums() => MarkAllColumnsStale();

    public static WeightMatrix CreateFloat(int rows, int cols) => new(rows, cols, null, RoundingMode.Nearest);

    public static WeightMatrix CreateFixed(int rows, int cols, FixedPointFormat format, RoundingMode rounding) => new(rows, cols, format, rounding);

    public bool IsQuantized => Format is not null;

    /// <summary>Bits actually held per weight in memory (32 for float, else the container width: 8, 16 or 32).</summary>
    public int StorageBitsPerWeight => _u8 is not null ? 8 : _u16 is not null ? 16 : 32;

    /// <summary>Bytes held by the weight array.</summary>
    public long StorageBytes => (long)Rows * Cols * StorageBitsPerWeight / 8;

    public float this[int row, int col] => Get(row * Cols + col);

    public float Get(int index) =>
        _f32 is not null ? _f32[index] : _u8 is not null ? _u8[index] * _step : _u16 is not null ? _u16[index] * _step : _u32![index] * _step;

    /// <summary>Raw integer code at <paramref name="index"/> (quantized storage only).</summary>
    public uint GetCode(int index) =>
        _u8 is not null ? _u8[index] : _u16 is not null ? _u16[index] : _u32 is not null ? _u32[index]
            : throw new InvalidOperationException("float32 weights have no fixed-point codes");

    /// <summary>Writes one weight: clip to [0, clipMax], then re-quantize for integer storage.</summary>
    public void Store(int index, double value, double clipMax, ref Xoshiro256 rng)
    {
        if (value < 0) value = 0;
        else if (value > clipMax) value = clipMax;
        StoreUnclipped(index, value, ref rng);
    }

    /// <summary>Writes one weight without the upper clip (normalisation may exceed w_max; the format saturates).</summary>
    public void StoreUnclipped(int index, double value, ref Xoshiro256 rng) => StoreUnclipped(index, value, Rounding, ref rng);

    private void StoreUnclipped(int index, double value, RoundingMode rounding, ref Xoshiro256 rng)
    {
        if (_f32 is not null)
        {
            _f32[index] = (float)value;
            MarkColumnStale(index % Cols);
            return;
        }
        var code = Format!.Value.Encode(value, rounding, ref rng);
        MarkColumnStale(index % Cols);
        if (_u8 is not null) _u8[index] = (byte)code;
        else if (_u16 is not null) _u16[index] = (ushort)code;
        else _u32![index] = code;
    }

    /// <summary>The float32 storage of one row, or null when the storage is integer.</summary>
    public ReadOnlySpan<float> FloatRow(int row) => _f32 is null ? default : _f32.AsSpan(row * Cols, Cols);

    /// <summary>
    /// The float32 weights, row-major, to update in place (the plasticity engine's fused arrival depression); the caller
    /// clips to [0, w_max] as <see cref="AddToRowAt"/> does (float storage keeps no cached state to invalidate).
    /// </summary>
    internal Span<float> WritableFloats()
    {
        if (_f32 is null) throw new InvalidOperationException("quantized weights have no float storage");
        MarkAllColumnsStale();   // the caller may write any column
        return _f32;
    }

    /// <summary>target[j] += w[row, j] for all j (vectorised).</summary>
    public void AddRowTo(int row, Span<float> target, Span<float> scratch) => AddRowTo(row, target[..Cols], scratch, 0);

    /// <summary>target[j] += w[row, start + j] for the columns [start, start + target.Length).</summary>
    public void AddRowTo(int row, Span<float> target, Span<float> scratch, int start)
    {
        var length = target.Length;
        if (_f32 is not null)
        {
            TensorPrimitives.Add(target, _f32.AsSpan(row * Cols + start, length), target);
            return;
        }
        var decoded = scratch[..length];
        DecodeRow(row, start, decoded);
        TensorPrimitives.Add(target, decoded, target);
    }

    /// <summary>
    /// target[j] += Σ_r w[r, start + j] over <paramref name="rows"/> for the columns [start, start + target.Length), in one
    /// pass over the target (<see cref="RowBlocks"/>): the same values as <see cref="AddRowTo(int, Span{float}, Span{float})"/>
    /// row after row for float storage, and as <see cref="AccumulateRowCodes(int, Span{uint})"/> then one scaled flush for
    /// 8/16-bit codes. Returns false, having done nothing, where that kernel does not apply (no 512-bit vectors, 32-bit
    /// codes, more 8-bit rows than 16-bit sums hold).
    /// </summary>
    public bool AddRowsTo(ReadOnlySpan<int> rows, Span<float> target, int start)
    {
        if (!RowBlocks.IsAccelerated) return false;
        if (_f32 is not null) RowBlocks.AddFloatRows(_f32, Cols, rows, target, start);
        else if (_u8 is not null && rows.Length <= RowBlocks.MaxByteRowsPer16Bits) RowBlocks.AddByteRows(_u8, Cols, rows, _step, target, start);
        else if (_u16 is not null) RowBlocks.AddUShortRows(_u16, Cols, rows, _step, target, start);
        else return false;
        return true;
    }

    /// <summary>True when rows can be summed as exact integer codes (8- or 16-bit storage).</summary>
    public bool HasSmallCodes => _u8 is not null || _u16 is not null;

    /// <summary>Value of one code step (1 for float storage).</summary>
    public float CodeStep => _step;

    /// <summary>accumulator[j] += code[row, j] (8/16-bit storage only); scale the sum by <see cref="CodeStep"/> once.</summary>
    public void AccumulateRowCodes(int row, Span<uint> accumulator) => AccumulateRowCodes(row, accumulator[..Cols], 0);

    /// <summary>accumulator[j] += code[row, start + j] for the columns [start, start + accumulator.Length).</summary>
    public void AccumulateRowCodes(int row, Span<uint> accumulator, int start)
    {
        if (_u8 is not null) CodeConversions.Accumulate(_u8.AsSpan(row * Cols + start, accumulator.Length), accumulator);
        else if (_u16 is not null) CodeConversions.Accumulate(_u16.AsSpan(row * Cols + start, accumulator.Length), accumulator);
        else throw new InvalidOperationException("only 8- and 16-bit codes can be accumulated as integers");
    }

    /// <summary>Copies row <paramref name="row"/> as real values into <paramref name="destination"/>.</summary>
    public void DecodeRow(int row, Span<float> destination)
    {
        var start = row * Cols;
        if (_f32 is not null) _f32.AsSpan(start, Cols).CopyTo(destination);
        else if (_u8 is not null)
        {
            CodeConversions.ToSingle(_u8.AsSpan(start, Cols), destination);
            TensorPrimitives.Multiply(destination[..Cols], _step, destination[..Cols]);
        }
        else if (_u16 is not null)
        {
            CodeConversions.ToSingle(_u16.AsSpan(start, Cols), destination);
            TensorPrimitives.Multiply(destination[..Cols], _step, destination[..Cols]);
        }
        else ScaleCodes(_u32!.AsSpan(start, Cols), destination);
    }

    /// <summary>Columns [start, start + destination.Length) of row <paramref name="row"/> as real values (element by element as <see cref="DecodeRow(int, Span{float})"/>).</summary>
    public void DecodeRow(int row, int start, Span<float> destination)
    {
        var length = destination.Length;
        var from = row * Cols + start;
        var to = destination;
        if (_f32 is not null) _f32.AsSpan(from, length).CopyTo(to);
        else if (_u8 is not null)
        {
            CodeConversions.ToSingle(_u8.AsSpan(from, length), to);
            TensorPrimitives.Multiply(to, _step, to);
        }
        else if (_u16 is not null)
        {
            CodeConversions.ToSingle(_u16.AsSpan(from, length), to);
            TensorPrimitives.Multiply(to, _step, to);
        }
        else ScaleCodes(_u32!.AsSpan(from, length), to);
    }

    private void ScaleCodes<T>(ReadOnlySpan<T> codes, Span<float> destination)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        TensorPrimitives.ConvertTruncating(codes, destination[..codes.Length]);
        TensorPrimitives.Multiply(destination[..codes.Length], _step, destination[..codes.Length]);
    }

    /// <summary>w[row, :] += delta[:], clipped to [0, clipMax] and re-quantized.</summary>
    public void AddToRow(int row, ReadOnlySpan<float> delta, double clipMax, Span<float> scratch, ref Xoshiro256 rng)
    {
        var start = row * Cols;
        if (_f32 is not null)
        {
            MarkAllColumnsStale();
            var w = _f32.AsSpan(start, Cols);
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
    /// Writes a whole row of real values (already clipped as wanted) as codes. Formats up to 16 bits run vectorised in
    /// float, which is exact there (codes below 2^24, power-of-two scaling): truncation and round-to-nearest give the same
    /// codes as the scalar path; stochastic rounding draws one uniform per weight (per-lane streams, see FillUniform).
    /// </summary>
    private void StoreRow(int row, Span<float> values, RoundingMode mode, ref Xoshiro256 rng, bool valuesInCodeUnits = false)
    {
        MarkAllColumnsStale();
        var start = row * Cols;
        var format = Format!.Value;
        if (format.TotalBits > 16)
        {
            for (var j = 0; j < Cols; j++)
                StoreUnclipped(start + j, values[j], mode, ref rng);
            return;
        }
        if (!valuesInCodeUnits) TensorPrimitives.Multiply(values, (float)Math.ScaleB(1.0, format.FractionBits), values);
        switch (mode)
        {
            case RoundingMode.Stochastic:
                // floor(x·2^f) + [u < frac]
                var uniform = (_uniform ??= new float[Cols]).AsSpan(0, Cols);
                FillUniform(uniform, ref rng);
                StochasticFloor(values, uniform);
                break;
            case RoundingMode.Nearest:
                TensorPrimitives.Add(values, 0.5f, values);
                TensorPrimitives.Floor(values, values);
                break;
            default:
                TensorPrimitives.Floor(values, values);
                break;
        }
        TensorPrimitives.Clamp(values, 0f, format.MaxCode, values);
        if (_u8 is not null) CodeConversions.ToCodes(values, _u8.AsSpan(start, Cols));
        else CodeConversions.ToCodes(values, _u16!.AsSpan(start, Cols));
    }

    private float[]? _uniform;

    /// <summary>
    /// Uniform floats in [0, 1) with 24 random bits: uniform[j] = <see cref="UniformAt"/>(seed, j) for one seed drawn from
    /// <paramref name="rng"/> per call. A counter-based hash rather than a stream, so that the uniform of weight j does not
    /// depend on which other weights of the row are written: the sparse row update draws exactly what the dense one would.
    /// </summary>
    private static void FillUniform(Span<float> uniform, ref Xoshiro256 rng)
    {
        var seed = UniformSeed(ref rng);
        var j = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && uniform.Length >= System.Numerics.Vector<uint>.Count)
        {
            var width = System.Numerics.Vector<uint>.Count;
            Span<uint> lanes = stackalloc uint[width];
            for (var lane = 0; lane < width; lane++) lanes[lane] = (uint)lane;
            var index = new System.Numerics.Vector<uint>(lanes);
            var stride = new System.Numerics.Vector<uint>((uint)width);
            var golden = new System.Numerics.Vector<uint>(Golden);
            var seeds = new System.Numerics.Vector<uint>(seed);
            var m1 = new System.Numerics.Vector<uint>(Mix1);
            var m2 = new System.Numerics.Vector<uint>(Mix2);
            var scale = new System.Numerics.Vector<float>(1f / (1 << 24));
            var blocks = uniform.Length / width;
            var target = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(uniform[..(blocks * width)]);
            for (var b = 0; b < blocks; b++)
            {
                var x = seeds ^ (index * golden);
                x ^= System.Numerics.Vector.ShiftRightLogical(x, 16);
                x *= m1;
                x ^= System.Numerics.Vector.ShiftRightLogical(x, 13);
                x *= m2;
                x ^= System.Numerics.Vector.ShiftRightLogical(x, 16);
                target[b] = System.Numerics.Vector.ConvertToSingle(System.Numerics.Vector.ShiftRightLogical(x, 8)) * scale;
                index += stride;
            }
            j = blocks * width;
        }
        for (; j < uniform.Length; j++) uniform[j] = UniformAt(seed, j);
    }

    private const uint Golden = 0x9E3779B9, Mix1 = 0x85EBCA6B, Mix2 = 0xC2B2AE35;

    private static uint UniformSeed(ref Xoshiro256 rng) => (uint)(rng.NextUInt64() >> 32);

    /// <summary>The uniform of column <paramref name="j"/>: MurmurHash3's 32-bit finaliser of seed ⊕ j·φ, top 24 bits.</summary>
    private static float UniformAt(uint seed, int j)
    {
        var x = seed ^ ((uint)j * Golden);
        x ^= x >> 16;
        x *= Mix1;
        x ^= x >> 13;
        x *= Mix2;
        x ^= x >> 16;
        return (x >> 8) * (1f / (1 << 24));
    }

    /// <summary>True when <see cref="AddToRowAt"/> writes exactly what <see cref="AddToRow"/> would (float, 8- and 16-bit storage).</summary>
    public bool SupportsSparseRowUpdates => _u32 is null;

    /// <summary>
    /// True when a write clipped to <paramref name="clipMax"/> can still store a weight above it: a fixed-point format in
    /// which clipMax lies between two codes (rounding up lands above it). Float storage and on-grid or unreachable
    /// maxima cannot.
    /// </summary>
    public bool WritesCanExceed(double clipMax)
    {
        if (Format is not { } f) return false;
        var inCodes = clipMax * Math.ScaleB(1.0, f.FractionBits);
        return inCodes < f.MaxCode && inCodes != Math.Floor(inCodes);
    }

    /// <summary>
    /// w[row, j] += delta[j] for the listed columns only, clipped to [0, clipMax] and re-quantized: for every listed j the
    /// same value <see cref="AddToRow"/> would write (same arithmetic, same stochastic-rounding uniform), and the same
    /// draw from <paramref name="rng"/>. The other columns are left as they are, which is what <see cref="AddToRow"/>
    /// does to a column whose delta is zero and whose weight is already within [0, clipMax].
    /// </summary>
    public void AddToRowAt(int row, ReadOnlySpan<int> columns, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (!SupportsSparseRowUpdates) throw new InvalidOperationException("sparse row updates need float, 8- or 16-bit storage");
        var start = row * Cols;
        var max = (float)clipMax;
        if (_f32 is not null)
        {
            foreach (var j in columns)
            {
                MarkColumnStale(j);
                _f32[start + j] = Math.Clamp(_f32[start + j] + delta[j], 0f, max);
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
            var code = _u8 is not null ? _u8[index] : (float)_u16![index];
            var x = Math.Clamp(code * _step + delta[j], 0f, max) * toCodeUnits;
            var floor = MathF.Floor(mode == RoundingMode.Nearest ? x + 0.5f : x);
            if (mode == RoundingMode.Stochastic && UniformAt(seed, j) < x - floor) floor += 1f;
            floor = Math.Clamp(floor, 0f, maxCode);
            if (_u8 is not null) _u8[index] = (byte)floor;
            else _u16![index] = (ushort)floor;
        }
    }

    /// <summary>The largest weight of every column into <paramref name="maxima"/> (length Cols).</summary>
    public void ColumnMaxima(Span<float> maxima)
    {
        var result = maxima[..Cols];
        if (_f32 is not null) RowWiseMaxima<float>(_f32, result);
        else if (_u8 is not null) CodeMaxima(_u8, (_maxCodes8 ??= new byte[Cols]).AsSpan(), result);
        else if (_u16 is not null) CodeMaxima(_u16, (_maxCodes16 ??= new ushort[Cols]).AsSpan(), result);
        else
        {
            result.Clear();
            for (var i = 0; i < Rows; i++)
                for (var j = 0; j < Cols; j++)
                    result[j] = MathF.Max(result[j], Get(i * Cols + j));
        }
    }

    /// <summary>Element-wise maximum of all rows of <paramref name="values"/> into <paramref name="maxima"/>, vectorised.</summary>
    private void RowWiseMaxima<T>(T[] values, Span<T> maxima) where T : unmanaged, System.Numerics.INumber<T>
    {
        values.AsSpan(0, Cols).CopyTo(maxima);
        for (var i = 1; i < Rows; i++) TensorPrimitives.Max(maxima, values.AsSpan(i * Cols, Cols), maxima);
    }

    /// <summary>Column maxima of integer codes, as values (code·step).</summary>
    private void CodeMaxima<T>(T[] codes, Span<T> buffer, Span<float> result) where T : unmanaged, System.Numerics.INumber<T>
    {
        RowWiseMaxima(codes, buffer);
        for (var j = 0; j < Cols; j++) result[j] = float.CreateTruncating(buffer[j]) * _step;
    }

    private byte[]? _maxCodes8;
    private ushort[]? _maxCodes16;

    /// <summary>values[j] = floor(values[j]) + (uniform[j] &lt; frac(values[j]) ? 1 : 0).</summary>
    private static void StochasticFloor(Span<float> values, ReadOnlySpan<float> uniform)
    {
        var j = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && values.Length >= System.Numerics.Vector<float>.Count)
        {
            var vs = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values);
            var us = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(uniform[..(vs.Length * System.Numerics.Vector<float>.Count)]);
            for (var b = 0; b < vs.Length; b++)
            {
                var x = vs[b];
                var fl = System.Numerics.Vector.Floor(x);
                var up = System.Numerics.Vector.LessThan(us[b], x - fl);
                vs[b] = fl + System.Numerics.Vector.ConditionalSelect(up, System.Numerics.Vector<float>.One, System.Numerics.Vector<float>.Zero);
            }
            j = vs.Length * System.Numerics.Vector<float>.Count;
        }
        for (; j < values.Length; j++)
        {
            var fl = MathF.Floor(values[j]);
            values[j] = fl + (uniform[j] < values[j] - fl ? 1f : 0f);
        }
    }

    /// <summary>w[:, col] += delta[:] (one value per row), clipped and re-quantized.</summary>
    public void AddToColumn(int col, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (_f32 is not null)
        {
            MarkColumnStale(col);
            var max = (float)clipMax;
            for (int i = 0, index = col; i < Rows; i++, index += Cols)
            {
                var v = _f32[index] + delta[i];
                _f32[index] = v < 0 ? 0 : v > max ? max : v;
            }
            return;
        }
        for (int i = 0, index = col; i < Rows; i++, index += Cols)
            if (delta[i] != 0)
                Store(index, Get(index) + delta[i], clipMax, ref rng);   // marks the column stale
    }

    /// <summary>
    /// w[i, col] += delta[i] for the listed rows only (in increasing order), clipped and re-quantized: what
    /// <see cref="AddToColumn"/> writes when delta is zero at every other row and no other weight of the column lies above
    /// clipMax (the rows it skips are those a zero delta leaves unchanged), with the same rounding draws.
    /// </summary>
    public void AddToColumnAt(int col, ReadOnlySpan<int> rows, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng)
    {
        if (_f32 is not null)
        {
            MarkColumnStale(col);
            var max = (float)clipMax;
            foreach (var i in rows)
            {
                var index = i * Cols + col;
                var v = _f32[index] + delta[i];
                _f32[index] = v < 0 ? 0 : v > max ? max : v;
            }
            return;
        }
        foreach (var i in rows)
            if (delta[i] != 0)
            {
                var index = i * Cols + col;
                Store(index, Get(index) + delta[i], clipMax, ref rng);   // marks the column stale
            }
    }

    /// <summary>
    /// Column sums into <paramref name="sums"/> (length Cols), accumulated row by row; with non-empty
    /// <paramref name="maxima"/>, the largest weight of each column too, in the same pass. <paramref name="rowBlocks"/>:
    /// 8-bit codes summed column block by column block (<see cref="RowBlocks"/>; same sums), else row by row.
    /// </summary>
    public void ColumnSums(Span<float> sums, Span<float> scratch, Span<float> maxima = default, bool rowBlocks = true)
    {
        sums[..Cols].Clear();
        var withMaxima = !maxima.IsEmpty;
        if (HasSmallCodes && rowBlocks)
        {
            // the same exact integer sums and maxima, recomputed for the stale columns only
            UpdateColumnCodeSums();
            for (var j = 0; j < Cols; j++) sums[j] = _columnCodeSums![j] * _step;
            if (withMaxima)
                for (var j = 0; j < Cols; j++) maxima[j] = _columnMaxCodes![j] * _step;
            return;
        }
        if (_f32 is not null && rowBlocks)
        {
            UpdateColumnFloatSums();
            _columnFloatSums.AsSpan().CopyTo(sums);
            if (withMaxima) _columnFloatMax.AsSpan().CopyTo(maxima);
            return;
        }
        if (HasSmallCodes)
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
            if (!withMaxima || _f32 is null) continue;
            var row = _f32.AsSpan(i * Cols, Cols);
            if (i == 0) row.CopyTo(maxima);
            else TensorPrimitives.Max(maxima[..Cols], row, maxima[..Cols]);
        }
        if (withMaxima && _f32 is null) ColumnMaxima(maxima);
    }

    private uint[]? _codeSums;

    /// <summary>Brings the cached float column sums and maxima up to date: all rows again when many columns are stale, else the stale columns one by one, rows in order.</summary>
    private void UpdateColumnFloatSums()
    {
        var f = _f32!;
        var sums = _columnFloatSums!;
        var maxima = _columnFloatMax!;
        if (_allColumnsStale || _staleCount * 8 > Cols)
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
            foreach (var j in _staleColumns.AsSpan(0, _staleCount))
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

    private void ClearStaleColumns()
    {
        foreach (var j in _staleColumns.AsSpan(0, _staleCount)) _staleColumn![j] = false;
        _staleCount = 0;
        _allColumnsStale = false;
    }

    /// <summary>Brings the cached column code sums and maxima up to date: stale columns one by one, or all in one blocked pass when many are stale.</summary>
    private void UpdateColumnCodeSums()
    {
        var sums = _columnCodeSums!;
        var maxima = _columnMaxCodes!;
        if (_allColumnsStale || _staleCount * 8 > Cols)
        {
            if (_u8 is not null && RowBlocks.IsAccelerated) RowBlocks.ByteColumnSums(_u8, Rows, Cols, sums, maxima, 0);
            else
            {
                // row by row: vectorised, where column by column would be strided
                sums.AsSpan().Clear();
                for (var i = 0; i < Rows; i++) AccumulateRowCodes(i, sums);
                if (_u8 is not null) RowWiseMaxima(_u8, (_maxCodes8 ??= new byte[Cols]).AsSpan());
                else RowWiseMaxima(_u16!, (_maxCodes16 ??= new ushort[Cols]).AsSpan());
                for (var j = 0; j < Cols; j++) maxima[j] = _u8 is not null ? _maxCodes8![j] : _maxCodes16![j];
            }
        }
        else
        {
            foreach (var j in _staleColumns.AsSpan(0, _staleCount)) SumColumn(j);
        }
        ClearStaleColumns();

        void SumColumn(int j)
        {
            uint total = 0, largest = 0;
            for (int i = 0, index = j; i < Rows; i++, index += Cols)
            {
                var code = _u8 is not null ? _u8[index] : (uint)_u16![index];
                total += code;
                largest = Math.Max(largest, code);
            }
            sums[j] = total;
            maxima[j] = largest;
        }
    }

    /// <summary>
    /// Multiplies every column j by factor[j] (normalisation); integer storage re-quantizes every weight with
    /// <paramref name="rounding"/> (default: the matrix's own rounding).
    /// </summary>
    public void ScaleColumns(ReadOnlySpan<float> factors, Span<float> scratch, ref Xoshiro256 rng, RoundingMode? rounding = null)
    {
        var mode = rounding ?? Rounding;
        if (_f32 is not null)
        {
            // the scaled weights' column sums in the same pass (rows in order), and their maxima from the old ones (scaling
            // by a factor ≥ 0 with rounding keeps the order: the largest weight stays the largest); columns stale before
            // stay stale (their maxima were not known)
            var sums = _columnFloatSums!;
            var allStale = _allColumnsStale;
            sums.AsSpan().Clear();
            for (var i = 0; i < Rows; i++)
            {
                var w = _f32.AsSpan(i * Cols, Cols);
                TensorPrimitives.Multiply(w, factors[..Cols], w);
                TensorPrimitives.Add(sums, w, sums);
            }
            if (allStale) return;
            TensorPrimitives.Multiply(_columnFloatMax, factors[..Cols], _columnFloatMax);
            // the stale columns' sums are now exact too; their maxima are not: summed again at the next ColumnSums
            return;
        }
        var values = scratch[..Cols];
        if (HasSmallCodes && mode == RoundingMode.Nearest && ScaleFewColumnsNearest(factors)) return;
        var inCodeUnits = HasSmallCodes && mode != RoundingMode.Stochastic;
        if (inCodeUnits && _u8 is not null)
        {
            MarkAllColumnsStale();
            for (var i = 0; i < Rows; i++)
                CodeConversions.ScaleCodes(_u8.AsSpan(i * Cols, Cols), factors[..Cols], mode == RoundingMode.Nearest, Format!.Value.MaxCode);
            return;
        }
        for (var i = 0; i < Rows; i++)
        {
            if (inCodeUnits)
            {
                // codes·factor directly: the same numbers as (code·step)·factor·2^f, since step = 2^−f scales exactly
                if (_u8 is not null) CodeConversions.ToSingle(_u8.AsSpan(i * Cols, Cols), values);
                else CodeConversions.ToSingle(_u16!.AsSpan(i * Cols, Cols), values);
                TensorPrimitives.Multiply(values, factors[..Cols], values);
                StoreRow(i, values, mode, ref rng, valuesInCodeUnits: true);
                continue;
            }
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
        var maxCode = Format!.Value.MaxCode;
        var changing = 0;
        for (var j = 0; j < Cols; j++)
            if (Math.Abs(factors[j] - 1f) * LargestCode(j) >= 0.49f) changing++;
        // column by column is strided and scalar: worth it only for a few columns where rows go through one vector pass
        if (changing * (_u8 is not null ? 32 : 4) > Cols) return false;
        for (var j = 0; j < Cols; j++)
        {
            var f = factors[j];
            if (Math.Abs(f - 1f) * LargestCode(j) < 0.49f) continue;
            MarkColumnStale(j);
            for (int i = 0, index = j; i < Rows; i++, index += Cols)
            {
                // same float arithmetic as the vector path: floor(code·f + 0.5), clamped
                var scaled = MathF.Floor(GetCode(index) * f + 0.5f);
                var code = scaled <= 0 ? 0u : scaled >= maxCode ? maxCode : (uint)scaled;
                if (_u8 is not null) _u8[index] = (byte)code;
                else _u16![index] = (ushort)code;
            }
        }
        return true;
    }

    /// <summary>The largest code column <paramref name="col"/> holds if the cache knows it, else the format's largest code.</summary>
    private uint LargestCode(int col) =>
        _allColumnsStale || _staleColumn![col] ? Format!.Value.MaxCode : _columnMaxCodes![col];

    /// <summary>A quantized copy of this matrix (post-training quantization).</summary>
    public WeightMatrix Quantized(FixedPointFormat format, RoundingMode rounding, ref Xoshiro256 rng)
    {
        var q = CreateFixed(Rows, Cols, format, rounding);
        var n = Rows * Cols;
        for (var k = 0; k < n; k++)
            q.StoreUnclipped(k, Get(k), ref rng);
        return q;
    }

    /// <summary>The raw storage as bytes (little-endian), for model files.</summary>
    public ReadOnlySpan<byte> RawBytes =>
        _f32 is not null ? MemoryMarshal.AsBytes(_f32.AsSpan())
        : _u8 is not null ? _u8
        : _u16 is not null ? MemoryMarshal.AsBytes(_u16.AsSpan())
        : MemoryMarshal.AsBytes(_u32.AsSpan());

    /// <summary>Restores the raw storage written by <see cref="RawBytes"/>.</summary>
    public void LoadRawBytes(ReadOnlySpan<byte> bytes)
    {
        Span<byte> target =
            _f32 is not null ? MemoryMarshal.AsBytes(_f32.AsSpan())
            : _u8 is not null ? _u8
            : _u16 is not null ? MemoryMarshal.AsBytes(_u16.AsSpan())
            : MemoryMarshal.AsBytes(_u32.AsSpan());
        if (bytes.Length != target.Length)
            throw new InvalidDataException($"weight data has {bytes.Length} bytes, expected {target.Length}");
        bytes.CopyTo(target);
        MarkAllColumnsStale();
    }

    public float[] ToFloatArray()
    {
        var result = new float[Rows * Cols];
        for (var i = 0; i < Rows; i++)
            DecodeRow(i, result.AsSpan(i * Cols, Cols));
        return result;
    }
}
