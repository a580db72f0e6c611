using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// Persistent helper threads that run one piece of work together with the calling thread: the caller publishes the
/// work, runs part 0 itself and returns when parts 1..n−1 are done. Every part runs on its own thread, so parts may wait
/// for each other inside the work (the simulator runs a whole presentation per round and synchronises the parts step by
/// step through <see cref="PartSlot"/>s). Helpers spin between rounds (the caller's serial work between presentations
/// lasts well under a millisecond) and block after <see cref="IdleSpinMs"/> without work, so an idle simulator costs no
/// CPU. Nothing is allocated per round.
/// </summary>
internal sealed class StepWorkers : IDisposable
{
    /// <summary>Milliseconds a helper spins waiting for the next round before it blocks.</summary>
    public const double IdleSpinMs = 2;

    private static readonly long SpinTicks = (long)(Stopwatch.Frequency * IdleSpinMs / 1000);

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private Action<int>? _work;
    private int _generation;
    private int _pending;
    private int _sleeping;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <param name="parts">Parts per round, including the caller's (at least 2).</param>
    public StepWorkers(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 2);
        Parts = parts;
        _threads = new Thread[parts - 1];
        for (var k = 0; k < _threads.Length; k++)
        {
            _threads[k] = new Thread(Loop) { IsBackground = true, Name = $"fspinn step worker {k + 1}" };
            _threads[k].Start(k + 1);
        }
    }

    public int Parts { get; }

    /// <summary>Runs work(0) on this thread and work(k) on helper k; returns when all are done.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _work = work;
        Volatile.Write(ref _pending, _threads.Length);
        Interlocked.Increment(ref _generation);   // full fence: a helper that goes to sleep after this sees the new round
        if (Volatile.Read(ref _sleeping) > 0)
            lock (_gate) Monitor.PulseAll(_gate);
        Exception? failure = null;
        try
        {
            work(0);
        }
        catch (Exception e)
        {
            failure = e;
        }
        var spin = new PartSpin();
        while (Volatile.Read(ref _pending) > 0) spin.Once();
        if (failure is not null) throw failure;
        if (_failure is { } helperFailure)
        {
            _failure = null;
            throw new InvalidOperationException("a simulator step worker failed", helperFailure);
        }
    }

    private void Loop(object? state)
    {
        var part = (int)state!;
        var seen = 0;
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            var spin = new PartSpin();
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() - started < SpinTicks)
                {
                    spin.Once();
                    continue;
                }
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleeping);   // full fence: the caller that publishes next reads it
                    while (Volatile.Read(ref _generation) == seen && !_disposed) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleeping);
                }
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _generation);
            try
            {
                _work!(part);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}

/// <summary>
/// One part's progress, alone on its cache lines (128 bytes, the fields in the second half) so that a part publishing
/// its step does not disturb the lines the others publish on. <see cref="Word"/> holds the last step the part published
/// and whether that step needs the parts synchronised, in one word written last with release semantics, so that a reader
/// never pairs a step with another step's flag.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PartSlot
{
    [FieldOffset(64)] public long Word;
    /// <summary>Excitatory neurons of the part's range that crossed threshold at the published step (read only when it is synchronised).</summary>
    [FieldOffset(72)] public int Crossed;

    public static long Publish(long tick, bool needsSync) => tick * 2 + (needsSync ? 1 : 0);

    public static long TickOf(long word) => word >> 1;

    public static bool NeedsSync(long word) => (word & 1) != 0;
}

/// <summary>
/// Busy-waiting for another part: a pause per check (a step lasts microseconds, a wake-up far longer), and a yield of
/// the time slice per check once the wait has lasted a few thousand checks, so that on a busy machine a descheduled
/// peer can run.
/// </summary>
internal struct PartSpin
{
    private const int YieldAfter = 4096;
    private int _count;

    /// <summary>True once the wait has yielded its time slice: the peer it waits for was not running.</summary>
    public readonly bool Yielded => _count >= YieldAfter;

    public void Once()
    {
        if (_count < YieldAfter)
        {
            _count++;
            if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) System.Runtime.Intrinsics.X86.X86Base.Pause();
            else Thread.SpinWait(1);
            return;
        }
        Thread.Yield();
    }
}
