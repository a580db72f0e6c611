using System.Diagnostics;

namespace FSpiNN.Snn.Simulation;

/// <summary>
/// Persistent helper threads that run one piece of work per simulated step together with the calling thread: the
/// caller publishes the work, runs part 0 itself and waits until parts 1..n−1 are done (one barrier per step). Helpers
/// spin between steps (a step lasts microseconds, far less than a wake-up) and block after half a millisecond without
/// work, so an idle simulator costs no CPU. A part is claimed by whichever thread gets to it first: when a helper has
/// not started (descheduled on a busy machine), the caller runs its part too instead of waiting for it, so a loaded
/// machine degrades to one thread's speed, not to the scheduler's time slice. Nothing is allocated per round.
/// </summary>
internal sealed class StepWorkers : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000;

    private readonly Thread[] _threads;
    /// <summary>Per part: 1 once a thread has taken it this round (reset by the caller before each round).</summary>
    private readonly int[] _claimed;
    private readonly object _gate = new();
    private Action<int>? _work;
    private int _generation;
    private int _pending;
    private int _sleeping;
    private volatile bool _disposed;

    /// <param name="parts">Parts per round, including the caller's (at least 2).</param>
    public StepWorkers(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 2);
        Parts = parts;
        _claimed = new int[parts];
        _threads = new Thread[parts - 1];
        for (var k = 0; k < _threads.Length; k++)
        {
            _threads[k] = new Thread(Loop) { IsBackground = true, Name = $"fspinn step worker {k + 1}" };
            _threads[k].Start(k + 1);
        }
    }

    public int Parts { get; }

    /// <summary>Runs work(0) on this thread and work(1..Parts−1) on the helpers; returns when all are done.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _work = work;
        // pending before the claims are reset: a helper still awake from the last round may claim a part as soon as it
        // is reset (before the generation moves), and its decrement must count for this round; written after the
        // reset, it was overwritten and the caller waited forever (seen as a hang of ThreadedSimulatorTests)
        Volatile.Write(ref _pending, _threads.Length);
        for (var k = 1; k < Parts; k++) Volatile.Write(ref _claimed[k], 0);
        Interlocked.Increment(ref _generation);   // full fence: a helper that goes to sleep after this sees the new round
        if (Volatile.Read(ref _sleeping) > 0)
            lock (_gate) Monitor.PulseAll(_gate);
        Exception? failure = null;
        try
        {
            work(0);
            // parts no helper has started yet: run them here rather than wait for a descheduled helper
            for (var k = 1; k < Parts; k++)
            {
                if (Interlocked.CompareExchange(ref _claimed[k], 1, 0) != 0) continue;
                try
                {
                    work(k);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
        if (failure is not null) throw failure;
        if (_failure is { } helperFailure)
        {
            _failure = null;
            throw new InvalidOperationException("a simulator step worker failed", helperFailure);
        }
    }

    private Exception? _failure;

    private void Loop(object? state)
    {
        var part = (int)state!;
        var seen = 0;
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() - started < SpinTicks)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
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
            if (Interlocked.CompareExchange(ref _claimed[part], 1, 0) != 0) continue;   // the caller took it
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
