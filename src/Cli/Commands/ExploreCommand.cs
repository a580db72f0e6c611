using System.CommandLine;
using FSpiNN.Dse;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.Study;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

/// <summary>What the evaluator factory gets from the command line.</summary>
public sealed record ExploreEvaluatorRequest(string? DataDirectory, int Seed, int WorkerIndex);

public static class ExploreCommand
{
    public static Command Create(Func<ExploreEvaluatorRequest, ICandidateEvaluator> evaluatorFactory)
    {
        var space = new Option<FileInfo?>("--space") { Description = "Search space file (.json, .yaml). Default: the built-in 12-candidate space." };
        var strategy = new Option<string>("--strategy") { Description = "grid | random | nsga2 | halving | fspinn", DefaultValueFactory = _ => "grid" };
        strategy.AcceptOnlyFromAmong([.. StrategyFactory.Names]);
        var trials = new Option<int?>("--trials") { Description = "Trial budget (default: the whole grid, or 50 for a continuous space)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the strategy.", DefaultValueFactory = _ => 1 };
        var store = new Option<string?>("--store") { Description = "SQLite study file; rerun the same command to resume. Default: <out>/study.db." };
        var workers = new Option<int>("--workers") { Description = "Worker threads in this process (several processes may also share --store).", DefaultValueFactory = _ => 1 };
        var memoryBudget = new Option<string?>("--memory-budget") { Description = "e.g. 512KiB, 2MB (B, KB, KiB, MB, MiB, GB, GiB)." };
        var energyBudget = new Option<string?>("--energy-budget") { Description = "e.g. 2mJ (J, mJ, uJ, nJ, pJ); bounds the energies among the objectives." };
        var minAccuracy = new Option<string?>("--min-accuracy") { Description = "e.g. 0.8 or 80%." };
        var objectives = new Option<string>("--objectives") { Description = "Comma list of accuracy, memory, train-energy, inference-energy.", DefaultValueFactory = _ => "accuracy,memory,train-energy" };
        var minSamples = new Option<int>("--min-train-samples") { Description = "Lowest rung of --strategy halving.", DefaultValueFactory = _ => 100 };
        var data = new Option<string?>("--data") { Description = "Dataset directory passed to the evaluator." };
        var output = new Option<string?>("--out") { Description = "Output directory (default runs/explore-<space>-<strategy>-s<seed>)." };

        var command = new Command("explore", """
            Search the design space: train/evaluate candidates, keep a resumable study, print the frontier and a recommendation.
            Examples:
              fspinn explore
              fspinn explore --space spaces/fspinn-full.json --strategy fspinn --memory-budget 4MiB --store runs/full.db
              fspinn explore --strategy nsga2 --trials 60 --objectives accuracy,memory,inference-energy --min-accuracy 80%
              fspinn explore --store s.db --workers 2      (or start the same command in several terminals)
            """)
        {
            space, strategy, trials, seed, store, workers, memoryBudget, energyBudget, minAccuracy, objectives, minSamples, data, output,
        };
        command.SetAction(parse =>
        {
            var cancellationToken = CancellationToken.None;
            var searchSpace = parse.GetValue(space) is { } file ? SearchSpace.Load(file.FullName) : DefaultSpace.Create();
            var objectiveList = Parse(() => Objectives.Parse(parse.GetValue(objectives)!));
            var budgets = new Budgets(
                parse.GetValue(memoryBudget) is { } m ? Parse(() => Units.ParseBytes(m)) : null,
                parse.GetValue(energyBudget) is { } e ? Parse(() => Units.ParseJoules(e)) : null,
                parse.GetValue(minAccuracy) is { } a ? Parse(() => Units.ParseAccuracy(a)) : null);
            var workerCount = parse.GetValue(workers);
            if (workerCount is < 1 or > 64) throw new UsageException($"--workers must be within 1..64, got {workerCount}");
            var seedValue = parse.GetValue(seed);
            var strategyName = parse.GetValue(strategy)!;
            var trialCount = parse.GetValue(trials) ?? (searchSpace.IsFinite ? (int)Math.Min(searchSpace.Count, 100_000) : 50);
            if (trialCount < 1) throw new UsageException($"--trials must be >= 1, got {trialCount}");
            var outDir = parse.GetValue(output) ?? Path.Combine("runs", $"explore-{searchSpace.Name}-{strategyName}-s{seedValue}");
            Directory.CreateDirectory(outDir);
            var storePath = parse.GetValue(store) ?? Path.Combine(outDir, "study.db");
            var evaluators = Enumerable.Range(0, workerCount)
                .Select(i => evaluatorFactory(new ExploreEvaluatorRequest(parse.GetValue(data), seedValue, i))).ToList();
            searchSpace.Validate(evaluators[0].Parameters);
            var definition = new StudyDefinition(searchSpace.Name, searchSpace.ToCanonicalJson(), strategyName, seedValue, trialCount,
                objectiveList, budgets, evaluators[0].DataFingerprint, parse.GetValue(minSamples), 1000);
            _ = StudyRunner.CreateStrategy(definition, searchSpace); // reports strategy/space mismatches before any work
            using (StudyStore.OpenOrCreate(storePath, definition)) { }

            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("trials", maxValue: Math.Max(1, Math.Min(trialCount, searchSpace.Count)));
                    var progress = new Progress<StudyProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Finished;
                        task.Description = $"trials {p.Finished}/{p.Total}, skipped {p.Skipped}, best {(p.BestFeasibleAccuracy is { } b ? b.ToString("P1") : "-")}";
                    });
                    var runs = evaluators.Select((ev, i) => Task.Run(() =>
                        new StudyRunner(storePath, definition, searchSpace, ev, workerIndex: i).Run(progress, cancellationToken), cancellationToken)).ToArray();
                    Task.WaitAll(runs, cancellationToken);
                    task.Value = task.MaxValue;
                });
            return FrontierCommand.Report(storePath, Path.Combine(outDir, "frontier.csv"), Path.Combine(outDir, "frontier.png"), console);
        });
        return command;
    }

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
