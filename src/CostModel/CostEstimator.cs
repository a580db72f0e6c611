namespace FSpiNN.CostModel;

/// <summary>How synaptic propagation is priced.</summary>
public enum SynapticExecution
{
    /// <summary>Only the synaptic events that happened (sparsity-aware hardware).</summary>
    EventDriven,
    /// <summary>Every stored matrix entry every step (a dense GPU/BindsNET engine, reference C.8).</summary>
    Dense,
}

/// <summary>Options of <see cref="CostEstimator.Estimate"/>.</summary>
public sealed record CostOptions
{
    public SynapticExecution Execution { get; init; } = SynapticExecution.EventDriven;
    /// <summary>Examples of one training-set pass (MNIST / Fashion-MNIST: 60 000).</summary>
    public long TrainingDatasetExamples { get; init; } = 60_000;
    /// <summary>Examples of one test-set pass (10 000).</summary>
    public long InferenceDatasetExamples { get; init; } = 10_000;

    public static CostOptions Defaults { get; } = new();
}

public enum EnergyCategory
{
    Compute,
    Memory,
}

/// <summary>One line of an energy breakdown: <see cref="Count"/> actions of one kind on one component.</summary>
/// <param name="Component">e.g. <c>projection:X->Ae</c> or <c>population:Ae</c>.</param>
/// <param name="Learning">True for energy spent only because the network learns (weight updates, traces, normalisation).</param>
/// <param name="Rule">"measured", or how the energy per action was derived.</param>
public sealed record EnergyItem(
    string Component,
    EnergyCategory Category,
    string Action,
    long Count,
    double PicojoulesPerAction,
    bool Learning,
    string Rule)
{
    public double Picojoules => Count * PicojoulesPerAction;
}

/// <summary>Energy of one phase: the itemised breakdown and its sums.</summary>
public sealed record EnergyReport(Phase Phase, long Examples, long DatasetExamples, IReadOnlyList<EnergyItem> Items)
{
    private const double JoulesPerPicojoule = 1e-12;

    public double TotalJoules => Items.Sum(i => i.Picojoules) * JoulesPerPicojoule;
    public double PerExampleJoules => Examples == 0 ? 0 : TotalJoules / Examples;
    /// <summary>Per-example energy × the examples of one pass over the dataset.</summary>
    public double PerDatasetPassJoules => PerExampleJoules * DatasetExamples;
    public double ComputeJoules => Sum(i => i.Category == EnergyCategory.Compute);
    public double MemoryJoules => Sum(i => i.Category == EnergyCategory.Memory);
    /// <summary>Energy of learning: STDP weight updates, traces and normalisation.</summary>
    public double LearningJoules => Sum(i => i.Learning);
    public double LearningShare => TotalJoules == 0 ? 0 : LearningJoules / TotalJoules;

    /// <summary>Joules per component (projection or population), in the order components first appear.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> ByComponent() =>
        Items.GroupBy(i => i.Component)
            .Select(g => new KeyValuePair<string, double>(g.Key, g.Sum(i => i.Picojoules) * JoulesPerPicojoule))
            .ToList();

    private double Sum(Func<EnergyItem, bool> select) => Items.Where(select).Sum(i => i.Picojoules) * JoulesPerPicojoule;
}

/// <summary>Everything the search engine and the CLI need about the cost of one network.</summary>
/// <param name="TrainingNetwork">The network as it trains when that differs from <see cref="Network"/> (post-training
/// quantization: it learns with float weights and is quantized afterwards); null = the same network.</param>
/// <param name="TrainingFootprint">Memory of <see cref="TrainingNetwork"/>; null = <see cref="Memory"/>.</param>
public sealed record CostReport(
    NetworkDescription Network,
    string ProfileName,
    CostOptions Options,
    MemoryFootprint Memory,
    IReadOnlyDictionary<string, string> Placement,
    EnergyReport Training,
    EnergyReport Inference,
    NeuroBenchMetrics NeuroBench,
    NetworkDescription? TrainingNetwork = null,
    MemoryFootprint? TrainingFootprint = null)
{
    public long TrainingMemoryBits => (TrainingFootprint ?? Memory).TrainingBits;
    public long InferenceMemoryBits => Memory.InferenceBits;
    public double TrainingMemoryBytes => (TrainingFootprint ?? Memory).TrainingBytes;
    public double InferenceMemoryBytes => Memory.InferenceBytes;

    /// <summary>Flat table-friendly lines (<c>memory</c>, <c>placement</c>, <c>energy</c>, <c>neurobench</c>) for printing or CSV.</summary>
    public IReadOnlyList<ReportRow> Rows => ReportRows.Build(this);
}

/// <summary>
/// The one call of the cost model: memory footprint, placement, training and inference energy, NeuroBench metrics.
/// </summary>
public static class CostEstimator
{
    /// <summary>Width of one stochastic-rounding draw (a 32-bit uniform, as the simulator draws).</summary>
    public static Precision RandomDrawPrecision => Precision.Fixed(32);

    public static CostReport Estimate(
        NetworkDescription network,
        ActivityCounts training,
        ActivityCounts inference,
        EnergyProfile? profile = null,
        CostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(inference);
        profile ??= EnergyProfile.Default;
        options ??= CostOptions.Defaults;
        var memory = MemoryModel.Compute(network);
        training.Validate(network, "training");
        inference.Validate(network, "inference");
        var placement = Place(memory, profile);
        return new CostReport(
            network,
            profile.Name,
            options,
            memory,
            placement,
            Energy(network, memory, placement, training, profile, options, Phase.Training),
            Energy(network, memory, placement, inference, profile, options, Phase.Inference),
            NeuroBenchMetrics.Compute(network, memory, inference));
    }

    /// <summary>
    /// Memory level of every array; arrays placed on one level share its capacity. Order: pinned arrays first, at their pin
    /// (a pin wins even over capacity, and its array still takes its room); then the arrays present at inference, then the
    /// training-only ones (traces, buffers), each group smallest first (ties by name), each into the smallest level with
    /// room left for it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Place(MemoryFootprint memory, EnergyProfile profile)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(profile);
        var freeBits = profile.Levels.ToDictionary(l => l.Name, l => l.CapacityBytes is { } bytes ? bytes * 8 : (long?)null, StringComparer.Ordinal);
        var placement = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var component in memory.Components.Where(c => profile.Pins.ContainsKey(c.Name)))
        {
            var level = profile.Level(profile.Pins[component.Name]).Name;
            placement[component.Name] = level;
            freeBits[level] -= component.Bits;
        }
        var unpinned = memory.Components.Where(c => !placement.ContainsKey(c.Name))
            .OrderBy(c => c.TrainingOnly).ThenBy(c => c.Bits).ThenBy(c => c.Name, StringComparer.Ordinal);
        foreach (var component in unpinned)
        {
            var level = profile.Levels.FirstOrDefault(l => freeBits[l.Name] is not { } free || component.Bits <= free)
                ?? throw new CostModelException(
                    $"energy profile '{profile.Name}': array '{component.Name}' ({component.Bytes:0} bytes) fits in no memory level's remaining capacity " +
                    $"(largest level: {profile.Levels[^1].CapacityBytes} bytes); add an unbounded level (capacityBytes: null) or pin the array");
            placement[component.Name] = level.Name;
            freeBits[level.Name] -= component.Bits;
        }
        return placement;
    }

    /// <summary>Energy of one phase = Σ action counts × energy per action (pricing rules in docs/cost-model.md).</summary>
    public static EnergyReport Energy(
        NetworkDescription network,
        MemoryFootprint memory,
        IReadOnlyDictionary<string, string> placement,
        ActivityCounts counts,
        EnergyProfile profile,
        CostOptions options,
        Phase phase)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        var items = new List<EnergyItem>();

        void Add(string component, EnergyCategory category, string action, long count, ActionEnergy energy, bool learning)
        {
            if (count > 0)
                items.Add(new EnergyItem(component, category, action, count, energy.Picojoules, learning, energy.Rule));
        }

        // one state variable or trace updated `count` times: the arithmetic, then a read and a write at its level
        void AddVariableUpdate(string component, StateVariable variable, EnergyAction operation, string what, long count, string level, bool learning)
        {
            var p = variable.Precision;
            Add(component, EnergyCategory.Compute, $"{variable.Name}: {what} {p}", count, profile.Operation(operation, p), learning);
            Add(component, EnergyCategory.Memory, $"{variable.Name}: read ({p.Bits} bits, {level})", count,
                profile.MemoryAccess(EnergyAction.Read, level, p.Bits), learning);
            Add(component, EnergyCategory.Memory, $"{variable.Name}: write ({p.Bits} bits, {level})", count,
                profile.MemoryAccess(EnergyAction.Write, level, p.Bits), learning);
        }

        foreach (var projection in network.Projections)
        {
            var activity = counts.Projection(projection.Name);
            string component = $"projection:{projection.Name}";
            var weights = memory.Component(MemoryModel.WeightsName(projection.Name));
            string level = placement[weights.Name];
            var w = projection.Weight;
            bool dense = options.Execution == SynapticExecution.Dense;
            long accumulations = dense ? activity.DenseSynapticOps : activity.SynapticEvents;
            // learning reads one weight per write (read-modify-write); a dense engine writes whole rows and columns
            long writes = activity.Writes(options.Execution);
            long eventLearningReads = Math.Max(0, activity.WeightReads - activity.SynapticEvents);
            long learningReads = dense ? writes : eventLearningReads;
            // a dense engine sweeps a stored matrix every step; a shared scalar sits in a register either way
            long propagationReads = dense && projection.Storage != WeightStorage.SharedScalar
                ? activity.DenseSynapticOps
                : activity.WeightReads - eventLearningReads;
            long reads = propagationReads + learningReads;

            Add(component, EnergyCategory.Compute, $"accumulate {w}", accumulations, profile.Operation(EnergyAction.Accumulate, w), false);
            Add(component, EnergyCategory.Memory, $"read weight ({weights.BitsPerElement} bits, {level})", reads - learningReads,
                profile.MemoryAccess(EnergyAction.Read, level, weights.BitsPerElement), false);
            Add(component, EnergyCategory.Memory, $"read weight for update ({weights.BitsPerElement} bits, {level})", learningReads,
                profile.MemoryAccess(EnergyAction.Read, level, weights.BitsPerElement), true);
            Add(component, EnergyCategory.Compute, $"weight update: multiply-accumulate {w}", writes,
                profile.Operation(EnergyAction.MultiplyAccumulate, w), true);
            Add(component, EnergyCategory.Compute, $"weight update: clip compare {w}", writes,
                profile.Operation(EnergyAction.Compare, w), true);
            Add(component, EnergyCategory.Memory, $"write weight ({weights.BitsPerElement} bits, {level})", writes,
                profile.MemoryAccess(EnergyAction.Write, level, weights.BitsPerElement), true);
            if (projection.StochasticWrites)
                Add(component, EnergyCategory.Compute, "weight update: stochastic-rounding draw", writes,
                    profile.Operation(EnergyAction.RandomDraw, RandomDrawPrecision), true);
            if (projection.StochasticNormalisation)
                Add(component, EnergyCategory.Compute, "normalise: stochastic-rounding draw", activity.NormalisationOps,
                    profile.Operation(EnergyAction.RandomDraw, RandomDrawPrecision), true);
            if (projection.DelayBits is { } delayBits)
            {
                string delayLevel = placement[MemoryModel.DelaysName(projection.Name)];
                Add(component, EnergyCategory.Memory, $"read delay ({delayBits} bits, {delayLevel})", accumulations,
                    profile.MemoryAccess(EnergyAction.Read, delayLevel, delayBits), false);
            }
            // timestep-based updates: every weight write takes its change from the Δw accumulator and clears the element
            foreach (var buffer in network.Buffers.Where(b => b.FlushesInto == projection.Name && counts.BufferUpdate(b.Name) > 0))
            {
                string bufferLevel = placement[MemoryModel.BufferName(buffer.Name)];
                int bits = buffer.Precision.Bits;
                Add(component, EnergyCategory.Memory, $"flush: read {buffer.Name} ({bits} bits, {bufferLevel})", writes,
                    profile.MemoryAccess(EnergyAction.Read, bufferLevel, bits), true);
                Add(component, EnergyCategory.Memory, $"flush: clear {buffer.Name} ({bits} bits, {bufferLevel})", writes,
                    profile.MemoryAccess(EnergyAction.Write, bufferLevel, bits), true);
            }
            Add(component, EnergyCategory.Compute, $"normalise: column-sum accumulate {w}", activity.NormalisationOps,
                profile.Operation(EnergyAction.Accumulate, w), true);
            Add(component, EnergyCategory.Compute, $"normalise: scale multiply {w}", activity.NormalisationOps,
                profile.Operation(EnergyAction.Multiply, w), true);
            Add(component, EnergyCategory.Memory, $"normalise: read weight ({weights.BitsPerElement} bits, {level})", activity.NormalisationOps,
                profile.MemoryAccess(EnergyAction.Read, level, weights.BitsPerElement), true);
            Add(component, EnergyCategory.Memory, $"normalise: write weight ({weights.BitsPerElement} bits, {level})", activity.NormalisationOps,
                profile.MemoryAccess(EnergyAction.Write, level, weights.BitsPerElement), true);
        }

        foreach (var population in network.Populations)
        {
            var activity = counts.Population(population.Name);
            string component = $"population:{population.Name}";
            var state = population.InferenceState.ToList();
            var threshold = state.Count > 0 ? state[0].Precision : Precision.Float32;
            Add(component, EnergyCategory.Compute, population.IsInput ? $"Poisson draw compare {threshold}" : $"threshold compare {threshold}",
                activity.NeuronUpdates, profile.Operation(EnergyAction.Compare, threshold), false);
            if (state.Count > 0)
            {
                string level = placement[MemoryModel.StateName(population.Name)];
                foreach (var variable in state)
                    AddVariableUpdate(component, variable, EnergyAction.MultiplyAccumulate, "decay/integrate multiply-accumulate",
                        activity.NeuronUpdates, level, false);
            }
            if (activity.TraceUpdates > 0)
            {
                var traces = population.TrainingOnlyState.ToList();
                if (traces.Count == 0)
                    throw new InvalidNetworkDescriptionException(
                        $"{phase} counts: population '{population.Name}' has {activity.TraceUpdates} trace updates but no training-only (trace) state variable in network '{network.Name}'");
                string level = placement[MemoryModel.TracesName(population.Name)];
                foreach (var trace in traces)
                    AddVariableUpdate(component, trace, EnergyAction.TraceUpdate, "trace update", activity.TraceUpdates, level, true);
            }
        }
        foreach (var buffer in network.Buffers)
        {
            long updates = counts.BufferUpdate(buffer.Name);
            if (updates > 0)
                AddVariableUpdate($"buffer:{buffer.Name}", new StateVariable(buffer.Name, buffer.Precision), EnergyAction.Accumulate,
                    "accumulate", updates, placement[MemoryModel.BufferName(buffer.Name)], true);
        }
        long datasetExamples = phase == Phase.Training ? options.TrainingDatasetExamples : options.InferenceDatasetExamples;
        return new EnergyReport(phase, counts.Examples, datasetExamples, items);
    }
}
