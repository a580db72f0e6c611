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

    [Test]
    public void StochasticRowWrites_AreUnbiased()
    {
        // 8-bit Q1.7 (step 1/128): adding 0.3 steps to every weight of a row, 1,000 rows x 64 columns, must raise the mean
        // code by 0.3 (truncation would leave it unchanged, nearest too); 5 sigma of a Bernoulli(0.3) mean over 64k draws
        const int rows = 1000, cols = 64;
        var format = new FixedPointFormat(8, 7);
        var m = WeightMatrix.CreateFixed(rows, cols, format, RoundingMode.Stochastic);
        var rng = new Xoshiro256(5);
        for (var k = 0; k < rows * cols; k++) m.StoreUnclipped(k, 40 * format.Step, ref rng);
        var delta = Enumerable.Repeat((float)(0.3 * format.Step), cols).ToArray();
        var scratch = new float[cols];
        for (var i = 0; i < rows; i++) m.AddToRow(i, delta, 1.0, scratch, ref rng);
        var mean = Enumerable.Range(0, rows * cols).Average(k => (double)m.GetCode(k)) - 40;
        var sigma = Math.Sqrt(0.3 * 0.7 / (rows * cols));
        Assert.That(mean, Is.EqualTo(0.3).Within(5 * sigma));
        Assert.That(Enumerable.Range(0, rows * cols).Select(m.GetCode).Distinct().Order(), Is.EqualTo(new uint[] { 40, 41 }));
    }
}
