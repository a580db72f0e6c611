using System.Numerics;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// The sparse depression path <see cref="Plasticity.DepressRow(int, float)"/> against the dense reference
/// <see cref="Plasticity.DepressRow(int, float, ReadOnlySpan{float})"/> with the post trace: same weights (bit for bit), same
/// stochastic-rounding draws, same work counts; and the primitives it rests on (<see cref="WeightMatrix.AddToRowAt"/>,
/// <see cref="WeightMatrix.ColumnMaxima"/>, the counter-based rounding uniforms).
/// </summary>
public sealed class SparseDepressionTests
{
    private const int Rows = 20, Cols = 40, Steps = 700;
    private const int NormalizeStep = 400, ResetStep = 500;

    /// <summary>Weights above w_max at construction: (row, column, multiple of w_max).</summary>
    private static readonly (int Row, int Col, double Times)[] AboveMax = [(2, 5, 1.3), (9, 22, 1.05), (15, 31, 1.6)];

    /// <summary>bits = 0: float32 storage.</summary>
    private static NetworkConfig Config(string preset, int bits, int fraction, RoundingMode rounding, int interval, double weightMax = 1.0) =>
        (NetworkPresets.Create(preset, Cols) with
        {
            Quantize = bits == 0 ? QuantizationMode.None : QuantizationMode.InTraining,
            WeightBits = bits == 0 ? 32 : bits,
            WeightFractionBits = bits == 0 ? -1 : fraction,
            Rounding = rounding,
            UpdateInterval = interval,
            // short post trace: a trace flushes to zero ~140 steps (dt 1 ms) after its neuron's last spike
            TauPost = 2,
            WeightMax = weightMax,
        }).Validate();

    private static WeightMatrix NewWeights(NetworkConfig c, int rows = Rows, int cols = Cols) =>
        c.Quantize == QuantizationMode.InTraining
            ? WeightMatrix.CreateFixed(rows, cols, new FixedPointFormat(c.WeightBits, c.EffectiveFractionBits), c.Rounding)
            : WeightMatrix.CreateFloat(rows, cols);

    /// <summary>U[0, 0.6)·w_max, plus the <see cref="AboveMax"/> entries (as far as the format holds them).</summary>
    private static WeightMatrix InitialWeights(NetworkConfig c)
    {
        var w = NewWeights(c);
        var rng = new Xoshiro256(17);
        for (var k = 0; k < Rows * Cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 0.6 * c.WeightMax, ref rng);
        foreach (var (row, col, times) in AboveMax) w.StoreUnclipped(row * Cols + col, times * c.WeightMax, ref rng);
        return w;
    }

    private static WeightMatrix Copy(WeightMatrix source, NetworkConfig c)
    {
        var w = NewWeights(c, source.Rows, source.Cols);
        w.LoadRawBytes(source.RawBytes);
        return w;
    }

    private sealed record Script(int[][] Pre, int[][] Post);

    /// <summary>
    /// Pre spikes on every step (p = 0.25 per row). Post spikes: steps 0–199 only neurons 3, 17, 29 (few active columns:
    /// sparse path); 200–229 every neuron at p = 0.12 (more than a quarter of the columns active: dense fallback); 230–599
    /// only neuron 11, rarely (the other traces decay and flush to zero); 600–699 every neuron at p = 0.02.
    /// </summary>
    private static Script MakeScript(ulong seed)
    {
        var rng = new Xoshiro256(seed);
        var pre = new int[Steps][];
        var post = new int[Steps][];
        for (var t = 0; t < Steps; t++)
        {
            pre[t] = Enumerable.Range(0, Rows).Where(_ => rng.NextDouble() < 0.25).ToArray();
            int[] candidates;
            double p;
            if (t < 200) (candidates, p) = ([3, 17, 29], 0.03);
            else if (t < 230) (candidates, p) = (Enumerable.Range(0, Cols).ToArray(), 0.12);
            else if (t < 600) (candidates, p) = ([11], 0.01);
            else (candidates, p) = (Enumerable.Range(0, Cols).ToArray(), 0.02);
            post[t] = candidates.Where(_ => rng.NextDouble() < p).ToArray();
        }
        return new Script(pre, post);
    }

    private sealed class Run
    {
        public required WeightMatrix Weights { get; init; }
        public required Plasticity Plasticity { get; init; }
        public required WorkCounts Counts { get; init; }
    }

    private static Run NewRun(NetworkConfig c, WeightMatrix initial, ulong roundingSeed, bool reference = false)
    {
        var weights = Copy(initial, c);
        var counts = Simulator.CreateCounts(c, Rows);
        var plasticity = new Plasticity(weights, c, counts, reference);
        plasticity.SeedRounding(new Xoshiro256(roundingSeed));
        return new Run { Weights = weights, Plasticity = plasticity, Counts = counts };
    }

    /// <summary>Columns the sparse path must list besides the active post neurons: those holding a weight above w_max.</summary>
    private static HashSet<int> ColumnsAboveMax(WeightMatrix w, double weightMax)
    {
        var maxima = new float[w.Cols];
        w.ColumnMaxima(maxima);
        return [.. Enumerable.Range(0, w.Cols).Where(j => maxima[j] > (float)weightMax)];
    }

    private static string FirstDifference(WeightMatrix sparse, WeightMatrix dense, Plasticity p, ISet<int> aboveMax, string when)
    {
        for (var k = 0; k < sparse.Rows * sparse.Cols; k++)
        {
            var a = sparse.Get(k);
            var b = dense.Get(k);
            if (BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b)) continue;
            var (i, j) = (k / sparse.Cols, k % sparse.Cols);
            var codes = sparse.IsQuantized ? $" (codes {sparse.GetCode(k)} vs {dense.GetCode(k)})" : "";
            return $"{when}: w[{i}, {j}] sparse {a:R} vs dense {b:R}{codes}; x_post1[{j}] = {p.PostTrace1[j]:R}, " +
                   $"column listed as above w_max: {aboveMax.Contains(j)}";
        }
        return $"{when}: raw bytes differ";
    }

    private static bool SameBits(float[] a, float[] b) =>
        a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

    /// <summary>
    /// Drives three plasticity engines through the same scripted calls (rule order of the config's STDP rule, potentiation
    /// on post spikes, flushes every update interval, a normalisation, a trace reset) and fails at the first step where
    /// their weights or post traces differ: the sparse path (<c>DepressPre(spikes, eta)</c>), the same engine type depressing
    /// with the dense <c>DepressRow(i, eta, PostTrace1)</c>, and the unoptimised reference engine (every trace decayed,
    /// dense rows). Returns the runs and the number of DepressRow calls that took the sparse path and the dense fallback.
    /// </summary>
    private static (Run Sparse, Run Dense, Run Reference, int SparseCalls, int FallbackCalls) DriveBoth(
        NetworkConfig c, ulong scriptSeed, float potentiation = 0.05f)
    {
        var script = MakeScript(scriptSeed);
        var initial = InitialWeights(c);
        var sparse = NewRun(c, initial, roundingSeed: 23);
        var dense = NewRun(c, initial, roundingSeed: 23);
        var reference = NewRun(c, initial, roundingSeed: 23, reference: true);
        var aboveMax = ColumnsAboveMax(initial, c.WeightMax);
        var supportsSparse = initial.SupportsSparseRowUpdates;
        int sparseCalls = 0, fallbackCalls = 0;
        var sums = new float[Cols];
        var factors = new float[Cols];
        var triplet = c.Stdp == StdpRule.Triplet;

        // the sparse engine depresses a step's rows in one call (DepressPre: the columns and their Δw listed once per step),
        // the others row by row
        void Depress(int[] preSpikes, int t)
        {
            var eta = t % 2 == 0 ? 0.02f : 0.0031f;
            foreach (var i in preSpikes)
            {
                var listed = new HashSet<int>(aboveMax);
                for (var j = 0; j < Cols; j++)
                    if (sparse.Plasticity.PostTrace1[j] != 0) listed.Add(j);
                if (supportsSparse && listed.Count * 4 <= Cols) sparseCalls++;
                else fallbackCalls++;
                dense.Plasticity.DepressRow(i, eta, dense.Plasticity.PostTrace1);
                reference.Plasticity.DepressRow(i, eta, reference.Plasticity.PostTrace1);
            }
            sparse.Plasticity.DepressPre(preSpikes, eta);
        }

        void Both(Action<Plasticity> action)
        {
            action(sparse.Plasticity);
            action(dense.Plasticity);
            action(reference.Plasticity);
        }

        for (var t = 0; t < Steps; t++)
        {
            var pre = script.Pre[t];
            var post = script.Post[t];
            Both(p => p.BeginStep(t));
            if (triplet)
            {
                // Diehl & Cook order: depression reads the post traces before this step's spikes set them
                Depress(pre, t);
                Both(p => p.SetPreTraces(pre));
                Both(p => p.SetPostTraces(post));
            }
            else
            {
                Both(p => p.SetPreTraces(pre));
                Both(p => p.SetPostTraces(post));
                Depress(pre, t);
            }
            foreach (var j in post)
                Both(p => p.PotentiateColumn(j, potentiation, p.PreTraces()));
            if (c.UpdateInterval > 1 && (t + 1) % c.UpdateInterval == 0) Both(p => p.Flush());

            if (t == NormalizeStep)
            {
                Both(p => p.Flush());
                // 1.25 × the mean column sum: the columns holding the largest weights end up above w_max
                sparse.Weights.ColumnSums(sums, new float[Cols]);
                var target = 1.25 * sums.Average();
                Both(p => p.Normalize(target, sums, factors));
                aboveMax = ColumnsAboveMax(sparse.Weights, c.WeightMax);
            }
            if (t == ResetStep) Both(p => p.ResetTraces());

            foreach (var (other, name) in new[] { (dense, "dense"), (reference, "reference engine") })
            {
                if (!sparse.Weights.RawBytes.SequenceEqual(other.Weights.RawBytes))
                    Assert.Fail(FirstDifference(sparse.Weights, other.Weights, sparse.Plasticity, aboveMax, $"step {t}, vs {name}"));
                if (!SameBits(sparse.Plasticity.PostTrace1, other.Plasticity.PostTrace1) || !SameBits(sparse.Plasticity.PostTrace2, other.Plasticity.PostTrace2))
                    Assert.Fail($"step {t}: post traces differ from the {name}");
            }
        }
        Both(p => p.Flush());
        return (sparse, dense, reference, sparseCalls, fallbackCalls);
    }

    private static void AssertSameCounts(WorkCounts sparse, WorkCounts dense)
    {
        var a = sparse.Projection("input_exc")!;
        var b = dense.Projection("input_exc")!;
        Assert.Multiple(() =>
        {
            Assert.That(sparse.StdpWeightUpdates, Is.EqualTo(dense.StdpWeightUpdates), "StdpWeightUpdates");
            Assert.That(sparse.AccumulatorUpdates, Is.EqualTo(dense.AccumulatorUpdates), "AccumulatorUpdates");
            Assert.That(a.WeightReads, Is.EqualTo(b.WeightReads), "input_exc WeightReads");
            Assert.That(a.WeightWrites, Is.EqualTo(b.WeightWrites), "input_exc WeightWrites");
            Assert.That(a.NormalizationOps, Is.EqualTo(b.NormalizationOps), "input_exc NormalizationOps");
            Assert.That(sparse.StdpTraceUpdates, Is.EqualTo(dense.StdpTraceUpdates), "trace updates");
        });
    }

    /// <summary>
    /// The engines' rounding streams are at the same state: a dense depression of every row with a trace of fractional
    /// values (so that stochastic rounding draws for every weight) leaves the same weights.
    /// </summary>
    private static void AssertSameRoundingState(Run sparse, params Run[] others)
    {
        var rng = new Xoshiro256(99);
        var probe = Enumerable.Range(0, Cols).Select(_ => rng.NextSingle()).ToArray();
        foreach (var run in others.Prepend(sparse))
        {
            for (var i = 0; i < Rows; i++) run.Plasticity.DepressRow(i, 0.0123f, probe);
            run.Plasticity.Flush();
        }
        foreach (var other in others)
            Assert.That(sparse.Weights.RawBytes.ToArray(), Is.EqualTo(other.Weights.RawBytes.ToArray()),
                "a later stochastic write draws the same uniforms: the rounding streams were at the same state");
    }

    private static IEnumerable<TestCaseData> Storages()
    {
        (int Bits, int Fraction, RoundingMode Mode)[] storages =
        [
            (0, -1, RoundingMode.Nearest),
            (8, 7, RoundingMode.Stochastic),
            (8, 7, RoundingMode.Nearest),
            (8, 7, RoundingMode.Truncate),
            (8, 8, RoundingMode.Stochastic), // Q0.8: w_max = 1 saturates at 255/256
            (16, 15, RoundingMode.Stochastic),
            (16, 15, RoundingMode.Nearest),
            (16, 15, RoundingMode.Truncate),
            (24, 23, RoundingMode.Stochastic), // 32-bit container: no sparse row updates, always the dense path
        ];
        foreach (var preset in new[] { "bindsnet", "dc2015" })
            foreach (var (bits, fraction, mode) in storages)
                foreach (var interval in new[] { 1, 4 })
                    yield return new TestCaseData(preset, bits, fraction, mode, interval)
                        .SetName($"{{m}}({preset}, {(bits == 0 ? "float32" : $"{bits}-bit Q{bits - fraction}.{fraction}")}, {mode}, interval={interval})");
    }

    [TestCaseSource(nameof(Storages))]
    public void SparseDepression_LeavesTheSameWeightsDrawsAndCountsAsTheDenseReference(string preset, int bits, int fraction, RoundingMode mode, int interval)
    {
        var c = Config(preset, bits, fraction, mode, interval);
        var (sparse, dense, reference, sparseCalls, fallbackCalls) = DriveBoth(c, scriptSeed: 7);
        Assert.Multiple(() =>
        {
            Assert.That(sparse.Weights.RawBytes.ToArray(), Is.EqualTo(dense.Weights.RawBytes.ToArray()), "weights after the final flush");
            Assert.That(sparse.Weights.RawBytes.ToArray(), Is.EqualTo(reference.Weights.RawBytes.ToArray()), "weights after the final flush (reference engine)");
            AssertSameCounts(sparse.Counts, dense.Counts);
            AssertSameCounts(sparse.Counts, reference.Counts);
            if (sparse.Weights.SupportsSparseRowUpdates)
            {
                Assert.That(sparseCalls, Is.GreaterThan(500), "the script exercises the sparse path");
                Assert.That(fallbackCalls, Is.GreaterThan(100), "the script exercises the dense fallback (> 1/4 of the columns listed)");
            }
            Assert.That(sparse.Counts.StdpWeightUpdates, Is.GreaterThan(0));
        });
        AssertSameRoundingState(sparse, dense, reference);
        // the run really moved the weights (depression and potentiation both happened)
        Assert.That(sparse.Weights.RawBytes.SequenceEqual(InitialWeights(c).RawBytes), Is.False);
    }

    /// <summary>
    /// w_max off the fixed-point grid (0.302 is 38.66 steps of Q1.7): a clipped write can store the code above w_max
    /// (stochastic rounding of 38.66 gives 39 = 0.3047 with probability 0.66), after construction and between
    /// normalisations. The dense depression of such a row clips that weight back to w_max and re-rounds it even where
    /// x_post1 = 0; the sparse path must do the same.
    /// </summary>
    [TestCase(0, -1, RoundingMode.Nearest, 1)]
    [TestCase(8, 7, RoundingMode.Nearest, 1)]
    [TestCase(8, 7, RoundingMode.Truncate, 1)]
    [TestCase(8, 7, RoundingMode.Stochastic, 1)]
    [TestCase(8, 7, RoundingMode.Stochastic, 4)]
    [TestCase(16, 15, RoundingMode.Stochastic, 1)]
    public void SparseDepression_MatchesDense_WithWeightMaxOffTheGrid(int bits, int fraction, RoundingMode mode, int interval)
    {
        var c = Config("bindsnet", bits, fraction, mode, interval, weightMax: 0.302);
        // strong potentiation: the columns of the neurons that fire are driven to the clip at w_max
        var (sparse, dense, reference, _, _) = DriveBoth(c, scriptSeed: 7, potentiation: 0.5f);
        Assert.That(sparse.Weights.RawBytes.ToArray(), Is.EqualTo(dense.Weights.RawBytes.ToArray()));
        Assert.That(sparse.Weights.RawBytes.ToArray(), Is.EqualTo(reference.Weights.RawBytes.ToArray()));
        AssertSameCounts(sparse.Counts, dense.Counts);
        AssertSameRoundingState(sparse, dense, reference);
    }

    /// <summary>
    /// The smallest case of the above: potentiation clips column 1 at w_max = 0.302 (off the grid of Q1.7: 38.66 steps;
    /// of Q1.15: 9895.94 steps) and may store the code above it; then every row is depressed with only neuron 0 active.
    /// The dense row update clips column 1 back to w_max and re-rounds it; the sparse path must leave the same codes.
    /// </summary>
    [TestCase(8, 7, RoundingMode.Stochastic)]
    [TestCase(16, 15, RoundingMode.Stochastic)]
    [TestCase(8, 7, RoundingMode.Nearest)]
    [TestCase(8, 7, RoundingMode.Truncate)]
    public void SparseDepression_ReRoundsAWeightPotentiatedAboveAnOffGridWeightMax(int bits, int fraction, RoundingMode mode)
    {
        const int rows = 16, cols = 8;
        var c = NetworkPresets.BindsNet(cols) with
        {
            Quantize = QuantizationMode.InTraining, WeightBits = bits, WeightFractionBits = fraction, Rounding = mode,
            WeightMax = 0.302,
        };
        var initial = NewWeights(c, rows, cols);
        var init = new Xoshiro256(1);
        for (var k = 0; k < rows * cols; k++) initial.StoreUnclipped(k, 0.1, ref init);
        var maxCode = 0.302 * Math.ScaleB(1.0, fraction);
        WeightMatrix Drive(bool sparsePath)
        {
            var w = Copy(initial, c);
            var p = new Plasticity(w, c, Simulator.CreateCounts(c, rows));
            p.SeedRounding(new Xoshiro256(3));
            p.BeginStep(0);
            // potentiate column 1 up to the clip: 0.1 + 1 → w_max = 0.302 → the code below or above w_max
            p.PotentiateColumn(1, 1f, Enumerable.Repeat(1f, rows).ToArray());
            p.BeginStep(1);
            p.SetPostTraces([0]);
            for (var i = 0; i < rows; i++)
                if (sparsePath) p.DepressRow(i, 0.01f);
                else p.DepressRow(i, 0.01f, p.PostTrace1);
            return w;
        }
        var sparse = Drive(true);
        var dense = Drive(false);
        var sparseCol1 = Enumerable.Range(0, rows).Select(i => sparse.GetCode(i * cols + 1)).ToArray();
        var denseCol1 = Enumerable.Range(0, rows).Select(i => dense.GetCode(i * cols + 1)).ToArray();
        Assert.Multiple(() =>
        {
            if (mode != RoundingMode.Truncate)
                Assert.That(sparseCol1.Any(code => code > maxCode), $"the potentiation stored codes above w_max = {maxCode} steps");
            Assert.That(sparseCol1, Is.EqualTo(denseCol1),
                $"column 1 (x_post1 = 0, codes above w_max = {maxCode} steps, not listed) after depressing every row: sparse vs dense");
            Assert.That(sparse.RawBytes.ToArray(), Is.EqualTo(dense.RawBytes.ToArray()));
        });
    }

    [TestCase(0, -1, RoundingMode.Nearest)]
    [TestCase(8, 7, RoundingMode.Stochastic)]
    [TestCase(16, 15, RoundingMode.Nearest)]
    public void SparseDepression_WritesTheActiveColumnAndClipsColumnsAboveWMax_LeavesTheRestAlone(int bits, int fraction, RoundingMode mode)
    {
        var c = Config("bindsnet", bits, fraction, mode, interval: 1);
        var w = NewWeights(c);
        var rng = new Xoshiro256(4);
        for (var k = 0; k < Rows * Cols; k++) w.StoreUnclipped(k, rng.NextDouble() * c.WeightMax, ref rng);
        w.StoreUnclipped(7 * Cols + 4, 0.5, ref rng);
        w.StoreUnclipped(7 * Cols + 30, 1.5, ref rng); // above w_max in a column whose neuron is silent
        w.StoreUnclipped(12 * Cols + 30, 1.25, ref rng); // same column, a row that is not depressed
        var before = w.ToFloatArray();
        var dense = Copy(w, c);
        var counts = Simulator.CreateCounts(c, Rows);
        var p = new Plasticity(w, c, counts);
        p.SeedRounding(new Xoshiro256(8));
        var pDense = new Plasticity(dense, c, Simulator.CreateCounts(c, Rows));
        pDense.SeedRounding(new Xoshiro256(8));
        foreach (var q in new[] { p, pDense })
        {
            q.BeginStep(0);
            q.SetPostTraces([4]);
        }

        p.DepressRow(7, 0.05f);
        pDense.DepressRow(7, 0.05f, pDense.PostTrace1);

        var after = w.ToFloatArray();
        Assert.Multiple(() =>
        {
            for (var k = 0; k < Rows * Cols; k++)
            {
                var (i, j) = (k / Cols, k % Cols);
                if (i == 7 && j is 4 or 30) continue;
                Assert.That(BitConverter.SingleToInt32Bits(after[k]), Is.EqualTo(BitConverter.SingleToInt32Bits(before[k])), $"w[{i}, {j}] unchanged");
            }
            Assert.That(after[7 * Cols + 30], Is.EqualTo((float)c.WeightMax), "a weight above w_max in a silent column is clipped, as the dense row clips it");
            Assert.That(after[7 * Cols + 4], Is.EqualTo(0.45).Within(bits == 8 ? 1 / 128.0 : 1e-4), "the active column is depressed by eta·x_post1 = 0.05");
            Assert.That(after[7 * Cols + 4], Is.LessThan(before[7 * Cols + 4]));
            Assert.That(counts.StdpWeightUpdates, Is.EqualTo(2), "executed: the active column and the clipped one");
            Assert.That(counts.Projection("input_exc")!.WeightWrites, Is.EqualTo(2));
            Assert.That(counts.Projection("input_exc")!.DenseWeightWrites, Is.EqualTo(Cols), "a dense engine writes the whole row");
            Assert.That(w.RawBytes.ToArray(), Is.EqualTo(dense.RawBytes.ToArray()), "same weights as the dense reference");
        });
    }

    [Test]
    public void SparseDepression_AfterNormalize_ClipsTheColumnsTheNormalisationPushedAboveWMax()
    {
        var c = Config("bindsnet", 0, -1, RoundingMode.Nearest, interval: 1) with { Neurons = 8 };
        const int rows = 4, cols = 8;
        var w = WeightMatrix.CreateFloat(rows, cols);
        var rng = new Xoshiro256(1);
        for (var k = 0; k < rows * cols; k++) w.StoreUnclipped(k, 0.2, ref rng);
        w.StoreUnclipped(2 * cols + 6, 0.9, ref rng); // column 6 sums to 1.5, the others to 0.8
        var p = new Plasticity(w, c, Simulator.CreateCounts(c, rows));
        p.Normalize(2.0, new float[cols], new float[cols]); // column 6 ×4/3: w[2, 6] = 1.2 > w_max; the others ×2.5: 0.5
        Assert.That(w[2, 6], Is.EqualTo(1.2f).Within(1e-6));
        p.BeginStep(0);
        p.SetPostTraces([1]);
        p.DepressRow(2, 0.1f);
        Assert.Multiple(() =>
        {
            Assert.That(w[2, 6], Is.EqualTo(1f), "listed after the normalisation and clipped");
            Assert.That(w[2, 1], Is.EqualTo(0.4f).Within(1e-6), "the active column is depressed");
            Assert.That(w[2, 0], Is.EqualTo(0.5f).Within(1e-6), "a silent column within [0, w_max] keeps its weight");
            Assert.That(w[0, 6], Is.EqualTo(0.2f * 4 / 3).Within(1e-6), "other rows are untouched");
        });
    }

    [Test]
    public void SparseDepression_NoActiveNeuron_LeavesTheRowUnchanged_AndTracesThatDecayedToZeroAreDropped()
    {
        var c = Config("bindsnet", 8, 7, RoundingMode.Stochastic, interval: 1);
        var w = NewWeights(c);
        var rng = new Xoshiro256(2);
        for (var k = 0; k < Rows * Cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 0.9, ref rng);
        var p = new Plasticity(w, c, Simulator.CreateCounts(c, Rows));
        p.SeedRounding(new Xoshiro256(5));
        p.BeginStep(0);
        p.SetPostTraces([9]);
        // x_post1 = e^(−t/2): below 1e-30 after 139 steps
        var t = 1;
        for (; p.PostTrace1[9] != 0; t++) p.BeginStep(t);
        Assert.That(t, Is.InRange(130, 150), "the trace flushed to zero after ~138 steps");
        var before = w.RawBytes.ToArray();
        for (var i = 0; i < Rows; i++) p.DepressRow(i, 0.5f);
        Assert.That(w.RawBytes.ToArray(), Is.EqualTo(before), "nothing active, nothing above w_max: every weight kept");
    }

    // ---- WeightMatrix.AddToRowAt ----

    private static IEnumerable<TestCaseData> RowAtCases()
    {
        foreach (var cols in new[] { 50, 5 })
        {
            yield return new TestCaseData(8, 7, RoundingMode.Stochastic, cols);
            yield return new TestCaseData(8, 7, RoundingMode.Nearest, cols);
            yield return new TestCaseData(8, 7, RoundingMode.Truncate, cols);
            yield return new TestCaseData(8, 8, RoundingMode.Stochastic, cols);
            yield return new TestCaseData(6, 2, RoundingMode.Stochastic, cols);
            yield return new TestCaseData(16, 15, RoundingMode.Stochastic, cols);
            yield return new TestCaseData(16, 15, RoundingMode.Nearest, cols);
            yield return new TestCaseData(0, 0, RoundingMode.Nearest, cols);
        }
    }

    [TestCaseSource(nameof(RowAtCases))]
    public void AddToRowAt_WritesWhatAddToRowWrites_AndDrawsTheSame(int bits, int fraction, RoundingMode mode, int cols)
    {
        const int rows = 30;
        const double clipMax = 1.0;
        var format = bits == 0 ? (FixedPointFormat?)null : new FixedPointFormat(bits, fraction);
        WeightMatrix New() => format is { } f ? WeightMatrix.CreateFixed(rows, cols, f, mode) : WeightMatrix.CreateFloat(rows, cols);
        var dense = New();
        var sparse = New();
        var rng = new Xoshiro256(31);
        for (var k = 0; k < rows * cols; k++) dense.StoreUnclipped(k, rng.NextDouble() * clipMax, ref rng);
        sparse.LoadRawBytes(dense.RawBytes);
        Assert.That(sparse.SupportsSparseRowUpdates);

        var rngDense = new Xoshiro256(77);
        var rngSparse = new Xoshiro256(77);
        var scratch = new float[cols];
        for (var i = 0; i < rows; i++)
        {
            // a shuffled subset of the columns; the listed ones may hold a weight above clipMax (both paths clip it)
            var listed = Enumerable.Range(0, cols).Where(_ => rng.NextDouble() < 0.3).OrderBy(_ => rng.NextUInt64()).ToArray();
            var delta = new float[cols];
            foreach (var j in listed)
            {
                delta[j] = (rng.NextInt(6)) switch
                {
                    0 => -2f, // clipped to 0
                    1 => 2f, // clipped to clipMax
                    _ => (float)((rng.NextDouble() - 0.5) * 0.1),
                };
                if (rng.NextInt(5) == 0)
                {
                    var above = i * cols + j;
                    dense.StoreUnclipped(above, 1.4, ref rng);
                    sparse.LoadRawBytes(dense.RawBytes);
                }
            }
            dense.AddToRow(i, delta, clipMax, scratch, ref rngDense);
            sparse.AddToRowAt(i, listed, delta, clipMax, ref rngSparse);
            Assert.That(sparse.RawBytes.ToArray(), Is.EqualTo(dense.RawBytes.ToArray()), $"row {i}, columns [{string.Join(", ", listed)}]");
        }
        Assert.That(rngSparse.NextUInt64(), Is.EqualTo(rngDense.NextUInt64()), "both calls leave the generator at the same state");
    }

    [Test]
    public void AddToRowAt_NeedsFloat8Or16BitStorage()
    {
        var wide = WeightMatrix.CreateFixed(2, 4, new FixedPointFormat(24, 23), RoundingMode.Nearest);
        var rng = new Xoshiro256(1);
        Assert.Multiple(() =>
        {
            Assert.That(wide.SupportsSparseRowUpdates, Is.False);
            Assert.Throws<InvalidOperationException>(() => wide.AddToRowAt(0, [1], new float[4], 1.0, ref rng));
            Assert.That(WeightMatrix.CreateFloat(2, 4).SupportsSparseRowUpdates);
            Assert.That(WeightMatrix.CreateFixed(2, 4, new FixedPointFormat(12, 11), RoundingMode.Nearest).SupportsSparseRowUpdates);
        });
    }

    // ---- WeightMatrix.ColumnMaxima ----

    [TestCase(0, 0)]
    [TestCase(8, 7)]
    [TestCase(16, 15)]
    [TestCase(24, 23)]
    public void ColumnMaxima_IsTheLargestWeightOfEachColumn(int bits, int fraction)
    {
        const int rows = 9, cols = 37;
        var w = bits == 0 ? WeightMatrix.CreateFloat(rows, cols) : WeightMatrix.CreateFixed(rows, cols, new FixedPointFormat(bits, fraction), RoundingMode.Nearest);
        var rng = new Xoshiro256(6);
        for (var k = 0; k < rows * cols; k++) w.StoreUnclipped(k, rng.NextDouble() * 1.5, ref rng);
        for (var i = 0; i < rows; i++) w.StoreUnclipped(i * cols + 3, 0, ref rng); // an all-zero column
        var maxima = new float[cols + 2];
        Array.Fill(maxima, -7f);
        w.ColumnMaxima(maxima);
        var expected = Enumerable.Range(0, cols).Select(j => Enumerable.Range(0, rows).Max(i => w[i, j])).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(maxima[..cols], Is.EqualTo(expected));
            Assert.That(maxima[3], Is.Zero);
            Assert.That(maxima[cols..], Is.All.EqualTo(-7f), "nothing written past Cols");
        });
    }

    // ---- stochastic rounding: unbiased, counter-based uniforms ----

    private static readonly FixedPointFormat Q17 = new(8, 7);

    private static WeightMatrix Filled(int rows, int cols, uint code)
    {
        var m = WeightMatrix.CreateFixed(rows, cols, Q17, RoundingMode.Stochastic);
        var rng = new Xoshiro256(0);
        for (var k = 0; k < rows * cols; k++) m.StoreUnclipped(k, code * Q17.Step, ref rng);
        return m;
    }

    [TestCase(7)] // scalar uniforms only
    [TestCase(64)] // vector uniforms
    [TestCase(37)] // vector blocks and a scalar tail
    public void StochasticRowWrites_AreUnbiased_PerColumn_AndIndependentAcrossColumns(int cols)
    {
        // +0.3 LSB of Q1.7 to every weight of 64,000 / cols rows: each code is 40 + Bernoulli(0.3)
        var rows = 64_000 / cols;
        var m = Filled(rows, cols, 40);
        var rng = new Xoshiro256(12);
        var delta = Enumerable.Repeat((float)(0.3 * Q17.Step), cols).ToArray();
        var scratch = new float[cols];
        for (var i = 0; i < rows; i++) m.AddToRow(i, delta, 1.0, scratch, ref rng);
        var up = new bool[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
            {
                var code = m.GetCode(i * cols + j);
                Assert.That(code, Is.EqualTo(40u).Or.EqualTo(41u));
                up[i, j] = code == 41;
            }
        var total = rows * cols;
        var mean = Enumerable.Range(0, total).Average(k => up[k / cols, k % cols] ? 1.0 : 0.0);
        var sigma = Math.Sqrt(0.21 / total);
        // a pair of neighbouring columns both round up with probability 0.09 when their uniforms are independent
        var pairs = rows * (cols - 1);
        var both = 0;
        for (var i = 0; i < rows; i++)
            for (var j = 0; j + 1 < cols; j++)
                if (up[i, j] && up[i, j + 1]) both++;
        var pairSigma = Math.Sqrt(0.09 * 0.91 / pairs);
        Assert.Multiple(() =>
        {
            Assert.That(mean, Is.EqualTo(0.3).Within(5 * sigma), "E[code] − 40 = 0.3");
            Assert.That(both / (double)pairs, Is.EqualTo(0.09).Within(6 * pairSigma), "neighbouring columns round independently");
            var columnSigma = Math.Sqrt(0.21 / rows);
            for (var j = 0; j < cols; j++)
            {
                var columnMean = Enumerable.Range(0, rows).Average(i => up[i, j] ? 1.0 : 0.0);
                Assert.That(columnMean, Is.EqualTo(0.3).Within(5.5 * columnSigma), $"column {j} (lane {j % Vector<float>.Count})");
            }
        });
    }

    [Test]
    public void StochasticSparseRowWrites_AreUnbiased()
    {
        const int rows = 2000, cols = 64;
        var m = Filled(rows, cols, 40);
        var rng = new Xoshiro256(13);
        var delta = Enumerable.Repeat((float)(0.3 * Q17.Step), cols).ToArray();
        var listed = Enumerable.Range(0, cols).Where(j => j % 3 == 1).ToArray();
        for (var i = 0; i < rows; i++) m.AddToRowAt(i, listed, delta, 1.0, ref rng);
        var listedSet = listed.ToHashSet();
        var mean = Enumerable.Range(0, rows).SelectMany(i => listed.Select(j => (double)m.GetCode(i * cols + j))).Average() - 40;
        var sigma = Math.Sqrt(0.21 / (rows * listed.Length));
        Assert.Multiple(() =>
        {
            Assert.That(mean, Is.EqualTo(0.3).Within(5 * sigma));
            Assert.That(Enumerable.Range(0, rows * cols).Where(k => !listedSet.Contains(k % cols)).Select(m.GetCode), Is.All.EqualTo(40u),
                "columns not listed are not written");
        });
    }

    [Test]
    public void StochasticNormalisation_IsUnbiased()
    {
        // factor 1.0075 on code 40: 40.3 code units
        const int rows = 1000, cols = 64;
        var m = Filled(rows, cols, 40);
        var rng = new Xoshiro256(14);
        var factors = Enumerable.Repeat(1.0075f, cols).ToArray();
        m.ScaleColumns(factors, new float[cols], ref rng, RoundingMode.Stochastic);
        var codes = Enumerable.Range(0, rows * cols).Select(m.GetCode).ToArray();
        var sigma = Math.Sqrt(0.21 / codes.Length);
        Assert.Multiple(() =>
        {
            Assert.That(codes.Distinct().Order(), Is.EqualTo(new uint[] { 40, 41 }));
            Assert.That(codes.Average(c => (double)c) - 40, Is.EqualTo(40 * 1.0075f - 40).Within(5 * sigma));
        });
    }

    /// <summary>
    /// The uniform of column j depends only on the seed drawn for the call and on j, whichever path made it (vector lanes
    /// or the scalar tail): rows of width 7 (scalar only), 37 (vector blocks + tail) and 64 (vector only) written with the
    /// same generator round every shared column the same way.
    /// </summary>
    [Test]
    public void StochasticRowWrites_UniformOfAColumnDoesNotDependOnTheRowWidth()
    {
        const int rows = 300;
        int[] widths = [7, 37, 64];
        var init = new Xoshiro256(40);
        // per row, a start code and a fractional delta per column, shared by all widths
        var starts = new uint[rows, 64];
        var deltas = new float[rows, 64];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < 64; j++)
            {
                starts[i, j] = (uint)(10 + init.NextInt(100));
                deltas[i, j] = (float)((init.NextInt(7) - 3 + init.NextDouble()) * Q17.Step);
            }
        var results = new Dictionary<int, WeightMatrix>();
        foreach (var width in widths)
        {
            var m = WeightMatrix.CreateFixed(rows, width, Q17, RoundingMode.Stochastic);
            var unused = new Xoshiro256(0);
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < width; j++)
                    m.StoreUnclipped(i * width + j, starts[i, j] * Q17.Step, ref unused);
            var rng = new Xoshiro256(41);
            var scratch = new float[width];
            var delta = new float[width];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < width; j++) delta[j] = deltas[i, j];
                m.AddToRow(i, delta, 1.5, scratch, ref rng);
            }
            results[width] = m;
        }
        var changed = 0;
        Assert.Multiple(() =>
        {
            foreach (var width in widths[..^1])
                for (var i = 0; i < rows; i++)
                    for (var j = 0; j < width; j++)
                    {
                        var narrow = results[width].GetCode(i * width + j);
                        var wide = results[64].GetCode(i * 64 + j);
                        if (narrow != starts[i, j]) changed++;
                        if (narrow != wide)
                            Assert.Fail($"row {i}, column {j}: width {width} stored code {narrow}, width 64 stored {wide}");
                    }
        });
        Assert.That(changed, Is.GreaterThan(rows), "the writes changed codes");
    }
}
