namespace FSpiNN.CostModel;

/// <summary>
/// Expected activity used when no simulation has been run (defaults documented in docs/cost-model.md):
/// 250 steps of 1 ms per example, Poisson input at pixel/255 × 128 Hz with MNIST's mean pixel 33/255 (≈ 16.6 Hz per
/// input neuron), 5 spikes per example in each non-input population (the winner-take-all layer fires a few times in
/// total), weights written every step, potentiation only (FSpiNN), normalisation after every training example.
/// </summary>
public sealed record ActivityAssumptions
{
    public int StepsPerExample { get; init; } = 250;
    public double DtMs { get; init; } = 1.0;
    public double InputMaxRateHz { get; init; } = 128.0;
    /// <summary>Mean pixel as a fraction of the maximum (MNIST: mean 0.1307 ≈ 33/255).</summary>
    public double MeanPixelIntensity { get; init; } = 33.0 / 255.0;
    /// <summary>Spikes per example of a whole non-input population (not per neuron).</summary>
    public double SpikesPerExample { get; init; } = 5.0;
    /// <summary>Per-population overrides of <see cref="SpikesPerExample"/> (input populations too).</summary>
    public IReadOnlyDictionary<string, double>? SpikesPerExampleByPopulation { get; init; }
    /// <summary>Weights are written every this many steps (timestep-based updates, reference C.3); 1 = every step.</summary>
    public int UpdateIntervalSteps { get; init; } = 1;
    /// <summary>Also depress on presynaptic spikes (baseline STDP): each pre spike rewrites its fan-out row.</summary>
    public bool PresynapticDepression { get; init; }
    public bool NormaliseAfterEachExample { get; init; } = true;
    /// <summary>
    /// Fraction of the inputs that spike in an example, so that their rows have a presynaptic trace and a potentiated column
    /// changes them (MNIST: 19.1 % of training pixels are non-zero; the rest never spike).
    /// </summary>
    public double ActiveInputFraction { get; init; } = 0.191;

    public double InputRateHz => InputMaxRateHz * MeanPixelIntensity;
}

/// <summary>Analytic estimate of <see cref="ActivityCounts"/> from <see cref="ActivityAssumptions"/>.</summary>
public static class AnalyticActivity
{
    public static ActivityCounts Estimate(NetworkDescription network, ActivityAssumptions assumptions, long examples, Phase phase)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(assumptions);
        network.Validate();
        if (examples < 0)
            throw new ArgumentOutOfRangeException(nameof(examples), examples, "examples must be ≥ 0");
        if (assumptions.StepsPerExample <= 0 || assumptions.DtMs <= 0 || assumptions.UpdateIntervalSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(assumptions), "StepsPerExample, DtMs and UpdateIntervalSteps must be > 0");

        int steps = assumptions.StepsPerExample;
        bool training = phase == Phase.Training;
        var spikesPerExample = new Dictionary<string, double>(StringComparer.Ordinal);
        var populations = new Dictionary<string, PopulationActivity>(StringComparer.Ordinal);
        foreach (var population in network.Populations)
        {
            double spikes = assumptions.SpikesPerExampleByPopulation?.TryGetValue(population.Name, out var given) == true
                ? given
                : population.IsInput
                    ? population.Size * assumptions.InputRateHz * steps * assumptions.DtMs / 1000.0
                    : assumptions.SpikesPerExample;
            spikesPerExample[population.Name] = spikes;
            long neuronSteps = (long)population.Size * steps * examples;
            bool hasTraces = population.TrainingOnlyState.Any();
            populations[population.Name] = new PopulationActivity(
                NeuronUpdates: neuronSteps,
                Spikes: Total(spikes, examples),
                TraceUpdates: training && hasTraces ? neuronSteps : 0);
        }

        var projections = new Dictionary<string, ProjectionActivity>(StringComparer.Ordinal);
        long windows = (steps + assumptions.UpdateIntervalSteps - 1) / assumptions.UpdateIntervalSteps;
        double changes = 0; // weight changes computed by learning, before timestep-based updates merge them into fewer writes
        foreach (var projection in network.Projections)
        {
            double preSpikes = spikesPerExample[projection.Pre];
            double postSpikes = spikesPerExample[projection.Post];
            long pre = network.Population(projection.Pre).Size;
            double events = preSpikes * network.FanOut(projection);
            long stored = projection.Storage == WeightStorage.Dense ? network.MatrixEntries(projection) : network.Connections(projection);
            double writes = 0, denseWrites = 0, normalisation = 0;
            if (training && projection.Plastic)
            {
                // Potentiation at post spikes rewrites the spiking neuron's column; with winner-take-all the spikes of one
                // window come from one winner, so a window writes at most one column. Event-driven, only the rows of
                // inputs that spiked (a non-zero pre trace) change; a dense engine writes the whole column.
                double columns = Math.Min(postSpikes, windows);
                double activeRows = pre * assumptions.ActiveInputFraction;
                writes = activeRows * columns;
                denseWrites = pre * columns;
                var projectionChanges = activeRows * postSpikes;
                if (assumptions.PresynapticDepression)
                {
                    // each pre spike depresses the columns with a post trace: on average half of the example's distinct
                    // spiking neurons have fired before it (a dense engine writes the whole row)
                    double traced = Math.Min(network.Population(projection.Post).Size, postSpikes) / 2;
                    writes += preSpikes * traced;
                    denseWrites += events;
                    projectionChanges += preSpikes * traced;
                }
                changes += projectionChanges;
                if (assumptions.NormaliseAfterEachExample)
                    normalisation = network.Connections(projection);
            }
            projections[projection.Name] = new ProjectionActivity(
                SynapticEvents: Total(events, examples),
                DenseSynapticOps: stored * steps * examples,
                WeightReads: Total(events + writes, examples),
                WeightWrites: Total(writes, examples),
                NormalisationOps: Total(normalisation, examples),
                DenseWeightWrites: Total(denseWrites, examples));
        }
        // with T_u > 1 every change is first added into the Δw accumulator (the network's training buffers)
        var bufferUpdates = training && assumptions.UpdateIntervalSteps > 1
            ? network.Buffers.ToDictionary(b => b.Name, _ => Total(changes, examples), StringComparer.Ordinal)
            : null;
        return new ActivityCounts(examples, (long)steps * examples, populations, projections, bufferUpdates);
    }

    private static long Total(double perExample, long examples) => (long)Math.Round(perExample * examples, MidpointRounding.AwayFromZero);
}
