// Tabular benchmark of our strategies (issue #13): each strategy searches the replay table in-process, without a
// store, for many seeds; after K trainings the hypervolume of the feasible top-fidelity results found so far is divided
// by the hypervolume of the whole table (same reference point for every strategy and for bench_optuna.py).
// Accounting shared with bench_optuna.py: a training costs train_samples / the table's train_samples (1 at full
// fidelity); a candidate over the memory budget costs nothing (memory is analytic: the study skips it untrained);
// every other proposal costs its training, a repeated one too (as in a standalone Optuna study).
// usage: dotnet run -c Release --project experiments/search-bench/Harness -- SPACE TABLE OUT.csv [--seeds 30]
//        [--memory-budget BYTES|median] [--strategies random,nsga2,halving,tpe,tpe-halving,tpe-nomem] [--max-k 200]
// Rows are appended to OUT.csv as each seed finishes; an existing OUT.csv is kept and its finished (sampler, setting,
// seed) runs are skipped, so rerunning a stopped command resumes it.
using System.Diagnostics;
using System.Globalization;
using FSpiNN.Dse;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;

var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToList();
if (positional.Count != 3)
{
    Console.Error.WriteLine("usage: Harness SPACE TABLE OUT.csv [--seeds 30] [--memory-budget BYTES|median] [--strategies ...] [--max-k 200]");
    return 2;
}
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var space = SearchSpace.Load(positional[0]);
var table = new ReplayEvaluator(positional[1], space);
var outPath = positional[2];
var seeds = int.Parse(Option("--seeds") ?? "30", CultureInfo.InvariantCulture);
var maxK = int.Parse(Option("--max-k") ?? "200", CultureInfo.InvariantCulture);
var strategies = (Option("--strategies") ?? "random,nsga2,halving,tpe,tpe-halving").Split(',');
int[] checkpoints = [.. new[] { 25, 50, 100, 200 }.Where(k => k <= maxK)];

var grid = space.Grid().ToList();
var memories = grid.Select(table.EstimateMemoryBytes).ToList();
double? budget = Option("--memory-budget") switch
{
    null or "none" => null,
    "median" => memories.Order().ElementAt(memories.Count / 2 - 1),
    var text => double.Parse(text, CultureInfo.InvariantCulture),
};
var fidelity = (long)space.Find(SearchSpace.TrainSamplesName)!.Choices[0].AsDouble;
var top = grid.Select(c => (Candidate: c, Result: table.Evaluate(c, (int)fidelity, CancellationToken.None))).ToList();
double[] reference = [1.0, budget ?? 1.1 * memories.Max(), 1.1 * top.Max(t => t.Result.TrainEnergyJoules)];
double[] Normalised(EvaluationResult r) => [(1 - r.Accuracy) / reference[0], r.MemoryBytes / reference[1], r.TrainEnergyJoules / reference[2]];
bool Feasible(double memory) => budget is not { } b || memory <= b;
double[] unit = [1, 1, 1];
var trueHv = Hypervolume.Compute(top.Where(t => Feasible(t.Result.MemoryBytes)).Select(t => Normalised(t.Result)).ToList(), unit);
var feasibleShare = top.Count(t => Feasible(t.Result.MemoryBytes)) / (double)top.Count;
Console.WriteLine($"table {positional[1]}: {top.Count} points, memory budget {(budget is { } bb ? $"{bb:F0} B" : "none")} " +
                  $"({feasibleShare:P1} feasible), reference [{string.Join(", ", reference.Select(r => r.ToString("G4", CultureInfo.InvariantCulture)))}], table hypervolume {trueHv:F5}");

const string header = "sampler,setting,seed,k,hv_ratio,trainings,proposals,seconds";
var setting = budget is null ? "no-budget" : "memory-budget";
var done = new HashSet<(string Sampler, string Setting, int Seed, int K)>();
if (File.Exists(outPath) && new FileInfo(outPath).Length > 0)
{
    foreach (var line in File.ReadLines(outPath).Skip(1))
    {
        var f = line.Split(',');
        if (f.Length == 8) done.Add((f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)));
    }
}
using var output = new StreamWriter(outPath, append: done.Count > 0);
if (done.Count == 0) output.WriteLine(header);
// single-bracket successive halving is sized by its budget: per K, the most trials whose schedule costs at most K
var halvingTrials = strategies.Contains("halving") ? checkpoints.ToDictionary(k => k, HalvingTrials) : [];
var rows = new List<string>();   // this run's rows, for the means printed per strategy
foreach (var name in strategies)
{
    for (var seed = 0; seed < seeds; seed++)
    {
        if (checkpoints.All(k => done.Contains((name, setting, seed, k)))) continue;
        var seedRows = new List<string>();
        if (name == "halving")
        {
            foreach (var k in checkpoints)
            {
                var run = Run(StrategyFactory.Create("halving", Context(halvingTrials[k], seed), MinSamples()), k);
                seedRows.Add(Row(name, seed, k, run.Hv(k), run));
            }
        }
        else
        {
            var strategy = name switch
            {
                "nsga2" => new Nsga2Strategy(Context(100_000, seed), new Nsga2Options(PopulationSize: 40)),
                // the sampler without the exact-memory term (memory left to the densities, as before it had one)
                "tpe-nomem" => new TpeStrategy(Context(100_000, seed), new TpeOptions(KnownMemory: false)),
                _ => StrategyFactory.Create(name, Context(100_000, seed), MinSamples()),
            };
            var result = Run(strategy, maxK);
            seedRows.AddRange(checkpoints.Select(k => Row(name, seed, k, result.Hv(k), result)));
        }
        foreach (var row in seedRows) output.WriteLine(row);
        output.Flush();
        rows.AddRange(seedRows);
    }
    if (!rows.Any(r => r.StartsWith(name + ",", StringComparison.Ordinal))) continue;   // every seed was already in OUT.csv
    var last = rows.Where(r => r.StartsWith(name + ",", StringComparison.Ordinal)).Select(r => r.Split(',')).ToList();
    Console.WriteLine($"{name,-12} " + string.Join("  ", checkpoints.Select(k =>
    {
        var v = last.Where(r => r[3] == k.ToString(CultureInfo.InvariantCulture)).Select(r => double.Parse(r[4], CultureInfo.InvariantCulture)).ToList();
        return $"K={k}: {v.Average():F3}";
    })) + $"  ({last.Average(r => double.Parse(r[7], CultureInfo.InvariantCulture)) * 1000:F0} ms per run, {last.Count / checkpoints.Length} seeds this run)");
}
return 0;

StrategyContext Context(int trials, int seed) => new(space, 3, trials, seed, table.EstimateMemoryBytes, budget, MemoryObjective: 1);

int MinSamples() => (int)Math.Max(1, fidelity / 9);   // three rungs, eta 3: 111, 333, 1000 of 1000

// The trial budget that makes halving start the most candidates n whose schedule (n, ceil(n/3), ... per rung, each
// training costing its rung's samples / the table's) costs at most k; the strategy starts the n of that budget.
// Computed from the schedule, once per K: building a strategy per tried budget (as before) sampled hundreds of
// candidates per try, thousands of tries per K and seed, and made halving the slowest strategy of the harness.
int HalvingTrials(int k)
{
    var rungs = new SuccessiveHalvingStrategy(Context(1, 0), MinSamples()).RungSamples;
    (int Trials, double Cost) Schedule(int n)
    {
        var (trials, cost) = (0, 0.0);
        foreach (var samples in rungs)
        {
            trials += n;
            cost += n * samples / (double)fidelity;
            n = Math.Max(1, (int)Math.Ceiling(n / 3.0));
        }
        return (trials, cost);
    }
    var initial = 1;
    while (Schedule(initial + 1).Cost <= k) initial++;
    return Schedule(initial).Trials;
}

string Row(string sampler, int seed, int k, double hv, RunResult run) =>
    string.Join(',', sampler, setting, seed, k, (hv / trueHv).ToString("R", CultureInfo.InvariantCulture),
        run.Trainings.ToString("R", CultureInfo.InvariantCulture), run.Proposals, run.Seconds.ToString("F4", CultureInfo.InvariantCulture));

RunResult Run(IStrategy strategy, int maxTrainings)
{
    var watch = Stopwatch.StartNew();
    var found = new List<(double Cost, double[] Point)>();   // feasible top-fidelity results with the cost spent when found
    double cost = 0;
    var proposals = 0;
    while (cost < maxTrainings - 1e-9 && proposals < 20 * maxTrainings && strategy.Ask() is { } proposal)
    {
        proposals++;
        var samples = proposal.Candidate.TryGet(SearchSpace.TrainSamplesName, out var s) ? (long)s.AsDouble : fidelity;
        var memory = table.EstimateMemoryBytes(proposal.Candidate);
        if (!Feasible(memory))
        {
            strategy.Tell(new TrialOutcome(proposal.Id, proposal.Candidate, OutcomeKind.Skipped, null, memory / budget!.Value - 1));
            continue;
        }
        // the table holds one fidelity: lower rungs replay it (optimistic for the multi-fidelity strategies)
        var result = table.Evaluate(proposal.Candidate, (int)fidelity, CancellationToken.None);
        cost += samples / (double)fidelity;
        if (samples == fidelity) found.Add((cost, Normalised(result)));
        strategy.Tell(new TrialOutcome(proposal.Id, proposal.Candidate, OutcomeKind.Complete, [1 - result.Accuracy, result.MemoryBytes, result.TrainEnergyJoules], 0));
    }
    return new RunResult(found, cost, proposals, watch.Elapsed.TotalSeconds);
}

internal sealed record RunResult(List<(double Cost, double[] Point)> Found, double Trainings, int Proposals, double Seconds)
{
    public double Hv(int k) => Hypervolume.Compute(Found.Where(f => f.Cost <= k + 1e-9).Select(f => f.Point).ToList(), [1.0, 1.0, 1.0]);
}
