using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FSpiNN.Snn.Numerics;

/// <summary>
/// Exponential decay of non-negative state (conductances, traces) that flushes values below <see cref="Floor"/> to zero.
/// Without the flush, state decaying by a constant factor every step spends many steps as subnormal floats, which
/// x86 processes tens of times slower; values below 1e-30 have no effect on any result of the model.
/// </summary>
public static class Decay
{
    public const float Floor = 1e-30f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Flush(float value) => value < Floor ? 0f : value;

    /// <summary>values[i] = values[i]·factor, then flushed to zero below <see cref="Floor"/> (vectorised).</summary>
    public static void Apply(Span<float> values, float factor)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var f = new Vector<float>(factor);
            var floor = new Vector<float>(Floor);
            for (var k = 0; k < vectors.Length; k++)
            {
                var v = vectors[k] * f;
                vectors[k] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, floor), v, Vector<float>.Zero);
            }
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++) values[i] = Flush(values[i] * factor);
    }
}
