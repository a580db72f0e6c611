namespace FSpiNN.CostModel;

/// <summary>Synaptic operations of one layer, NeuroBench style.</summary>
/// <param name="Dense">Every weight × every input, zeros included.</param>
/// <param name="EffectiveMacs">Nonzero weight × nonzero input pairs when the input is not binary.</param>
/// <param name="EffectiveAcs">Nonzero weight × nonzero input pairs when the input is binary (spikes in {0, ±1}).</param>
public readonly record struct SynapticOperationCounts(long Dense, long EffectiveMacs, long EffectiveAcs);

/// <summary>
/// NeuroBench-compatible metrics of a network over an inference run (Yik et al., NeuroBench; definitions in the
/// NeuroBench documentation, docs/metrics/workload_metrics/synaptic_operations.rst and the static metrics pages).
/// </summary>
/// <param name="FootprintBytes">Inference memory footprint (weights, neuron state, assignment table).</param>
/// <param name="ConnectionSparsity">Fraction of zero entries over the full pre × post matrices: 1 − Σ connections / Σ (pre × post).</param>
/// <param name="ActivationSparsity">1 − spikes / neuron-steps over the non-input (spiking-layer) populations.</param>
/// <param name="DenseSynapticOpsPerExample">Σ dense synaptic operations / examples.</param>
/// <param name="EffectiveAcsPerExample">Σ synaptic events / examples (spikes are binary, so every effective operation is an AC).</param>
/// <param name="EffectiveMacsPerExample">0 for spiking inputs; kept for the NeuroBench column set.</param>
public sealed record NeuroBenchMetrics(
    double FootprintBytes,
    double ConnectionSparsity,
    double ActivationSparsity,
    double DenseSynapticOpsPerExample,
    double EffectiveAcsPerExample,
    double EffectiveMacsPerExample)
{
    public static NeuroBenchMetrics Compute(NetworkDescription network, MemoryFootprint memory, ActivityCounts inference)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(inference);
        double entries = network.Projections.Sum(p => (double)network.MatrixEntries(p));
        double connections = network.Projections.Sum(p => (double)network.Connections(p));
        double neuronSteps = 0, spikes = 0;
        foreach (var population in network.Populations.Where(p => !p.IsInput))
        {
            var activity = inference.Population(population.Name);
            neuronSteps += activity.NeuronUpdates;
            spikes += activity.Spikes;
        }
        double examples = Math.Max(1, inference.Examples);
        double dense = network.Projections.Sum(p => (double)inference.Projection(p.Name).DenseSynapticOps);
        double effective = network.Projections.Sum(p => (double)inference.Projection(p.Name).SynapticEvents);
        return new NeuroBenchMetrics(
            memory.InferenceBytes,
            entries == 0 ? 0 : 1 - connections / entries,
            neuronSteps == 0 ? 0 : 1 - spikes / neuronSteps,
            inference.Examples == 0 ? 0 : dense / examples,
            inference.Examples == 0 ? 0 : effective / examples,
            0);
    }

    /// <summary>
    /// NeuroBench's synaptic-operation count for a linear layer y = W·x (bias ignored, as NeuroBench does): weights and
    /// inputs are binarised (nonzero → 1) and the forward pass summed for the effective count; everything set to 1 for
    /// the dense count. Inputs whose values are all in {0, 1, −1} are spikes, so their operations are ACs, else MACs.
    /// </summary>
    /// <param name="weights">W[output, input].</param>
    public static SynapticOperationCounts CountLinearLayer(double[,] weights, ReadOnlySpan<double> inputs)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int outputs = weights.GetLength(0), width = weights.GetLength(1);
        if (inputs.Length != width)
            throw new ArgumentException($"the layer has {width} inputs but {inputs.Length} activations were given", nameof(inputs));
        long effective = 0;
        bool binary = true;
        for (int i = 0; i < width; i++)
        {
            double x = inputs[i];
            if (x is not (0 or 1 or -1)) binary = false;
            if (x == 0) continue;
            for (int o = 0; o < outputs; o++)
            {
                if (weights[o, i] != 0) effective++;
            }
        }
        return new SynapticOperationCounts((long)outputs * width, binary ? 0 : effective, binary ? effective : 0);
    }
}
