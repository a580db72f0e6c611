using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// 8/16-bit and float weights keep their column sums between normalisations and recompute only the columns a write
/// touched (float: the normalisation's scaling computes its sums in the same pass): after every kind of write, the
/// cached sums and maxima must equal a full recomputation, bit for bit.
/// </summary>
public sealed class ColumnSumCacheTests
{
    private const int Rows = 30, Cols = 150;   // 150: two 64-column blocks and a scalar tail

    private static WeightMatrix Create(int bits) => bits == 32
        ? WeightMatrix.CreateFloat(Rows, Cols)
        : WeightMatrix.CreateFixed(Rows, Cols, new FixedPointFormat(bits, bits - 1), RoundingMode.Stochastic);

    [TestCase(8)]
    [TestCase(16)]
    [TestCase(32)]
    public void CachedColumnSums_FollowEveryKindOfWrite(int bits)
    {
        var w = Create(bits);
        var rng = new Xoshiro256(17);
        for (var k = 0; k < Rows * Cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 0.6, ref rng);
        AssertSumsFresh(w, "initial");
        var scratch = new float[Cols];
        var column = Enumerable.Range(0, Rows).Select(i => i % 3 == 0 ? 0.05f : 0f).ToArray();
        w.AddToColumn(3, column, 1, ref rng);
        AssertSumsFresh(w, "a column update");
        var row = Enumerable.Range(0, Cols).Select(j => j % 5 == 0 ? -0.03f : 0.01f).ToArray();
        w.AddToRowAt(4, [1, 64, 149], row, 1, ref rng);
        AssertSumsFresh(w, "a sparse row update");
        w.AddToRow(5, row, 1, scratch, ref rng);
        AssertSumsFresh(w, "a dense row update");
        var fewChange = Enumerable.Range(0, Cols).Select(j => j is 7 or 140 ? 1.3f : 1f).ToArray();
        w.ScaleColumns(fewChange, scratch, ref rng, RoundingMode.Nearest);
        AssertSumsFresh(w, "a normalisation that changes two columns");
        var allChange = Enumerable.Range(0, Cols).Select(j => 0.9f + j * 0.001f).ToArray();
        w.ScaleColumns(allChange, scratch, ref rng, RoundingMode.Nearest);
        AssertSumsFresh(w, "a normalisation that changes every column");
        w.ScaleColumns(allChange, scratch, ref rng, RoundingMode.Stochastic);
        AssertSumsFresh(w, "a stochastic normalisation");
        if (bits == 32)
        {
            w.WritableFloats()[2 * Cols + 9] = 0.77f;
            AssertSumsFresh(w, "a write through the float storage");
            w.ScaleColumns(fewChange, scratch, ref rng);
            w.AddToColumn(9, column, 1, ref rng);
            w.ScaleColumns(allChange, scratch, ref rng);
            AssertSumsFresh(w, "a normalisation after a column update");
        }
        var other = Create(bits);
        for (var k = 0; k < Rows * Cols; k++) other.StoreUnclipped(k, rng.NextDouble(), ref rng);
        w.LoadRawBytes(other.RawBytes);
        AssertSumsFresh(w, "loading raw bytes");
    }

    private static void AssertSumsFresh(WeightMatrix w, string after)
    {
        var cached = new float[Cols];
        var cachedMax = new float[Cols];
        w.ColumnSums(cached, new float[Cols], cachedMax);
        var fresh = new float[Cols];
        var freshMax = new float[Cols];
        w.ColumnSums(fresh, new float[Cols], freshMax, rowBlocks: false);
        var expected = Enumerable.Range(0, Cols).Select(j => Enumerable.Range(0, Rows).Sum(i => (double)w[i, j])).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(cached, Is.EqualTo(fresh), $"column sums after {after}");
            Assert.That(cachedMax, Is.EqualTo(freshMax), $"column maxima after {after}");
            Assert.That(cached.Select(x => (double)x), Is.EqualTo(expected).Within(1e-4), $"column sums against the weights after {after}");
        });
    }
}
