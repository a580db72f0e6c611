using System.Diagnostics;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Benchmarks;

/// <summary>
/// `probe PRESET N WEIGHTS EXAMPLES [CHUNK] [reference]`: trains on the first EXAMPLES MNIST images ($FSPINN_MNIST_DIR, else the
/// sample) with one simulator, then infers the same number, and prints per chunk of examples the time per example, the
/// excitatory spikes per example, the bytes allocated on this thread per example and the number of subnormal weights.
/// Finds what BenchmarkDotNet's short warm-up cannot: cost that changes as the model trains, and allocation in steady state.
/// </summary>
public static class SteadyStateProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: probe PRESET N Float|Int8 EXAMPLES [CHUNK] [reference]");
            return 2;
        }
        var preset = args[0];
        var n = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var storage = Enum.Parse<WeightStorage>(args[2], ignoreCase: true);
        var examples = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var chunk = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 50;
        // the simulator's unoptimised reference path (identical results), for the speed-up of the event-driven one
        var reference = args.Length > 5 && args[5] == "reference";
        var directory = Environment.GetEnvironmentVariable("FSPINN_MNIST_DIR");
        var train = DatasetCatalog.Load(string.IsNullOrWhiteSpace(directory) ? null : directory).Train;
        var model = SnnModel.Create(WholeExampleBenchmarkBase.Config(preset, n, storage), train.PixelsPerImage, seed: 1);
        Console.WriteLine($"probe {preset} N={n} {storage}{(reference ? " reference path" : "")}, {examples} examples of {train.Describe()}, chunks of {chunk}");
        Console.WriteLine("phase,first,last,ms_per_example,exc_spikes_per_example,input_spikes_per_example,retries,bytes_per_example,subnormal_weights");
        foreach (var learning in new[] { true, false })
        {
            var simulator = new Simulator(model, counts: null, reference);
            var inputCounts = simulator.Counts.Population("input"); // looked up outside the measured span (it allocates)
            for (var start = 0; start < examples; start += chunk)
            {
                var end = Math.Min(examples, start + chunk);
                long spikes = 0, retries = 0;
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
                inputSpikes = inputCounts.Spikes - inputSpikes;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var count = end - start;
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{(learning ? "train" : "infer")},{start},{end - 1},{elapsed / count:F3},{(double)spikes / count:F1},{(double)inputSpikes / count:F0},{retries},{(double)bytes / count:F0},{CountSubnormal(model)}"));
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
