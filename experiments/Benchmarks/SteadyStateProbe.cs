using System.Diagnostics;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Benchmarks;

/// <summary>
/// `probe PRESET N WEIGHTS EXAMPLES [CHUNK] [reference] [phases]`: trains on the first EXAMPLES MNIST images ($FSPINN_MNIST_DIR, else the
/// sample) with one simulator, then infers the same number, and prints per chunk of examples the time per example, the
/// excitatory spikes per example, the bytes allocated on this thread per example and the number of subnormal weights.
/// With `phases`, each chunk also gets a `phases` row (ms per example in encoding, neuron update, learning, delivery and
/// normalisation; the timer itself costs about 2 % at N = 400) and a `work` row (the run's WorkCounts per example: the
/// operations the floor model prices, see experiments/speed/floor.sh).
/// Finds what BenchmarkDotNet's short warm-up cannot: cost that changes as the model trains, and allocation in steady state.
/// </summary>
public static class SteadyStateProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: probe PRESET N Float|Int8 EXAMPLES [CHUNK] [reference] [phases]");
            return 2;
        }
        var preset = args[0];
        var n = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var storage = Enum.Parse<WeightStorage>(args[2], ignoreCase: true);
        var examples = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var chunk = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 50;
        // the simulator's unoptimised reference path (identical results), for the speed-up of the event-driven one
        var reference = args.Skip(5).Contains("reference");
        var phases = args.Skip(5).Contains("phases");
        // threads=T: the network stepped by T threads (neuron ranges; the same results)
        var threads = args.Skip(5).Where(a => a.StartsWith("threads=", StringComparison.Ordinal))
            .Select(a => int.Parse(a["threads=".Length..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(1).Last();
        var directory = Environment.GetEnvironmentVariable("FSPINN_MNIST_DIR");
        var train = DatasetCatalog.Load(string.IsNullOrWhiteSpace(directory) ? null : directory).Train;
        var model = SnnModel.Create(WholeExampleBenchmarkBase.Config(preset, n, storage), train.PixelsPerImage, seed: 1);
        Console.WriteLine($"probe {preset} N={n} {storage}{(reference ? " reference path" : "")}, {threads} thread(s), {examples} examples of {train.Describe()}, chunks of {chunk}");
        // cpu_ms_per_example: CPU time of the probe's own thread (Linux; -1 elsewhere), less sensitive than wall time to a loaded machine
        Console.WriteLine("phase,first,last,ms_per_example,exc_spikes_per_example,input_spikes_per_example,retries,bytes_per_example,subnormal_weights,cpu_ms_per_example");
        if (phases)
        {
            Console.WriteLine("phases,phase,first,last," + string.Join(',', Enum.GetNames<SimulatorPhase>().Select(p => p.ToLowerInvariant() + "_ms")));
            Console.WriteLine("work,phase,first,last," + string.Join(',', WorkPerExample.Names));
        }
        foreach (var learning in new[] { true, false })
        {
            using var simulator = new Simulator(model, counts: null, reference, threads);
            var inputCounts = simulator.Counts.Population("input"); // looked up outside the measured span (it allocates)
            var profile = phases ? new PhaseProfile() : null;
            simulator.Profile = profile;
            var work = new WorkPerExample(simulator.Counts, model);
            for (var start = 0; start < examples; start += chunk)
            {
                var end = Math.Min(examples, start + chunk);
                long spikes = 0, retries = 0;
                profile?.Clear();
                work.Begin();
                var cpuStarted = ThreadCpu.Milliseconds();
                var started = Stopwatch.GetTimestamp();   // no Stopwatch object: nothing allocated in the measured span
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var inputSpikes = inputCounts.Spikes;
                for (var i = start; i < end; i++)
                {
                    var image = train.Image(i % train.Count);
                    var result = learning
                        ? simulator.Train(image, Xoshiro256.ForStream(1, StreamPurpose.Training, (ulong)i))
                        : simulator.Infer(image, Xoshiro256.ForStream(1, StreamPurpose.Testing, (ulong)i));
                    spikes += result.Spikes;
                    retries += result.Retries;
                }
                bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
                var cpu = cpuStarted < 0 ? -1 : ThreadCpu.Milliseconds() - cpuStarted;
                inputSpikes = inputCounts.Spikes - inputSpikes;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var count = end - start;
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{(learning ? "train" : "infer")},{start},{end - 1},{elapsed / count:F3},{(double)spikes / count:F1},{(double)inputSpikes / count:F0},{retries},{(double)bytes / count:F0},{CountSubnormal(model)},{(cpu < 0 ? -1 : cpu / count):F3}"));
                if (profile is null) continue;
                var phase = learning ? "train" : "infer";
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"phases,{phase},{start},{end - 1},{string.Join(',', Enum.GetValues<SimulatorPhase>().Select(p => (profile.Milliseconds(p) / count).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}"));
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"work,{phase},{start},{end - 1},{work.PerExample(count)}"));
            }
        }
        return 0;
    }

    private static long CountSubnormal(SnnModel model)
    {
        var weights = model.Weights;
        long subnormal = 0;
        var total = (long)weights.Rows * weights.Cols;
        for (var k = 0; k < total; k++)
            if (float.IsSubnormal(weights.Get((int)k))) subnormal++;
        return subnormal;
    }
}

/// <summary>
/// The work of a chunk of examples, per example, from the simulator's own WorkCounts: what the floor model prices.
/// Row adds are input spikes (one weight row of N each), neuron steps are excitatory updates (the inhibitory
/// population of bindsnet hears a few dozen spikes per example and is stepped only where it has input),
/// potentiation columns are column writes of Rows weights, depression weights are row-update weights, normalised
/// weights are Rows·Cols per normalisation.
/// </summary>
internal sealed class WorkPerExample(WorkCounts counts, SnnModel model)
{
    public static readonly string[] Names =
        ["row_adds", "row_width", "weight_bits", "neuron_steps", "time_steps", "stdp_weight_writes", "normalised_weights", "exc_spikes"];

    private long[] _before = [];

    private long[] Snapshot() =>
    [
        counts.Population("input").Spikes,
        counts.Population("exc").NeuronUpdates,
        counts.TimeSteps,
        counts.StdpWeightUpdates,
        counts.NormalizationOps,
        counts.Population("exc").Spikes,
    ];

    public void Begin() => _before = Snapshot();

    public string PerExample(int examples)
    {
        var now = Snapshot();
        double Per(int k) => (double)(now[k] - _before[k]) / examples;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return string.Join(',', Per(0).ToString("F1", c), model.Weights.Cols.ToString(c), model.Weights.StorageBitsPerWeight.ToString(c),
            Per(1).ToString("F0", c), Per(2).ToString("F1", c), Per(3).ToString("F0", c), Per(4).ToString("F0", c), Per(5).ToString("F1", c));
    }
}

/// <summary>CPU time of the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux), in ms; −1 where unavailable.</summary>
internal static class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        return ClockGetTime(3, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : -1;
    }
}
