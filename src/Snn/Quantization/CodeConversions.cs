using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// The element loops of weight storage, each written once for every stored type (<see cref="IWeightCode{T}"/>): blocks of
/// 64 elements in 512-bit registers, then a scalar tail that does each element's arithmetic of the vector lanes, so the
/// results do not depend on where a row's blocks end. Without 512-bit hardware the blocks run through Vector512's
/// software path, which splits each operation into two 256-bit ones, as long as those are accelerated; else every
/// element is scalar.
/// </summary>
internal static class CodeConversions
{
    private static bool IsAccelerated => Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>destination[j] = elements[j] as a weight: the float, or code·<paramref name="step"/>.</summary>
    public static void Decode<T, TCode>(ReadOnlySpan<T> elements, float step, Span<float> destination)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        if (TCode.IsFloat)
        {
            MemoryMarshal.Cast<T, float>(elements).CopyTo(destination);
            return;
        }
        var length = elements.Length;
        ref var e = ref MemoryMarshal.GetReference(elements);
        ref var d = ref MemoryMarshal.GetReference(destination[..length]);
        var j = 0;
        if (IsAccelerated)
        {
            var s = Vector512.Create(step);
            for (; j + Lanes64<float>.Count <= length; j += Lanes64<float>.Count)
                Lanes64.Multiply(TCode.LoadSingles(ref Unsafe.Add(ref e, j)), s).Store(ref Unsafe.Add(ref d, j));
        }
        for (; j < length; j++) Unsafe.Add(ref d, j) = TCode.ToSingle(Unsafe.Add(ref e, j)) * step;
    }

    /// <summary>target[j] += elements[j] as a weight (the float, or code·<paramref name="step"/>), the sum of <see cref="Decode{T, TCode}"/> and target.</summary>
    public static void AddDecoded<T, TCode>(ReadOnlySpan<T> elements, float step, Span<float> target)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        var length = elements.Length;
        ref var e = ref MemoryMarshal.GetReference(elements);
        ref var t = ref MemoryMarshal.GetReference(target[..length]);
        var j = 0;
        if (IsAccelerated)
        {
            var s = Vector512.Create(step);
            for (; j + Lanes64<float>.Count <= length; j += Lanes64<float>.Count)
            {
                ref var at = ref Unsafe.Add(ref t, j);
                var values = TCode.LoadSingles(ref Unsafe.Add(ref e, j));
                if (!TCode.IsFloat) values = Lanes64.Multiply(values, s);
                Lanes64.Add(Lanes64<float>.Load(ref at), values).Store(ref at);
            }
        }
        for (; j < length; j++)
        {
            var value = TCode.ToSingle(Unsafe.Add(ref e, j));
            Unsafe.Add(ref t, j) += TCode.IsFloat ? value : value * step;
        }
    }

    /// <summary>elements[j] = values[j]: for codes, values must already be integral and within the code range.</summary>
    public static void Encode<T, TCode>(ReadOnlySpan<float> values, Span<T> elements)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        var length = values.Length;
        ref var v = ref MemoryMarshal.GetReference(values);
        ref var e = ref MemoryMarshal.GetReference(elements[..length]);
        var j = 0;
        if (IsAccelerated)
            for (; j + Lanes64<float>.Count <= length; j += Lanes64<float>.Count)
                TCode.StoreSingles(Lanes64<float>.Load(ref Unsafe.Add(ref v, j)), ref Unsafe.Add(ref e, j));
        for (; j < length; j++) Unsafe.Add(ref e, j) = TCode.FromSingle(Unsafe.Add(ref v, j));
    }

    /// <summary>
    /// codes[j] = clamp(floor(codes[j]·factors[j] (+ 0.5 if <paramref name="nearest"/>)), 0, maxCode) in one pass, with
    /// the float arithmetic of the general path (convert, multiply, add, floor, clamp, convert back), so the same codes
    /// (8- and 16-bit codes, exact as float).
    /// </summary>
    public static void ScaleCodes<T, TCode>(Span<T> codes, ReadOnlySpan<float> factors, bool nearest, uint maxCode)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        if (!TCode.IsSmallCode) throw new InvalidOperationException("only 8- and 16-bit codes are rescaled as floats");
        var half = nearest ? 0.5f : 0f;
        var max = (float)maxCode;
        var length = codes.Length;
        ref var c = ref MemoryMarshal.GetReference(codes);
        ref var f = ref MemoryMarshal.GetReference(factors[..length]);
        var j = 0;
        if (IsAccelerated)
        {
            var halves = Vector512.Create(half);
            var top = Vector512.Create(max);
            for (; j + Lanes64<float>.Count <= length; j += Lanes64<float>.Count)
            {
                ref var at = ref Unsafe.Add(ref c, j);
                var x = Lanes64.Multiply(TCode.LoadSingles(ref at), Lanes64<float>.Load(ref Unsafe.Add(ref f, j)));
                TCode.StoreSingles(new(Round(x.V0), Round(x.V1), Round(x.V2), Round(x.V3)), ref at);
            }

            Vector512<float> Round(Vector512<float> x)
            {
                if (nearest) x += halves;
                return Vector512.Min(Vector512.Max(Vector512.Floor(x), Vector512<float>.Zero), top);
            }
        }
        for (; j < length; j++)
        {
            var x = TCode.ToSingle(Unsafe.Add(ref c, j)) * Unsafe.Add(ref f, j);
            if (nearest) x += half;
            Unsafe.Add(ref c, j) = TCode.FromSingle(Math.Clamp(MathF.Floor(x), 0f, max));
        }
    }

    /// <summary>accumulator[j] += codes[j] (exact integer sums of 8/16-bit codes; a float conversion per input spike is avoided).</summary>
    public static void Accumulate<T, TCode>(ReadOnlySpan<T> codes, Span<uint> accumulator)
        where T : unmanaged, INumber<T> where TCode : struct, IWeightCode<T>
    {
        if (!TCode.IsSmallCode) throw new InvalidOperationException("only 8- and 16-bit codes can be accumulated as integers");
        var length = codes.Length;
        ref var c = ref MemoryMarshal.GetReference(codes);
        ref var a = ref MemoryMarshal.GetReference(accumulator[..length]);
        var j = 0;
        if (IsAccelerated)
        {
            for (; j + Lanes64<uint>.Count <= length; j += Lanes64<uint>.Count)
            {
                ref var at = ref Unsafe.Add(ref a, j);
                Lanes64.Add(Lanes64<uint>.Load(ref at), TCode.LoadCodes(ref Unsafe.Add(ref c, j))).Store(ref at);
            }
        }
        for (; j < length; j++) Unsafe.Add(ref a, j) += TCode.ToCode(Unsafe.Add(ref c, j));
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
