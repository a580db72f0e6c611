using System.Numerics.Tensors;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// A dense rows×cols weight matrix (row = presynaptic neuron, so a presynaptic spike reads one contiguous row), stored
/// either as float32 or as fixed-point integer codes of 8, 16 or 32 bits (the smallest that holds the format), so that
/// a quantized network's memory really is what the format says. Every write goes through <see cref="Store"/>, which
/// clips to [0, clip max] and, for integer storage, re-quantizes with the matrix's rounding mode.
/// The storage itself is <see cref="WeightStore{T, TCode}"/>, generic over the stored type; this base holds what does not
/// depend on it (shape, format, the column-sum cache's stale-column list, stochastic rounding's uniforms) and dispatches
/// once per row, column or matrix operation, never per weight of a row.
/// </summary>
public abstract class WeightMatrix
{
    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Null for float32 storage.</summary>
    public FixedPointFormat? Format { get; }
    public RoundingMode Rounding { get; }

    /// <summary>Value of one code step (1 for float storage).</summary>
    public float CodeStep { get; }

    private protected WeightMatrix(int rows, int cols, FixedPointFormat? format, RoundingMode rounding)
    {
        Rows = rows;
        Cols = cols;
        Format = format;
        Rounding = rounding;
        CodeStep = format is { } f ? (float)f.Step : 1;
        _staleColumn = new bool[cols];
        _staleColumns = new int[cols];
    }

    public static WeightMatrix CreateFloat(int rows, int cols) => new WeightStore<float, FloatValues>(rows, cols, null, RoundingMode.Nearest);

    /// <summary>Codes in the smallest container that holds the format: 1-8 bits in bytes, 9-16 in 16 bits, else 32.</summary>
    public static WeightMatrix CreateFixed(int rows, int cols, FixedPointFormat format, RoundingMode rounding) => format.TotalBits switch
    {
        <= 8 => new WeightStore<byte, ByteCodes>(rows, cols, format, rounding),
        <= 16 => new WeightStore<ushort, UInt16Codes>(rows, cols, format, rounding),
        _ => new WeightStore<uint, UInt32Codes>(rows, cols, format, rounding),
    };

    public bool IsQuantized => Format is not null;

    /// <summary>Bits actually held per weight in memory (32 for float, else the container width: 8, 16 or 32).</summary>
    public abstract int StorageBitsPerWeight { get; }

    /// <summary>Bytes held by the weight array.</summary>
    public long StorageBytes => (long)Rows * Cols * StorageBitsPerWeight / 8;

    /// <summary>True when rows can be summed as exact integer codes (8- or 16-bit storage).</summary>
    public abstract bool HasSmallCodes { get; }

    /// <summary>True when <see cref="AddToRowAt"/> writes exactly what <see cref="AddToRow"/> would (float, 8- and 16-bit storage).</summary>
    public abstract bool SupportsSparseRowUpdates { get; }

    public float this[int row, int col] => Get(row * Cols + col);

    public abstract float Get(int index);

    /// <summary>Raw integer code at <paramref name="index"/> (quantized storage only).</summary>
    public abstract uint GetCode(int index);

    /// <summary>Writes one weight: clip to [0, clipMax], then re-quantize for integer storage.</summary>
    public void Store(int index, double value, double clipMax, ref Xoshiro256 rng)
    {
        if (value < 0) value = 0;
        else if (value > clipMax) value = clipMax;
        StoreUnclipped(index, value, Rounding, ref rng);
    }

    /// <summary>Writes one weight without the upper clip (normalisation may exceed w_max; the format saturates).</summary>
    public void StoreUnclipped(int index, double value, ref Xoshiro256 rng) => StoreUnclipped(index, value, Rounding, ref rng);

    private protected abstract void StoreUnclipped(int index, double value, RoundingMode rounding, ref Xoshiro256 rng);

    /// <summary>The float32 storage of one row, or empty when the storage is integer.</summary>
    public abstract ReadOnlySpan<float> FloatRow(int row);

    /// <summary>
    /// The float32 weights, row-major, to update in place (the plasticity engine's fused arrival depression); the caller
    /// clips to [0, w_max] as <see cref="AddToRowAt"/> does (float storage keeps no cached state to invalidate).
    /// </summary>
    internal abstract Span<float> WritableFloats();

    /// <summary>target[j] += w[row, j] for all j (vectorised).</summary>
    public void AddRowTo(int row, Span<float> target, Span<float> scratch) => AddRowTo(row, target[..Cols], scratch, 0);

    /// <summary>target[j] += w[row, start + j] for the columns [start, start + target.Length).</summary>
    public abstract void AddRowTo(int row, Span<float> target, Span<float> scratch, int start);

    /// <summary>
    /// target[j] += Σ_r w[r, start + j] over <paramref name="rows"/> for the columns [start, start + target.Length), in one
    /// pass over the target (<see cref="RowBlocks"/>): the same values as <see cref="AddRowTo(int, Span{float}, Span{float})"/>
    /// row after row for float storage, and as <see cref="AccumulateRowCodes(int, Span{uint})"/> then one scaled flush for
    /// 8/16-bit codes. Returns false, having done nothing, where that kernel does not apply (no 512-bit vectors, 32-bit
    /// codes, more 8-bit rows than 16-bit sums hold).
    /// </summary>
    public abstract bool AddRowsTo(ReadOnlySpan<int> rows, Span<float> target, int start);

    /// <summary>accumulator[j] += code[row, j] (8/16-bit storage only); scale the sum by <see cref="CodeStep"/> once.</summary>
    public void AccumulateRowCodes(int row, Span<uint> accumulator) => AccumulateRowCodes(row, accumulator[..Cols], 0);

    /// <summary>accumulator[j] += code[row, start + j] for the columns [start, start + accumulator.Length).</summary>
    public abstract void AccumulateRowCodes(int row, Span<uint> accumulator, int start);

    /// <summary>Copies row <paramref name="row"/> as real values into <paramref name="destination"/>.</summary>
    public void DecodeRow(int row, Span<float> destination) => DecodeRow(row, 0, destination[..Cols]);

    /// <summary>Columns [start, start + destination.Length) of row <paramref name="row"/> as real values (element by element as <see cref="DecodeRow(int, Span{float})"/>).</summary>
    public abstract void DecodeRow(int row, int start, Span<float> destination);

    /// <summary>w[row, :] += delta[:], clipped to [0, clipMax] and re-quantized.</summary>
    public abstract void AddToRow(int row, ReadOnlySpan<float> delta, double clipMax, Span<float> scratch, ref Xoshiro256 rng);

    /// <summary>
    /// w[row, j] += delta[j] for the listed columns only, clipped to [0, clipMax] and re-quantized: for every listed j the
    /// same value <see cref="AddToRow"/> would write (same arithmetic, same stochastic-rounding uniform), and the same
    /// draw from <paramref name="rng"/>. The other columns are left as they are, which is what <see cref="AddToRow"/>
    /// does to a column whose delta is zero and whose weight is already within [0, clipMax].
    /// </summary>
    public abstract void AddToRowAt(int row, ReadOnlySpan<int> columns, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng);

    /// <summary>w[:, col] += delta[:] (one value per row), clipped and re-quantized.</summary>
    public abstract void AddToColumn(int col, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng);

    /// <summary>
    /// w[i, col] += delta[i] for the listed rows only (in increasing order), clipped and re-quantized: what
    /// <see cref="AddToColumn"/> writes when delta is zero at every other row and no other weight of the column lies above
    /// clipMax (the rows it skips are those a zero delta leaves unchanged), with the same rounding draws.
    /// </summary>
    public abstract void AddToColumnAt(int col, ReadOnlySpan<int> rows, ReadOnlySpan<float> delta, double clipMax, ref Xoshiro256 rng);

    /// <summary>The largest weight of every column into <paramref name="maxima"/> (length Cols).</summary>
    public abstract void ColumnMaxima(Span<float> maxima);

    /// <summary>
    /// Column sums into <paramref name="sums"/> (length Cols), accumulated row by row; with non-empty
    /// <paramref name="maxima"/>, the largest weight of each column too, in the same pass. <paramref name="rowBlocks"/>:
    /// the cached sums, brought up to date (8/16-bit codes summed column block by column block, <see cref="RowBlocks"/>;
    /// same sums), else row by row.
    /// </summary>
    public abstract void ColumnSums(Span<float> sums, Span<float> scratch, Span<float> maxima = default, bool rowBlocks = true);

    /// <summary>
    /// Multiplies every column j by factor[j] (normalisation); integer storage re-quantizes every weight with
    /// <paramref name="rounding"/> (default: the matrix's own rounding).
    /// </summary>
    public abstract void ScaleColumns(ReadOnlySpan<float> factors, Span<float> scratch, ref Xoshiro256 rng, RoundingMode? rounding = null);

    /// <summary>The raw storage as bytes (little-endian), for model files.</summary>
    public abstract ReadOnlySpan<byte> RawBytes { get; }

    /// <summary>Restores the raw storage written by <see cref="RawBytes"/>.</summary>
    public abstract void LoadRawBytes(ReadOnlySpan<byte> bytes);

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

    /// <summary>A quantized copy of this matrix (post-training quantization).</summary>
    public WeightMatrix Quantized(FixedPointFormat format, RoundingMode rounding, ref Xoshiro256 rng)
    {
        var q = CreateFixed(Rows, Cols, format, rounding);
        var n = Rows * Cols;
        for (var k = 0; k < n; k++)
            q.StoreUnclipped(k, Get(k), ref rng);
        return q;
    }

    public float[] ToFloatArray()
    {
        var result = new float[Rows * Cols];
        for (var i = 0; i < Rows; i++)
            DecodeRow(i, result.AsSpan(i * Cols, Cols));
        return result;
    }

    // ---- the column-sum cache's stale columns ----
    // Exact code sums and maxima of every column (8/16-bit storage), or float sums as a row-by-row summation computes
    // them, are kept between normalisations: every write marks the columns it touches stale and ColumnSums recomputes
    // only those (a training example changes a few dozen columns). 32-bit codes keep no cache: their columns stay stale.
    private readonly bool[] _staleColumn;
    private readonly int[] _staleColumns;
    private protected int StaleCount { get; private set; }
    private protected bool AllColumnsStale { get; private set; } = true;
    private protected ReadOnlySpan<int> StaleColumns => _staleColumns.AsSpan(0, StaleCount);

    private protected void MarkColumnStale(int col)
    {
        if (AllColumnsStale || _staleColumn[col]) return;
        _staleColumn[col] = true;
        _staleColumns[StaleCount++] = col;
    }

    private protected bool IsColumnStale(int col) => AllColumnsStale || _staleColumn[col];

    private protected void MarkAllColumnsStale() => AllColumnsStale = true;

    private protected void ClearStaleColumns()
    {
        foreach (var j in StaleColumns) _staleColumn[j] = false;
        StaleCount = 0;
        AllColumnsStale = false;
    }

    /// <summary>Forgets the cached column sums (benchmarks of a full normalisation pass).</summary>
    internal void InvalidateColumnSums() => MarkAllColumnsStale();

    // ---- rounding of a row of values in code units (8/16-bit codes) ----

    /// <summary>
    /// Rounds a row of values, already in code units, to integral codes in [0, maxCode] with <paramref name="mode"/>:
    /// truncation and round-to-nearest in float, exact for codes below 2^24 and the same codes as the scalar path;
    /// stochastic rounding draws one uniform per weight (counter-based, see <see cref="FillUniform"/>).
    /// </summary>
    private protected void RoundToCodes(Span<float> values, RoundingMode mode, uint maxCode, ref Xoshiro256 rng)
    {
        switch (mode)
        {
            case RoundingMode.Stochastic:
                // floor(x·2^f) + [u < frac]
                var uniform = (_uniform ??= new float[Cols]).AsSpan(0, values.Length);
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
        TensorPrimitives.Clamp(values, 0f, maxCode, values);
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

    private protected static uint UniformSeed(ref Xoshiro256 rng) => (uint)(rng.NextUInt64() >> 32);

    /// <summary>The uniform of column <paramref name="j"/>: MurmurHash3's 32-bit finaliser of seed ⊕ j·φ, top 24 bits.</summary>
    private protected static float UniformAt(uint seed, int j)
    {
        var x = seed ^ ((uint)j * Golden);
        x ^= x >> 16;
        x *= Mix1;
        x ^= x >> 13;
        x *= Mix2;
        x ^= x >> 16;
        return (x >> 8) * (1f / (1 << 24));
    }

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
}
