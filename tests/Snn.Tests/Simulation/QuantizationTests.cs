using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Rounding modes, fixed-point edge cases, integer weight storage and column normalisation.</summary>
public sealed class QuantizationTests
{
    private static readonly FixedPointFormat Q17 = new(8, 7);

    private static uint Encode(FixedPointFormat f, double x, RoundingMode mode)
    {
        var rng = new Xoshiro256(1);
        return f.Encode(x, mode, ref rng);
    }

    [TestCase(0.0, 0u, 0u)]
    [TestCase(3 / 128.0, 3u, 3u)]
    [TestCase(3.49 / 128, 3u, 3u)]
    [TestCase(3.5 / 128, 3u, 4u)] // tie: round to nearest goes up
    [TestCase(3.51 / 128, 3u, 4u)]
    [TestCase(3.999 / 128, 3u, 4u)]
    [TestCase(1.0, 128u, 128u)]
    [TestCase(0.1, 12u, 13u)] // 0.1·128 = 12.8
    public void TruncateAndNearest_FollowTheirDefinitions(double x, uint truncated, uint nearest)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Encode(Q17, x, RoundingMode.Truncate), Is.EqualTo(truncated), "floor(x/q)");
            Assert.That(Encode(Q17, x, RoundingMode.Nearest), Is.EqualTo(nearest), "floor(x/q + 0.5)");
        });
    }

    [TestCase(0.1)]
    [TestCase(0.3 / 128)]
    [TestCase(0.97 / 128 + 0.5)]
    public void Stochastic_RoundsToANeighbourWithProbabilityOfTheFraction_AndIsUnbiased(double x)
    {
        var rng = new Xoshiro256(99);
        var scaled = x * 128;
        var floor = (uint)Math.Floor(scaled);
        var fraction = scaled - floor;
        const int draws = 200_000;
        var ups = 0;
        var outside = 0;
        double sum = 0;
        for (var k = 0; k < draws; k++)
        {
            var code = Q17.Encode(x, RoundingMode.Stochastic, ref rng);
            if (code != floor && code != floor + 1) outside++;
            if (code == floor + 1) ups++;
            sum += Q17.Decode(code);
        }
        var sigma = Math.Sqrt(fraction * (1 - fraction) / draws);
        Assert.Multiple(() =>
        {
            Assert.That(outside, Is.Zero, "only the two neighbouring codes");
            Assert.That(ups / (double)draws, Is.EqualTo(fraction).Within(5 * sigma), "P(up) = frac(x/q)");
            Assert.That(sum / draws, Is.EqualTo(x).Within(5 * sigma * Q17.Step), "E[Q(x)] = x");
        });
    }

    [Test]
    public void Stochastic_RepresentableValuesAreExact()
    {
        var rng = new Xoshiro256(5);
        for (uint code = 0; code <= Q17.MaxCode; code++)
            Assert.That(Q17.Encode(Q17.Decode(code), RoundingMode.Stochastic, ref rng), Is.EqualTo(code));
    }

    [Test]
    public void RepeatedSubLsbUpdates_SurviveOnlyWithStochasticRounding()
    {
        // 500 updates of +0.001 (0.128 LSB of Q1.7) to one weight starting at 0.5: the true result is 1.0
        double Run(RoundingMode mode, ulong seed)
        {
            var w = WeightMatrix.CreateFixed(1, 1, Q17, mode);
            var rng = new Xoshiro256(seed);
            w.StoreUnclipped(0, 0.5, ref rng);
            ReadOnlySpan<float> delta = [0.001f];
            for (var k = 0; k < 500; k++) w.AddToColumn(0, delta, 1.9, ref rng);
            return w[0, 0];
        }
        var stochasticMean = Enumerable.Range(1, 40).Average(s => Run(RoundingMode.Stochastic, (ulong)s));
        Assert.Multiple(() =>
        {
            Assert.That(Run(RoundingMode.Truncate, 1), Is.EqualTo(0.5), "truncation erases every update");
            Assert.That(Run(RoundingMode.Nearest, 1), Is.EqualTo(0.5), "nearest erases every update");
            // per run the sum of 500 Bernoulli(0.128) steps of 1/128 has sd ≈ 0.058; the mean of 40 runs ≈ 0.009
            Assert.That(stochasticMean, Is.EqualTo(1.0).Within(0.05), "stochastic rounding keeps them on average");
        });
    }

    [Test]
    public void Encode_Saturates()
    {
        Assert.Multiple(() =>
        {
            foreach (var mode in Enum.GetValues<RoundingMode>())
            {
                Assert.That(Encode(Q17, -0.3, mode), Is.Zero, $"{mode}: negative");
                Assert.That(Encode(Q17, double.NaN, mode), Is.Zero, $"{mode}: NaN");
                Assert.That(Encode(Q17, 2.0, mode), Is.EqualTo(255u), $"{mode}: above max");
                Assert.That(Encode(Q17, double.PositiveInfinity, mode), Is.EqualTo(255u), $"{mode}: +inf");
                Assert.That(Encode(Q17, 1.9921875, mode), Is.EqualTo(255u), $"{mode}: max is representable");
            }
            Assert.That(Q17.MaxValue, Is.EqualTo(1.9921875));
            Assert.That(Q17.ToString(), Is.EqualTo("Q1.7"));
        });
    }

    [Test]
    public void OneBitFormats()
    {
        var q10 = new FixedPointFormat(1, 0);
        var q01 = new FixedPointFormat(1, 1);
        Assert.Multiple(() =>
        {
            Assert.That((q10.MaxCode, q10.Step, q10.MaxValue), Is.EqualTo((1u, 1.0, 1.0)));
            Assert.That((q01.MaxCode, q01.Step, q01.MaxValue), Is.EqualTo((1u, 0.5, 0.5)));
            Assert.That(Encode(q10, 0.49, RoundingMode.Nearest), Is.Zero);
            Assert.That(Encode(q10, 0.5, RoundingMode.Nearest), Is.EqualTo(1u));
            Assert.That(Encode(q10, 0.99, RoundingMode.Truncate), Is.Zero);
            Assert.That(Encode(q10, 7, RoundingMode.Truncate), Is.EqualTo(1u));
            Assert.That(Encode(q01, 0.3, RoundingMode.Nearest), Is.EqualTo(1u));
            Assert.That(Encode(q01, 0.2, RoundingMode.Nearest), Is.Zero);
        });
    }

    [Test]
    public void ThirtyTwoBitFormats()
    {
        var q131 = new FixedPointFormat(32, 31);
        var q032 = new FixedPointFormat(32, 32);
        var q320 = new FixedPointFormat(32, 0);
        Assert.Multiple(() =>
        {
            Assert.That(q131.MaxCode, Is.EqualTo(uint.MaxValue));
            Assert.That(Encode(q131, 1.0, RoundingMode.Nearest), Is.EqualTo(1u << 31));
            Assert.That(Encode(q131, 0.5 + Math.ScaleB(1, -31), RoundingMode.Truncate), Is.EqualTo((1u << 30) + 1));
            Assert.That(Encode(q131, 5.0, RoundingMode.Nearest), Is.EqualTo(uint.MaxValue), "saturates at 2 − 2^−31");
            Assert.That(q131.MaxValue, Is.EqualTo(2 - Math.ScaleB(1, -31)));
            Assert.That(q032.Step, Is.EqualTo(Math.ScaleB(1, -32)));
            Assert.That(Encode(q032, 0.25, RoundingMode.Nearest), Is.EqualTo(1u << 30));
            Assert.That(Encode(q032, 1.0, RoundingMode.Nearest), Is.EqualTo(uint.MaxValue));
            Assert.That(Encode(q320, 4e9, RoundingMode.Nearest), Is.EqualTo(4_000_000_000u));
            Assert.That(Encode(q320, 1e12, RoundingMode.Stochastic), Is.EqualTo(uint.MaxValue));
        });
    }

    [TestCase(0, 0)]
    [TestCase(33, 1)]
    [TestCase(8, 9)]
    [TestCase(8, -1)]
    public void InvalidFormats_Throw(int bits, int fraction) =>
        Assert.That(() => new FixedPointFormat(bits, fraction), Throws.TypeOf<ArgumentOutOfRangeException>());

    [TestCase(1, 8)]
    [TestCase(4, 8)]
    [TestCase(8, 8)]
    [TestCase(9, 16)]
    [TestCase(12, 16)]
    [TestCase(16, 16)]
    [TestCase(17, 32)]
    [TestCase(32, 32)]
    public void IntegerWeights_UseTheSmallestContainer(int bits, int containerBits)
    {
        var w = WeightMatrix.CreateFixed(7, 3, new FixedPointFormat(bits, bits - 1), RoundingMode.Nearest);
        Assert.Multiple(() =>
        {
            Assert.That(w.StorageBitsPerWeight, Is.EqualTo(containerBits));
            Assert.That(w.StorageBytes, Is.EqualTo(7 * 3 * containerBits / 8));
            Assert.That(w.RawBytes.Length, Is.EqualTo(w.StorageBytes), "the bytes really held");
        });
    }

    [Test]
    public void FloatWeights_UseFourBytes()
    {
        var w = WeightMatrix.CreateFloat(7, 3);
        Assert.That((w.StorageBytes, w.RawBytes.Length, w.IsQuantized), Is.EqualTo((84L, 84, false)));
    }

    [TestCase(RoundingMode.Truncate)]
    [TestCase(RoundingMode.Nearest)]
    [TestCase(RoundingMode.Stochastic)]
    public void IntegerWeights_StoreClipAndRoundWithTheirMode(RoundingMode mode)
    {
        var w = WeightMatrix.CreateFixed(1, 4, Q17, mode);
        var rng = new Xoshiro256(4);
        w.Store(0, 0.3, 1.0, ref rng);
        w.Store(1, 1.7, 1.0, ref rng);
        w.Store(2, -0.2, 1.0, ref rng);
        w.StoreUnclipped(3, 1.7, ref rng);
        // 0.3·128 = 38.4 and 1.7·128 = 217.6
        var (code0, code3) = mode switch
        {
            RoundingMode.Truncate => (new[] { 38u }, new[] { 217u }),
            RoundingMode.Nearest => (new[] { 38u }, new[] { 218u }),
            _ => (new[] { 38u, 39u }, new[] { 217u, 218u }),
        };
        Assert.Multiple(() =>
        {
            Assert.That(code0, Does.Contain(w.GetCode(0)));
            Assert.That(w[0, 1], Is.EqualTo(1f), "clipped to the clip max");
            Assert.That(w[0, 2], Is.Zero, "clipped at 0");
            Assert.That(code3, Does.Contain(w.GetCode(3)), "unclipped stores (normalisation) may exceed w_max");
        });
    }

    private static Plasticity PlasticityFor(WeightMatrix weights)
    {
        var config = NetworkPresets.BindsNet(weights.Cols) with { EtaPre = 0 };
        var p = new Plasticity(weights, config, Simulator.CreateCounts(config, weights.Rows));
        p.SeedRounding(new Xoshiro256(8));
        return p;
    }

    [Test]
    public void Normalize_ScalesEveryNonZeroColumnToTheTarget_WithoutClipping()
    {
        const int rows = 6, cols = 4;
        var w = WeightMatrix.CreateFloat(rows, cols);
        var rng = new Xoshiro256(3);
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                w.StoreUnclipped(i * cols + j, j == 2 ? 0 : rng.NextDouble(), ref rng);
        var before = w.ToFloatArray();
        PlasticityFor(w).Normalize(4.2, new float[cols], new float[cols]);
        Assert.Multiple(() =>
        {
            for (var j = 0; j < cols; j++)
            {
                var column = Enumerable.Range(0, rows).Select(i => (double)w[i, j]).ToArray();
                if (j == 2)
                {
                    Assert.That(column, Is.All.Zero, "an all-zero column is left alone");
                    continue;
                }
                Assert.That(column.Sum(), Is.EqualTo(4.2).Within(1e-5), $"column {j}");
                var factor = column[0] / before[j];
                for (var i = 1; i < rows; i++)
                    Assert.That(column[i], Is.EqualTo(before[i * cols + j] * factor).Within(1e-5), "multiplicative");
            }
            Assert.That(Enumerable.Range(0, rows * cols).Max(k => w.Get(k)), Is.GreaterThan(1f), "weights above w_max = 1 are kept");
        });
    }

    [Test]
    public void Normalize_IntegerWeights_HitTheTargetWithinHalfAnLsbPerWeight()
    {
        const int rows = 20, cols = 3;
        var w = WeightMatrix.CreateFixed(rows, cols, Q17, RoundingMode.Nearest);
        var rng = new Xoshiro256(3);
        for (var k = 0; k < rows * cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 0.3, ref rng);
        PlasticityFor(w).Normalize(2.0, new float[cols], new float[cols]);
        for (var j = 0; j < cols; j++)
        {
            var sum = Enumerable.Range(0, rows).Sum(i => (double)w[i, j]);
            Assert.That(sum, Is.EqualTo(2.0).Within(rows * Q17.Step / 2), $"column {j}");
        }
    }

    [TestCase(NormalizationTiming.AfterExample)]
    [TestCase(NormalizationTiming.BeforeExample)]
    public void Training_NormalizesAtTheConfiguredTime(NormalizationTiming timing)
    {
        var config = TestSupport.TinyNetworks.Current(3) with { Normalization = timing, NormalizationTarget = 1.5, PresentationMs = 20 };
        var model = TestSupport.TinyNetworks.Model(config, 4, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.2f, 0.2f, 0.2f);
        new Simulator(model).Train([255, 0, 255, 0], new Xoshiro256(1));
        // learning rates are 0, so only the normalisation changed the weights (before or after makes no difference here)
        for (var j = 0; j < 3; j++)
            Assert.That(Enumerable.Range(0, 4).Sum(i => (double)model.Weights[i, j]), Is.EqualTo(1.5).Within(1e-5));
    }

    /// <summary>
    /// The one-pass 8-bit rescaling (512-bit blocks and a scalar tail) gives every code the general path's float
    /// arithmetic: clamp(floor(c·f (+ 0.5)), 0, 255).
    /// </summary>
    [TestCase(RoundingMode.Nearest)]
    [TestCase(RoundingMode.Truncate)]
    public void ScaleColumns_EightBit_MatchesTheScalarFormula(RoundingMode rounding)
    {
        const int rows = 5, cols = 150; // two 64-code blocks and a 22-code tail per row
        var weights = WeightMatrix.CreateFixed(rows, cols, new FixedPointFormat(8, 7), rounding);
        var rng = new Xoshiro256(21);
        var codes = new byte[rows * cols];
        for (var k = 0; k < codes.Length; k++) codes[k] = (byte)rng.NextInt(256);
        weights.LoadRawBytes(codes);
        var factors = new float[cols];
        for (var j = 0; j < cols; j++) factors[j] = 0.3f + 1.5f * rng.NextSingle(); // far from 1: every column rescaled, some saturate

        weights.ScaleColumns(factors, new float[cols], ref rng);

        var expected = new byte[codes.Length];
        for (var k = 0; k < codes.Length; k++)
        {
            var x = codes[k] * factors[k % cols];
            if (rounding == RoundingMode.Nearest) x += 0.5f;
            expected[k] = (byte)Math.Clamp(MathF.Floor(x), 0f, 255f);
        }
        Assert.Multiple(() =>
        {
            Assert.That(weights.RawBytes.ToArray(), Is.EqualTo(expected));
            Assert.That(expected, Has.Some.EqualTo(255), "some codes saturate");
        });
    }
}
