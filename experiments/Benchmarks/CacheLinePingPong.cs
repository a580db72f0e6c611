using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FSpiNN.Benchmarks;

/// <summary>
/// `pingpong [ROUNDS]`: the round trip of one value between two threads through two cache lines (each thread spins on
/// the other's line, then writes its own), per round, as percentiles. Half of it is what one thread waits for another's
/// write to reach it: the least a synchronisation between the simulator's neuron-range threads costs per step.
/// </summary>
public static class CacheLinePingPong
{
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Line
    {
        [FieldOffset(64)] public long Value;
    }

    private static readonly Line[] Lines = new Line[2];

    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200_000;
        var echo = new Thread(() =>
        {
            for (long r = 1; r <= rounds; r++)
            {
                while (Volatile.Read(ref Lines[0].Value) != r) Thread.SpinWait(1);
                Volatile.Write(ref Lines[1].Value, r);
            }
        }) { IsBackground = true };
        echo.Start();
        var ticks = new long[rounds];
        for (long r = 1; r <= rounds; r++)
        {
            var started = Stopwatch.GetTimestamp();
            Volatile.Write(ref Lines[0].Value, r);
            while (Volatile.Read(ref Lines[1].Value) != r) Thread.SpinWait(1);
            ticks[r - 1] = Stopwatch.GetTimestamp() - started;
        }
        echo.Join();
        Array.Sort(ticks);
        string At(double q) => (ticks[(int)(q * (rounds - 1))] * 1e9 / Stopwatch.Frequency).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"round trip ns over {rounds} rounds: p1 {At(0.01)} p10 {At(0.1)} p50 {At(0.5)} p90 {At(0.9)} p99 {At(0.99)}");
        return 0;
    }
}
