using System.Numerics;
using System.Runtime.CompilerServices;

namespace FSpiNN.Snn.Numerics;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna): a small, fast, seedable generator. A value type so that simulations hold it inline
/// and derive independent streams per example (<see cref="ForStream"/>), which keeps results independent of thread count.
/// </summary>
public struct Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix(ref sm);
        _s1 = SplitMix(ref sm);
        _s2 = SplitMix(ref sm);
        _s3 = SplitMix(ref sm);
    }

    /// <summary>A generator for one independent stream, e.g. (seed, purpose, example index).</summary>
    public static Xoshiro256 ForStream(ulong seed, ulong purpose, ulong index)
    {
        var mixed = seed;
        var a = SplitMix(ref mixed) ^ (purpose * 0x9E3779B97F4A7C15UL);
        var b = SplitMix(ref a) ^ (index * 0xD1B54A32D192ED03UL);
        return new Xoshiro256(SplitMix(ref b));
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int bound) => (int)((ulong)(uint)(NextUInt64() >> 32) * (ulong)bound >> 32);
}
