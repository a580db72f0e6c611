using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// The learning-write counts against the writes the weight matrix received, counted by the test itself: for every rule,
/// event-driven writes (<see cref="ProjectionCounts.WeightWrites"/>) equal the entries whose value changed, and dense
/// writes (<see cref="ProjectionCounts.DenseWeightWrites"/>) equal whole rows per depressing pre spike plus whole columns
/// per potentiating post spike. Float32 weights in [0.3, 0.6], a short script and large enough rates make every
/// non-zero Δw change its weight and keep every weight inside [0, w_max], so "changed" and "written" coincide.
/// </summary>
public sealed class WriteCountTests
{
    private const int Rows = 30, Cols = 40, Steps = 90;

    private static NetworkConfig Config(StdpRule rule, double etaPre, int updateInterval) => Current(Cols) with
    {
        Stdp = rule, EtaPre = etaPre, EtaPost = 1e-2, TauPre = 20, TauPost = 20, TauPost2 = 40, WeightMax = 1,
        UpdateInterval = updateInterval,
    };

    /// <summary>
    /// Steps alternate between pre spikes only (even steps: ~20 % of the rows) and post spikes only (odd steps, every
    /// fourth: one of four neurons, so that most columns have no post trace and depression is sparse).
    /// </summary>
    private static (int[][] Pre, int[][] Post) Script()
    {
        var rng = new Xoshiro256(5);
        var pre = new int[Steps][];
        var post = new int[Steps][];
        for (var t = 0; t < Steps; t++)
        {
            pre[t] = t % 2 == 0 ? [.. Enumerable.Range(0, Rows).Where(_ => rng.NextDouble() < 0.2)] : [];
            post[t] = t % 4 == 1 ? [new[] { 3, 11, 12, 30 }[rng.NextInt(4)]] : [];
        }
        return (pre, post);
    }

    [TestCase(StdpRule.Triplet, 1e-3, 1)]
    [TestCase(StdpRule.PostPre, 1e-3, 1)]
    [TestCase(StdpRule.Potentiation, 0.0, 1)]    // FSpiNN: potentiation only
    [TestCase(StdpRule.Potentiation, 1e-3, 1)]   // with the pair depression switched back on
    [TestCase(StdpRule.PostPre, 1e-3, 6)]        // timestep-based updates: written at each flush
    [TestCase(StdpRule.Potentiation, 0.0, 6)]
    public void CountedWrites_AreTheWritesTheWeightMatrixReceived(StdpRule rule, double etaPre, int updateInterval)
    {
        var config = Config(rule, etaPre, updateInterval);
        var weights = WeightMatrix.CreateFloat(Rows, Cols);
        var rng = new Xoshiro256(9);
        for (var k = 0; k < Rows * Cols; k++) weights.StoreUnclipped(k, 0.3 + 0.3 * rng.NextDouble(), ref rng);
        var counts = Simulator.CreateCounts(config, Rows);
        var plasticity = new Plasticity(weights, config, counts);
        plasticity.SeedRounding(new Xoshiro256(1));
        var (pre, post) = Script();

        long changed = 0, denseExpected = 0;
        var preSpiked = new bool[Rows];
        var postSpiked = new bool[Cols];
        var before = weights.ToFloatArray();
        for (var t = 0; t < Steps; t++)
        {
            plasticity.BeginStep(t);
            plasticity.Apply(pre[t], post[t], []);
            var windowEnds = (t + 1) % updateInterval == 0 || t == Steps - 1;
            if (windowEnds) plasticity.Flush();

            // the dense engine: a whole row per depressing pre spike, a whole column per post spike whose Δw factor is
            // non-zero (triplet: x_post2 of an earlier spike of that neuron)
            if (etaPre > 0) denseExpected += (long)pre[t].Length * Cols;
            foreach (var j in post[t])
                if (rule != StdpRule.Triplet || postSpiked[j]) denseExpected += Rows;
            foreach (var i in pre[t]) preSpiked[i] = true;
            foreach (var j in post[t]) postSpiked[j] = true;

            if (!windowEnds) continue;
            var after = weights.ToFloatArray();
            for (var k = 0; k < after.Length; k++)
            {
                Assert.That(after[k], Is.InRange(0.0001f, 0.9999f), "no clip in this script");
                if (after[k] != before[k]) changed++;
            }
            before = after;
        }

        var projection = counts.Projection("input_exc")!;
        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.GreaterThan(100), "the script changed weights");
            Assert.That(projection.WeightWrites, Is.EqualTo(changed), "event-driven writes = entries changed");
            Assert.That(counts.StdpWeightUpdates, Is.EqualTo(changed));
            Assert.That(projection.WeightReads, Is.EqualTo(changed), "one read per read-modify-write (no propagation here)");
            if (updateInterval == 1)
                Assert.That(projection.DenseWeightWrites, Is.EqualTo(denseExpected), "dense writes = whole rows and columns");
            else
                Assert.That(projection.DenseWeightWrites, Is.InRange(changed, denseExpected), "flushes write whole touched rows and columns, at most once each per window");
            if (etaPre > 0 && updateInterval == 1)
                Assert.That(projection.WeightWrites, Is.LessThan(denseExpected / 2), "depression writes only the columns with a post trace");
        });
    }

    /// <summary>
    /// A weight above w_max (left by normalisation) in a column with no post trace: the depression's clip changes it, so it
    /// is counted as written, and it is the only write of that row.
    /// </summary>
    [Test]
    public void AClipOnlyChange_IsCountedAsAWrite()
    {
        var config = Config(StdpRule.PostPre, 1e-3, 1);
        var weights = WeightMatrix.CreateFloat(Rows, Cols);
        var rng = new Xoshiro256(9);
        for (var k = 0; k < Rows * Cols; k++) weights.StoreUnclipped(k, 0.5, ref rng);
        weights.StoreUnclipped(4 * Cols + 7, 1.25, ref rng);
        var counts = Simulator.CreateCounts(config, Rows);
        var plasticity = new Plasticity(weights, config, counts);
        plasticity.BeginStep(0);
        plasticity.Apply([4], [], []);   // no post trace anywhere: Δw = 0 in every column
        var projection = counts.Projection("input_exc")!;
        Assert.Multiple(() =>
        {
            Assert.That(weights[4, 7], Is.EqualTo(1f), "the clip brought it down to w_max");
            Assert.That(projection.WeightWrites, Is.EqualTo(1));
            Assert.That(projection.DenseWeightWrites, Is.EqualTo(Cols));
        });
    }
}
