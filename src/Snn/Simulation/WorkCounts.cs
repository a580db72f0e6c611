namespace FSpiNN.Snn.Simulation;

/// <summary>Exact counts of what one population did.</summary>
public sealed class PopulationCounts(string name, int size)
{
    public string Name { get; } = name;
    public int Size { get; } = size;
    /// <summary>Neuron state updates (one per neuron per simulated step).</summary>
    public long NeuronUpdates { get; set; }
    public long Spikes { get; set; }
    /// <summary>STDP trace values updated (decays, sets on spikes, evaluations of lazily kept traces).</summary>
    public long TraceUpdates { get; set; }

    internal void Add(PopulationCounts other)
    {
        NeuronUpdates += other.NeuronUpdates;
        Spikes += other.Spikes;
        TraceUpdates += other.TraceUpdates;
    }
}

/// <summary>Exact counts of what one projection did.</summary>
public sealed class ProjectionCounts(string name, string pre, string post, long storedWeights)
{
    public string Name { get; } = name;
    public string Pre { get; } = pre;
    public string Post { get; } = post;
    public long StoredWeights { get; } = storedWeights;
    /// <summary>Accumulations actually performed (event-driven: one per existing synapse of a spiking source).</summary>
    public long SynapticEvents { get; set; }
    /// <summary>What a dense matrix-vector product every step would do: pre size × post size × steps.</summary>
    public long DenseSynapticOps { get; set; }
    /// <summary>Weight reads for propagation and learning (normalisation not included).</summary>
    public long WeightReads { get; set; }
    /// <summary>
    /// Weight writes by learning as executed event-driven (normalisation not included): the entries an update changes,
    /// i.e. with a non-zero Δw or a weight above w_max that the clip brings down.
    /// </summary>
    public long WeightWrites { get; set; }
    /// <summary>Weight writes a dense engine makes for the same updates: every entry of each updated row or column.</summary>
    public long DenseWeightWrites { get; set; }
    /// <summary>Weight values touched by column normalisation (each read for the column sum, then scaled and written).</summary>
    public long NormalizationOps { get; set; }

    internal void Add(ProjectionCounts other)
    {
        NormalizationOps += other.NormalizationOps;
        SynapticEvents += other.SynapticEvents;
        DenseSynapticOps += other.DenseSynapticOps;
        WeightReads += other.WeightReads;
        WeightWrites += other.WeightWrites;
        DenseWeightWrites += other.DenseWeightWrites;
    }
}

/// <summary>
/// A flat record of exact counts of the work a run did; the simulator fills it, the cost model prices it.
/// Per-example figures are these totals divided by <see cref="Examples"/>.
/// </summary>
public sealed class WorkCounts
{
    public long Examples { get; set; }
    /// <summary>Presentations including retries.</summary>
    public long Presentations { get; set; }
    public long Retries { get; set; }
    public long TimeSteps { get; set; }
    /// <summary>All STDP trace updates (sum over populations).</summary>
    public long StdpTraceUpdates => _populations.Sum(p => p.TraceUpdates);
    /// <summary>Weight read-modify-writes made by STDP, as executed event-driven (including flushes of the timestep-based accumulator).</summary>
    public long StdpWeightUpdates { get; set; }
    /// <summary>
    /// False for counts recorded before executed writes were counted (model files and stored trials made before then):
    /// their <see cref="ProjectionCounts.WeightWrites"/> are the dense counts.
    /// </summary>
    public bool HasExecutedWriteCounts { get; set; } = true;
    /// <summary>Accumulator additions of timestep-based updates with a non-zero Δw (0 when weights are written at once).</summary>
    public long AccumulatorUpdates { get; set; }
    /// <summary>Weight values touched by normalisation (sum over projections).</summary>
    public long NormalizationOps => _projections.Sum(p => p.NormalizationOps);
    public IReadOnlyList<PopulationCounts> Populations => _populations;
    public IReadOnlyList<ProjectionCounts> Projections => _projections;

    private readonly List<PopulationCounts> _populations = [];
    private readonly List<ProjectionCounts> _projections = [];

    public PopulationCounts AddPopulation(string name, int size)
    {
        var p = new PopulationCounts(name, size);
        _populations.Add(p);
        return p;
    }

    public ProjectionCounts AddProjection(string name, string pre, string post, long storedWeights)
    {
        var p = new ProjectionCounts(name, pre, post, storedWeights);
        _projections.Add(p);
        return p;
    }

    public PopulationCounts Population(string name) =>
        _populations.Find(p => p.Name == name) ?? throw new KeyNotFoundException($"no population '{name}'");

    public ProjectionCounts? Projection(string name) => _projections.Find(p => p.Name == name);

    /// <summary>An empty copy with the same populations and projections.</summary>
    public WorkCounts EmptyLike()
    {
        var c = new WorkCounts();
        foreach (var p in _populations) c.AddPopulation(p.Name, p.Size);
        foreach (var p in _projections) c.AddProjection(p.Name, p.Pre, p.Post, p.StoredWeights);
        return c;
    }

    /// <summary>Adds another count set of the same shape (integer sums: order-independent, so merging threads is deterministic).</summary>
    public void Add(WorkCounts other)
    {
        Examples += other.Examples;
        Presentations += other.Presentations;
        Retries += other.Retries;
        TimeSteps += other.TimeSteps;
        StdpWeightUpdates += other.StdpWeightUpdates;
        AccumulatorUpdates += other.AccumulatorUpdates;
        HasExecutedWriteCounts &= other.HasExecutedWriteCounts;
        for (var i = 0; i < _populations.Count; i++) _populations[i].Add(other._populations[i]);
        for (var i = 0; i < _projections.Count; i++) _projections[i].Add(other._projections[i]);
    }
}
