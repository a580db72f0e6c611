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
/// Step order (both neuron models): integrate neurons with the input delivered at the previous step; threshold and
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
    private readonly bool _conductance;
    private readonly bool _layer;

    // excitatory population
    private readonly float[] _v;
    private readonly float[] _ge;      // conductance model: excitatory conductance; current model: input delivered for the next step
    private readonly float[] _gi;      // conductance model only
    private readonly int[] _refractory;
    private readonly int[] _exampleSpikes;
    private readonly int[] _crossed;
    private readonly int[] _excSpikes;
    private int _excSpikeCount;

    // inhibitory population (layer inhibition)
    private readonly float[] _vI;
    private readonly float[] _geI;
    private readonly int[] _refractoryI;
    private readonly int[] _inhSpikes;
    private int _inhSpikeCount;
    /// <summary>
    /// Inhibitory neurons that may change at the next step (null: step all of them). The others sit at a fixed point of
    /// their update with no input: the population only hears the few excitatory spikes, so most of it is idle.
    /// </summary>
    private readonly IndexSet? _inhActive;

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
    private readonly PopulationCounts? _inhCounts;
    private readonly ProjectionCounts _inputExc;
    private readonly ProjectionCounts? _excInh, _inhExc, _lateral;

    // constants
    private readonly float _excDecay, _inhDecay, _geDecay, _giDecay, _thetaDecay;
    private readonly float _excDtOverTau, _inhDtOverTau;
    private readonly int _excRefractorySteps, _inhRefractorySteps;
    private readonly ConductanceConstants _excConductance, _inhConductance;
    private readonly CurrentConstants _excCurrent, _inhCurrent;

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
        _conductance = _c.NeuronModel == NeuronModel.Conductance;
        _layer = _c.Inhibition == InhibitionKind.Layer;
        Counts = counts ?? CreateCounts(_c, _inputs);

        _v = new float[_n];
        _ge = new float[_n];
        _gi = new float[_n];
        _refractory = new int[_n];
        _exampleSpikes = new int[_n];
        _crossed = new int[_n];
        _excSpikes = new int[_n];
        _vI = new float[_layer ? _n : 0];
        _geI = new float[_layer ? _n : 0];
        _refractoryI = new int[_layer ? _n : 0];
        _inhSpikes = new int[_layer ? _n : 0];
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

        _plasticity = new Plasticity(model.Weights, _c, Counts, reference);
        if (_layer && !reference)
        {
            _inhActive = new IndexSet(_n);
            _inhActive.AddAll();
        }
        _inputCounts = Counts.Population("input");
        _excCounts = Counts.Population("exc");
        _inhCounts = _layer ? Counts.Population("inh") : null;
        _inputExc = Counts.Projection("input_exc")!;
        _excInh = Counts.Projection("exc_inh");
        _inhExc = Counts.Projection("inh_exc");
        _lateral = Counts.Projection("exc_exc");

        var dt = _c.Dt;
        _excDecay = (float)Math.Exp(-dt / _c.ExcTauMembrane);
        _inhDecay = (float)Math.Exp(-dt / _c.InhTauMembrane);
        // conductance model integrates with forward Euler as the Brian ports do; the current model decays exactly as BindsNET
        _geDecay = (float)(1 - dt / _c.TauGe);
        _giDecay = (float)(1 - dt / _c.TauGi);
        _thetaDecay = _conductance ? (float)(1 - dt / _c.ThetaTau) : (float)Math.Exp(-dt / _c.ThetaTau);
        _excDtOverTau = (float)(dt / _c.ExcTauMembrane);
        _inhDtOverTau = (float)(dt / _c.InhTauMembrane);
        // steps after the spike step during which the neuron is refractory. Brian: refractory while t − t_spike < period,
        // so the neuron integrates again at the step where t − t_spike = period (period/dt − 1 held steps).
        // BindsNET: input masked while the counter (set to the period, decremented after the mask) is positive: period/dt steps.
        var brianOffset = _conductance ? 1 : 0;
        _excRefractorySteps = Math.Max(0, (int)Math.Round(_c.ExcRefractory / dt) - brianOffset);
        _inhRefractorySteps = Math.Max(0, (int)Math.Round(_c.InhRefractory / dt) - brianOffset);

        _excConductance = new ConductanceConstants((float)_c.ExcRest, (float)_c.ExcReset, (float)_c.ExcitatoryReversal,
            (float)_c.ExcInhibitoryReversal, _excDtOverTau, (float)(_c.ExcThreshold - _c.ThetaOffset), _geDecay, _giDecay);
        _inhConductance = new ConductanceConstants((float)_c.InhRest, (float)_c.InhReset, (float)_c.ExcitatoryReversal,
            (float)_c.InhInhibitoryReversal, _inhDtOverTau, (float)_c.InhThreshold, _geDecay, _giDecay);
        _excCurrent = new CurrentConstants((float)_c.ExcRest, _excDecay, (float)(_c.ExcThreshold - _c.ThetaOffset));
        _inhCurrent = new CurrentConstants((float)_c.InhRest, _inhDecay, (float)_c.InhThreshold);

        Array.Fill(_v, (float)_c.ExcInitialV);
        if (_layer) Array.Fill(_vI, (float)_c.InhInitialV);

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
    private int[] _inhibitors = [];
    private int _inhibitorCount;
    private float _inhibition;
    private int _deliverySlot;
    private bool _integrateAhead;

    /// <summary>Stops the helper threads (if any).</summary>
    public void Dispose() => _workers?.Dispose();

    /// <summary>The work this simulator has done so far.</summary>
    public WorkCounts Counts { get; }

    /// <summary>Spike counts of each excitatory neuron during the last successful presentation.</summary>
    public ReadOnlySpan<int> ExampleSpikes => _exampleSpikes;

    public static WorkCounts CreateCounts(NetworkConfig config, int inputSize)
    {
        var n = config.Neurons;
        var counts = new WorkCounts();
        counts.AddPopulation("input", inputSize);
        counts.AddPopulation("exc", n);
        if (config.Inhibition == InhibitionKind.Layer)
        {
            counts.AddPopulation("inh", n);
            counts.AddProjection("input_exc", "input", "exc", (long)inputSize * n);
            counts.AddProjection("exc_inh", "exc", "inh", n);
            counts.AddProjection("inh_exc", "inh", "exc", (long)n * (n - 1));
        }
        else
        {
            counts.AddProjection("input_exc", "input", "exc", (long)inputSize * n);
            counts.AddProjection("exc_exc", "exc", "exc", (long)n * (n - 1));
        }
        return counts;
    }

    /// <summary>Resets v, conductances, refractory counters, traces and in-flight input (not theta, not weights).</summary>
    public void ResetState()
    {
        Array.Fill(_v, (float)_c.ExcRest);
        Array.Clear(_ge);
        Array.Clear(_gi);
        Array.Clear(_refractory);
        _excSpikeCount = 0;
        if (_layer)
        {
            Array.Fill(_vI, (float)_c.InhRest);
            Array.Clear(_geI);
            Array.Clear(_refractoryI);
            _inhSpikeCount = 0;
            _inhActive?.AddAll();
        }
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
    /// Runs one example with learning off and theta frozen. Inference always starts from the reset state and skips the
    /// rest period, so that examples are independent and can run on any thread with identical results.
    /// </summary>
    public ExampleResult Infer(ReadOnlySpan<byte> image, Xoshiro256 rng)
    {
        _learning = false;
        ResetState();
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
            if (_layer)
            {
                if (_conductance) IntegrateInhibitoryConductance();
                else IntegrateInhibitoryCurrent();
            }
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
        if (_layer)
        {
            _inhCounts!.NeuronUpdates += steps64 * _n;
            _excInh!.DenseSynapticOps += steps64 * _n * _n;
            _inhExc!.DenseSynapticOps += steps64 * _n * _n;
        }
        else
        {
            _lateral!.DenseSynapticOps += steps64 * _n * _n;
        }
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
        int count;
        if (_conductance)
        {
            // the delayed input of the previous step's slot joins g_e here rather than at the end of that step (same sums)
            var pending = _arrivingSlot >= 0;
            count = NeuronKernels.Conductance(_v.AsSpan(start, length), _ge.AsSpan(start, length), _gi.AsSpan(start, length),
                _refractory.AsSpan(start, length), _model.Theta.AsSpan(start, length), _excConductance, crossed, thetaDecay,
                pending ? _ring.AsSpan(_arrivingSlot * _n + start, length) : default,
                pending ? _ring.AsSpan((_arrivingSlot + _ringSlots) * _n + start, length) : default);
        }
        else
        {
            count = NeuronKernels.Current(_v.AsSpan(start, length), _ge.AsSpan(start, length), _refractory.AsSpan(start, length),
                _model.Theta.AsSpan(start, length), _excCurrent, crossed, thetaDecay);
        }
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

    /// <summary>Ring slot whose arrivals the next conductance update adds to g_e (−1: none pending).</summary>
    private int _arrivingSlot = -1;

    private int _crossedCount;

    /// <summary>Wall time per phase (profiling; null: not measured).</summary>
    internal PhaseProfile? Profile { get; set; }

    // ---- internal test hooks: observe the state and drive the network with a scripted input schedule ----
    private Action<int>? _afterStep;

    internal ReadOnlySpan<float> ExcMembrane => _v;
    internal ReadOnlySpan<float> InhMembrane => _vI;
    internal ReadOnlySpan<int> LastStepExcSpikes => _excSpikes.AsSpan(0, _excSpikeCount);
    internal ReadOnlySpan<int> LastStepInhSpikes => _inhSpikes.AsSpan(0, _inhSpikeCount);

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
        var theta = _model.Theta;
        var reset = (float)_c.ExcReset;
        var plus = (float)_c.ThetaPlus;
        for (var k = 0; k < _crossedCount; k++)
        {
            var j = _crossed[k];
            _v[j] = reset;
            _refractory[j] = _excRefractorySteps;
            if (_learning) theta[j] += plus;
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

    private void IntegrateInhibitoryConductance() =>
        ResetInhibitory(_inhActive is null
            ? NeuronKernels.Conductance(_vI, _geI, [], _refractoryI, [], _inhConductance, _inhSpikes)
            : NeuronKernels.ConductanceActive(_vI, _geI, _refractoryI, _inhConductance, _inhActive, _inhSpikes));

    private void IntegrateInhibitoryCurrent() =>
        ResetInhibitory(_inhActive is null
            ? NeuronKernels.Current(_vI, _geI, _refractoryI, [], _inhCurrent, _inhSpikes)
            : NeuronKernels.CurrentActive(_vI, _geI, _refractoryI, _inhCurrent, _inhActive, _inhSpikes));

    /// <summary>Inhibitory neurons that crossed threshold spike and reset (no one-spike rule, no adaptation).</summary>
    private void ResetInhibitory(int spikes)
    {
        var reset = (float)_c.InhReset;
        for (var k = 0; k < spikes; k++)
        {
            var j = _inhSpikes[k];
            _vI[j] = reset;
            _refractoryI[j] = _inhRefractorySteps;
        }
        _inhSpikeCount = spikes;
        _inhCounts!.Spikes += spikes;
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
            // conductance model: g_e takes this slot's arrivals at the start of the next update (nothing reads or writes g_e before)
            if (_conductance) _arrivingSlot = _deliverySlot;
        }
        var events = (long)preSpikes.Length * _n;
        _inputExc.SynapticEvents += events;
        _inputExc.WeightReads += events;

        if (_layer)
        {
            var w = (float)_c.ExcToInhWeight;
            foreach (var j in excSpikes)
            {
                _geI[j] += w;
                _inhActive?.Add(j);
            }
            _excInh!.SynapticEvents += excSpikes.Length;
            _excInh.WeightReads += excSpikes.Length;
            SetInhibition(_inhSpikes, _inhSpikeCount, (float)_c.InhToExcWeight, _inhExc!);
        }
        else
        {
            SetInhibition(_excSpikes, _excSpikeCount, (float)_c.LateralInhibition, _lateral!);
        }

        if (_workers is null)
        {
            DeliverRange(0, _n, _row);
            return;
        }
        _integrateAhead = integrateNext;
        _workers.Run(_runRange);
        if (integrateNext) GatherCrossings();
    }

    /// <summary>The all-but-self inhibition this step delivers (sources k inhibit every excitatory neuron but k), and its counts.</summary>
    private void SetInhibition(int[] sources, int count, float w, ProjectionCounts counts)
    {
        _inhibitors = sources;
        _inhibitorCount = w == 0 ? 0 : count;
        _inhibition = w;
        if (_inhibitorCount == 0) return;
        counts.SynapticEvents += (long)count * (_n - 1);
        counts.WeightReads += count; // the simulator holds inhibition as one shared value per projection
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
        var target = _ge.AsSpan(start, length);
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
            if (!_conductance)
            {
                // the current model's input buffer also takes inhibition below, after the arrivals: keep that order
                var arriving = _ring.AsSpan(_deliverySlot * n + start, length);
                var wrapped = _ring.AsSpan((_deliverySlot + _ringSlots) * n + start, length);
                TensorPrimitives.Add(target, arriving, target);
                TensorPrimitives.Add(target, wrapped, target);
                arriving.Clear();
                wrapped.Clear();
            }
        }

        if (_inhibitorCount == 0) return;
        var inhibited = (_conductance ? _gi : _ge).AsSpan(start, length);
        var signed = _conductance ? _inhibition : -_inhibition;
        var total = signed * _inhibitorCount;
        TensorPrimitives.Add(inhibited, total, inhibited);
        foreach (var k in _inhibitors.AsSpan(0, _inhibitorCount))
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
