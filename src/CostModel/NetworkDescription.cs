namespace FSpiNN.CostModel;

/// <summary>One per-neuron state variable (v, g_e, theta, refractory counter, a trace...).</summary>
/// <param name="TrainingOnly">True for values that exist only while learning (STDP traces): counted in the training footprint only.</param>
public sealed record StateVariable(string Name, Precision Precision, bool TrainingOnly = false)
{
    public static StateVariable Trace(string name, Precision precision) => new(name, precision, TrainingOnly: true);
}

/// <summary>A group of neurons. An input population is a spike source (Poisson encoder) without membrane state.</summary>
public sealed record Population(string Name, int Size, IReadOnlyList<StateVariable> State, bool IsInput = false)
{
    /// <summary>Variables kept at inference time.</summary>
    public IEnumerable<StateVariable> InferenceState => State.Where(variable => !variable.TrainingOnly);

    /// <summary>Variables kept only while training (traces).</summary>
    public IEnumerable<StateVariable> TrainingOnlyState => State.Where(variable => variable.TrainingOnly);
}

/// <summary>Which pre/post pairs are connected.</summary>
public enum ConnectivityKind
{
    /// <summary>Every pre neuron to every post neuron (pre × post connections).</summary>
    AllToAll,
    /// <summary>Pre neuron i to post neuron i only (N connections; pre and post sizes equal).</summary>
    OneToOne,
    /// <summary>Every pre neuron to every post neuron except its own index (N(N−1) connections; sizes equal).</summary>
    AllButSelf,
}

/// <summary>How the weights of a projection are stored.</summary>
public enum WeightStorage
{
    /// <summary>The full pre × post matrix, zeros included (BindsNET style).</summary>
    Dense,
    /// <summary>Only the connections, each as (index, value).</summary>
    Sparse,
    /// <summary>One value shared by every connection (e.g. a uniform lateral-inhibition strength).</summary>
    SharedScalar,
}

/// <summary>A set of synapses from <see cref="Pre"/> to <see cref="Post"/>.</summary>
/// <param name="IndexBits">Bits per stored index under <see cref="WeightStorage.Sparse"/>; null = ⌈log2(pre × post)⌉ (one flat index per connection).</param>
/// <param name="DelayBits">Bits of a per-connection transmission delay table (e.g. Diehl &amp; Cook's input delays, one byte
/// per synapse); null = no delays. Each synaptic event reads its delay.</param>
/// <param name="StochasticWrites">Learning writes round stochastically: one random draw per weight written.</param>
/// <param name="StochasticNormalisation">Normalisation re-quantizes stochastically: one random draw per weight it touches.</param>
public sealed record Projection(
    string Name,
    string Pre,
    string Post,
    ConnectivityKind Connectivity,
    WeightStorage Storage,
    Precision Weight,
    bool Plastic,
    int? IndexBits = null,
    int? DelayBits = null,
    bool StochasticWrites = false,
    bool StochasticNormalisation = false);

/// <summary>The class-assignment table used for labelling: one entry per neuron of the output population.</summary>
public sealed record AssignmentTable(int Entries, int BitsPerEntry);

/// <summary>A training-only array that belongs to no population, e.g. the Δw accumulator of timestep-based updates.</summary>
/// <param name="FlushesInto">The projection whose weights this buffer is written into (the Δw accumulator: every weight
/// write of that projection reads its element and clears it); null = none.</param>
public sealed record TrainingBuffer(string Name, long Elements, Precision Precision, string? FlushesInto = null);

/// <summary>
/// Everything the cost model needs to know about a network: sizes, precisions and connectivity, nothing about dynamics.
/// </summary>
public sealed record NetworkDescription(
    string Name,
    IReadOnlyList<Population> Populations,
    IReadOnlyList<Projection> Projections,
    AssignmentTable? Assignments = null,
    IReadOnlyList<TrainingBuffer>? TrainingBuffers = null)
{
    public IReadOnlyList<TrainingBuffer> Buffers => TrainingBuffers ?? [];

    public Population Population(string name) =>
        Populations.FirstOrDefault(population => population.Name == name)
        ?? throw new InvalidNetworkDescriptionException(
            $"network '{Name}': unknown population '{name}'; known populations: {string.Join(", ", Populations.Select(p => p.Name))}");

    /// <summary>Number of actual connections (synapses) of <paramref name="projection"/>.</summary>
    public long Connections(Projection projection)
    {
        long pre = Population(projection.Pre).Size, post = Population(projection.Post).Size;
        return projection.Connectivity switch
        {
            ConnectivityKind.AllToAll => pre * post,
            ConnectivityKind.OneToOne => pre,
            ConnectivityKind.AllButSelf => pre * (pre - 1),
            _ => throw new InvalidNetworkDescriptionException($"projection '{projection.Name}': unknown connectivity {projection.Connectivity}"),
        };
    }

    /// <summary>Entries of the full pre × post matrix of <paramref name="projection"/>.</summary>
    public long MatrixEntries(Projection projection) =>
        (long)Population(projection.Pre).Size * Population(projection.Post).Size;

    /// <summary>Connections each spike of a pre neuron reaches.</summary>
    public long FanOut(Projection projection)
    {
        long post = Population(projection.Post).Size;
        return projection.Connectivity switch
        {
            ConnectivityKind.AllToAll => post,
            ConnectivityKind.OneToOne => 1,
            _ => post - 1,
        };
    }

    /// <summary>A copy with every projection matching <paramref name="select"/> (all when null) stored as <paramref name="storage"/>.</summary>
    public NetworkDescription WithStorage(WeightStorage storage, Func<Projection, bool>? select = null) =>
        this with
        {
            Projections = Projections.Select(p => select is null || select(p) ? p with { Storage = storage } : p).ToArray(),
        };

    /// <summary>Checks names, sizes, precisions and references; throws <see cref="InvalidNetworkDescriptionException"/> naming the entry.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new InvalidNetworkDescriptionException("network description: field 'Name' is empty");
        if (Populations.Count == 0)
            throw new InvalidNetworkDescriptionException($"network '{Name}': no populations");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var population in Populations)
        {
            if (string.IsNullOrWhiteSpace(population.Name))
                throw new InvalidNetworkDescriptionException($"network '{Name}': a population has an empty name");
            if (!seen.Add(population.Name))
                throw new InvalidNetworkDescriptionException($"network '{Name}': population name '{population.Name}' is used twice");
            if (population.Size <= 0)
                throw new InvalidNetworkDescriptionException($"network '{Name}': population '{population.Name}': Size must be > 0, got {population.Size}");
            foreach (var variable in population.State)
            {
                if (!variable.Precision.IsValid)
                    throw new InvalidNetworkDescriptionException(
                        $"network '{Name}': population '{population.Name}', state variable '{variable.Name}': bits must be 1..{Precision.MaxBits}, got {variable.Precision.Bits}");
            }
        }
        var projectionNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var projection in Projections)
        {
            string where = $"network '{Name}': projection '{projection.Name}'";
            if (string.IsNullOrWhiteSpace(projection.Name) || !projectionNames.Add(projection.Name))
                throw new InvalidNetworkDescriptionException($"{where}: name is empty or used twice");
            if (Populations.All(p => p.Name != projection.Pre))
                throw new InvalidNetworkDescriptionException($"{where}: unknown pre population '{projection.Pre}'");
            if (Populations.All(p => p.Name != projection.Post))
                throw new InvalidNetworkDescriptionException($"{where}: unknown post population '{projection.Post}'");
            if (!projection.Weight.IsValid)
                throw new InvalidNetworkDescriptionException($"{where}: weight bits must be 1..{Precision.MaxBits}, got {projection.Weight.Bits}");
            if (projection.IndexBits is <= 0 or > Precision.MaxBits)
                throw new InvalidNetworkDescriptionException($"{where}: IndexBits must be 1..{Precision.MaxBits}, got {projection.IndexBits}");
            if (projection.DelayBits is <= 0 or > Precision.MaxBits)
                throw new InvalidNetworkDescriptionException($"{where}: DelayBits must be 1..{Precision.MaxBits}, got {projection.DelayBits}");
            if (projection.Connectivity != ConnectivityKind.AllToAll && Population(projection.Pre).Size != Population(projection.Post).Size)
                throw new InvalidNetworkDescriptionException(
                    $"{where}: {projection.Connectivity} needs equal pre and post sizes, got {Population(projection.Pre).Size} and {Population(projection.Post).Size}");
        }
        if (Assignments is { } table && (table.Entries < 0 || table.BitsPerEntry is < 1 or > Precision.MaxBits))
            throw new InvalidNetworkDescriptionException(
                $"network '{Name}': assignment table: Entries must be ≥ 0 and BitsPerEntry 1..{Precision.MaxBits}, got {table.Entries} × {table.BitsPerEntry}");
        foreach (var buffer in Buffers)
        {
            if (buffer.Elements < 0 || !buffer.Precision.IsValid)
                throw new InvalidNetworkDescriptionException(
                    $"network '{Name}': training buffer '{buffer.Name}': Elements must be ≥ 0 and bits 1..{Precision.MaxBits}, got {buffer.Elements} × {buffer.Precision.Bits}");
            if (buffer.FlushesInto is { } target && Projections.All(p => p.Name != target))
                throw new InvalidNetworkDescriptionException(
                    $"network '{Name}': training buffer '{buffer.Name}' flushes into unknown projection '{target}'; projections: {string.Join(", ", Projections.Select(p => p.Name))}");
        }
    }
}
