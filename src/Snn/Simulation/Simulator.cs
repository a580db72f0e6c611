using System.Numerics.Tensors;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Encoding;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;

namespace FSpiNN.Snn.Simulation;

/// <summary>What one example's presentation produced.</summary>
public readonly record struct ExampleResult(int Spikes, int Retries);

/// <summary>
/// Runs examples through one <see cref="SnnModel"/>: the network state (struct-of-arrays), the per-step kernels and the
/// presentation protocol (normalise, present, retry, rest). One simulator per thread; in inference several simulators
/// can share one model because nothing in the model is written.
/// </summary>
/// <remarks>
/// The simulator keeps only the step order (as Brian schedules its state updaters, thresholders and resetters); the
/// excitatory layer is a <see cref="NeuronPopulation"/> of the configured neuron model and inhibition an
/// <see cref="Inhibition"/> of the configured scheme, both laid out by <see cref="NetworkTopology"/>.
/// Step order (every neuron model): integrate neurons with the input delivered at the previous step; threshold and
/// reset; STDP for this step's input and excitatory spikes; deliver this step's spikes (input rows, E→I, I→E or lateral
/// inhibition) so they act from the next step. Each connection therefore adds one step of delay, as in Brian and BindsNET.
/// With several threads, the excitatory neurons are split into contiguous ranges: each thread delivers a step's spikes
/// to its range and then integrates its range for the next step, with one barrier per step; every neuron gets exactly
/// the arithmetic of the one-thread loop, so results do not depend on the thread count.
/// </remarks>
public sealed class Simulator : IDisposable
{
    private readonly SnnModel _model;
    private readonly bool _reference;
    private readonly NetworkConfig _c;
    private readonly int _n;
    private readonly int _inputs;

    // excitatory population
    private readonly NeuronPopulation _exc;
    private readonly int[] _exampleSpikes;
    private readonly int[] _crossed;
    private readonly int[] _excSpikes;
    private int _excSpikeCount;

    // inhibition (an inhibitory layer or lateral) and the inhibition it delivers for the next step
    private readonly Inhibition _inhibition;
    private InhibitionPulse _pulse;

    // delayed input delivery: ring of (maxDelay + 1) rows of N
    private readonly float[]? _ring;
    private readonly int _ringSlots;
    /// <summary>Per synapse (row-major like the weights): delay·N + j, the offset of its target in the ring from the current slot (shared by the model's simulators).</summary>
    private readonly int[]? _delayOffsets;
    private readonly float[] _row;
    private readonly uint[] _codeSums;

    private readonly Plasticity _plasticity;
    private readonly SpikeSchedule _schedule = new();
    private readonly float[] _columnSums;
    private readonly float[] _factors;

    private readonly PopulationCounts _inputCounts, _excCounts;
    private readonly ProjectionCounts _inputExc;
    private readonly float _thetaDecay;

    private long _step;
    private bool _learning;

    /// <param name="threads">Threads stepping this one network (0 = automatic, which is one: see <see cref="EffectiveThreads"/>);
    /// fewer are used for small networks (<see cref="MinNeuronsPerThread"/>). Results do not depend on it. Dispose the
    /// simulator to stop its helper threads.</param>
    public Simulator(SnnModel model, WorkCounts? counts = null, int threads = 1)
        : this(model, counts, reference: false, EffectiveThreads(threads, model.Config.Neurons))
    {
    }

    /// <summary>Fewest excitatory neurons per thread: below this the per-step barrier costs more than the split saves.</summary>
    public const int MinNeuronsPerThread = 512;

    /// <summary>
    /// The threads that <paramref name="requested"/> gives a network of <paramref name="neurons"/>. Automatic (0) is one
    /// thread: on the project's 2-core machine, idle, two threads trained fspinn 8-bit 1.2x slower at N = 1600 and
    /// 1.6x slower at N = 4900 than one (docs/performance.md), so splitting a network is only done when asked for.
    /// </summary>
    public static int EffectiveThreads(int requested, int neurons) =>
        Math.Max(1, Math.Min(requested <= 0 ? 1 : requested, neurons / MinNeuronsPerThread));

    /// <summary>Threads stepping this network (1: no helper thread).</summary>
    public int Threads => _rangeStarts.Length - 1;

    /// <summary>
    /// <paramref name="reference"/>: the unoptimised path, stepping every neuron and writing every synapse of a row
    /// (dense kernels, no event-driven shortcuts, rows delivered one at a time); results are bit-identical to the default
    /// path, which tests check. <paramref name="threads"/>: exactly this many parts (tests split small networks too).
    /// </summary>
    internal Simulator(SnnModel model, WorkCounts? counts, bool reference, int threads = 1)
    {
        _reference = reference;
        _model = model;
        _c = model.Config;
        _n = _c.Neurons;
        _inputs = model.InputSize;
        var topology = new NetworkTopology(_c, _inputs);
        Counts = counts ?? topology.CreateCounts();

        var neuronModel = NeuronModels.For(_c);
        _exc = neuronModel.CreatePopulation(_c, PopulationRole.Excitatory, _n, inhibited: true);
        _thetaDecay = neuronModel.ThetaDecay(_c);
        _exampleSpikes = new int[_n];
        _crossed = new int[_n];
        _excSpikes = new int[_n];
        _row = new float[_n];
        _codeSums = new uint[_n];
        _columnSums = new float[_n];
        _factors = new float[_n];
        if (model.DelaySteps is not null)
        {
            _ringSlots = _c.InputDelaySteps + 1;
            // two copies of the ring: writes from slot s with delay d land at (s + d)·N + j < 2·slots·N without wrapping;
            // the arrivals of a slot are the sum of its two copies
            _ring = new float[2 * _ringSlots * _n];
            _delayOffsets = model.DelayOffsets;
        }

        _plasticity = new Plasticity(model.Weights, _c, Counts, reference, model.DelaySteps);
        _inhibition = topology.CreateInhibition(Counts, reference);
        _inputCounts = Counts.Population(NetworkTopology.Input);
        _excCounts = Counts.Population(NetworkTopology.Excitatory);
        _inputExc = Counts.Projection(NetworkTopology.InputToExcitatory)!;

        var parts = Math.Max(1, threads);
        _rangeStarts = new int[parts + 1];
        for (var k = 0; k <= parts; k++)
            _rangeStarts[k] = k == parts ? _n : (int)((long)_n * k / parts / 64 * 64);   // 64-neuron blocks: whole vectors per range
        _rangeRows = new float[parts][];
        _rangeCrossed = new int[parts][];
        _rangeCrossedCount = new int[parts];
        for (var k = 0; k < parts; k++)
        {
            _rangeRows[k] = k == 0 ? _row : new float[_n];
            _rangeCrossed[k] = new int[_rangeStarts[k + 1] - _rangeStarts[k]];
        }
        _stepInputs = new int[_inputs];
        _runRange = RunRange;
        if (parts > 1) _workers = new StepWorkers(parts);
    }

    // ---- neuron ranges (several threads): [_rangeStarts[k], _rangeStarts[k + 1]) belongs to part k ----
    private readonly int[] _rangeStarts;
    private readonly float[][] _rangeRows;
    private readonly int[][] _rangeCrossed;
    private readonly int[] _rangeCrossedCount;
    private readonly StepWorkers? _workers;
    private readonly Action<int> _runRange;
    // what the parts of the current step deliver (copied so that helpers can read them)
    private readonly int[] _stepInputs;
    private int _stepInputCount;
    private int _deliverySlot;
    private bool _integrateAhead;

    /// <summary>Stops the helper threads (if any).</summary>
    public void Dispose() => _workers?.Dispose();

    /// <summary>The work this simulator has done so far.</summary>
    public WorkCounts Counts { get; }

    /// <summary>Spike counts of each excitatory neuron during the last successful presentation.</summary>
    public ReadOnlySpan<int> ExampleSpikes => _exampleSpikes;

    /// <summary>Empty counts of the network of <paramref name="config"/> (<see cref="NetworkTopology.CreateCounts"/>).</summary>
    public static WorkCounts CreateCounts(NetworkConfig config, int inputSize) => new NetworkTopology(config, inputSize).CreateCounts();

    /// <summary>Resets v, conductances, refractory counters, traces and in-flight input (not theta, not weights).</summary>
    public void ResetState()
    {
        _exc.Reset();
        _excSpikeCount = 0;
        _inhibition.Reset();
        if (_ring is not null) Array.Clear(_ring);
        _arrivingSlot = -1;
        _plasticity.ResetTraces();
    }

    /// <summary>
    /// Trains on one example: reset (if configured), normalise (before), present with retries, rest, flush timestep-based
    /// updates, normalise (after). <paramref name="rng"/> drives input spikes, one-spike picks and stochastic rounding.
    /// </summary>
    public ExampleResult Train(ReadOnlySpan<byte> image, Xoshiro256 rng)
    {
        _learning = true;
        _plasticity.SeedRounding(Xoshiro256.ForStream(rng.NextUInt64(), 0, 0));
        if (_c.ResetBetweenExamples) ResetState();
        var result = PresentWithRetries(image, ref rng, learning: true);
        if (_c.Normalization == NormalizationTiming.AfterExample)
        {
            Profile?.Mark();
            _plasticity.Normalize(_c.NormalizationTarget, _columnSums, _factors);
            Profile?.Lap(SimulatorPhase.Normalisation);
        }
        Counts.Examples++;
        return result;
    }

    /// <summary>
    /// Runs one example with learning off and theta frozen, from the reset state; or, with <paramref name="carryOver"/>
    /// and <see cref="NetworkConfig.InferenceRestMs"/> &gt; 0, from the previous example's state after that rest with no
    /// input (Diehl &amp; Cook's test mode). The caller decides which examples carry over (fixed blocks), so that results
    /// do not depend on which thread runs which example.
    /// </summary>
    public ExampleResult Infer(ReadOnlySpan<byte> image, Xoshiro256 rng, bool carryOver = false)
    {
        _learning = false;
        if (carryOver && _c.InferenceRestSteps > 0) RunSteps(_c.InferenceRestSteps, null, ref rng, countSpikes: false);
        else ResetState();
        var result = PresentWithRetries(image, ref rng, learning: false);
        Counts.Examples++;
        return result;
    }

    private ExampleResult PresentWithRetries(ReadOnlySpan<byte> image, ref Xoshiro256 rng, bool learning)
    {
        var retries = 0;
        while (true)
        {
            Profile?.Mark();
            if (learning && _c.Normalization == NormalizationTiming.BeforeExample)
            {
                _plasticity.Normalize(_c.NormalizationTarget, _columnSums, _factors);
                Profile?.Lap(SimulatorPhase.Normalisation);
            }
            var rate = _c.MaxInputRate + retries * _c.RetryRateIncrement;
            PoissonEncoder.Encode(image, rate, _c.Dt, _c.PresentationSteps, _c.Encoding, ref rng, _schedule);
            Profile?.Lap(SimulatorPhase.Encoding);
            Array.Clear(_exampleSpikes);
            var spikes = RunSteps(_c.PresentationSteps, _schedule, ref rng);
            Counts.Presentations++;
            var retry = spikes < _c.RetryMinSpikes && retries < _c.MaxRetries;
            if (learning && _c.RestSteps > 0)
            {
                // the rest lets v, conductances and traces relax; learning stays on, as in Diehl & Cook's code
                RunSteps(_c.RestSteps, null, ref rng, countSpikes: false);
            }
            else if (!learning && retry && _c.InferenceRestSteps > 0)
            {
                RunSteps(_c.InferenceRestSteps, null, ref rng, countSpikes: false);
            }
            else if (!learning && retry && _c.RestSteps > 0)
            {
                ResetState();
            }
            Profile?.Mark();
            _plasticity.Flush();
            Profile?.Lap(SimulatorPhase.Learning);
            if (!retry)
            {
                Counts.Retries += retries;
                return new ExampleResult(spikes, retries);
            }
            retries++;
        }
    }

    /// <summary>Simulates <paramref name="steps"/> steps with the given input (null = no input); returns excitatory spikes emitted.</summary>
    private int RunSteps(int steps, SpikeSchedule? input, ref Xoshiro256 rng, bool countSpikes = true)
    {
        var total = 0;
        var interval = _c.UpdateInterval;
        var profile = Profile;
        profile?.Mark();
        // true when the previous step's parallel phase already integrated this step's excitatory neurons
        var integrated = false;
        for (var t = 0; t < steps; t++)
        {
            var preSpikes = input is null ? ReadOnlySpan<int>.Empty : input.At(t);
            if (_learning)
            {
                // theta decays before the threshold test, inside the neuron kernel (BindsNET order; Brian integrates it with v)
                _plasticity.BeginStep(_step);
                profile?.Lap(SimulatorPhase.Learning);
            }

            if (!integrated) Integrate();
            SelectExcitatorySpikes(ref rng);
            _inhibition.StepNeurons();
            profile?.Lap(SimulatorPhase.NeuronUpdate);

            var post = _excSpikes.AsSpan(0, _excSpikeCount);
            if (countSpikes)
                foreach (var j in post) _exampleSpikes[j]++;
            total += _excSpikeCount;

            if (_learning)
            {
                _plasticity.Apply(preSpikes, post, _exampleSpikes);
                if (interval > 1 && (t + 1) % interval == 0) _plasticity.Flush();
            }
            profile?.Lap(SimulatorPhase.Learning);

            // several threads: deliver and integrate the next step in one parallel phase (not when a test hook observes the step)
            integrated = _workers is not null && t + 1 < steps && _afterStep is null;
            Deliver(preSpikes, post, integrated);
            _inputCounts.Spikes += preSpikes.Length;
            _step++;
            profile?.Lap(SimulatorPhase.Delivery);
            _afterStep?.Invoke(t);
        }
        var steps64 = (long)steps;
        Counts.TimeSteps += steps64;
        _excCounts.NeuronUpdates += steps64 * _n;
        _inputCounts.NeuronUpdates += steps64 * _inputs;
        _inputExc.DenseSynapticOps += steps64 * _inputs * _n;
        _inhibition.CountDenseSteps(steps64);
        return total;
    }

    /// <summary>Integrates the excitatory neurons for this step, on every part; their crossings in _crossed, in neuron order.</summary>
    private void Integrate()
    {
        if (_workers is null)
        {
            _crossedCount = IntegrateRange(0, _n, _crossed);
            _arrivingSlot = -1;
            return;
        }
        _integrateAhead = true;
        _stepInputCount = -1;   // integrate only
        _workers.Run(_runRange);
        GatherCrossings();
    }

    /// <summary>Integrates excitatory neurons [start, end); crossings (absolute indices) into <paramref name="crossed"/>, returns their count.</summary>
    private int IntegrateRange(int start, int end, Span<int> crossed)
    {
        var length = end - start;
        var thetaDecay = _learning ? _thetaDecay : 1f;
        // a model that integrates arrivals takes the delayed input of the previous step's slot here rather than at the end
        // of that step (same sums)
        var pending = _arrivingSlot >= 0;
        var count = _exc.Integrate(start, length, _model.Theta.AsSpan(start, length), thetaDecay, crossed,
            pending ? _ring.AsSpan(_arrivingSlot * _n + start, length) : default,
            pending ? _ring.AsSpan((_arrivingSlot + _ringSlots) * _n + start, length) : default);
        if (start != 0)
            foreach (ref var j in crossed[..count]) j += start;
        return count;
    }

    /// <summary>Concatenates the parts' crossings in part order, which is neuron order, as the one-thread kernel lists them.</summary>
    private void GatherCrossings()
    {
        var count = 0;
        for (var k = 0; k < _rangeCrossed.Length; k++)
        {
            _rangeCrossed[k].AsSpan(0, _rangeCrossedCount[k]).CopyTo(_crossed.AsSpan(count));
            count += _rangeCrossedCount[k];
        }
        _crossedCount = count;
        _arrivingSlot = -1;
    }

    /// <summary>One part's share of a step's parallel phase: deliver to its neurons, then (if asked) integrate them.</summary>
    private void RunRange(int part)
    {
        var start = _rangeStarts[part];
        var end = _rangeStarts[part + 1];
        if (_stepInputCount >= 0) DeliverRange(start, end, _rangeRows[part]);
        if (_integrateAhead) _rangeCrossedCount[part] = IntegrateRange(start, end, _rangeCrossed[part]);
    }

    /// <summary>Ring slot whose arrivals the next update of a model that integrates arrivals adds (−1: none pending).</summary>
    private int _arrivingSlot = -1;

    private int _crossedCount;

    /// <summary>Wall time per phase (profiling; null: not measured).</summary>
    internal PhaseProfile? Profile { get; set; }

    // ---- internal test hooks: observe the state and drive the network with a scripted input schedule ----
    private Action<int>? _afterStep;

    internal ReadOnlySpan<float> ExcMembrane => _exc.V;
    internal ReadOnlySpan<float> InhMembrane => _inhibition.Membrane;
    internal ReadOnlySpan<int> LastStepExcSpikes => _excSpikes.AsSpan(0, _excSpikeCount);
    internal ReadOnlySpan<int> LastStepInhSpikes => _inhibition.LastSpikes;

    /// <summary>
    /// Runs every step of <paramref name="input"/> from the current state (no reset, normalisation, retries or rest) and
    /// calls <paramref name="afterStep"/> with the step index after each step; with learning on, pending timestep-based
    /// updates are written at the end as at the end of a presentation. Returns the excitatory spikes emitted.
    /// </summary>
    internal int RunScripted(SpikeSchedule input, bool learning, Xoshiro256 rng, Action<int>? afterStep = null)
    {
        _learning = learning;
        Array.Clear(_exampleSpikes);
        _afterStep = afterStep;
        try
        {
            var spikes = RunSteps(input.Steps, input, ref rng);
            if (learning) _plasticity.Flush();
            return spikes;
        }
        finally
        {
            _afterStep = null;
        }
    }

    /// <summary>Resets every neuron that crossed threshold, adapts theta, and emits all of them or (one-spike mode) one at random.</summary>
    private void SelectExcitatorySpikes(ref Xoshiro256 rng)
    {
        var crossed = _crossed.AsSpan(0, _crossedCount);
        _exc.Fire(crossed);
        if (_learning)
        {
            var theta = _model.Theta;
            var plus = (float)_c.ThetaPlus;
            foreach (var j in crossed) theta[j] += plus;
        }
        if (_c.OneSpikePerStep && _crossedCount > 1)
        {
            _excSpikes[0] = _crossed[rng.NextInt(_crossedCount)];
            _excSpikeCount = 1;
        }
        else
        {
            Array.Copy(_crossed, _excSpikes, _crossedCount);
            _excSpikeCount = _crossedCount;
        }
        _excCounts.Spikes += _excSpikeCount;
    }

    /// <summary>
    /// Delivers this step's spikes so that they act from the next step: the counts and the inhibitory population's input
    /// here, the excitatory neurons' input by neuron range (<see cref="DeliverRange"/>, on every part when there are
    /// several). With <paramref name="integrateNext"/>, the parts then integrate their neurons for the next step.
    /// </summary>
    private void Deliver(ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> excSpikes, bool integrateNext)
    {
        preSpikes.CopyTo(_stepInputs);
        _stepInputCount = preSpikes.Length;
        if (_ring is not null)
        {
            _deliverySlot = (int)(_step % _ringSlots);
            // a model that integrates arrivals takes this slot's at the start of its next update (nothing reads or writes its input before)
            if (_exc.IntegratesArrivals) _arrivingSlot = _deliverySlot;
        }
        var events = (long)preSpikes.Length * _n;
        _inputExc.SynapticEvents += events;
        _inputExc.WeightReads += events;

        _pulse = _inhibition.Deliver(_excSpikes, _excSpikeCount);

        if (_workers is null)
        {
            DeliverRange(0, _n, _row);
            return;
        }
        _integrateAhead = integrateNext;
        _workers.Run(_runRange);
        if (integrateNext) GatherCrossings();
    }

    /// <summary>
    /// The step's input rows and all-but-self inhibition for excitatory neurons [start, end), in the one-thread order:
    /// rows (or the delay ring, whose arriving slot the current model adds at once), then inhibition.
    /// </summary>
    private void DeliverRange(int start, int end, float[] rowBuffer)
    {
        var weights = _model.Weights;
        var length = end - start;
        var preSpikes = _stepInputs.AsSpan(0, _stepInputCount);
        var target = _exc.ExcitatoryInput.AsSpan(start, length);
        if (_ring is null)
        {
            if (preSpikes.Length > 0 && (_reference || !weights.AddRowsTo(preSpikes, target, start)))
            {
                if (weights.HasSmallCodes && preSpikes.Length > 1)
                {
                    // integer codes summed exactly, converted and scaled once per step
                    var sums = _codeSums.AsSpan(start, length);
                    foreach (var i in preSpikes) weights.AccumulateRowCodes(i, sums, start);
                    CodeConversions.Flush(sums, weights.CodeStep, target);
                }
                else
                {
                    foreach (var i in preSpikes) weights.AddRowTo(i, target, rowBuffer.AsSpan(start, length), start);
                }
            }
        }
        else
        {
            var n = _n;
            var ring = _ring.AsSpan(_deliverySlot * n);
            foreach (var i in preSpikes)
            {
                var row = weights.FloatRow(i);
                if (row.IsEmpty)
                {
                    weights.DecodeRow(i, start, rowBuffer.AsSpan(start, length));
                    row = rowBuffer;
                }
                ScatterAdd(ring, _delayOffsets.AsSpan(i * n + start, length), row.Slice(start, length));
            }
            if (!_exc.IntegratesArrivals)
            {
                // the input buffer also takes inhibition below, after the arrivals: keep that order
                var arriving = _ring.AsSpan(_deliverySlot * n + start, length);
                var wrapped = _ring.AsSpan((_deliverySlot + _ringSlots) * n + start, length);
                TensorPrimitives.Add(target, arriving, target);
                TensorPrimitives.Add(target, wrapped, target);
                arriving.Clear();
                wrapped.Clear();
            }
        }

        var pulse = _pulse;
        if (pulse.Count == 0) return;
        var inhibited = _exc.InhibitoryInput.AsSpan(start, length);
        var signed = _exc.InhibitionSign * pulse.Strength;
        var total = signed * pulse.Count;
        TensorPrimitives.Add(inhibited, total, inhibited);
        foreach (var k in pulse.Sources.AsSpan(0, pulse.Count))
            if (k >= start && k < end) inhibited[k - start] -= signed;
    }

    /// <summary>ring[offsets[j]] += values[j]: the delayed delivery of one input row (internal for its benchmark).</summary>
    internal static void ScatterAdd(Span<float> ring, ReadOnlySpan<int> offsets, ReadOnlySpan<float> values)
    {
        ref var r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(ring);
        for (var j = 0; j < values.Length; j++)
            System.Runtime.CompilerServices.Unsafe.Add(ref r, offsets[j]) += values[j];
    }
}
