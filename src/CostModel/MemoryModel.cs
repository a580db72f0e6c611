namespace FSpiNN.CostModel;

/// <summary>What a memory component holds.</summary>
public enum MemoryComponentKind
{
    Weights,
    NeuronState,
    Traces,
    Assignments,
    TrainingBuffer,
    /// <summary>A per-connection delay table.</summary>
    Delays,
}

/// <summary>
/// One array in memory. Its <see cref="Name"/> (e.g. <c>weights:X->Ae</c>, <c>state:Ae</c>, <c>traces:X</c>,
/// <c>assignments</c>, <c>buffer:dw</c>) is also the key for pinning it to a memory level in a profile.
/// </summary>
/// <param name="Elements">Stored values (matrix entries, nonzeros, 1 for a shared scalar, neurons...).</param>
/// <param name="BitsPerElement">Bits per stored value including any index bits.</param>
public sealed record MemoryComponent(
    string Name,
    MemoryComponentKind Kind,
    string Owner,
    long Elements,
    int BitsPerElement,
    bool TrainingOnly)
{
    public long Bits => Elements * BitsPerElement;
    public double Bytes => Bits / 8.0;
}

/// <summary>Footprint of a network, per component and in total for training and inference.</summary>
public sealed record MemoryFootprint(IReadOnlyList<MemoryComponent> Components)
{
    public IEnumerable<MemoryComponent> InferenceComponents => Components.Where(c => !c.TrainingOnly);

    public long TrainingBits => Components.Sum(c => c.Bits);
    public long InferenceBits => InferenceComponents.Sum(c => c.Bits);
    public double TrainingBytes => TrainingBits / 8.0;
    public double InferenceBytes => InferenceBits / 8.0;

    /// <summary>All synaptic weights (the quantity FSpiNN's 7.5× memory claim is about).</summary>
    public long WeightBits => BitsOf(MemoryComponentKind.Weights);

    public long BitsOf(MemoryComponentKind kind) => Components.Where(c => c.Kind == kind).Sum(c => c.Bits);

    public MemoryComponent Component(string name) =>
        Components.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"no memory component '{name}'; components: {string.Join(", ", Components.Select(c => c.Name))}");
}

/// <summary>
/// Analytical memory model (reference C.7): Σ projections (stored values × bits) + Σ populations (neurons × state bits)
/// + assignment table, plus traces and training buffers while training.
/// </summary>
public static class MemoryModel
{
    public static string WeightsName(string projection) => $"weights:{projection}";
    public static string StateName(string population) => $"state:{population}";
    public static string TracesName(string population) => $"traces:{population}";
    public static string BufferName(string buffer) => $"buffer:{buffer}";
    public static string DelaysName(string projection) => $"delays:{projection}";
    public const string AssignmentsName = "assignments";

    /// <summary>The forms above: what an energy profile may pin (which components exist depends on the network priced).</summary>
    public static bool IsComponentName(string name) =>
        name == AssignmentsName
        || new[] { WeightsName(""), StateName(""), TracesName(""), BufferName("") }.Any(prefix => name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal));

    public static MemoryFootprint Compute(NetworkDescription network)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.Validate();
        var components = new List<MemoryComponent>();
        foreach (var projection in network.Projections)
        {
            components.Add(Weights(network, projection));
            if (projection.DelayBits is { } delayBits)
                components.Add(new(DelaysName(projection.Name), MemoryComponentKind.Delays, projection.Name, network.Connections(projection), delayBits, TrainingOnly: false));
        }
        foreach (var population in network.Populations)
        {
            int inferenceBits = population.InferenceState.Sum(v => v.Precision.Bits);
            if (inferenceBits > 0)
                components.Add(new(StateName(population.Name), MemoryComponentKind.NeuronState, population.Name, population.Size, inferenceBits, TrainingOnly: false));
            int traceBits = population.TrainingOnlyState.Sum(v => v.Precision.Bits);
            if (traceBits > 0)
                components.Add(new(TracesName(population.Name), MemoryComponentKind.Traces, population.Name, population.Size, traceBits, TrainingOnly: true));
        }
        if (network.Assignments is { Entries: > 0 } table)
            components.Add(new(AssignmentsName, MemoryComponentKind.Assignments, network.Name, table.Entries, table.BitsPerEntry, TrainingOnly: false));
        foreach (var buffer in network.Buffers)
            components.Add(new(BufferName(buffer.Name), MemoryComponentKind.TrainingBuffer, buffer.Name, buffer.Elements, buffer.Precision.Bits, TrainingOnly: true));
        return new MemoryFootprint(components);
    }

    /// <summary>
    /// Dense: every pre × post entry (a one-to-one or all-but-self N×N projection costs N², as in BindsNET).
    /// Sparse: connections × (index bits + value bits). Shared scalar: one value.
    /// </summary>
    public static MemoryComponent Weights(NetworkDescription network, Projection projection)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(projection);
        int valueBits = projection.Weight.Bits;
        var (elements, bitsPerElement) = projection.Storage switch
        {
            WeightStorage.Dense => (network.MatrixEntries(projection), valueBits),
            WeightStorage.Sparse => (network.Connections(projection), valueBits + SparseIndexBits(network, projection)),
            WeightStorage.SharedScalar => (1L, valueBits),
            _ => throw new InvalidNetworkDescriptionException($"projection '{projection.Name}': unknown storage {projection.Storage}"),
        };
        return new MemoryComponent(WeightsName(projection.Name), MemoryComponentKind.Weights, projection.Name, elements, bitsPerElement, TrainingOnly: false);
    }

    /// <summary>Index bits per stored connection: the projection's own value, else ⌈log2(pre × post)⌉ (a flat index into the matrix).</summary>
    public static int SparseIndexBits(NetworkDescription network, Projection projection)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(projection);
        return projection.IndexBits ?? CeilLog2(network.MatrixEntries(projection));
    }

    internal static int CeilLog2(long value) => value <= 1 ? 1 : 64 - (int)long.LeadingZeroCount(value - 1);
}
