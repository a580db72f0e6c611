using System.Globalization;
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
/// With several threads, the excitatory neurons are split into contiguous ranges and each thread steps its range through
/// a whole presentation. The threads wait for each other only at the steps that need it: where a neuron crossed
/// threshold or the inhibitory population fired (a few dozen of 250 steps), and at every step where learning writes
/// weights at input spikes or input is delayed. Every neuron gets exactly the arithmetic of the one-thread loop, so
/// results do not depend on the thread count (<see cref="RunStepsInParallel"/>).
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
    /// <summary>
    /// θ's decay per learning step kept as a scale (<see cref="ThetaDecayArithmetic.Exact"/>; 1 with the float32 step, or
    /// when θ cannot be nonzero: nothing to decay).
    /// </summary>
    private readonly double _thetaDecay;
    /// <summary>θ's decay per learning step applied to θ in float32 by the kernels (<see cref="ThetaDecayArithmetic.Float32PerStep"/>; otherwise 1).</summary>
    private readonly float _thetaStepDecay = 1f;
    /// <summary>
    /// The threshold sees the stored θ times this: θ's decay since the current learning RunSteps call began (1 outside
    /// one, in inference, and always with the float32 step). θ decays by 1 − 5·10⁻⁸ per step in the presets; multiplying
    /// a float θ by that at every step rounds each product to a whole ulp and makes θ decay 1.2-2.4x faster than τθ, so
    /// the exact arithmetic keeps the decay in double and folds it into θ once per call (<see cref="FoldThetaDecay"/>),
    /// and a spike adds θ+ / scale.
    /// </summary>
    private double _thetaScale = 1;
    /// <summary>Smallest scale allowed within one call: far above float's smallest normal number, so θ / scale stays finite.</summary>
    private const double MinThetaScale = 1.0 / (1L << 60);

    private long _step;
    private bool _learning;

    /// <param name="threads">Threads stepping this one network (0 = automatic, which is one: see <see cref="EffectiveThreads"/>);
    /// fewer are used for small networks (<see cref="MinNeuronsPerThread"/>). Results do not depend on it. Dispose the
    /// simulator to stop its helper threads.</param>
    public Simulator(SnnModel model, WorkCounts? counts = null, int threads = 1)
        : this(model, counts, reference: false, EffectiveThreads(threads, model.Config.Neurons))
    {
    }

    /// <summary>Fewest excitatory neurons per thread: below this the per-step exchange between threads costs more than the split saves.</summary>
    public const int MinNeuronsPerThread = 512;

    /// <summary>
    /// The threads that <paramref name="requested"/> gives a network of <paramref name="neurons"/>. Automatic (0) is one
    /// thread: with a barrier per step, two threads trained fspinn 8-bit 1.2x slower at N = 1600 and 1.6x slower at
    /// N = 4900 than one on the idle 2-core machine (docs/performance.md); the threads now synchronise only at spike
    /// steps, which has not been measured on an idle machine yet, so splitting a network is still only done when asked for.
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
        // θ stays 0 without an increment or a nonzero start: no decay then (and no bound on theta_tau)
        var thetaDecay = _c.ThetaPlus != 0 || Array.Exists(model.Theta, theta => theta != 0) ? neuronModel.ThetaDecay(_c) : 1;
        if (_c.ThetaDecayArithmetic == ThetaDecayArithmetic.Float32PerStep)
        {
            _thetaDecay = 1;
            _thetaStepDecay = (float)thetaDecay;
        }
        else
        {
            _thetaDecay = thetaDecay;
        }
        RequireThetaScaleFor(Math.Max(_c.PresentationSteps, _c.RestSteps));
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
        for (var k = 0; k < parts; k++)
        {
            _rangeRows[k] = k == 0 ? _row : new float[_n];
            _rangeCrossed[k] = new int[_rangeStarts[k + 1] - _rangeStarts[k]];
        }
        _slots = new PartSlot[parts + 1];
        _pulseSources = new int[_n];
        _runPart = RunPart;
        if (parts > 1) _workers = new StepWorkers(parts);
    }

    // ---- neuron ranges (several threads): [_rangeStarts[k], _rangeStarts[k + 1]) belongs to part k ----
    private readonly int[] _rangeStarts;
    private readonly float[][] _rangeRows;
    private readonly int[][] _rangeCrossed;
    private readonly StepWorkers? _workers;
    private readonly Action<int> _runPart;
    private int _deliverySlot;

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
        int total;
        if (_workers is null || _afterStep is not null || (_serialCallsLeft > 0 && !StayParallel))
        {
            if (_serialCallsLeft > 0) _serialCallsLeft--;
            // one thread (also with a test hook, which observes the whole network after every step)
            total = 0;
            var profile = Profile;
            profile?.Mark();
            for (var t = 0; t < steps; t++)
            {
                var preSpikes = input is null ? ReadOnlySpan<int>.Empty : input.At(t);
                if (_learning)
                {
                    // theta decays before the threshold test (BindsNET order; Brian integrates it with v): as a scale
                    // here (exact), or in the neuron kernel (float32 step)
                    _thetaScale *= _thetaDecay;
                    _plasticity.BeginStep(_step);
                    profile?.Lap(SimulatorPhase.Learning);
                }
                _crossedCount = IntegrateRange(0, _n, _crossed, _thetaScale);
                _inhibition.StepNeurons();
                profile?.Lap(SimulatorPhase.NeuronUpdate);
                total += FinishStep(t, preSpikes, ref rng, countSpikes);
                DeliverRows(0, _n, _row, preSpikes);
                AddInhibition(0, _n);
                profile?.Lap(SimulatorPhase.Delivery);
                _afterStep?.Invoke(t);
            }
        }
        else
        {
            total = RunStepsInParallel(steps, input, ref rng, countSpikes);
            // a busy machine: the parts were not running at the same time (a wait yielded its time slice), and stepping in
            // lock-step then costs scheduler time slices; the next calls run on this thread alone (the same results),
            // twice as many after each such call, and the parts are tried again after them
            if (_partWaitsYielded)
            {
                _serialCallsLeft = _serialCallsAfterYield;
                _serialCallsAfterYield = Math.Min(2 * _serialCallsAfterYield, MaxSerialCallsAfterYield);
            }
            else
            {
                _serialCallsAfterYield = 1;
            }
        }
        FoldThetaDecay();
        var steps64 = (long)steps;
        Counts.TimeSteps += steps64;
        _excCounts.NeuronUpdates += steps64 * _n;
        _inputCounts.NeuronUpdates += steps64 * _inputs;
        _inputExc.DenseSynapticOps += steps64 * _inputs * _n;
        _inhibition.CountDenseSteps(steps64);
        return total;
    }

    /// <summary>
    /// The serial part of step <paramref name="t"/>, after the excitatory neurons were integrated (crossings in _crossed)
    /// and the inhibitory population stepped: fire, count, learn, and the global part of delivery (the counts, the ring
    /// slot, the inhibition pulse); the neuron ranges' input is delivered by <see cref="DeliverRows"/> and
    /// <see cref="AddInhibition"/>. Returns the excitatory spikes emitted.
    /// </summary>
    private int FinishStep(int t, ReadOnlySpan<int> preSpikes, ref Xoshiro256 rng, bool countSpikes)
    {
        var profile = Profile;
        SelectExcitatorySpikes(ref rng);
        var post = _excSpikes.AsSpan(0, _excSpikeCount);
        if (countSpikes)
            foreach (var j in post) _exampleSpikes[j]++;
        if (_learning)
        {
            _plasticity.Apply(preSpikes, post, _exampleSpikes);
            var interval = _c.UpdateInterval;
            if (interval > 1 && (t + 1) % interval == 0) _plasticity.Flush();
        }
        profile?.Lap(SimulatorPhase.Learning);

        // the arrivals of the ring slot the neurons just integrated are consumed; this step's delivery writes the next ones
        _arrivingSlot = -1;
        if (_ring is not null)
        {
            _deliverySlot = (int)(_step % _ringSlots);
            // a model that integrates arrivals takes this slot's at the start of its next update (nothing reads or writes its input before)
            if (_exc.IntegratesArrivals) _arrivingSlot = _deliverySlot;
        }
        var events = (long)preSpikes.Length * _n;
        _inputExc.SynapticEvents += events;
        _inputExc.WeightReads += events;
        _inputCounts.Spikes += preSpikes.Length;
        _pulse = _inhibition.Deliver(_excSpikes, _excSpikeCount);
        _step++;
        return _excSpikeCount;
    }

    /// <summary>
    /// Integrates excitatory neurons [start, end) with θ seen times <paramref name="thetaScale"/>; crossings (absolute
    /// indices) into <paramref name="crossed"/>, returns their count.
    /// </summary>
    private int IntegrateRange(int start, int end, Span<int> crossed, double thetaScale)
    {
        var length = end - start;
        var thetaStepDecay = _learning ? _thetaStepDecay : 1f;   // inference shares θ between threads: never written then
        // a model that integrates arrivals takes the delayed input of the previous step's slot here rather than at the end
        // of that step (same sums)
        var pending = _arrivingSlot >= 0;
        var count = _exc.Integrate(start, length, _model.Theta.AsSpan(start, length), (float)thetaScale, thetaStepDecay, crossed,
            pending ? _ring.AsSpan(_arrivingSlot * _n + start, length) : default,
            pending ? _ring.AsSpan((_arrivingSlot + _ringSlots) * _n + start, length) : default);
        if (start != 0)
            foreach (ref var j in crossed[..count]) j += start;
        return count;
    }

    // ---- several threads: each part steps its neuron range through a whole RunSteps call (see RunPart) ----
    private readonly PartSlot[] _slots;
    private SpikeSchedule? _partInput;
    private int _partSteps;
    private long _partFirstTick;
    private bool _partCountSpikes;
    /// <summary>Steps without an excitatory crossing need no synchronisation (see <see cref="FreeStepsPossible"/>).</summary>
    private bool _partFreeSteps;
    private int _partTotal;
    private Xoshiro256 _partRng;
    private volatile bool _partFailed;
    /// <summary>The caller's waits in the last parallel call yielded their time slice (see <see cref="RunSteps"/>).</summary>
    private bool _partWaitsYielded;
    private int _serialCallsLeft;
    private int _serialCallsAfterYield = 1;
    private const int MaxSerialCallsAfterYield = 64;

    /// <summary>Steps the parts ran without synchronising (tests: the parallel path takes them).</summary>
    internal long FreeSteps { get; private set; }

    /// <summary>Keeps stepping on every part even on a busy machine (tests of the parallel path).</summary>
    internal bool StayParallel { get; set; }
    /// <summary>The sources of the last synchronised step's pulse, copied: the arrays the pulse points to change at the next step.</summary>
    private readonly int[] _pulseSources;

    /// <summary>
    /// True when a step at which no excitatory neuron crosses threshold changes nothing that another neuron range reads:
    /// no delayed input (the ring is shared), and no weight written without a post spike (a rule with pre-spike
    /// depression or a timestep-based accumulator writes other ranges' columns at every input spike).
    /// </summary>
    private bool FreeStepsPossible => _ring is null && (!_learning || (!_plasticity.Rule.WritesWithoutPostSpikes && _c.UpdateInterval == 1));

    /// <summary>
    /// <see cref="RunSteps"/> on every part: each part integrates its neuron range, publishes how many of them crossed
    /// threshold, and reads what the others published for the same step. A step at which nothing crossed and no
    /// inhibitory neuron fired (most steps: a few dozen excitatory spikes per 250-step presentation) changes nothing
    /// shared, so each part delivers the step's input rows to its range and goes on at once; the caller does the step's
    /// serial bookkeeping meanwhile. Otherwise the caller runs the serial part (<see cref="FinishStep"/>) while the others
    /// wait, and then every part delivers its range. A part whose neurons did not cross delivers its rows before it looks
    /// at the others: no serial part writes a weight or an input of its range, and inhibition is added after the rows in
    /// either case, so every neuron gets exactly the arithmetic of the one-thread loop.
    /// </summary>
    private int RunStepsInParallel(int steps, SpikeSchedule? input, ref Xoshiro256 rng, bool countSpikes)
    {
        _partInput = input;
        _partSteps = steps;
        _partFirstTick = _step;
        _partCountSpikes = countSpikes;
        _partFreeSteps = FreeStepsPossible;
        _partTotal = 0;
        _partRng = rng;
        _partFailed = false;
        _partWaitsYielded = false;
        for (var k = 0; k < _slots.Length - 1; k++) _slots[k].Word = PartSlot.Publish(_step - 1, false);   // no part has published a step of this call
        _slots[^1].Word = _step - 1;   // the release: the last step whose serial part is done
        Profile?.Mark();
        try
        {
            _workers!.Run(_runPart);
        }
        finally
        {
            rng = _partRng;
            _partInput = null;
        }
        return _partTotal;
    }

    /// <summary>Part <paramref name="part"/> of <see cref="RunStepsInParallel"/> (part 0 on the caller does the serial work).</summary>
    private void RunPart(int part)
    {
        try
        {
            RunPartSteps(part);
        }
        catch
        {
            _partFailed = true;   // the other parts stop waiting
            throw;
        }
    }

    private void RunPartSteps(int part)
    {
        var start = _rangeStarts[part];
        var end = _rangeStarts[part + 1];
        var crossed = _rangeCrossed[part];
        var rowBuffer = _rangeRows[part];
        var serial = part == 0;
        var profile = serial ? Profile : null;
        var parts = _slots.Length - 1;
        ref var release = ref _slots[parts];
        var thetaScale = _thetaScale;   // every part computes the same scale (the serial loop's product), step by step
        for (var t = 0; t < _partSteps; t++)
        {
            var tick = _partFirstTick + t;
            var preSpikes = _partInput is null ? ReadOnlySpan<int>.Empty : _partInput.At(t);
            if (_learning)
            {
                thetaScale *= _thetaDecay;
                if (serial)
                {
                    _thetaScale = thetaScale;
                    _plasticity.BeginStep(_step);
                    profile?.Lap(SimulatorPhase.Learning);
                }
            }
            var count = IntegrateRange(start, end, crossed, thetaScale);
            var sync = !_partFreeSteps || count > 0;
            if (serial)
            {
                // the inhibitory population steps on what the previous step delivered to it, whatever fires now
                _inhibition.StepNeurons();
                sync |= _inhibition.LastSpikes.Length > 0;
            }
            profile?.Lap(SimulatorPhase.NeuronUpdate);
            ref var slot = ref _slots[part];
            slot.Crossed = count;
            Volatile.Write(ref slot.Word, PartSlot.Publish(tick, sync));

            var rowsDelivered = !sync;
            if (rowsDelivered)
            {
                DeliverRows(start, end, rowBuffer, preSpikes);
                profile?.Lap(SimulatorPhase.Delivery);
            }
            for (var k = 0; k < parts; k++)
            {
                if (k == part) continue;
                ref var other = ref _slots[k];
                var spin = new PartSpin();
                long word;
                while (PartSlot.TickOf(word = Volatile.Read(ref other.Word)) < tick)
                {
                    if (_partFailed) return;
                    spin.Once();
                }
                // a part already past this step either found it free everywhere or was released from its serial part,
                // which the caller releases before it publishes the next step
                sync |= PartSlot.TickOf(word) == tick ? PartSlot.NeedsSync(word) : Volatile.Read(ref release.Word) >= tick;
                if (serial && spin.Yielded) _partWaitsYielded = true;
            }
            if (!sync)
            {
                // nothing crossed anywhere: the serial bookkeeping of an empty step (input traces and counts, no pulse)
                if (serial)
                {
                    _crossedCount = 0;
                    FinishStep(t, preSpikes, ref _partRng, _partCountSpikes);
                    FreeSteps++;
                }
                continue;
            }
            if (serial)
            {
                GatherCrossings();
                _partTotal += FinishStep(t, preSpikes, ref _partRng, _partCountSpikes);
                var pulse = _pulse;
                pulse.Sources.AsSpan(0, pulse.Count).CopyTo(_pulseSources);
                _pulse = pulse with { Sources = _pulseSources };
                Volatile.Write(ref release.Word, tick);
            }
            else
            {
                var spin = new PartSpin();
                while (Volatile.Read(ref release.Word) < tick)
                {
                    if (_partFailed) return;
                    spin.Once();
                }
            }
            if (!rowsDelivered) DeliverRows(start, end, rowBuffer, preSpikes);
            AddInhibition(start, end);
            profile?.Lap(SimulatorPhase.Delivery);
        }
    }

    /// <summary>Concatenates the parts' crossings in part order, which is neuron order, as the one-thread kernel lists them.</summary>
    private void GatherCrossings()
    {
        var count = 0;
        for (var k = 0; k < _rangeCrossed.Length; k++)
        {
            var crossed = _slots[k].Crossed;
            _rangeCrossed[k].AsSpan(0, crossed).CopyTo(_crossed.AsSpan(count));
            count += crossed;
        }
        _crossedCount = count;
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
        if (learning) RequireThetaScaleFor(input.Steps);
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

    /// <summary>θ of excitatory neuron <paramref name="j"/> as the threshold sees it now (tests; stored θ times the scale within a call).</summary>
    internal double ThetaSeen(int j) => _model.Theta[j] * _thetaScale;

    /// <summary>Folds the decay of the learning call that just ended into θ, in double (one rounding per neuron and call).</summary>
    private void FoldThetaDecay()
    {
        if (_thetaScale == 1) return;
        var scale = _thetaScale;
        foreach (ref var theta in _model.Theta.AsSpan()) theta = (float)(theta * scale);
        _thetaScale = 1;
    }

    /// <summary>
    /// A learning call of <paramref name="steps"/> steps keeps θ's decay as a scale until its end, which must not fall so
    /// far that θ / scale overflows; a θ time constant that short is refused with the bound that would do.
    /// </summary>
    private void RequireThetaScaleFor(int steps)
    {
        if (_thetaDecay == 1 || (_thetaDecay > 0 && Math.Pow(_thetaDecay, steps) >= MinThetaScale)) return;
        var dt = _c.Dt.ToString(CultureInfo.InvariantCulture);
        // forward Euler's 1 − dt/τ decays faster than exp(−dt/τ), so this bound serves both schemes
        var shortest = _c.Dt / (1 - Math.Pow(MinThetaScale, 1.0 / steps));
        throw new ConfigException("theta_tau",
            $"{_c.ThetaTau.ToString(CultureInfo.InvariantCulture)} ms is too short: θ would decay by more than 2^-60 within one " +
            $"presentation or rest of {steps} steps (dt = {dt} ms); use at least {Math.Ceiling(shortest * 1000) / 1000} ms, or theta_plus = 0 and no initial θ");
    }

    /// <summary>Resets every neuron that crossed threshold, adapts theta, and emits all of them or (one-spike mode) one at random.</summary>
    private void SelectExcitatorySpikes(ref Xoshiro256 rng)
    {
        var crossed = _crossed.AsSpan(0, _crossedCount);
        _exc.Fire(crossed);
        if (_learning)
        {
            var theta = _model.Theta;
            var plus = (float)(_c.ThetaPlus / _thetaScale);   // θ+ as seen now: stored θ is divided by the scale
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
    /// The step's input rows for excitatory neurons [start, end) (or the delay ring, whose arriving slot the current
    /// model adds at once); <see cref="AddInhibition"/> follows.
    /// </summary>
    private void DeliverRows(int start, int end, float[] rowBuffer, ReadOnlySpan<int> preSpikes)
    {
        var weights = _model.Weights;
        var length = end - start;
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

    }

    /// <summary>The all-but-self inhibition of the step's pulse for excitatory neurons [start, end), after their rows.</summary>
    private void AddInhibition(int start, int end)
    {
        var length = end - start;
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
