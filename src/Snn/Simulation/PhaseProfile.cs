using System.Diagnostics;

namespace FSpiNN.Snn.Simulation;

/// <summary>The parts of a presentation whose wall time <see cref="PhaseProfile"/> keeps apart.</summary>
internal enum SimulatorPhase { Encoding, NeuronUpdate, Learning, Delivery, Normalisation }

/// <summary>
/// Wall time per simulator phase, for profiling (the steady-state probe): each <see cref="Lap"/> gives the time since
/// the previous mark to one phase. A simulator without a profile pays one null test per phase.
/// </summary>
internal sealed class PhaseProfile
{
    private readonly long[] _ticks = new long[Enum.GetValues<SimulatorPhase>().Length];
    private long _mark;

    /// <summary>Starts timing the next phase (time since the last mark belongs to no phase).</summary>
    public void Mark() => _mark = Stopwatch.GetTimestamp();

    /// <summary>Gives the time since the last mark to <paramref name="phase"/> and marks now.</summary>
    public void Lap(SimulatorPhase phase)
    {
        var now = Stopwatch.GetTimestamp();
        _ticks[(int)phase] += now - _mark;
        _mark = now;
    }

    public double Milliseconds(SimulatorPhase phase) => _ticks[(int)phase] * 1000.0 / Stopwatch.Frequency;

    public void Clear() => Array.Clear(_ticks);
}
