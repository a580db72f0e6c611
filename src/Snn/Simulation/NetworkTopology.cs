using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Quantization;
using CostPopulation = FSpiNN.CostModel.Population;
using CostProjection = FSpiNN.CostModel.Projection;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// The one description of a network's shape: input → (plastic, all-to-all) excitatory layer, plus its inhibition scheme.
/// It lays out the exact counts the simulator fills (<see cref="CreateCounts"/>, keyed by the names below, which model
/// files and stored trials keep) and describes the same network to the cost model (<see cref="Describe"/>), with each
/// population's state as its neuron model declares it and the STDP traces as the learning rule declares them.
/// </summary>
public sealed class NetworkTopology
{
    // count keys: stored in model files and trials, so they never change
    public const string Input = "input";
    public const string Excitatory = "exc";
    public const string Inhibitory = "inh";
    public const string InputToExcitatory = "input_exc";
    public const string ExcitatoryToInhibitory = "exc_inh";
    public const string InhibitoryToExcitatory = "inh_exc";
    public const string Lateral = "exc_exc";

    /// <summary>Name of the Δw accumulator of timestep-based updates (update_interval &gt; 1) in the cost description.</summary>
    public const string AccumulatorBuffer = "dw";

    /// <summary>Bits per synapse of dc2015's input delay table (the simulator keeps one byte per synapse).</summary>
    public const int DelayTableBits = 8;

    /// <summary>Count key → the cost model's name (<see cref="ReferenceNetworks"/>).</summary>
    private static readonly Dictionary<string, string> CostNames = new()
    {
        [Input] = ReferenceNetworks.Input,
        [Excitatory] = ReferenceNetworks.Excitatory,
        [Inhibitory] = ReferenceNetworks.Inhibitory,
        [InputToExcitatory] = ReferenceNetworks.InputToExcitatory,
        [ExcitatoryToInhibitory] = ReferenceNetworks.ExcitatoryToInhibitory,
        [InhibitoryToExcitatory] = ReferenceNetworks.InhibitoryToExcitatory,
        [Lateral] = ReferenceNetworks.Lateral,
    };

    private readonly IInhibitionScheme _inhibition;

    public NetworkTopology(NetworkConfig config, int inputSize)
    {
        Config = config;
        InputSize = inputSize;
        _inhibition = InhibitionSchemes.For(config.Inhibition);
    }

    public NetworkConfig Config { get; }
    public int InputSize { get; }

    /// <summary>The cost model's name of a population or projection count key.</summary>
    public static string CostName(string countKey) =>
        CostNames.TryGetValue(countKey, out var name) ? name : throw new KeyNotFoundException($"no cost-model name for count key '{countKey}'");

    /// <summary>Empty counts with this network's populations and projections.</summary>
    public WorkCounts CreateCounts()
    {
        var n = Config.Neurons;
        var counts = new WorkCounts();
        counts.AddPopulation(Input, InputSize);
        counts.AddPopulation(Excitatory, n);
        counts.AddProjection(InputToExcitatory, Input, Excitatory, (long)InputSize * n);
        _inhibition.AddCounts(counts, n);
        return counts;
    }

    /// <summary>The inhibitory projections' strengths as the simulator holds them: (cost-model name, value).</summary>
    public IReadOnlyList<(string Projection, double Value)> InhibitionStrengths() =>
        [.. _inhibition.Strengths(Config).Select(s => (CostName(s.Projection), s.Value))];

    /// <summary>Running inhibition for one simulator.</summary>
    internal Inhibition CreateInhibition(WorkCounts counts, bool reference) => _inhibition.Create(Config, counts, reference);

    /// <summary>Precision the input weights are held at: float32, or the fixed-point width once quantized.</summary>
    public static Precision WeightPrecision(NetworkConfig config) =>
        config.Quantize == QuantizationMode.None ? Precision.Float32 : Precision.Fixed(config.WeightBits);

    /// <summary>
    /// The format an inhibitory weight of <paramref name="value"/> is stored in: float32 for a float network; else the
    /// weight width with enough integer bits to hold the value (w_inh = 250 at 8 bits is Q8.0: Q1.7 tops out at 1.99),
    /// widened when the width cannot hold its integer part. Null = float32.
    /// </summary>
    public static FixedPointFormat? InhibitionFormat(NetworkConfig config, double value)
    {
        if (config.Quantize == QuantizationMode.None) return null;
        var integerBits = value >= 1 ? (int)Math.Floor(Math.Log2(value)) + 1 : 0;
        var bits = Math.Clamp(Math.Max(config.WeightBits, integerBits), 1, 32);
        return new FixedPointFormat(bits, bits - Math.Min(integerBits, bits));
    }

    /// <summary>
    /// The network for the cost model. Inhibitory projections are stored as <paramref name="inhibitionStorage"/> in
    /// <see cref="InhibitionFormat"/>; dc2015's input delays are a one-byte-per-synapse table; stochastic rounding draws
    /// one random number per write.
    /// </summary>
    public NetworkDescription Describe(WeightStorage inhibitionStorage)
    {
        var config = Config;
        var n = config.Neurons;
        var weight = WeightPrecision(config);
        var f32 = Precision.Float32;
        var postTraces = ILearningRule.Create(config).PostTraces;

        var excState = new List<StateVariable>(NeuronModels.For(config).State(PopulationRole.Excitatory));
        for (var t = 1; t <= postTraces; t++) excState.Add(StateVariable.Trace(t == 1 ? "x_post" : "x_post2", f32));

        var populations = new List<CostPopulation>
        {
            new(ReferenceNetworks.Input, InputSize, [StateVariable.Trace("x_pre", f32)], IsInput: true),
            new(ReferenceNetworks.Excitatory, n, excState),
        };
        var quantizedInTraining = config.Quantize == QuantizationMode.InTraining;
        var projections = new List<CostProjection>
        {
            new(ReferenceNetworks.InputToExcitatory, ReferenceNetworks.Input, ReferenceNetworks.Excitatory,
                ConnectivityKind.AllToAll, WeightStorage.Dense, weight, Plastic: true,
                DelayBits: config.InputDelaySteps > 0 ? DelayTableBits : null,
                StochasticWrites: quantizedInTraining && config.Rounding == RoundingMode.Stochastic,
                StochasticNormalisation: quantizedInTraining && config.Normalization != NormalizationTiming.None
                                         && config.NormalizationRounding == RoundingMode.Stochastic),
        };
        _inhibition.Describe(config, inhibitionStorage, populations, projections);
        TrainingBuffer[] buffers = config.UpdateInterval > 1
            ? [new TrainingBuffer(AccumulatorBuffer, (long)InputSize * n, f32, FlushesInto: ReferenceNetworks.InputToExcitatory)]
            : [];
        return new NetworkDescription($"{config.Preset} N={n} {weight}", populations, projections,
            new AssignmentTable(n, ReferenceNetworks.AssignmentBits(10)), buffers);
    }
}
