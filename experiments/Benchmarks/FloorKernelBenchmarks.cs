using BenchmarkDotNet.Attributes;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Encoding;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Benchmarks;

/// <summary>
/// The floor model's kernels (docs/performance.md, experiments/speed/floor.sh): each operation a training or inference
/// example is made of, alone, hot in cache, at this machine's throughput. floor.sh multiplies them by a run's own work
/// counts to get a per-phase floor. One operation per row: RowAdd one weight row of N added into the input of N neurons
/// (12 rows per step, as an MNIST step has about 12 input spikes; 8/16-bit codes summed exactly, then scaled);
/// ColumnUpdate one potentiation column of 784 weights (about 150 non-zero presynaptic traces, clipped, re-quantized with
/// stochastic rounding if quantized); DenseRowUpdate one weight of a dense depression row (N weights, clipped,
/// re-quantized); Normalise one weight of the 784 × N column normalisation (column sums, then every weight scaled and,
/// for codes, re-rounded to nearest).
/// The floor takes each kernel's fastest iteration (Min column): a floor is the best this machine does, and on a shared
/// machine the mean carries other jobs' time slices.
/// Run: dotnet bin/Release/net10.0/FSpiNN.Benchmarks.dll --filter '*FloorKernelBenchmarks*' '*FloorStepBenchmarks*'
/// </summary>
[Config(typeof(KernelInProcessConfig))]
[MinColumn]
public class FloorKernelBenchmarks
{
    private const int Rows = 784, RowsPerStep = 12, Steps = 64;

    [ParamsSource(typeof(FloorSizes), nameof(FloorSizes.Values))]
    public int N { get; set; } = 400;

    [Params(32, 16, 8)]
    public int Bits { get; set; } = 32;

    private WeightMatrix _weights = null!;
    private int[][] _stepRows = [];
    private float[] _target = [], _scratch = [], _sums = [], _factors = [], _column = [], _rowDelta = [];
    private Xoshiro256 _rng = new(3);
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        _weights = Bits == 32
            ? WeightMatrix.CreateFloat(Rows, N)
            : WeightMatrix.CreateFixed(Rows, N, new FixedPointFormat(Bits, Bits - 1), RoundingMode.Stochastic);
        var rng = new Xoshiro256(1);
        for (var k = 0; k < Rows * N; k++) _weights.StoreUnclipped(k, rng.NextDouble() * 0.3, ref rng);
        _stepRows = Enumerable.Range(0, Steps)
            .Select(_ => Enumerable.Range(0, RowsPerStep).Select(_ => rng.NextInt(Rows)).Distinct().Order().ToArray()).ToArray();
        _target = new float[N];
        _scratch = new float[Math.Max(Rows, N)];
        _sums = new float[N];
        _factors = Enumerable.Range(0, N).Select(j => 0.97f + 0.06f * j / N).ToArray();
        _column = Enumerable.Range(0, Rows).Select(i => i % 5 == 0 ? 0.004f * (i % 7) : 0f).ToArray();
        _rowDelta = Enumerable.Range(0, N).Select(j => -0.0001f * (j % 3)).ToArray();
    }

    /// <summary>One weight row added into the input of N neurons (the delivery of one input spike), 12 rows per call.</summary>
    [Benchmark(OperationsPerInvoke = RowsPerStep)]
    public float RowAdd()
    {
        var rows = _stepRows[_step++ & (Steps - 1)];
        if (!_weights.AddRowsTo(rows, _target, 0))
            foreach (var i in rows) _weights.AddRowTo(i, _target, _scratch);
        if (_target[0] > 1e6f) Array.Clear(_target);
        return _target[0];
    }

    /// <summary>One potentiation column: 784 weights, about 150 of them changed.</summary>
    [Benchmark]
    public float ColumnUpdate()
    {
        var col = _step++ % N;
        _weights.AddToColumn(col, _column, 1.0, ref _rng);
        return _weights[0, col];
    }

    /// <summary>One weight of a dense depression row (per weight: N per call).</summary>
    [Benchmark]
    public float DenseRowUpdate()
    {
        var row = _step++ % Rows;
        _weights.AddToRow(row, _rowDelta, 1.0, _scratch, ref _rng);
        return _weights[row, 0];
    }

    /// <summary>One weight of a full column normalisation (784 × N per call): every column summed, every weight scaled.</summary>
    [Benchmark]
    public float Normalise()
    {
        _weights.InvalidateColumnSums();   // every column summed, as when every column changed
        _weights.ColumnSums(_sums, _scratch);
        _weights.ScaleColumns(_factors, _scratch, ref _rng, RoundingMode.Nearest);
        return _sums[0];
    }

    // No [IterationCleanup]: BenchmarkDotNet then runs one invocation per iteration, which timed a 12-row add of
    // ~1 µs at 10-20x its cost (cold caches, timer overhead) and made this "floor" slower than the simulator itself.
    // RowAdd keeps its target bounded on its own.
}

/// <summary>The network sizes of the floor kernels: $FLOOR_SIZES (space-separated, as floor.sh's SIZES), else 400 1600 4900.</summary>
public static class FloorSizes
{
    public static IEnumerable<int> Values =>
        (Environment.GetEnvironmentVariable("FLOOR_SIZES") is { Length: > 0 } sizes ? sizes : "400 1600 4900")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>The floor model's neuron update (per neuron-step, current-based LIF with adaptive threshold) and the encoding of one image.</summary>
[Config(typeof(KernelInProcessConfig))]
[MinColumn]
public class FloorStepBenchmarks
{
    [ParamsSource(typeof(FloorSizes), nameof(FloorSizes.Values))]
    public int N { get; set; } = 400;

    private float[] _v = [], _input = [], _theta = [];
    private int[] _refractory = [], _crossed = [];
    private CurrentConstants _constants;
    private readonly SpikeSchedule _schedule = new();
    private FSpiNN.Snn.Data.Dataset _images = null!;
    private NetworkConfig _config = null!;
    private int _image;

    [GlobalSetup]
    public void Setup()
    {
        _v = Enumerable.Repeat(-65f, N).ToArray();
        _input = new float[N];
        _theta = Enumerable.Repeat(0.5f, N).ToArray();
        _refractory = new int[N];
        _crossed = new int[N];
        _constants = new CurrentConstants(-65, MathF.Exp(-0.01f), -52);
        _images = WholeExampleBenchmarkBase.LoadImages();
        _config = NetworkPresets.Create("fspinn", N);
    }

    /// <summary>One neuron-step (N per call): decay, input, refractoriness, threshold with θ decaying.</summary>
    [Benchmark]
    public int NeuronUpdate() => NeuronKernels.Current(_v, _input, _refractory, _theta, _constants, _crossed, 0.99999f);

    /// <summary>Spike trains of one image for one 250-step presentation (BindsNET intervals, as bindsnet and fspinn).</summary>
    [Benchmark]
    public int EncodeImage()
    {
        var rng = Xoshiro256.ForStream(1, StreamPurpose.Testing, (ulong)_image);
        PoissonEncoder.Encode(_images.Image(_image++ & 127), _config.MaxInputRate, _config.Dt, _config.PresentationSteps, _config.Encoding, ref rng, _schedule);
        return _schedule.TotalSpikes;
    }
}
