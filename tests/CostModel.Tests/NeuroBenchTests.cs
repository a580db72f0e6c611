namespace FSpiNN.CostModel.Tests;

public sealed class NeuroBenchTests
{
    // NeuroBench documentation, docs/metrics/workload_metrics/synaptic_operations.rst (github.com/NeuroBench/neurobench):
    // W = [[1.3, 0, −3.2], [0, 1.2, −5.1], [−1.1, 2.7, 0]], x = [0, 1.3, −1]; binarised W·x = [1, 2, 1] →
    // "Effective SynOps = 4"; "the number of Dense synaptic operations is 9". x is not binary, so they are MACs.
    private static readonly double[,] Weights = { { 1.3, 0, -3.2 }, { 0, 1.2, -5.1 }, { -1.1, 2.7, 0 } };

    [Test]
    public void Reproduces_the_documented_worked_example()
    {
        var counts = NeuroBenchMetrics.CountLinearLayer(Weights, [0, 1.3, -1]);

        Assert.That(counts, Is.EqualTo(new SynapticOperationCounts(Dense: 9, EffectiveMacs: 4, EffectiveAcs: 0)));
    }

    [Test]
    public void Binary_spikes_count_as_accumulates()
    {
        var counts = NeuroBenchMetrics.CountLinearLayer(Weights, [0, 1, 1]);

        Assert.That(counts, Is.EqualTo(new SynapticOperationCounts(Dense: 9, EffectiveMacs: 0, EffectiveAcs: 4)));
    }

    [Test]
    public void Network_metrics_follow_their_closed_forms()
    {
        const int n = 400;
        var network = ReferenceNetworks.FSpiNN(n, Precision.Fixed(8));
        var inference = AnalyticActivity.Estimate(network, new ActivityAssumptions(), examples: 4, Phase.Inference);
        var report = CostEstimator.Estimate(network, ActivityCounts.None, inference);
        var metrics = report.NeuroBench;

        Assert.Multiple(() =>
        {
            Assert.That(metrics.FootprintBytes, Is.EqualTo(report.InferenceMemoryBytes));
            Assert.That(metrics.ConnectionSparsity, Is.EqualTo(1 - (784.0 * n + n * (n - 1.0)) / (784.0 * n + (double)n * n)).Within(1e-12));
            Assert.That(metrics.ActivationSparsity, Is.EqualTo(1 - 5.0 / (n * 250.0)).Within(1e-12));
            Assert.That(metrics.DenseSynapticOpsPerExample, Is.EqualTo((784.0 * n + (double)n * n) * 250));
            Assert.That(metrics.EffectiveAcsPerExample, Is.EqualTo((double)(inference.Projection("X->Ae").SynapticEvents + inference.Projection("Ae->Ae").SynapticEvents) / 4));
            Assert.That(metrics.EffectiveMacsPerExample, Is.Zero);
        });
    }
}
