using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// The generic storage core (<see cref="WeightStore{T, TCode}"/> with the block loops of CodeConversions and RowBlocks)
/// against a plain scalar loop over the stored elements, for every stored type: float32, 4- and 8-bit codes in bytes,
/// 12- and 16-bit codes in 16 bits, 24-bit codes in 32 bits. The expected values are computed here from the raw bytes
/// (little-endian elements), element by element, with the arithmetic the matrix documents, and must match bit for bit.
/// 150 columns and a column offset of 5 put 64-column blocks, partial blocks and scalar tails in every operation.
/// </summary>
public sealed class WeightStoreScalarTests
{
    private const int Rows = 9, Cols = 150, Start = 5;

    public static IEnumerable<TestCaseData> Storages()
    {
        yield return new TestCaseData(0, 0).SetName("float32");
        yield return new TestCaseData(4, 3).SetName("Q1.3 in bytes");
        yield return new TestCaseData(8, 7).SetName("Q1.7 in bytes");
        yield return new TestCaseData(12, 11).SetName("Q1.11 in 16 bits");
        yield return new TestCaseData(16, 15).SetName("Q1.15 in 16 bits");
        yield return new TestCaseData(24, 22).SetName("Q2.22 in 32 bits");
    }

    /// <summary>A matrix of the given format (bits 0: float32) filled with values in [0, 0.9).</summary>
    private static WeightMatrix Filled(int bits, int fraction, RoundingMode rounding = RoundingMode.Nearest, ulong seed = 11)
    {
        var w = bits == 0 ? WeightMatrix.CreateFloat(Rows, Cols) : WeightMatrix.CreateFixed(Rows, Cols, new FixedPointFormat(bits, fraction), rounding);
        var rng = new Xoshiro256(seed);
        for (var k = 0; k < Rows * Cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 0.9, ref rng);
        return w;
    }

    /// <summary>The stored elements, read from the raw bytes: float bits, or codes.</summary>
    private static (float[] Floats, uint[] Codes) Elements(WeightMatrix w)
    {
        var raw = w.RawBytes.ToArray();
        var n = Rows * Cols;
        var floats = new float[n];
        var codes = new uint[n];
        var width = raw.Length / n;
        Assert.That(width, Is.EqualTo(w.StorageBitsPerWeight / 8), "element width");
        for (var k = 0; k < n; k++)
        {
            if (!w.IsQuantized) floats[k] = BitConverter.ToSingle(raw, 4 * k);
            else codes[k] = width switch { 1 => raw[k], 2 => BitConverter.ToUInt16(raw, 2 * k), _ => BitConverter.ToUInt32(raw, 4 * k) };
        }
        return (floats, codes);
    }

    private static float Value(WeightMatrix w, (float[] Floats, uint[] Codes) e, int k) => w.IsQuantized ? (float)e.Codes[k] * w.CodeStep : e.Floats[k];

    [TestCaseSource(nameof(Storages))]
    public void RowReads_MatchAScalarLoop(int bits, int fraction)
    {
        var w = Filled(bits, fraction);
        var e = Elements(w);
        var length = Cols - Start - 3;
        var rng = new Xoshiro256(5);
        var initial = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        Assert.Multiple(() =>
        {
            for (var i = 0; i < Rows; i++)
            {
                var decoded = new float[length];
                w.DecodeRow(i, Start, decoded);
                Assert.That(decoded, Is.EqualTo(Enumerable.Range(0, length).Select(j => Value(w, e, i * Cols + Start + j))), $"DecodeRow {i}");
                var target = initial.ToArray();
                w.AddRowTo(i, target, new float[length], Start);
                Assert.That(target, Is.EqualTo(Enumerable.Range(0, length).Select(j => initial[j] + Value(w, e, i * Cols + Start + j))), $"AddRowTo {i}");
            }
            Assert.That(w.ToFloatArray(), Is.EqualTo(Enumerable.Range(0, Rows * Cols).Select(k => Value(w, e, k))), "ToFloatArray");
            var maxima = new float[Cols];
            w.ColumnMaxima(maxima);
            Assert.That(maxima, Is.EqualTo(Enumerable.Range(0, Cols).Select(j => Enumerable.Range(0, Rows).Max(i => Value(w, e, i * Cols + j)))), "ColumnMaxima");
        });
    }

    [TestCaseSource(nameof(Storages))]
    public void RowSums_MatchAScalarLoop(int bits, int fraction)
    {
        var w = Filled(bits, fraction);
        var e = Elements(w);
        var length = Cols - Start - 3;
        int[] rows = [7, 0, 3, 3, 8, 1];
        var rng = new Xoshiro256(6);
        var initial = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        // float: the additions in the listed order; codes: the exact integer sum, converted and scaled once
        var expected = Enumerable.Range(0, length).Select(j => w.IsQuantized
            ? initial[j] + (float)rows.Aggregate(0u, (sum, i) => sum + e.Codes[i * Cols + Start + j]) * w.CodeStep
            : rows.Aggregate(initial[j], (sum, i) => sum + e.Floats[i * Cols + Start + j])).ToArray();
        var target = initial.ToArray();
        var blocked = w.AddRowsTo(rows, target, Start);
        Assert.Multiple(() =>
        {
            Assert.That(blocked, Is.EqualTo(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && bits <= 16), "which storages the block kernel takes");
            if (blocked) Assert.That(target, Is.EqualTo(expected), "AddRowsTo");
            if (!w.HasSmallCodes) return;
            var sums = new uint[length];
            foreach (var i in rows) w.AccumulateRowCodes(i, sums, Start);
            Assert.That(sums, Is.EqualTo(Enumerable.Range(0, length).Select(j => rows.Aggregate(0u, (sum, i) => sum + e.Codes[i * Cols + Start + j]))), "AccumulateRowCodes");
        });
    }

    [TestCaseSource(nameof(Storages))]
    public void ColumnSums_MatchAScalarLoop(int bits, int fraction)
    {
        var w = Filled(bits, fraction);
        var e = Elements(w);
        // codes (8/16 bits): exact sums, scaled once; float and 32-bit codes: the weights added row after row
        var expected = Enumerable.Range(0, Cols).Select(j => w.HasSmallCodes
            ? (float)Enumerable.Range(0, Rows).Aggregate(0u, (sum, i) => sum + e.Codes[i * Cols + j]) * w.CodeStep
            : Enumerable.Range(0, Rows).Aggregate(0f, (sum, i) => sum + Value(w, e, i * Cols + j))).ToArray();
        var expectedMax = Enumerable.Range(0, Cols).Select(j => Enumerable.Range(0, Rows).Max(i => Value(w, e, i * Cols + j))).ToArray();
        Assert.Multiple(() =>
        {
            foreach (var rowBlocks in new[] { true, false })
            {
                var sums = new float[Cols];
                var maxima = new float[Cols];
                w.ColumnSums(sums, new float[Cols], maxima, rowBlocks);
                Assert.That(sums, Is.EqualTo(expected), $"sums, rowBlocks {rowBlocks}");
                Assert.That(maxima, Is.EqualTo(expectedMax), $"maxima, rowBlocks {rowBlocks}");
            }
        });
    }

    [TestCaseSource(nameof(Storages))]
    public void Rescaling_MatchesAScalarLoop(int bits, int fraction)
    {
        foreach (var mode in new[] { RoundingMode.Nearest, RoundingMode.Truncate })
        {
            var w = Filled(bits, fraction, mode);
            var e = Elements(w);
            // every column changes: the full pass, not the few-column one
            var factors = Enumerable.Range(0, Cols).Select(j => 0.7f + j * 0.005f).ToArray();
            var rng = new Xoshiro256(1);
            w.ScaleColumns(factors, new float[Cols], ref rng, mode);
            var after = Elements(w);
            var half = mode == RoundingMode.Nearest ? 0.5f : 0f;
            for (var k = 0; k < Rows * Cols; k++)
            {
                var f = factors[k % Cols];
                if (!w.IsQuantized)
                {
                    Assert.That(after.Floats[k], Is.EqualTo(e.Floats[k] * f), $"{mode}, weight {k}");
                    continue;
                }
                // 8/16 bits: in code units, in float; 32 bits: the decoded value scaled, re-quantized in double
                var format = w.Format!.Value;
                var expected = w.HasSmallCodes
                    ? (uint)Math.Clamp(MathF.Floor(e.Codes[k] * f + half), 0f, format.MaxCode)
                    : format.Encode((float)e.Codes[k] * w.CodeStep * f, mode, ref rng);
                Assert.That(after.Codes[k], Is.EqualTo(expected), $"{mode}, weight {k}: code {e.Codes[k]} x {f}");
            }
        }
    }

    [TestCaseSource(nameof(Storages))]
    public void RowUpdates_MatchAScalarLoop(int bits, int fraction)
    {
        foreach (var mode in new[] { RoundingMode.Nearest, RoundingMode.Truncate })
        {
            var w = Filled(bits, fraction, mode);
            var sparse = Filled(bits, fraction, mode);
            var e = Elements(w);
            const float clip = 0.8f;
            var delta = Enumerable.Range(0, Cols).Select(j => (j % 7 - 3) * 0.013f).ToArray();
            var rng = new Xoshiro256(2);
            const int row = 4;
            w.AddToRow(row, delta, clip, new float[Cols], ref rng);
            int[] columns = [0, 63, 64, 100, 149];
            if (sparse.SupportsSparseRowUpdates) sparse.AddToRowAt(row, columns, delta, clip, ref rng);
            var after = Elements(w);
            var afterSparse = Elements(sparse);
            Assert.Multiple(() =>
            {
                for (var j = 0; j < Cols; j++)
                {
                    var k = row * Cols + j;
                    // the updated weight in float, clipped; codes re-quantized from it
                    var x = Math.Clamp(Value(w, e, k) + delta[j], 0f, clip);
                    if (!w.IsQuantized)
                    {
                        Assert.That(after.Floats[k], Is.EqualTo(x), $"{mode}, column {j}");
                        if (columns.Contains(j)) Assert.That(afterSparse.Floats[k], Is.EqualTo(x), $"{mode}, sparse, column {j}");
                        continue;
                    }
                    var format = w.Format!.Value;
                    var expected = w.HasSmallCodes
                        ? (uint)Math.Clamp(MathF.Floor(x * MathF.ScaleB(1f, format.FractionBits) + (mode == RoundingMode.Nearest ? 0.5f : 0f)), 0f, format.MaxCode)
                        : format.Encode(x, mode, ref rng);
                    Assert.That(after.Codes[k], Is.EqualTo(expected), $"{mode}, column {j}: code {e.Codes[k]} + {delta[j]}");
                    if (columns.Contains(j) && w.SupportsSparseRowUpdates) Assert.That(afterSparse.Codes[k], Is.EqualTo(expected), $"{mode}, sparse, column {j}");
                }
                for (var k = 0; k < Rows * Cols; k++)
                    if (k / Cols != row) Assert.That(w.IsQuantized ? after.Codes[k] : after.Floats[k], Is.EqualTo(w.IsQuantized ? e.Codes[k] : e.Floats[k]), $"{mode}, other rows unchanged, weight {k}");
            });
        }
    }
}
