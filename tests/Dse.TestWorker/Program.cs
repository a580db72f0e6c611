using System.Globalization;
using FSpiNN.Dse;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

// Child process for kill/resume, multi-process and multi-host tests:
//   FSpiNN.Dse.TestWorker <store> <strategy> <trials> <seed> <delay-ms> [memory-budget-bytes]
//       [--study NAME] [--host NAME] [--lease-ms N] [--heartbeat-ms N] [--max-neurons N] [--stop-after N] [--ready-file R --go-file G] [--copy-from STORE]
//       [--replicates N] [--die-at-replicate K]
// --stop-after N: stop (as on Ctrl-C) when N trials are stored, e.g. to fill a store for the storage benchmark
// --die-at-replicate K: the process kills itself (SIGKILL, no clean-up) when it starts replicate K of its first trial
var positional = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
if (positional.Length < 5 || (args.Length - positional.Length) % 2 != 0)
{
    Console.Error.WriteLine("usage: FSpiNN.Dse.TestWorker <store> <strategy> <trials> <seed> <delay-ms> [memory-budget-bytes] [--study NAME] [--host NAME] [--lease-ms N] [--heartbeat-ms N] [--max-neurons N]");
    return 2;
}
var named = new Dictionary<string, string>();
for (var i = positional.Length; i < args.Length; i += 2) named[args[i]] = args[i + 1];
var inv = CultureInfo.InvariantCulture;
var maxNeurons = named.TryGetValue("--max-neurons", out var max) ? int.Parse(max, inv) : 400;
var definition = Worker.Definition(positional[1], int.Parse(positional[2], inv), int.Parse(positional[3], inv),
    positional.Length > 5 && positional[5] != "none" ? double.Parse(positional[5], inv) : null, maxNeurons,
    named.TryGetValue("--replicates", out var replicates) ? int.Parse(replicates, inv) : 1);
var dieAt = named.TryGetValue("--die-at-replicate", out var die) ? int.Parse(die, inv) : 0;
var options = Worker.FastOptions with
{
    Host = named.GetValueOrDefault("--host"),
    Lease = named.TryGetValue("--lease-ms", out var lease) ? TimeSpan.FromMilliseconds(int.Parse(lease, inv)) : Worker.FastOptions.Lease,
    HeartbeatInterval = named.TryGetValue("--heartbeat-ms", out var hb) ? TimeSpan.FromMilliseconds(int.Parse(hb, inv)) : Worker.FastOptions.HeartbeatInterval,
    MaxBackoff = TimeSpan.FromSeconds(1),
};
using var storage = OpenWithRetry();
// A server that cannot be reached at start (the store benchmark starts 16 workers on a heavily loaded machine, where a
// connection can take longer than the connect timeout) is retried for 2 minutes, as a running worker retries
IStudyStorage OpenWithRetry()
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return StudyStorage.OpenOrCreate(positional[0], named.GetValueOrDefault("--study"), definition, new StorageOptions(Console.Error));
        }
        catch (StorageUnavailableException e) when (attempt < 12)
        {
            Console.Error.WriteLine($"{e.Message}; retrying in 10 s");
            Thread.Sleep(TimeSpan.FromSeconds(10));
        }
    }
}
// --copy-from STORE: writes every trial and the hypervolume history of STORE (the same study, e.g. an SQLite file that
// workers filled) into this empty store in one transaction: the store benchmark fills its PostgreSQL study this way
if (named.TryGetValue("--copy-from", out var source))
{
    using var from = StudyStorage.OpenExisting(source, readOnly: true);
    var trials = from.LoadTrials();
    var history = from.HypervolumeHistory();
    storage.Claim(tx =>
    {
        if (tx.ReadChanges(0).Changes.Count > 0) throw new InvalidOperationException("--copy-from needs an empty study");
        foreach (var t in trials) tx.Insert(t, options.Lease);
        if (history.Count > 0) tx.SetHypervolumeReference(history[0].ReferenceJson);
        foreach (var h in history) tx.AppendHypervolume(h);
        return 0;
    });
    Console.WriteLine($"copied {trials.Count} trials");
    return 0;
}
var evaluator = new SyntheticEvaluator(int.Parse(positional[4], inv))
{
    BeforeReplicate = (_, replicate) =>
    {
        if (replicate != dieAt) return;
        Console.Out.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill(); // as kill -9: the trial stays RUNNING
    },
};
var runner = new StudyRunner(storage, SyntheticEvaluator.TestSpace(maxNeurons: maxNeurons), evaluator, options);
// --ready-file R --go-file G: open the study (read the stored trials and replay the strategy over them), say "ready"
// (create R, holding the seconds that reading took), then wait for G before the first claim, so that the store
// benchmark times all its workers from one moment, without their process start-up and one-time read
if (named.TryGetValue("--ready-file", out var ready))
{
    var load = System.Diagnostics.Stopwatch.StartNew();
    runner.Load();
    File.WriteAllText(ready, load.Elapsed.TotalSeconds.ToString("0.000", inv) + "\n");
}
if (named.TryGetValue("--go-file", out var go))
    while (!File.Exists(go)) Thread.Sleep(5);
using var stop = new CancellationTokenSource();
var stopAfter = named.TryGetValue("--stop-after", out var n) ? int.Parse(n, inv) : int.MaxValue;
int done;
try
{
    done = runner.Run(stopAfter == int.MaxValue ? null : new SynchronousProgress(p => { if (p.Finished >= stopAfter) stop.Cancel(); }), stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine($"stopped after {stopAfter} stored trials");
    return 0;
}
Console.WriteLine($"worker {runner.Worker.Id} ran {done} trials");
return 0;

namespace FSpiNN.Dse.TestWorker
{
    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late to stop at a count).</summary>
    public sealed class SynchronousProgress(Action<StudyProgress> report) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value) => report(value);
    }

    public static class Worker
    {
        public static RunnerOptions FastOptions { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));

        public static StudyDefinition Definition(string strategy, int trials, int seed, double? memoryBudget = null, int maxNeurons = 400, int replicates = 1)
        {
            var space = SyntheticEvaluator.TestSpace(maxNeurons: maxNeurons);
            return new StudyDefinition(space.Name, space.ToCanonicalJson(), strategy, seed, trials,
                [Objective.Accuracy, Objective.Memory, Objective.TrainEnergy], new Budgets(memoryBudget), "synthetic-v1", 50, 400, Replicates: replicates);
        }

        public static string FrontierCsv(string store, string? study = null)
        {
            using var s = StudyStorage.OpenExisting(store, study);
            return FrontierCsv(s);
        }

        public static string FrontierCsv(IStudyStorage s)
        {
            var report = StudyResults.Analyze(s.Definition, s.LoadTrials());
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            FrontierExporter.WriteCsv(report, writer);
            return writer.ToString();
        }

        /// <summary>Runs one worker in this process on a store (created if needed) to the end of the study.</summary>
        public static int Run(string store, StudyDefinition definition, ICandidateEvaluator evaluator, RunnerOptions? options = null, int workerIndex = 0, string? study = null)
        {
            using var storage = StudyStorage.OpenOrCreate(store, study, definition);
            return new StudyRunner(storage, SearchSpace.Parse(definition.SpaceJson, definition.SpaceName), evaluator, options ?? FastOptions, workerIndex).Run();
        }
    }
}
