using System.Numerics.Tensors;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Learning;

/// <summary>
/// Traces, weight writes and timestep-based accumulation for the plastic input→excitatory projection.
/// Presynaptic traces are kept lazily as last-spike steps (x_pre = decay^(t − last), set to 1 on a spike);
/// postsynaptic traces decay eagerly (N values per step). With an update interval T_u &gt; 1, changes go into a
/// dense accumulator and are written (clipped, re-quantized) once every T_u steps and at the end of each example.
/// </summary>
public sealed class Plasticity : IPlasticSynapses
{
    private readonly WeightMatrix _weights;
    private readonly NetworkConfig _config;
    private readonly WorkCounts _counts;
    private readonly ProjectionCounts _projection;
    private readonly PopulationCounts _inputCounts;
    private readonly PopulationCounts _excCounts;
    private readonly float[] _preDecayTable;
    private readonly long[] _lastPreStep;
    private readonly float[] _xPre;
    private readonly float[] _rowDelta;
    private readonly float[] _colDelta;
    private readonly float[] _scratch;
    private readonly float[]? _accumulator;
    private readonly bool[]? _columnTouched;
    private readonly bool[]? _rowTouched;
    private int _touchedRows;
    // Sparse depression: a pre spike changes w[i, j] only where x_post1[j] ≠ 0, or where the clip to [0, w_max] can
    // change w[i, j] (a column holding a weight above w_max after normalisation: with w_max on the weight grid, no
    // other write leaves one there); every other entry is left exactly as the dense row update leaves it, so only these
    // columns are written.
    /// <summary>Depression rows written sparsely (else whole): not in the reference path, nor where a write can leave a weight above w_max.</summary>
    private readonly bool _sparseDepression;
    /// <summary>Neurons with a non-zero post trace (null in the reference path): only they need decaying.</summary>
    private readonly IndexSet? _traced;
    /// <summary>
    /// <see cref="_aboveMax"/> is kept (not in the reference path, nor where a write can leave a weight above w_max): it
    /// lets depression rows and potentiation columns skip the entries whose Δw is zero.
    /// </summary>
    private readonly bool _knowsColumnsAboveMax;
    private readonly float[] _columnMax;
    private readonly int[] _columnsAboveMax;
    private int _columnsAboveMaxCount;
    private readonly bool[] _aboveMax;
    private readonly bool[] _listed;
    private readonly int[] _depressionColumns;
    private int _depressionColumnCount;
    private bool _depressionColumnsStale = true;
    private bool _accumulatorDirty;
    private readonly float _post1Decay;
    private readonly float _post2Decay;
    private long _xPreStep = -1;
    /// <summary>Pre-synaptic terms at spike arrival (input delays with stdp_pre_timing=arrival); null: at emission.</summary>
    private readonly ArrivingSpikes? _arriving;
    private readonly int[] _arrivalColumns;
    /// <summary>The depression columns as a bit set (arrival path only), kept with <see cref="_depressionColumns"/>.</summary>
    private readonly ulong[]? _depressionBits;
    /// <summary>The words of <see cref="_depressionBits"/> that are non-zero.</summary>
    private readonly int[] _depressionWords;
    private int _depressionWordCount;
    /// <summary>Depression columns whose Δw is zero at this step but which may hold a weight above w_max (see <see cref="DepressRows"/>).</summary>
    private readonly int[] _clippedOnlyColumns;
    // x_pre is zero for every input that has not spiked since the traces were reset: the inputs that have, as bits (null in
    // the reference path), and listed in increasing order (the order of a column's rows, which stochastic rounding draws in)
    private readonly ulong[]? _preTracedBits;
    private readonly int[] _preTracedRows;
    private int _preTracedCount;
    private bool _preTracedRowsStale;
    private long _step;
    private Xoshiro256 _rng;

    /// <summary>Seeds the random stream used by stochastic rounding of weight writes (set per example for reproducibility).</summary>
    public void SeedRounding(Xoshiro256 rng) => _rng = rng;

    /// <param name="reference">
    /// The unoptimised path: post traces decayed over every neuron and depression rows written whole. The default path
    /// leaves bit-identical weights, traces and counts.
    /// </param>
    /// <param name="delaySteps">The model's input delays (null: none); with <see cref="NetworkConfig.StdpAtArrival"/> the
    /// pre-synaptic terms act when a spike reaches each synapse.</param>
    /// <param name="rule">The learning rule (default: the configuration's, <see cref="ILearningRule.Create(NetworkConfig)"/>).</param>
    public Plasticity(WeightMatrix weights, NetworkConfig config, WorkCounts counts, bool reference = false, byte[]? delaySteps = null, ILearningRule? rule = null)
    {
        _knowsColumnsAboveMax = !reference && weights.SupportsSparseRowUpdates && !weights.WritesCanExceed(config.WeightMax);
        _sparseDepression = _knowsColumnsAboveMax && config.EtaPre > 0;
        _weights = weights;
        _config = config;
        _counts = counts;
        _projection = counts.Projection(NetworkTopology.InputToExcitatory)!;
        _inputCounts = counts.Population(NetworkTopology.Input);
        _excCounts = counts.Population(NetworkTopology.Excitatory);
        Rule = rule ?? ILearningRule.Create(config);
        var rows = weights.Rows;
        var cols = weights.Cols;
        // decay^k for k steps; beyond the table the trace is below 1e-30 and taken as 0
        var decay = Math.Exp(-config.Dt / config.TauPre);
        var length = (int)Math.Min(1_000_000, Math.Ceiling(Math.Log(1e-30) / Math.Log(decay)) + 1);
        _preDecayTable = new float[length];
        for (var k = 0; k < length; k++) _preDecayTable[k] = (float)Math.Pow(decay, k);
        _lastPreStep = new long[rows];
        _xPre = new float[rows];
        _rowDelta = new float[cols];
        _colDelta = new float[rows];
        _scratch = new float[Math.Max(rows, cols)];
        PostTrace1 = new float[cols];
        PostTrace2 = new float[cols];
        if (!reference)
        {
            _traced = new IndexSet(cols);
            _preTracedBits = new ulong[(rows + 63) / 64];
        }
        _preTracedRows = new int[_preTracedBits is null ? 0 : rows];
        _clippedOnlyColumns = new int[cols];
        _columnMax = new float[cols];
        _columnsAboveMax = new int[cols];
        _aboveMax = new bool[cols];
        _listed = new bool[cols];
        _depressionColumns = new int[cols];
        _post1Decay = (float)Math.Exp(-config.Dt / config.TauPost);
        _post2Decay = (float)Math.Exp(-config.Dt / config.TauPost2);
        if (config.UpdateInterval > 1)
        {
            _accumulator = new float[rows * cols];
            _columnTouched = new bool[cols];
            _rowTouched = new bool[rows];
        }
        if (config.StdpAtArrival && delaySteps is not null)
            _arriving = new ArrivingSpikes(delaySteps, rows, cols, config.InputDelaySteps);
        _arrivalColumns = new int[_arriving is null ? 0 : cols];
        if (_arriving is not null) _depressionBits = new ulong[_arriving.Words];
        _depressionWords = new int[_depressionBits?.Length ?? 0];
        ResetTraces();
        UpdateColumnsAboveMax();
    }

    public ILearningRule Rule { get; }
    public float[] PostTrace1 { get; }
    public float[] PostTrace2 { get; }
    ReadOnlySpan<float> IPlasticSynapses.SecondPostTraces => PostTrace2;

    /// <summary>
    /// Applies the rule for one step (after <see cref="BeginStep"/>): this step's input and excitatory spikes, and each
    /// excitatory neuron's spikes so far in the example (for the rule's potentiation modulation).
    /// </summary>
    public void Apply(ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes, ReadOnlySpan<int> exampleSpikes) =>
        Rule.Apply(this, preSpikes, postSpikes, exampleSpikes);

    public void ResetTraces()
    {
        Array.Fill(_lastPreStep, long.MinValue / 2);
        Array.Clear(PostTrace1);
        Array.Clear(PostTrace2);
        _traced?.Clear();
        _depressionColumnsStale = true;
        _xPreStep = -1;
        if (_preTracedBits is not null)
        {
            Array.Clear(_preTracedBits);
            _preTracedCount = 0;
            _preTracedRowsStale = false;
            Array.Clear(_xPre);   // x_pre is zero outside the listed inputs (PreTraces writes only theirs)
        }
        _arriving?.Reset();
    }

    /// <summary>Advances to step <paramref name="step"/> (a counter that keeps increasing across examples) and decays the post traces.</summary>
    public void BeginStep(long step)
    {
        _step = step;
        var postTraces = Rule.PostTraces;
        if (postTraces > 0)
        {
            var second = postTraces > 1;
            if (_traced is null)
            {
                Decay.Apply(PostTrace1, _post1Decay);
                if (second) Decay.Apply(PostTrace2, _post2Decay);
            }
            else
            {
                // zero traces stay zero: decay the traced neurons only, with the arithmetic of Decay.Apply
                for (var k = 0; k < _traced.Count;)
                {
                    var j = _traced[k];
                    var before = PostTrace1[j];
                    var x1 = PostTrace1[j] = Decay.Flush(before * _post1Decay);
                    if (x1 == 0 && before != 0) _depressionColumnsStale = true;
                    var x2 = second ? PostTrace2[j] = Decay.Flush(PostTrace2[j] * _post2Decay) : 0f;
                    if (x1 == 0 && x2 == 0) _traced.RemoveAt(k);
                    else k++;
                }
            }
            _excCounts.TraceUpdates += PostTrace1.Length * postTraces;
        }
    }

    public void SetPreTraces(ReadOnlySpan<int> preSpikes)
    {
        _arriving?.Record(_step, preSpikes);
        foreach (var i in preSpikes) _lastPreStep[i] = _step;
        if (_preTracedBits is not null)
            foreach (var i in preSpikes)
            {
                ref var word = ref _preTracedBits[i >> 6];
                var bit = 1UL << i;
                if ((word & bit) != 0) continue;
                word |= bit;
                _preTracedRowsStale = true;
            }
        _inputCounts.TraceUpdates += preSpikes.Length;
        if (preSpikes.Length > 0) _xPreStep = -1;
    }

    public void SetPostTraces(ReadOnlySpan<int> postSpikes)
    {
        foreach (var j in postSpikes)
        {
            if (PostTrace1[j] == 0) _depressionColumnsStale = true;
            _traced?.Add(j);
            PostTrace1[j] = 1;
            PostTrace2[j] = 1;
        }
        _excCounts.TraceUpdates += postSpikes.Length;
    }

    /// <summary>The presynaptic trace vector at the current step (evaluated from last-spike steps, cached per step).</summary>
    public ReadOnlySpan<float> PreTraces()
    {
        if (_xPreStep == _step) return _xPre;
        var table = _preDecayTable;
        if (_preTracedBits is null)
        {
            for (var i = 0; i < _xPre.Length; i++)
            {
                var age = _step - _lastPreStep[i];
                _xPre[i] = age < table.Length ? table[age] : 0f;
            }
        }
        else
        {
            // the others have no spike since the reset: x_pre = 0, as ResetTraces left it
            foreach (var i in PreTracedRows())
            {
                var age = _step - _lastPreStep[i];
                _xPre[i] = age < table.Length ? table[age] : 0f;
            }
        }
        _xPreStep = _step;
        _inputCounts.TraceUpdates += _xPre.Length;
        return _xPre;
    }

    /// <summary>The inputs that have spiked since the traces were reset, in increasing order (event path only).</summary>
    private ReadOnlySpan<int> PreTracedRows()
    {
        if (_preTracedRowsStale)
        {
            var count = 0;
            for (var k = 0; k < _preTracedBits!.Length; k++)
                for (var bits = _preTracedBits[k]; bits != 0; bits &= bits - 1)
                    _preTracedRows[count++] = (k << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
            _preTracedCount = count;
            _preTracedRowsStale = false;
        }
        return _preTracedRows.AsSpan(0, _preTracedCount);
    }

    /// <summary>
    /// The pre-synaptic traces column <paramref name="column"/>'s synapses see at this step: <see cref="PreTraces()"/>
    /// (one per input) at emission; at arrival, each synapse's own from the last spike that reached it.
    /// </summary>
    public ReadOnlySpan<float> PreTraces(int column)
    {
        if (_arriving is null) return PreTraces();
        _inputCounts.TraceUpdates += _xPre.Length;
        return _arriving.TracesOfColumn(column, _step, _preDecayTable);
    }

    /// <summary>
    /// The depression of pre-synaptic spikes, w −= eta·x_post1 (clipped to [0, w_max]): at emission, one row per input
    /// spiking at this step; at arrival, every synapse that a spike of the last max-delay steps (this one included)
    /// reaches at this step, as Brian2's <c>on_pre</c> on a pathway with delays.
    /// </summary>
    public void DepressPre(ReadOnlySpan<int> preSpikes, float eta)
    {
        if (_arriving is null)
        {
            DepressRows(preSpikes, eta);
            return;
        }
        var arriving = _arriving;
        arriving.Record(_step, preSpikes);
        if (_sparseDepression && _accumulator is null && !_weights.IsQuantized)
        {
            DepressFloatArrivals(eta);
            return;
        }
        // spikes emitted d steps ago reach the synapses of delay d now
        for (int d = 0, slot = arriving.SlotOf(_step), maxDelay = arriving.MaxDelay; d <= maxDelay; d++, slot = slot == 0 ? maxDelay : slot - 1)
            foreach (var i in arriving.EmittersAt(slot, _step - d))
                DepressSynapses(i, arriving.ColumnsWithDelay(i, d), eta);
    }

    /// <summary>
    /// The arrival depression of <see cref="DepressPre"/> for float32 weights on the sparse path without an accumulator
    /// (dc2015's case) in one loop: the same weights and counts as <see cref="DepressSynapses"/> per synapse group, but
    /// visiting only the synapses it can change: the group's columns among the depression columns (x_post1 ≠ 0 or a
    /// weight above w_max), found by intersecting bit sets over the words that hold a depression column (no more words
    /// than depression columns, nor than a row has). Each
    /// synapse is written at most once per step (it has one delay), so the visiting order cannot change a weight.
    /// </summary>
    private void DepressFloatArrivals(float eta)
    {
        var arriving = _arriving!;
        if (_depressionColumnsStale) ListDepressionColumns();
        var depressionBits = _depressionBits!;
        var words = _depressionWords.AsSpan(0, _depressionWordCount);
        var w = _weights.WritableFloats();
        var cols = _weights.Cols;
        var trace = PostTrace1;
        var aboveMax = _aboveMax;
        var max = (float)_config.WeightMax;
        long changed = 0, dense = 0;
        for (int d = 0, slot = arriving.SlotOf(_step), maxDelay = arriving.MaxDelay; d <= maxDelay; d++, slot = slot == 0 ? maxDelay : slot - 1)
            foreach (var i in arriving.EmittersAt(slot, _step - d))
            {
                dense += arriving.GroupSize(i, d);
                var row = w.Slice(i * cols, cols);
                var group = arriving.ColumnBitsWithDelay(i, d);
                foreach (var k in words)
                {
                    var bits = group[k] & depressionBits[k];
                    while (bits != 0)
                    {
                        var j = (k << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                        bits &= bits - 1;
                        changed += DepressSynapse(ref row[j], trace[j], aboveMax[j], eta, max);
                    }
                }
            }
        if (dense > 0) CountWrites(changed, dense);
    }

    /// <summary>w −= eta·x (clipped to [0, max]) for one synapse; 1 when that changes it (a non-zero Δw or a clip from above max).</summary>
    private static int DepressSynapse(ref float weight, float x, bool aboveMax, float eta, float max)
    {
        if (x == 0 && !aboveMax) return 0;   // Δw = 0 and the clip keeps the weight
        var delta = x * -eta;
        var old = weight;
        weight = Math.Clamp(old + delta, 0f, max);
        return delta != 0 || old > max ? 1 : 0;
    }

    /// <summary>
    /// w[row, j] −= eta·x_post1[j] (clipped) for the listed columns: the synapses of one input a spike reaches now. On
    /// the sparse path only those it can change (x_post1 ≠ 0 or a weight above w_max), with the same weights and
    /// rounding draws as writing all of them (one draw per call, as the reference path makes).
    /// </summary>
    private void DepressSynapses(int row, ReadOnlySpan<int> synapses, float eta)
    {
        if (synapses.IsEmpty) return;
        var columns = synapses;
        if (_sparseDepression)
        {
            var n = 0;
            foreach (var j in synapses)
                if (PostTrace1[j] != 0 || _aboveMax[j]) _arrivalColumns[n++] = j;
            columns = _arrivalColumns.AsSpan(0, n);
        }
        var delta = _rowDelta;
        foreach (var j in columns) delta[j] = PostTrace1[j] * -eta;
        if (_accumulator is not null)
        {
            var acc = _accumulator.AsSpan(row * _weights.Cols, _weights.Cols);
            foreach (var j in columns) acc[j] += delta[j];
            MarkRowTouched(row);
            _accumulatorDirty = true;
            _counts.AccumulatorUpdates += NonZero(delta, columns);
            return;
        }
        CountWrites(ChangedInRow(row, delta, columns), synapses.Length);
        if (_weights.SupportsSparseRowUpdates)
        {
            _weights.AddToRowAt(row, columns, delta, _config.WeightMax, ref _rng);
            return;
        }
        // 32-bit codes have no column-wise write: the whole row, zero elsewhere (its clip may also bring down a weight
        // above w_max that no spike reached yet, which that spike's arrival would do)
        var full = _scratch.AsSpan(0, _weights.Cols);
        full.Clear();
        foreach (var j in columns) full[j] = delta[j];
        full.CopyTo(delta);
        _weights.AddToRow(row, delta, _config.WeightMax, _scratch, ref _rng);
    }

    /// <summary>
    /// <see cref="DepressRow(int, float)"/> for each of <paramref name="rows"/> in turn (the pre spikes of one step), with
    /// the same weights, rounding draws and counts. On the sparse path without an accumulator the depression columns and
    /// their Δw are the same for every row of the step (the post traces do not change in between): they are listed once,
    /// and a row's count of changed entries is the non-zero Δw plus the zero-Δw columns where it holds a weight above
    /// w_max (rare: after a normalisation raised a column), which is what <see cref="ChangedInRow(int, ReadOnlySpan{float}, ReadOnlySpan{int})"/> counts.
    /// </summary>
    private void DepressRows(ReadOnlySpan<int> rows, float eta)
    {
        if (rows.IsEmpty) return;
        if (!_sparseDepression || _accumulator is not null)
        {
            foreach (var i in rows) DepressRow(i, eta);
            return;
        }
        if (_depressionColumnsStale) ListDepressionColumns();
        var cols = _weights.Cols;
        if (_depressionColumnCount * 4 > cols)
        {
            foreach (var i in rows) DepressRow(i, eta, PostTrace1);
            return;
        }
        var columns = _depressionColumns.AsSpan(0, _depressionColumnCount);
        var delta = _rowDelta;
        int nonZero = 0, clippedOnly = 0;
        foreach (var j in columns)
        {
            var d = delta[j] = PostTrace1[j] * -eta;
            if (d != 0) nonZero++;
            else if (_aboveMax[j]) _clippedOnlyColumns[clippedOnly++] = j;
        }
        var max = (float)_config.WeightMax;
        foreach (var row in rows)
        {
            var changed = nonZero;
            var start = row * cols;
            foreach (var j in _clippedOnlyColumns.AsSpan(0, clippedOnly))
                if (_weights.Get(start + j) > max) changed++;
            CountWrites(changed, cols);
            _weights.AddToRowAt(row, columns, delta, _config.WeightMax, ref _rng);
        }
    }

    /// <summary>
    /// w[i, :] −= eta·x_post1[:] (clipped to [0, w_max]): the depression of a pre spike. Writes only the columns it can
    /// change (see the fields above) and leaves the same weights, rounding draws and counts as
    /// <see cref="DepressRow(int, float, ReadOnlySpan{float})"/> with the post trace.
    /// </summary>
    public void DepressRow(int row, float eta)
    {
        var cols = _weights.Cols;
        if (!_sparseDepression)
        {
            DepressRow(row, eta, PostTrace1);
            return;
        }
        if (_depressionColumnsStale) ListDepressionColumns();
        if (_depressionColumnCount * 4 > cols)
        {
            DepressRow(row, eta, PostTrace1);
            return;
        }
        var columns = _depressionColumns.AsSpan(0, _depressionColumnCount);
        var delta = _rowDelta;
        foreach (var j in columns) delta[j] = PostTrace1[j] * -eta;
        if (_accumulator is not null)
        {
            var acc = _accumulator.AsSpan(row * cols, cols);
            foreach (var j in columns) acc[j] += delta[j];
            MarkRowTouched(row);
            _accumulatorDirty = true;
            _counts.AccumulatorUpdates += NonZero(delta, columns);
            return;
        }
        CountWrites(ChangedInRow(row, delta, columns), cols);
        _weights.AddToRowAt(row, columns, delta, _config.WeightMax, ref _rng);
    }

    /// <summary>
    /// Counts one learning update: <paramref name="executed"/> entries written event-driven (a read-modify-write each) and
    /// <paramref name="dense"/> entries a dense engine writes for it.
    /// </summary>
    private void CountWrites(long executed, long dense)
    {
        _counts.StdpWeightUpdates += executed;
        _projection.WeightReads += executed;
        _projection.WeightWrites += executed;
        _projection.DenseWeightWrites += dense;
    }

    /// <summary>
    /// Entries of row <paramref name="row"/> an update by <paramref name="delta"/> changes: a non-zero Δw, or a weight above
    /// w_max that the clip brings down. Counted before the write, so that every path (sparse, dense, reference) counts the same.
    /// </summary>
    private int ChangedInRow(int row, ReadOnlySpan<float> delta)
    {
        var max = (float)_config.WeightMax;
        var start = row * _weights.Cols;
        var n = 0;
        for (var j = 0; j < delta.Length; j++)
            if (delta[j] != 0 || _weights.Get(start + j) > max) n++;
        return n;
    }

    /// <summary><see cref="ChangedInRow(int, ReadOnlySpan{float})"/> over the listed columns only (the others have neither).</summary>
    private int ChangedInRow(int row, ReadOnlySpan<float> delta, ReadOnlySpan<int> columns)
    {
        var max = (float)_config.WeightMax;
        var start = row * _weights.Cols;
        var n = 0;
        foreach (var j in columns)
            if (delta[j] != 0 || _weights.Get(start + j) > max) n++;
        return n;
    }

    /// <summary>
    /// Entries of column <paramref name="col"/> an update by <paramref name="delta"/> changes (see
    /// <see cref="ChangedInRow(int, ReadOnlySpan{float})"/>); a quantized column write skips the entries whose Δw is zero,
    /// so only float storage clips those.
    /// </summary>
    private int ChangedInColumn(int col, ReadOnlySpan<float> delta)
    {
        var max = (float)_config.WeightMax;
        var clipsUnchanged = !_weights.IsQuantized;
        var cols = _weights.Cols;
        var n = 0;
        for (int i = 0, index = col; i < delta.Length; i++, index += cols)
            if (delta[i] != 0 || clipsUnchanged && _weights.Get(index) > max) n++;
        return n;
    }

    /// <summary>Non-zero entries of <paramref name="values"/>: the accumulator additions that change it.</summary>
    private static int NonZero(ReadOnlySpan<float> values)
    {
        var n = 0;
        foreach (var v in values)
            if (v != 0) n++;
        return n;
    }

    /// <summary><see cref="NonZero(ReadOnlySpan{float})"/> at the listed indices only.</summary>
    private static int NonZero(ReadOnlySpan<float> values, ReadOnlySpan<int> indices)
    {
        var n = 0;
        foreach (var i in indices)
            if (values[i] != 0) n++;
        return n;
    }

    private void ListDepressionColumns()
    {
        if (_depressionBits is not null)
            foreach (var j in _depressionColumns.AsSpan(0, _depressionColumnCount)) _depressionBits[j >> 6] = 0;
        var count = 0;
        foreach (var j in _traced!.Items)
        {
            if (PostTrace1[j] == 0) continue;
            _listed[j] = true;
            _depressionColumns[count++] = j;
        }
        foreach (var j in _columnsAboveMax.AsSpan(0, _columnsAboveMaxCount))
            if (!_listed[j]) _depressionColumns[count++] = j;
        foreach (var j in _depressionColumns.AsSpan(0, count)) _listed[j] = false;
        if (_depressionBits is not null)
        {
            foreach (var j in _depressionColumns.AsSpan(0, count)) _depressionBits[j >> 6] |= 1UL << j;
            _depressionWordCount = 0;
            for (var k = 0; k < _depressionBits.Length; k++)
                if (_depressionBits[k] != 0) _depressionWords[_depressionWordCount++] = k;
        }
        _depressionColumnCount = count;
        _depressionColumnsStale = false;
    }

    /// <summary>Which columns hold a weight above w_max (the clip of a depression row changes them even where x_post1 = 0).</summary>
    private void UpdateColumnsAboveMax()
    {
        if (!_knowsColumnsAboveMax) return;
        _weights.ColumnMaxima(_columnMax);
        ListColumnsAboveMax();
    }

    /// <summary>Lists the columns whose maximum in <see cref="_columnMax"/> (exact or an upper bound) exceeds w_max.</summary>
    private void ListColumnsAboveMax()
    {
        var max = (float)_config.WeightMax;
        var count = 0;
        foreach (var j in _columnsAboveMax.AsSpan(0, _columnsAboveMaxCount)) _aboveMax[j] = false;
        for (var j = 0; j < _columnMax.Length; j++)
            if (_columnMax[j] > max)
            {
                _columnsAboveMax[count++] = j;
                _aboveMax[j] = true;
            }
        if (count > 0 || _columnsAboveMaxCount > 0) _depressionColumnsStale = true;
        _columnsAboveMaxCount = count;
    }

    private void MarkRowTouched(int row)
    {
        if (_rowTouched![row]) return;
        _rowTouched[row] = true;
        _touchedRows++;
    }

    /// <summary>w[i, :] −= eta·trace[:] (clipped to [0, w_max]), every column: the dense reference of <see cref="DepressRow(int, float)"/>.</summary>
    public void DepressRow(int row, float eta, ReadOnlySpan<float> trace)
    {
        var delta = _rowDelta.AsSpan();
        TensorPrimitives.Multiply(trace, -eta, delta);
        var cols = _weights.Cols;
        if (_accumulator is not null)
        {
            var acc = _accumulator.AsSpan(row * cols, cols);
            TensorPrimitives.Add(acc, delta, acc);
            MarkRowTouched(row);
            _accumulatorDirty = true;
            _counts.AccumulatorUpdates += NonZero(delta);
            return;
        }
        CountWrites(ChangedInRow(row, delta), cols);
        _weights.AddToRow(row, delta, _config.WeightMax, _scratch, ref _rng);
    }

    /// <summary>w[:, col] += scale·xPre[:] (clipped to [0, w_max]).</summary>
    public void PotentiateColumn(int col, float scale, ReadOnlySpan<float> xPre)
    {
        if (scale == 0) return;
        var rows = _weights.Rows;
        if (_accumulator is null && IsCurrentPreTraces(xPre) && (_weights.IsQuantized || _knowsColumnsAboveMax && !_aboveMax[col]))
        {
            // x_pre is zero outside the inputs that spiked since the reset: Δw = 0 there, which leaves a weight within
            // [0, w_max] as it is and which a quantized column write skips, so only those rows are written and counted
            // (the column holds no float weight above w_max for the clip to bring down); their Δw as the dense product's
            var listed = PreTracedRows();
            var sparseDelta = _colDelta;
            var changed = 0;
            foreach (var i in listed)
                if ((sparseDelta[i] = xPre[i] * scale) != 0) changed++;
            CountWrites(changed, rows);
            _weights.AddToColumnAt(col, listed, sparseDelta, _config.WeightMax, ref _rng);
            return;
        }
        var delta = _colDelta.AsSpan();
        TensorPrimitives.Multiply(xPre, scale, delta);
        if (_accumulator is not null)
        {
            var cols = _weights.Cols;
            for (int i = 0, index = col; i < rows; i++, index += cols) _accumulator[index] += delta[i];
            _columnTouched![col] = true;
            _accumulatorDirty = true;
            _counts.AccumulatorUpdates += NonZero(delta);
            return;
        }
        CountWrites(ChangedInColumn(col, delta), rows);
        _weights.AddToColumn(col, delta, _config.WeightMax, ref _rng);
    }

    /// <summary>True when <paramref name="xPre"/> is this step's <see cref="PreTraces()"/> on the event path (zero outside <see cref="PreTracedRows"/>).</summary>
    private bool IsCurrentPreTraces(ReadOnlySpan<float> xPre) =>
        _preTracedBits is not null && _xPreStep == _step && xPre.Length == _xPre.Length
        && System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(xPre), ref _xPre[0]);

    /// <summary>Writes the accumulated changes (timestep-based updates); a no-op when nothing is pending.</summary>
    public void Flush()
    {
        if (_accumulator is null || !_accumulatorDirty) return;
        var rows = _weights.Rows;
        var cols = _weights.Cols;
        // rows changed by depression are written whole (they hold any column changes too); then the columns changed by
        // potentiation are written in the remaining rows only (the flushed rows' entries are already zero)
        if (_touchedRows > 0)
        {
            for (var i = 0; i < rows; i++)
            {
                if (!_rowTouched![i]) continue;
                var acc = _accumulator.AsSpan(i * cols, cols);
                CountWrites(ChangedInRow(i, acc), cols);
                _weights.AddToRow(i, acc, _config.WeightMax, _scratch, ref _rng);
                acc.Clear();
                _rowTouched[i] = false;
            }
        }
        var column = _colDelta.AsSpan();
        for (var j = 0; j < cols; j++)
        {
            if (!_columnTouched![j]) continue;
            for (int i = 0, index = j; i < rows; i++, index += cols)
            {
                column[i] = _accumulator[index];
                _accumulator[index] = 0;
            }
            // adding the zeros of already-written rows leaves them unchanged (they are on the grid, within [0, w_max]), so
            // neither count has them
            CountWrites(ChangedInColumn(j, column), rows - _touchedRows);
            _weights.AddToColumn(j, column, _config.WeightMax, ref _rng);
            _columnTouched[j] = false;
        }
        _touchedRows = 0;
        _accumulatorDirty = false;
    }

    /// <summary>Column normalisation: scales every column of the weights so that it sums to <paramref name="target"/> (all-zero columns untouched).</summary>
    public void Normalize(double target, float[] columnSums, float[] factors)
    {
        _weights.ColumnSums(columnSums, _scratch, _knowsColumnsAboveMax ? _columnMax : default, rowBlocks: _traced is not null); // the reference path (no _traced) sums row by row
        for (var j = 0; j < factors.Length; j++)
            factors[j] = columnSums[j] > 0 ? (float)(target / columnSums[j]) : 1f;
        _weights.ScaleColumns(factors, _scratch, ref _rng, _config.NormalizationRounding);
        _projection.NormalizationOps += (long)_weights.Rows * _weights.Cols;
        if (!_knowsColumnsAboveMax) return;
        // the column maxima after scaling, from those before: exact for float32 (rounding is monotone); for codes an
        // upper bound (re-quantization moves a code up by less than one step; the margin covers float rounding)
        var step = _weights.CodeStep;
        for (var j = 0; j < factors.Length; j++)
            _columnMax[j] = _weights.IsQuantized ? _columnMax[j] * factors[j] * (1 + 1e-6f) + step : _columnMax[j] * factors[j];
        ListColumnsAboveMax();
    }
}
