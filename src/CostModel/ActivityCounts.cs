namespace FSpiNN.CostModel;

/// <summary>Whether counts and energies are for learning (training) or for classification only (inference).</summary>
public enum Phase
{
    Training,
    Inference,
}

/// <summary>What one population did over a run.</summary>
/// <param name="NeuronUpdates">Neuron-steps simulated (neurons × steps for a clock-driven simulator; Poisson draws for an input).</param>
/// <param name="Spikes">Spikes emitted.</param>
/// <param name="TraceUpdates">Neuron-steps in which the population's STDP traces were updated (each training-only variable is charged once per count).</param>
public readonly record struct PopulationActivity(long NeuronUpdates = 0, long Spikes = 0, long TraceUpdates = 0);

/// <summary>What one projection did over a run.</summary>
/// <param name="SynapticEvents">Accumulations actually done by event-driven propagation (pre spikes × fan-out).</param>
/// <param name="DenseSynapticOps">Accumulations a dense engine does: every stored matrix entry every step.</param>
/// <param name="WeightReads">Every weight value read: one per synaptic event plus one per learning read-modify-write.</param>
/// <param name="WeightWrites">Weight values written by learning as executed event-driven: the entries an update changes
/// (each also priced as one update computation).</param>
/// <param name="NormalisationOps">Weight values touched by normalisation (each: read, add to the column sum, scale, write).</param>
/// <param name="DenseWeightWrites">Weight values a dense engine writes for the same updates (whole rows and columns of the
/// outer product), priced under <see cref="SynapticExecution.Dense"/>; null = the same as <paramref name="WeightWrites"/>.</param>
public readonly record struct ProjectionActivity(
    long SynapticEvents = 0,
    long DenseSynapticOps = 0,
    long WeightReads = 0,
    long WeightWrites = 0,
    long NormalisationOps = 0,
    long? DenseWeightWrites = null)
{
    /// <summary>Learning writes under <paramref name="execution"/>.</summary>
    public long Writes(SynapticExecution execution) =>
        execution == SynapticExecution.Dense ? DenseWeightWrites ?? WeightWrites : WeightWrites;
}

/// <summary>
/// Plain counts of what a run did (the simulator's exact counts mapped by the caller, or <see cref="AnalyticActivity.Estimate"/>).
/// Populations and projections missing from the dictionaries did nothing.
/// </summary>
/// <param name="Examples">Examples presented (the divisor of per-example energies).</param>
/// <param name="TimeSteps">Simulation steps in total over all examples.</param>
/// <param name="BufferUpdates">Per training buffer (by name): element updates, e.g. additions into the Δw accumulator of
/// timestep-based updates (each priced as one add plus a read and a write of the element).</param>
public sealed record ActivityCounts(
    long Examples,
    long TimeSteps,
    IReadOnlyDictionary<string, PopulationActivity> Populations,
    IReadOnlyDictionary<string, ProjectionActivity> Projections,
    IReadOnlyDictionary<string, long>? BufferUpdates = null)
{
    public long BufferUpdate(string name) => BufferUpdates?.TryGetValue(name, out var count) == true ? count : 0;

    public static ActivityCounts None { get; } = new(0, 0, new Dictionary<string, PopulationActivity>(), new Dictionary<string, ProjectionActivity>());

    public PopulationActivity Population(string name) => Populations.TryGetValue(name, out var activity) ? activity : default;

    public ProjectionActivity Projection(string name) => Projections.TryGetValue(name, out var activity) ? activity : default;

    /// <summary>Checks that every name exists in <paramref name="network"/> and no count is negative.</summary>
    public void Validate(NetworkDescription network, string label)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (Examples < 0 || TimeSteps < 0)
            throw new InvalidNetworkDescriptionException($"{label} counts: Examples and TimeSteps must be ≥ 0, got {Examples} and {TimeSteps}");
        foreach (var (name, activity) in Populations)
        {
            if (network.Populations.All(p => p.Name != name))
                throw new InvalidNetworkDescriptionException(
                    $"{label} counts: unknown population '{name}'; network '{network.Name}' has {string.Join(", ", network.Populations.Select(p => p.Name))}");
            if (activity.NeuronUpdates < 0 || activity.Spikes < 0 || activity.TraceUpdates < 0)
                throw new InvalidNetworkDescriptionException($"{label} counts: population '{name}' has a negative count: {activity}");
        }
        foreach (var (name, activity) in Projections)
        {
            if (network.Projections.All(p => p.Name != name))
                throw new InvalidNetworkDescriptionException(
                    $"{label} counts: unknown projection '{name}'; network '{network.Name}' has {string.Join(", ", network.Projections.Select(p => p.Name))}");
            if (activity.SynapticEvents < 0 || activity.DenseSynapticOps < 0 || activity.WeightReads < 0 || activity.WeightWrites < 0 || activity.NormalisationOps < 0
                || activity.DenseWeightWrites < 0)
                throw new InvalidNetworkDescriptionException($"{label} counts: projection '{name}' has a negative count: {activity}");
        }
        foreach (var (name, count) in BufferUpdates ?? new Dictionary<string, long>())
        {
            if (network.Buffers.All(b => b.Name != name))
                throw new InvalidNetworkDescriptionException(
                    $"{label} counts: unknown training buffer '{name}'; network '{network.Name}' has {(network.Buffers.Count == 0 ? "none" : string.Join(", ", network.Buffers.Select(b => b.Name)))}");
            if (count < 0)
                throw new InvalidNetworkDescriptionException($"{label} counts: training buffer '{name}' has a negative update count {count}");
        }
    }
}
