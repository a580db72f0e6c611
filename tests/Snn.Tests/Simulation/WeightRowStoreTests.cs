using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>The vectorised row write (truncation, nearest) gives exactly the codes of the scalar definition.</summary>
public sealed class WeightRowStoreTests
{
    [TestCase(8, 7, RoundingMode.Nearest)]
    [TestCase(8, 7, RoundingMode.Truncate)]
    [TestCase(4, 3, RoundingMode.Nearest)]
    [TestCase(12, 11, RoundingMode.Truncate)]
    [TestCase(16, 15, RoundingMode.Nearest)]
    [TestCase(6, 2, RoundingMode.Nearest)]
    public void ScaleColumns_MatchesScalarEncodeOfTheFloatProduct(int bits, int fraction, RoundingMode mode)
    {
        const int rows = 5, cols = 37;
        var format = new FixedPointFormat(bits, fraction);
        var m = WeightMatrix.CreateFixed(rows, cols, format, RoundingMode.Stochastic);
        var rng = new Xoshiro256(11);
        for (var k = 0; k < rows * cols; k++) m.StoreUnclipped(k, rng.NextDouble() * format.MaxValue * 1.1, ref rng);
        var factors = new float[cols];
        for (var j = 0; j < cols; j++) factors[j] = 0.5f + 1.2f * rng.NextSingle();
        var before = Enumerable.Range(0, rows * cols).Select(m.Get).ToArray();

        m.ScaleColumns(factors, new float[cols], ref rng, mode);

        var unused = new Xoshiro256(1);
        for (var k = 0; k < rows * cols; k++)
        {
            var expected = format.Encode(before[k] * factors[k % cols], mode, ref unused);
            Assert.That(m.GetCode(k), Is.EqualTo(expected), $"weight {k}: {before[k]} x {factors[k % cols]}");
        }
    }
}
