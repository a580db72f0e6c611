using System.Runtime.CompilerServices;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Quantization;

/// <summary>
/// Unsigned fixed-point format Qi.f with <see cref="TotalBits"/> = i + f bits: a code c in [0, 2^b − 1] stands for c·2^−f.
/// Values are saturated to [0, <see cref="MaxValue"/>].
/// </summary>
public readonly record struct FixedPointFormat
{
    public FixedPointFormat(int totalBits, int fractionBits)
    {
        if (totalBits is < 1 or > 32)
            throw new ArgumentOutOfRangeException(nameof(totalBits), totalBits, "fixed-point width must be 1-32 bits");
        if (fractionBits < 0 || fractionBits > totalBits)
            throw new ArgumentOutOfRangeException(nameof(fractionBits), fractionBits, $"fraction bits must be 0-{totalBits}");
        TotalBits = totalBits;
        FractionBits = fractionBits;
    }

    public int TotalBits { get; }
    public int FractionBits { get; }
    public int IntegerBits => TotalBits - FractionBits;
    public uint MaxCode => TotalBits == 32 ? uint.MaxValue : (1u << TotalBits) - 1;
    /// <summary>Value of one least significant bit, 2^−f.</summary>
    public double Step => Math.ScaleB(1.0, -FractionBits);
    public double MaxValue => MaxCode * Step;

    public override string ToString() => $"Q{IntegerBits}.{FractionBits}";

    public double Decode(uint code) => code * Step;

    /// <summary>Quantizes <paramref name="value"/> with the given rounding and saturation. <paramref name="rng"/> is used only by stochastic rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Encode(double value, RoundingMode rounding, ref Xoshiro256 rng)
    {
        var scaled = value * Math.ScaleB(1.0, FractionBits);
        double code = rounding switch
        {
            RoundingMode.Truncate => Math.Floor(scaled),
            RoundingMode.Nearest => Math.Floor(scaled + 0.5),
            _ => StochasticFloor(scaled, ref rng),
        };
        if (!(code > 0)) return 0; // also maps NaN to 0
        return code >= MaxCode ? MaxCode : (uint)code;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double StochasticFloor(double scaled, ref Xoshiro256 rng)
    {
        var floor = Math.Floor(scaled);
        return rng.NextDouble() < scaled - floor ? floor + 1 : floor;
    }

    /// <summary>Quantize then decode: the representable value a real is stored as.</summary>
    public double Round(double value, RoundingMode rounding, ref Xoshiro256 rng) => Decode(Encode(value, rounding, ref rng));
}
