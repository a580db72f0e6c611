using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;
using CostProjection = FSpiNN.CostModel.Projection;
using CostPopulation = FSpiNN.CostModel.Population;

namespace FSpiNN.SnnSearch;

/// <summary>
/// The one place where the simulator meets the cost model: a <see cref="NetworkConfig"/> becomes a
/// <see cref="NetworkDescription"/> (populations, projections, precisions) and the simulator's exact
/// <see cref="WorkCounts"/> become <see cref="ActivityCounts"/>.
/// </summary>
public static class SnnCost
{
    /// <summary>Name of the Δw accumulator of timestep-based updates (update_interval &gt; 1) in the network description.</summary>
    public const string AccumulatorBuffer = NetworkTopology.AccumulatorBuffer;

    /// <summary>Bits per synapse of dc2015's input delay table (the simulator keeps one byte per synapse).</summary>
    public const int DelayTableBits = NetworkTopology.DelayTableBits;

    /// <summary>Precision the input weights are held at: float32, or the fixed-point width once quantized.</summary>
    public static Precision WeightPrecision(NetworkConfig config) => NetworkTopology.WeightPrecision(config);

    /// <summary>
    /// How inhibition is stored by default: one shared value per projection, as the simulator holds it. The paper's 7.5×
    /// memory gain assumes a dense N×N matrix (<see cref="WeightStorage.Dense"/>), which is offered as an option.
    /// </summary>
    public const WeightStorage DefaultInhibitionStorage = WeightStorage.SharedScalar;

    /// <summary>
    /// The format an inhibitory weight of <paramref name="value"/> is stored in: float32 for a float network; else the
    /// weight width with enough integer bits to hold the value (w_inh = 250 at 8 bits is Q8.0: Q1.7 tops out at 1.99),
    /// widened when the width cannot hold its integer part. Null = float32.
    /// </summary>
    public static FixedPointFormat? InhibitionFormat(NetworkConfig config, double value) => NetworkTopology.InhibitionFormat(config, value);

    /// <summary>The inhibitory projections' strengths as the simulator holds them: (description name, value).</summary>
    public static IReadOnlyList<(string Projection, double Value)> InhibitionValues(NetworkConfig config) =>
        new NetworkTopology(config, ReferenceNetworks.InputSize).InhibitionStrengths();

    /// <summary>One line for reports: how inhibition was priced, and what the paper's memory figure assumes.</summary>
    public static string InhibitionNote(WeightStorage storage) => storage switch
    {
        WeightStorage.SharedScalar => "inhibition: one stored value per projection, as simulated (the paper's 7.5x memory gain assumes a dense N×N matrix: --inhibition-storage dense)",
        WeightStorage.Dense => "inhibition: a dense N×N matrix, the paper's accounting behind its 7.5x (the simulator holds one value per projection)",
        _ => "inhibition: sparse (index + value per connection; the paper's 7.5x assumes a dense N×N matrix, the simulator holds one value)",
    };

    /// <summary>Said of counts recorded before executed writes were counted (<see cref="WorkCounts.HasExecutedWriteCounts"/>).</summary>
    public const string DenseWritesNote =
        "its learning writes were recorded before executed writes were counted, so they are the dense engine's (an upper bound); retrain for the executed ones";

    /// <summary>
    /// Describes the network of <paramref name="config"/> (<see cref="NetworkTopology.Describe"/>). Inhibitory projections
    /// are stored as <paramref name="inhibitionStorage"/> (default: one shared value each, as simulated).
    /// </summary>
    public static NetworkDescription Describe(NetworkConfig config, int inputSize = ReferenceNetworks.InputSize,
        WeightStorage inhibitionStorage = DefaultInhibitionStorage) =>
        new NetworkTopology(config, inputSize).Describe(inhibitionStorage);

    /// <summary>
    /// Maps exact simulator counts onto the description's names. For projections stored as matrices (dense or sparse) every
    /// synaptic event reads its own stored weight, so reads of inhibitory projections are the events; with a shared scalar,
    /// one read per presynaptic spike, which is what the simulator itself does.
    /// </summary>
    public static ActivityCounts Activity(WorkCounts counts, NetworkDescription description)
    {
        var populations = new Dictionary<string, PopulationActivity>();
        foreach (var p in counts.Populations)
            populations[NetworkTopology.CostName(p.Name)] = new PopulationActivity(p.NeuronUpdates, p.Spikes, p.TraceUpdates);
        var projections = new Dictionary<string, ProjectionActivity>();
        foreach (var p in counts.Projections)
        {
            var name = NetworkTopology.CostName(p.Name);
            var storage = description.Projections.First(x => x.Name == name).Storage;
            var reads = p.WeightReads;
            if (p.Name != NetworkTopology.InputToExcitatory && storage != WeightStorage.SharedScalar)
                reads = p.SynapticEvents;
            projections[name] = new ProjectionActivity(p.SynapticEvents, p.DenseSynapticOps, reads, p.WeightWrites, p.NormalizationOps,
                p.DenseWeightWrites);
        }
        var buffers = counts.AccumulatorUpdates > 0 && description.Buffers.Any(b => b.Name == AccumulatorBuffer)
            ? new Dictionary<string, long> { [AccumulatorBuffer] = counts.AccumulatorUpdates }
            : null;
        if (counts.AccumulatorUpdates > 0 && buffers is null)
            throw new InvalidOperationException($"the counts have {counts.AccumulatorUpdates} Δw accumulator updates but the network description has no '{AccumulatorBuffer}' buffer (update_interval = 1?)");
        return new ActivityCounts(counts.Examples, counts.TimeSteps, populations, projections, buffers);
    }

    /// <summary>Expected activity of <paramref name="config"/> from documented default rates (instant, no simulation).</summary>
    public static ActivityCounts Expected(NetworkConfig config, NetworkDescription description, long examples, Phase phase,
        double spikesPerExample = 5.0)
    {
        var assumptions = new ActivityAssumptions
        {
            StepsPerExample = config.PresentationSteps + (phase == Phase.Training ? config.RestSteps : config.InferenceRestSteps),
            DtMs = config.Dt,
            InputMaxRateHz = config.MaxInputRate,
            SpikesPerExample = spikesPerExample,
            UpdateIntervalSteps = config.UpdateInterval,
            PresynapticDepression = config.EtaPre > 0,
            NormaliseAfterEachExample = config.Normalization != NormalizationTiming.None,
        };
        return AnalyticActivity.Estimate(description, assumptions, examples, phase);
    }

    /// <summary>The single call of the search engine: memory and energy of a configuration from its training and inference counts.</summary>
    public static CostReport Estimate(NetworkConfig config, WorkCounts training, WorkCounts inference, EnergyProfile? profile = null,
        CostOptions? options = null, WeightStorage inhibitionStorage = DefaultInhibitionStorage)
    {
        return Price(config, d => Activity(training, d), d => Activity(inference, d), profile, options, inhibitionStorage);
    }

    /// <summary>Memory and energy of a configuration from the analytic activity estimate (no simulation).</summary>
    public static CostReport EstimateExpected(NetworkConfig config, double spikesPerExample, EnergyProfile? profile = null,
        CostOptions? options = null, WeightStorage inhibitionStorage = DefaultInhibitionStorage) =>
        Price(config, d => Expected(config, d, 1, Phase.Training, spikesPerExample),
            d => Expected(config, d, 1, Phase.Inference, spikesPerExample), profile, options, inhibitionStorage);

    /// <summary>
    /// Prices training and inference activity on the network as it runs in each phase: with post-training quantization
    /// the network learns with float32 weights and only infers with the quantized ones, so training is priced (and its
    /// memory counted) on the float network.
    /// </summary>
    private static CostReport Price(NetworkConfig config, Func<NetworkDescription, ActivityCounts> training,
        Func<NetworkDescription, ActivityCounts> inference, EnergyProfile? profile, CostOptions? options, WeightStorage inhibitionStorage)
    {
        var description = Describe(config, inhibitionStorage: inhibitionStorage);
        var report = CostEstimator.Estimate(description, training(description), inference(description), profile ?? EnergyProfile.Default, options);
        if (config.Quantize != QuantizationMode.PostTraining) return report;
        var trainingDescription = Describe(config with { Quantize = QuantizationMode.None }, inhibitionStorage: inhibitionStorage);
        var asTrained = CostEstimator.Estimate(trainingDescription, training(trainingDescription), ActivityCounts.None,
            profile ?? EnergyProfile.Default, options);
        return report with { Training = asTrained.Training, TrainingNetwork = trainingDescription, TrainingFootprint = asTrained.Memory };
    }
}
