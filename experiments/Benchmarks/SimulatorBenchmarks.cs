using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Encoding;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Benchmarks;

/// <summary>Weight storage of a benchmarked network: float32, or 8-bit Q1.7 in-training quantization with stochastic rounding.</summary>
public enum WeightStorage
{
    Float,
    Int8,
}

/// <summary>
/// Short in-process jobs: the machine has two cores busy with accuracy runs, so each point is a few iterations, and
/// in-process because BenchmarkDotNet's generated project does not find this one. Do not add --inProcess on the
/// command line: that adds a second, default-length job.
/// </summary>
public class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig() : this(RunStrategy.Monitoring, warmups: 1, iterations: 5) { }

    protected ShortInProcessConfig(RunStrategy strategy, int warmups, int iterations)
    {
        AddJob(Job.Default.WithStrategy(strategy).WithLaunchCount(1).WithWarmupCount(warmups).WithIterationCount(iterations)
            .WithToolchain(InProcessEmitToolchain.Instance).WithId("short"));
    }
}

/// <summary>
/// Ten warm-up and ten measured iterations: long enough for tiered compilation to have replaced the first-tier code
/// (the short job's figures wander by ±50 % on this machine).
/// </summary>
public sealed class SteadyInProcessConfig() : ShortInProcessConfig(RunStrategy.Monitoring, warmups: 10, iterations: 10);

/// <summary>Three measured iterations (N = 4900, where one dc2015 training example takes about a second).</summary>
public sealed class LargeInProcessConfig() : ShortInProcessConfig(RunStrategy.Monitoring, warmups: 1, iterations: 3);

/// <summary>Kernel timings: the throughput strategy (pilot stage picks the invocation count) with few iterations.</summary>
public sealed class KernelInProcessConfig() : ShortInProcessConfig(RunStrategy.Throughput, warmups: 2, iterations: 5);

/// <summary>
/// What the whole-example benchmarks share: the MNIST images ($FSPINN_MNIST_DIR, else the embedded 1,000-image sample)
/// and the network of a (preset, N, weights) point, warmed up so that buffers have grown and the model is past its
/// first examples. One benchmark invocation presents <see cref="ExamplesPerInvoke"/> fixed images; results are per
/// example (OperationsPerInvoke), so the memory diagnoser's "Allocated" column is bytes per example.
/// </summary>
public abstract class WholeExampleBenchmarkBase
{
    /// <summary>Images presented per invocation (different images, in dataset order, cycling).</summary>
    public const int ExamplesPerInvoke = 8;
    private const int WarmupExamples = 24;
    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(2);

    private Dataset _images = null!;
    private SnnModel _model = null!;
    private Simulator _simulator = null!;
    private int _next;
    private ulong _index;

    [GlobalSetup(Target = nameof(Train))]
    public void SetupTrain() => Setup(learning: true);

    [GlobalSetup(Target = nameof(Infer))]
    public void SetupInfer() => Setup(learning: false);

    [Benchmark(OperationsPerInvoke = ExamplesPerInvoke)]
    public int Train() => RunTrain();

    [Benchmark(OperationsPerInvoke = ExamplesPerInvoke)]
    public int Infer() => RunInfer();

    protected abstract string PresetName { get; }
    protected abstract int NeuronCount { get; }
    protected abstract WeightStorage Storage { get; }
    /// <summary>True: the simulator's unoptimised reference path (dense kernels, whole depression rows), bit-identical results.</summary>
    protected virtual bool Reference => false;

    /// <summary>MNIST training images: $FSPINN_MNIST_DIR if set, else the embedded sample.</summary>
    internal static Dataset LoadImages()
    {
        var directory = Environment.GetEnvironmentVariable("FSPINN_MNIST_DIR");
        var pair = DatasetCatalog.Load(string.IsNullOrWhiteSpace(directory) ? null : directory);
        return pair.Train.Take(256);
    }

    /// <summary>The preset at <paramref name="neurons"/> with the requested weight storage (fspinn is 8-bit ITQ by default; Float turns that off).</summary>
    internal static NetworkConfig Config(string preset, int neurons, WeightStorage storage)
    {
        var config = NetworkPresets.Create(preset, neurons);
        config = storage == WeightStorage.Float
            ? config with { Quantize = QuantizationMode.None, WeightBits = 32 }
            : config with { Quantize = QuantizationMode.InTraining, WeightBits = 8, WeightFractionBits = -1, Rounding = RoundingMode.Stochastic };
        return config.Validate();
    }

    protected void Setup(bool learning)
    {
        _images = LoadImages();
        _model = SnnModel.Create(Config(PresetName, NeuronCount, Storage), _images.PixelsPerImage, seed: 1);
        // learn on some examples first so that inference sees a model that has moved away from its random start
        // warm-up: at least WarmupExamples examples and WarmupTime of them, so that tiered compilation has promoted the
        // hot loops before BenchmarkDotNet's own warm-up (a fixed count alone left the first case of a run in slow code)
        var trainer = new Simulator(_model, counts: null, Reference);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var trained = 0;
        for (; trained < WarmupExamples || System.Diagnostics.Stopwatch.GetElapsedTime(started) < WarmupTime; trained++)
            trainer.Train(_images.Image(trained % _images.Count), Xoshiro256.ForStream(1, StreamPurpose.Training, (ulong)trained));
        _simulator = learning ? trainer : new Simulator(_model, counts: null, Reference);
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!learning)
            for (var i = 0; i < WarmupExamples || System.Diagnostics.Stopwatch.GetElapsedTime(started) < WarmupTime; i++)
                _simulator.Infer(_images.Image(i % _images.Count), Xoshiro256.ForStream(1, StreamPurpose.Testing, (ulong)i));
        _index = (ulong)trained;
    }

    protected int RunTrain()
    {
        var spikes = 0;
        for (var k = 0; k < ExamplesPerInvoke; k++)
            spikes += _simulator.Train(NextImage(), Xoshiro256.ForStream(1, StreamPurpose.Training, _index++)).Spikes;
        return spikes;
    }

    protected int RunInfer()
    {
        var spikes = 0;
        for (var k = 0; k < ExamplesPerInvoke; k++)
            spikes += _simulator.Infer(NextImage(), Xoshiro256.ForStream(1, StreamPurpose.Testing, _index++)).Spikes;
        return spikes;
    }

    private ReadOnlySpan<byte> NextImage()
    {
        var image = _images.Image(_next);
        _next = (_next + 1) % _images.Count;
        return image;
    }
}

/// <summary>
/// Whole examples: one <see cref="Simulator.Train"/> (normalise, present with retries, rest, STDP) or one
/// <see cref="Simulator.Infer"/> (reset, present with retries, learning off) per operation, for the three presets at
/// N = 100, 400, 1600, float32 and 8-bit ITQ weights. N = 4900 is <see cref="SimulatorLargeBenchmarks"/>.
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*.SimulatorBenchmarks.*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SteadyInProcessConfig))]
public class SimulatorBenchmarks : WholeExampleBenchmarkBase
{
    [Params("dc2015", "bindsnet", "fspinn")]
    public string Preset { get; set; } = "dc2015";

    [Params(100, 400, 1600)]
    public int N { get; set; } = 100;

    [Params(WeightStorage.Float, WeightStorage.Int8)]
    public WeightStorage Weights { get; set; }

    protected override string PresetName => Preset;
    protected override int NeuronCount => N;
    protected override WeightStorage Storage => Weights;

}

/// <summary>
/// The event-driven path against the unoptimised reference path of the same build (identical results, checked by
/// ReferencePathTests), in one run: the ratio of the two rows is the speed-up of the event-driven parts (sparse
/// depression rows, post traces decayed where non-zero, idle inhibitory neurons skipped).
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*EventDrivenBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SteadyInProcessConfig))]
public class EventDrivenBenchmarks : WholeExampleBenchmarkBase
{
    [Params("dc2015", "bindsnet", "fspinn")]
    public string Preset { get; set; } = "dc2015";

    [Params(400, 1600)]
    public int N { get; set; } = 400;

    [Params(WeightStorage.Float, WeightStorage.Int8)]
    public WeightStorage Weights { get; set; }

    [Params(true, false)]
    public bool ReferencePath { get; set; }

    protected override string PresetName => Preset;
    protected override int NeuronCount => N;
    protected override WeightStorage Storage => Weights;
    protected override bool Reference => ReferencePath;
}

/// <summary>
/// N = 4900 (the paper's largest network), run separately because one dc2015 training example takes about a second.
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*SimulatorLargeBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(LargeInProcessConfig))]
public class SimulatorLargeBenchmarks : WholeExampleBenchmarkBase
{
    [Params("dc2015", "fspinn")]
    public string Preset { get; set; } = "dc2015";

    [Params(WeightStorage.Float, WeightStorage.Int8)]
    public WeightStorage Weights { get; set; }

    protected override string PresetName => Preset;
    protected override int NeuronCount => 4900;
    protected override WeightStorage Storage => Weights;

}

/// <summary>
/// The parts of a step that are public, benchmarked alone: Poisson encoding of one image, delivery of one input row
/// (N weights added to the input conductances), column normalisation of the 784 × N input weights, and the neuron
/// update itself. The neuron kernels (<c>NeuronKernels</c>) are internal to FSpiNN.Snn, so <see cref="NeuronSteps"/>
/// measures them through <see cref="Simulator.Infer"/> on a blank image with retries off: no input spike is ever
/// delivered, so a step is the neuron update of both populations plus the step's bookkeeping. Results of NeuronSteps
/// are per blank presentation (700 steps for dc2015, 250 for fspinn).
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*KernelBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelInProcessConfig))]
public class KernelBenchmarks
{
    [Params("dc2015", "fspinn")]
    public string Preset { get; set; } = "dc2015";

    [Params(400, 1600)]
    public int N { get; set; } = 400;

    [Params(WeightStorage.Float, WeightStorage.Int8)]
    public WeightStorage Weights { get; set; }

    private NetworkConfig _config = null!;
    private Dataset _images = null!;
    private SnnModel _model = null!;
    private Simulator _blankSimulator = null!;
    private byte[] _blank = [];
    private readonly SpikeSchedule _schedule = new();
    private Plasticity _plasticity = null!;
    private float[] _target = [], _scratch = [], _columnSums = [], _factors = [];
    private int _row;

    [GlobalSetup]
    public void Setup()
    {
        _config = WholeExampleBenchmarkBase.Config(Preset, N, Weights);
        _images = WholeExampleBenchmarkBase.LoadImages();
        _model = SnnModel.Create(_config, _images.PixelsPerImage, seed: 1);
        _blank = new byte[_images.PixelsPerImage];
        _blankSimulator = new Simulator(SnnModel.Create(_config with { MaxRetries = 0 }, _images.PixelsPerImage, seed: 1));
        _plasticity = new Plasticity(_model.Weights, _config, Simulator.CreateCounts(_config, _images.PixelsPerImage));
        _target = new float[N];
        _scratch = new float[N];
        _columnSums = new float[N];
        _factors = new float[N];
        var rng = new Xoshiro256(1);
        PoissonEncoder.Encode(_images.Image(0), _config.MaxInputRate, _config.Dt, _config.PresentationSteps, _config.Encoding, ref rng, _schedule);
    }

    /// <summary>Spike trains of one image for one presentation (350 ms at 0.5 ms for dc2015, 250 ms at 1 ms otherwise).</summary>
    [Benchmark]
    public int EncodeImage()
    {
        var rng = Xoshiro256.ForStream(1, StreamPurpose.Testing, (ulong)_row);
        PoissonEncoder.Encode(_images.Image(_row++ & 127), _config.MaxInputRate, _config.Dt, _config.PresentationSteps, _config.Encoding, ref rng, _schedule);
        return _schedule.TotalSpikes;
    }

    /// <summary>One input spike without delays: add weight row i (N weights, decoded if quantized) to the input conductances.</summary>
    [Benchmark]
    public float DeliverInputRow()
    {
        var row = _row++ % _model.Weights.Rows;
        _model.Weights.AddRowTo(row, _target, _scratch);
        return _target[0];
    }

    /// <summary>Column normalisation of the 784 × N input weights (once per example; re-quantized with round-to-nearest if 8-bit).</summary>
    [Benchmark]
    public float NormalizeColumns()
    {
        _plasticity.Normalize(_config.NormalizationTarget, _columnSums, _factors);
        return _factors[0];
    }

    /// <summary>
    /// Neuron update of all populations for one blank presentation (per presentation: 700 steps for dc2015, 250 for
    /// bindsnet/fspinn; divide by the steps for the cost of one step of N neurons).
    /// </summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public int NeuronSteps()
    {
        var spikes = 0;
        for (var k = 0; k < 4; k++)
            spikes += _blankSimulator.Infer(_blank, new Xoshiro256(1)).Spikes;
        return spikes;
    }
}

/// <summary>
/// What per-synapse input delays cost (dc2015): delivering one input row into the delay ring is a scatter, one scalar
/// read-add-write per synapse at an address set by that synapse's delay (<c>Simulator.ScatterAdd</c>, the simulator's
/// own loop, offsets built as the simulator builds them: delay·N + j, delays uniform in 0-20 steps). Against it, in the
/// same run: the same row added contiguously (the delivery without delays, vectorised) and a scalar sequential
/// read-add-write of the same N values (what any one-synapse-at-a-time loop costs without the scattered addresses).
/// One operation is one row of N synapses.
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*DelayedDeliveryBenchmarks*'
/// </summary>
[Config(typeof(KernelInProcessConfig))]
public class DelayedDeliveryBenchmarks
{
    private const int Rows = 784, RowsPerInvoke = 64, Slots = 21;

    [Params(400, 1600, 4900)]
    public int N { get; set; } = 400;

    private float[] _weights = [], _ring = [], _target = [];
    private int[] _offsets = [], _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Xoshiro256(1);
        _weights = new float[Rows * N];
        _offsets = new int[Rows * N];
        for (var k = 0; k < _weights.Length; k++)
        {
            _weights[k] = rng.NextSingle();
            _offsets[k] = rng.NextInt(Slots) * N + k % N;
        }
        _ring = new float[2 * Slots * N];
        _target = new float[N];
        _rows = new int[RowsPerInvoke];
        for (var k = 0; k < _rows.Length; k++) _rows[k] = 200 + rng.NextInt(400);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RowsPerInvoke)]
    public float ContiguousRowAdd()
    {
        foreach (var i in _rows) System.Numerics.Tensors.TensorPrimitives.Add(_target, _weights.AsSpan(i * N, N), _target);
        return _target[0];
    }

    [Benchmark(OperationsPerInvoke = RowsPerInvoke)]
    public float ScalarSequentialAdd()
    {
        var target = _target;
        foreach (var i in _rows)
        {
            var row = _weights.AsSpan(i * N, N);
            for (var j = 0; j < row.Length; j++) target[j] += row[j];
        }
        return target[0];
    }

    [Benchmark(OperationsPerInvoke = RowsPerInvoke)]
    public float DelayedScatter()
    {
        var slot = 0;
        foreach (var i in _rows)
        {
            Simulator.ScatterAdd(_ring.AsSpan(slot * N), _offsets.AsSpan(i * N, N), _weights.AsSpan(i * N, N));
            slot = (slot + 1) % Slots;
        }
        return _ring[0];
    }
}
