using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// The element type a weight matrix stores, as static members that the generic loops of <see cref="WeightStore{T, TCode}"/>,
/// <see cref="CodeConversions"/> and <see cref="RowBlocks"/> call: the operator-struct pattern of System.Numerics.Tensors'
/// TensorPrimitives (an interface of static abstract members, one struct per case, loops generic over the struct). The JIT
/// compiles a loop once per struct with these members inlined and the flags folded to constants, so one loop serves
/// float32 values and 8-, 16- and 32-bit codes with no test per element and no branch per storage type.
/// Vector members move one block of <see cref="Lanes64{TLane}.Count"/> = 64 consecutive elements (a 64-column block of a
/// row) between memory and four 512-bit registers of 16 lanes each.
/// </summary>
internal interface IWeightCode<T> where T : unmanaged, INumber<T>
{
    /// <summary>Bits of one stored element (32 for float).</summary>
    static abstract int StorageBits { get; }

    /// <summary>The stored elements are the weights (float32): no code step, no re-quantization.</summary>
    static abstract bool IsFloat { get; }

    /// <summary>
    /// 8- and 16-bit codes: exact as float (below 2^24), exact when summed in 32 bits, and re-quantized by the vectorised
    /// float pipeline (<see cref="StoreSingles"/>). 32-bit codes are not (scalar re-quantization in double).
    /// </summary>
    static abstract bool IsSmallCode { get; }

    /// <summary>Rows whose codes one block of partial sums (<see cref="AddToPartialSums"/>) holds exactly.</summary>
    static abstract int MaxRowsPerPartialSum { get; }

    /// <summary>The element as float: the value (float) or the code (integers).</summary>
    static abstract float ToSingle(T element);

    /// <summary>The element of a float: the value itself, or a code from an integral value within the code range.</summary>
    static abstract T FromSingle(float value);

    static abstract uint ToCode(T element);

    static abstract T FromCode(uint code);

    /// <summary>64 elements from <paramref name="source"/> as float lanes (codes converted, not scaled).</summary>
    static abstract Lanes64<float> LoadSingles(ref T source);

    /// <summary>64 float lanes (codes: integral and within the code range) into 64 elements at <paramref name="destination"/>.</summary>
    static abstract void StoreSingles(in Lanes64<float> values, ref T destination);

    /// <summary>64 codes from <paramref name="source"/> as 32-bit lanes (integer codes only).</summary>
    static abstract Lanes64<uint> LoadCodes(ref T source);

    /// <summary>
    /// Adds 64 codes to partial sums held in the narrowest exact lanes (16 bits for 8-bit codes, 32 bits for 16-bit
    /// codes), at most <see cref="MaxRowsPerPartialSum"/> rows; <see cref="WidenPartialSums"/> makes them 32-bit sums.
    /// </summary>
    static abstract void AddToPartialSums(ref T source, ref Lanes64<uint> partial);

    static abstract Lanes64<uint> WidenPartialSums(in Lanes64<uint> partial);

    /// <summary>Element-wise maximum of 64 codes into <paramref name="maxima"/>, kept in the codes' own width.</summary>
    static abstract void MaxInto(ref T source, ref Lanes64<uint> maxima);

    /// <summary>The maxima of <see cref="MaxInto"/> as 32-bit lanes.</summary>
    static abstract Lanes64<uint> WidenMaxima(in Lanes64<uint> maxima);
}

/// <summary>64 lanes in four 512-bit registers (for 8-bit codes' partial sums and maxima, fewer, wider-packed registers).</summary>
internal struct Lanes64<TLane> where TLane : unmanaged
{
    public const int Count = 64;
    public Vector512<TLane> V0, V1, V2, V3;

    public Lanes64(Vector512<TLane> v0, Vector512<TLane> v1, Vector512<TLane> v2, Vector512<TLane> v3) => (V0, V1, V2, V3) = (v0, v1, v2, v3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<TLane> Load(ref TLane source) => new(
        Vector512.LoadUnsafe(ref source), Vector512.LoadUnsafe(ref source, 16), Vector512.LoadUnsafe(ref source, 32), Vector512.LoadUnsafe(ref source, 48));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref TLane destination)
    {
        V0.StoreUnsafe(ref destination);
        V1.StoreUnsafe(ref destination, 16);
        V2.StoreUnsafe(ref destination, 32);
        V3.StoreUnsafe(ref destination, 48);
    }
}

/// <summary>Lane-wise arithmetic on <see cref="Lanes64{TLane}"/>.</summary>
internal static class Lanes64
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> ToSingle(in Lanes64<uint> q) =>
        new(Vector512.ConvertToSingle(q.V0), Vector512.ConvertToSingle(q.V1), Vector512.ConvertToSingle(q.V2), Vector512.ConvertToSingle(q.V3));

    /// <summary>Integral floats in [0, 2^32) as 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> ToUInt32(in Lanes64<float> v) =>
        new(Vector512.ConvertToUInt32(v.V0), Vector512.ConvertToUInt32(v.V1), Vector512.ConvertToUInt32(v.V2), Vector512.ConvertToUInt32(v.V3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<TLane> Add<TLane>(in Lanes64<TLane> a, in Lanes64<TLane> b) where TLane : unmanaged =>
        new(a.V0 + b.V0, a.V1 + b.V1, a.V2 + b.V2, a.V3 + b.V3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> Multiply(in Lanes64<float> a, in Lanes64<float> b) =>
        new(a.V0 * b.V0, a.V1 * b.V1, a.V2 * b.V2, a.V3 * b.V3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> Multiply(in Lanes64<float> a, Vector512<float> b) =>
        new(a.V0 * b, a.V1 * b, a.V2 * b, a.V3 * b);
}

/// <summary>float32 weights: the stored values are the weights.</summary>
internal readonly struct FloatValues : IWeightCode<float>
{
    public static int StorageBits => 32;
    public static bool IsFloat => true;
    public static bool IsSmallCode => false;
    public static int MaxRowsPerPartialSum => int.MaxValue;
    public static float ToSingle(float element) => element;
    public static float FromSingle(float value) => value;
    public static uint ToCode(float element) => throw NoCodes();
    public static float FromCode(uint code) => throw NoCodes();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> LoadSingles(ref float source) => Lanes64<float>.Load(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingles(in Lanes64<float> values, ref float destination) => values.Store(ref destination);

    public static Lanes64<uint> LoadCodes(ref float source) => throw NoCodes();
    public static void AddToPartialSums(ref float source, ref Lanes64<uint> partial) => throw NoCodes();
    public static Lanes64<uint> WidenPartialSums(in Lanes64<uint> partial) => throw NoCodes();
    public static void MaxInto(ref float source, ref Lanes64<uint> maxima) => throw NoCodes();
    public static Lanes64<uint> WidenMaxima(in Lanes64<uint> maxima) => throw NoCodes();

    private static InvalidOperationException NoCodes() => new("float32 weights have no fixed-point codes");
}

/// <summary>Fixed-point codes of up to 8 bits, one byte each.</summary>
internal readonly struct ByteCodes : IWeightCode<byte>
{
    public static int StorageBits => 8;
    public static bool IsFloat => false;
    public static bool IsSmallCode => true;
    /// <summary>257 · 255 ≤ 65535: the 16-bit partial sums of 257 rows are exact.</summary>
    public static int MaxRowsPerPartialSum => 257;
    public static float ToSingle(byte element) => element;
    public static byte FromSingle(float value) => (byte)value;
    public static uint ToCode(byte element) => element;
    public static byte FromCode(uint code) => (byte)code;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> LoadSingles(ref byte source)
    {
        var q = LoadCodes(ref source);
        return Lanes64.ToSingle(q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingles(in Lanes64<float> values, ref byte destination)
    {
        var q = Lanes64.ToUInt32(values);
        Vector512.Narrow(Vector512.Narrow(q.V0, q.V1), Vector512.Narrow(q.V2, q.V3)).StoreUnsafe(ref destination);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> LoadCodes(ref byte source)
    {
        var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref source));
        var (q0, q1) = Vector512.Widen(lo);
        var (q2, q3) = Vector512.Widen(hi);
        return new(q0, q1, q2, q3);
    }

    /// <summary>Partial sums in 16-bit lanes: columns 0-31 in V0, 32-63 in V1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToPartialSums(ref byte source, ref Lanes64<uint> partial)
    {
        var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref source));
        partial.V0 = (partial.V0.AsUInt16() + lo).AsUInt32();
        partial.V1 = (partial.V1.AsUInt16() + hi).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> WidenPartialSums(in Lanes64<uint> partial)
    {
        var (q0, q1) = Vector512.Widen(partial.V0.AsUInt16());
        var (q2, q3) = Vector512.Widen(partial.V1.AsUInt16());
        return new(q0, q1, q2, q3);
    }

    /// <summary>Maxima of 64 bytes in V0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxInto(ref byte source, ref Lanes64<uint> maxima) =>
        maxima.V0 = Vector512.Max(maxima.V0.AsByte(), Vector512.LoadUnsafe(ref source)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> WidenMaxima(in Lanes64<uint> maxima)
    {
        var (lo, hi) = Vector512.Widen(maxima.V0.AsByte());
        var (q0, q1) = Vector512.Widen(lo);
        var (q2, q3) = Vector512.Widen(hi);
        return new(q0, q1, q2, q3);
    }
}

/// <summary>Fixed-point codes of 9-16 bits, two bytes each.</summary>
internal readonly struct UInt16Codes : IWeightCode<ushort>
{
    public static int StorageBits => 16;
    public static bool IsFloat => false;
    public static bool IsSmallCode => true;
    /// <summary>65537 · 65535 ≤ 2^32 − 1: the 32-bit sums of 65537 rows are exact.</summary>
    public static int MaxRowsPerPartialSum => 65537;
    public static float ToSingle(ushort element) => element;
    public static ushort FromSingle(float value) => (ushort)value;
    public static uint ToCode(ushort element) => element;
    public static ushort FromCode(uint code) => (ushort)code;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> LoadSingles(ref ushort source)
    {
        var q = LoadCodes(ref source);
        return Lanes64.ToSingle(q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingles(in Lanes64<float> values, ref ushort destination)
    {
        var q = Lanes64.ToUInt32(values);
        Vector512.Narrow(q.V0, q.V1).StoreUnsafe(ref destination);
        Vector512.Narrow(q.V2, q.V3).StoreUnsafe(ref destination, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> LoadCodes(ref ushort source)
    {
        var (q0, q1) = Vector512.Widen(Vector512.LoadUnsafe(ref source));
        var (q2, q3) = Vector512.Widen(Vector512.LoadUnsafe(ref source, 32));
        return new(q0, q1, q2, q3);
    }

    /// <summary>Partial sums in 32-bit lanes, already the final width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToPartialSums(ref ushort source, ref Lanes64<uint> partial) => partial = Lanes64.Add(partial, LoadCodes(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> WidenPartialSums(in Lanes64<uint> partial) => partial;

    /// <summary>Maxima of 64 codes in V0 (columns 0-31) and V1 (32-63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxInto(ref ushort source, ref Lanes64<uint> maxima)
    {
        maxima.V0 = Vector512.Max(maxima.V0.AsUInt16(), Vector512.LoadUnsafe(ref source)).AsUInt32();
        maxima.V1 = Vector512.Max(maxima.V1.AsUInt16(), Vector512.LoadUnsafe(ref source, 32)).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> WidenMaxima(in Lanes64<uint> maxima)
    {
        var (q0, q1) = Vector512.Widen(maxima.V0.AsUInt16());
        var (q2, q3) = Vector512.Widen(maxima.V1.AsUInt16());
        return new(q0, q1, q2, q3);
    }
}

/// <summary>
/// Fixed-point codes of 17-32 bits, four bytes each: not exact as float, so they are re-quantized one by one in double
/// (<see cref="FixedPointFormat.Encode"/>) and summed as decoded floats; the block members decode and compare only.
/// </summary>
internal readonly struct UInt32Codes : IWeightCode<uint>
{
    public static int StorageBits => 32;
    public static bool IsFloat => false;
    public static bool IsSmallCode => false;
    public static int MaxRowsPerPartialSum => 0;   // not summed in blocks (not small codes)
    public static float ToSingle(uint element) => element;
    public static uint FromSingle(float value) => (uint)value;
    public static uint ToCode(uint element) => element;
    public static uint FromCode(uint code) => code;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<float> LoadSingles(ref uint source)
    {
        var q = Lanes64<uint>.Load(ref source);
        return Lanes64.ToSingle(q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingles(in Lanes64<float> values, ref uint destination) => Lanes64.ToUInt32(values).Store(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> LoadCodes(ref uint source) => Lanes64<uint>.Load(ref source);

    public static void AddToPartialSums(ref uint source, ref Lanes64<uint> partial) => throw new NotSupportedException("32-bit codes are not summed in blocks");
    public static Lanes64<uint> WidenPartialSums(in Lanes64<uint> partial) => partial;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxInto(ref uint source, ref Lanes64<uint> maxima)
    {
        var q = Lanes64<uint>.Load(ref source);
        maxima = new(Vector512.Max(maxima.V0, q.V0), Vector512.Max(maxima.V1, q.V1), Vector512.Max(maxima.V2, q.V2), Vector512.Max(maxima.V3, q.V3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes64<uint> WidenMaxima(in Lanes64<uint> maxima) => maxima;
}
