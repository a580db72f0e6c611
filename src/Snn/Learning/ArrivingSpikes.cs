namespace FSpiNN.Snn.Learning;

/// <summary>
/// Input spikes on their way along delayed input→excitatory synapses, for STDP at arrival (Brian2 runs a pathway's
/// <c>on_pre</c> on each synapse when the delayed spike reaches it, and keeps the pre-synaptic trace per synapse): input
/// i's spike emitted at step e reaches synapse (i, j) at step e + d_ij. Keeps the last max-delay + 1 emission steps of
/// every input, which is enough to find each synapse's last arrival, and the inputs that emitted at each of those steps.
/// </summary>
internal sealed class ArrivingSpikes
{
    private const long Never = long.MinValue / 2;
    private readonly int _rows;
    private readonly int _cols;
    private readonly int _window;               // max delay + 1 steps
    private readonly byte[] _delays;            // [i·cols + j], steps
    private readonly int[] _columnsByDelay;     // row i's columns grouped by delay (increasing), at [i·cols ..)
    private readonly int[] _groupStarts;        // [i·(window + 1) + d]: where delay d's group of row i starts
    private readonly long[] _emissions;         // [i·window + k]: a ring of input i's last `window` emission steps
    private readonly int[] _newest;             // [i]: ring position of input i's newest emission
    private readonly int[][] _emitters;         // [step % window]: the inputs that emitted at that step
    private readonly int[] _emitterCounts;
    private readonly long[] _slotSteps;         // [step % window]: the step a slot holds (any other step: nobody emitted)
    private readonly float[] _column;
    private readonly int _words;                // 64-column words of a row
    private readonly ulong[] _groupBits;        // [(i·window + d)·words ..): row i's columns of delay d, as bits

    public ArrivingSpikes(byte[] delays, int rows, int cols, int maxDelay)
    {
        if (delays.Length != rows * cols)
            throw new ArgumentException($"{delays.Length} delays for {rows} × {cols} synapses", nameof(delays));
        _rows = rows;
        _cols = cols;
        _window = maxDelay + 1;
        _delays = delays;
        _columnsByDelay = new int[rows * cols];
        _groupStarts = new int[rows * (_window + 1)];
        var next = new int[_window];
        for (var i = 0; i < rows; i++)
        {
            var starts = _groupStarts.AsSpan(i * (_window + 1), _window + 1);
            var row = delays.AsSpan(i * cols, cols);
            foreach (var d in row)
            {
                if (d > maxDelay) throw new ArgumentException($"delay {d} exceeds the maximum {maxDelay}", nameof(delays));
                starts[d + 1]++;
            }
            for (var d = 0; d < _window; d++) starts[d + 1] += starts[d];
            starts[.._window].CopyTo(next);
            for (var j = 0; j < cols; j++) _columnsByDelay[i * cols + next[row[j]]++] = j;
        }
        _words = (cols + 63) / 64;
        _groupBits = new ulong[rows * _window * _words];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                _groupBits[(i * _window + delays[i * cols + j]) * _words + (j >> 6)] |= 1UL << j;
        _emissions = new long[rows * _window];
        _newest = new int[rows];
        _emitters = new int[_window][];
        for (var k = 0; k < _window; k++) _emitters[k] = new int[rows];
        _emitterCounts = new int[_window];
        _slotSteps = new long[_window];
        _column = new float[rows];
        Reset();
    }

    public int MaxDelay => _window - 1;

    /// <summary>Forgets every spike in flight (the state reset).</summary>
    public void Reset()
    {
        Array.Fill(_emissions, Never);
        Array.Fill(_slotSteps, Never);
    }

    /// <summary>Records the inputs that emit at <paramref name="step"/>; once per step (a second call for the same step is ignored).</summary>
    public void Record(long step, ReadOnlySpan<int> preSpikes)
    {
        var slot = (int)(step % _window);
        if (_slotSteps[slot] == step) return;
        _slotSteps[slot] = step;
        preSpikes.CopyTo(_emitters[slot]);
        _emitterCounts[slot] = preSpikes.Length;
        foreach (var i in preSpikes)
        {
            var k = _newest[i] + 1 == _window ? 0 : _newest[i] + 1;
            _newest[i] = k;
            _emissions[i * _window + k] = step;
        }
    }

    /// <summary>The slot that holds the emitters of <paramref name="step"/> (≥ 0); the slot of step − 1 is the one before, cyclically.</summary>
    public int SlotOf(long step) => (int)(step % _window);

    /// <summary>The inputs that emitted at <paramref name="step"/>, held in <paramref name="slot"/> = <see cref="SlotOf"/>(step) (empty if none did, or the step left the window).</summary>
    public ReadOnlySpan<int> EmittersAt(int slot, long step) =>
        _slotSteps[slot] == step ? _emitters[slot].AsSpan(0, _emitterCounts[slot]) : default;

    /// <summary>The columns j whose synapse (<paramref name="row"/>, j) has a delay of <paramref name="delay"/> steps.</summary>
    public ReadOnlySpan<int> ColumnsWithDelay(int row, int delay)
    {
        var at = row * (_window + 1) + delay;
        return _columnsByDelay.AsSpan(row * _cols + _groupStarts[at], _groupStarts[at + 1] - _groupStarts[at]);
    }

    /// <summary>How many synapses of <paramref name="row"/> have a delay of <paramref name="delay"/> steps.</summary>
    public int GroupSize(int row, int delay)
    {
        var at = row * (_window + 1) + delay;
        return _groupStarts[at + 1] - _groupStarts[at];
    }

    /// <summary><see cref="ColumnsWithDelay"/> as a bit set of columns (<see cref="Words"/> words, bit j of word j / 64).</summary>
    public ReadOnlySpan<ulong> ColumnBitsWithDelay(int row, int delay) =>
        _groupBits.AsSpan((row * _window + delay) * _words, _words);

    /// <summary>Words of a column bit set.</summary>
    public int Words => _words;

    /// <summary>
    /// x_pre of every synapse of column <paramref name="column"/> at <paramref name="step"/>: decay^(step − last arrival)
    /// from <paramref name="decayTable"/> (decay^k; 0 beyond it or with no arrival). The last arrival at synapse (i, j) is
    /// input i's last emission at or before step − d_ij: of its <c>window</c> newest emissions at most d_ij ≤ max delay
    /// are later, so the ring holds it whenever it exists.
    /// </summary>
    public ReadOnlySpan<float> TracesOfColumn(int column, long step, float[] decayTable)
    {
        var x = _column;
        for (var i = 0; i < _rows; i++)
        {
            var sent = step - _delays[i * _cols + column];   // a spike reaches the synapse now if emitted at `sent`
            var ring = _emissions.AsSpan(i * _window, _window);
            var k = _newest[i];
            var value = 0f;
            for (var n = 0; n < _window; n++)
            {
                var e = ring[k];
                if (e <= sent)
                {
                    var age = sent - e;
                    value = age < decayTable.Length ? decayTable[age] : 0f;
                    break;
                }
                k = k == 0 ? _window - 1 : k - 1;
            }
            x[i] = value;
        }
        return x;
    }
}
