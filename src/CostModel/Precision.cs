namespace FSpiNN.CostModel;

/// <summary>How a stored value is represented. Fixed-point values use integer arithmetic, so they are priced as <see cref="Integer"/>.</summary>
public enum NumberFormat
{
    /// <summary>Integer or fixed-point (Qm.n) value; priced with integer adders and multipliers.</summary>
    Integer,
    /// <summary>IEEE floating-point value; priced with floating-point adders and multipliers.</summary>
    Float,
}

/// <summary>Width and format of one stored or computed value, e.g. <c>Precision.Fixed(8)</c> for Q1.7 weights.</summary>
public readonly record struct Precision(int Bits, NumberFormat Format)
{
    public const int MaxBits = 64;

    public static Precision Float32 => new(32, NumberFormat.Float);
    public static Precision Float16 => new(16, NumberFormat.Float);

    /// <summary>An integer / fixed-point precision of <paramref name="bits"/> bits.</summary>
    public static Precision Fixed(int bits) => new(bits, NumberFormat.Integer);

    public bool IsValid => Bits is >= 1 and <= MaxBits;

    public override string ToString() => $"{(Format == NumberFormat.Float ? "float" : "int")}{Bits}";
}
