using System.CommandLine;
using System.Runtime.InteropServices;
using FSpiNN.Dse;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.Study;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

/// <summary>What the evaluator factory gets from the command line.</summary>
public sealed record ExploreEvaluatorRequest(string? DataDirectory, int Seed, int WorkerIndex, int Workers = 1, string? ModelCache = null);

public static class ExploreCommand
{
    public static Command Create(Func<ExploreEvaluatorRequest, ICandidateEvaluator> evaluatorFactory)
    {
        var space = new Option<FileInfo?>("--space") { Description = "Search space file (.json, .yaml). Default: the built-in 18-candidate space (DefaultSpace)." };
        var strategy = new Option<string?>("--strategy") { Description = "grid | random | nsga2 | halving | fspinn | tpe | tpe-halving. Default: grid when the whole space fits in --trials, else tpe (model-based)." };
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
        var replay = new Option<FileInfo?>("--replay") { Description = "Evaluate by looking candidates up in TABLE.csv (the frontier.csv of a finished grid study of the same space) instead of training: a tabular benchmark for strategies. Without --store, the study is kept in a temporary file deleted afterwards." };
        var modelCache = new Option<string?>("--model-cache") { Description = "Folder of trained models shared between studies: a training already done (same configuration, samples, seed, data and build) is loaded instead of repeated." };

        var command = new Command("explore", """
            Search the design space: train/evaluate candidates, keep a resumable study, print the frontier and a recommendation.
            Examples:
              fspinn explore
              fspinn explore --space spaces/fspinn-full.json --strategy fspinn --memory-budget 4MiB --store runs/full.db
              fspinn explore --strategy nsga2 --trials 60 --objectives accuracy,memory,inference-energy --min-accuracy 80%
              fspinn explore --store s.db --workers 2      (or start the same command in several terminals)
              fspinn explore --space my.json --memory-budget 512KiB --model-cache runs/models   (then 2MiB: reuses the trainings)
              fspinn explore --space experiments/search-bench/space-mnist-1k.json --replay experiments/search-bench/table-mnist-1k.csv --trials 100
            """)
        {
            space, strategy, trials, seed, store, workers, memoryBudget, energyBudget, minAccuracy, objectives, minSamples, data, output, modelCache, replay,
        };
        command.SetAction(async (parse, invocationToken) =>
        {
            // CliApp.Run invokes synchronously, which installs no Ctrl-C handler: stop on the first SIGINT/SIGTERM here
            // (the action's token also works when invoked asynchronously); a second signal terminates at once.
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, interrupt));
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, interrupt));
            var cancellationToken = interrupt.Token;
            var searchSpace = parse.GetValue(space) is { } file ? SearchSpace.Load(file.FullName) : DefaultSpace.Create();
            var objectiveList = Parse(() => Objectives.Parse(parse.GetValue(objectives)!));
            var budgets = new Budgets(
                parse.GetValue(memoryBudget) is { } m ? Parse(() => Units.ParseBytes(m)) : null,
                parse.GetValue(energyBudget) is { } e ? Parse(() => Units.ParseJoules(e)) : null,
                parse.GetValue(minAccuracy) is { } a ? Parse(() => Units.ParseAccuracy(a)) : null);
            var workerCount = parse.GetValue(workers);
            if (workerCount is < 1 or > 64) throw new UsageException($"--workers must be within 1..64, got {workerCount}");
            var seedValue = parse.GetValue(seed);
            var trialCount = parse.GetValue(trials) ?? (searchSpace.IsFinite ? (int)Math.Min(searchSpace.Count, 100_000) : 50);
            if (trialCount < 1) throw new UsageException($"--trials must be >= 1, got {trialCount}");
            var strategyName = parse.GetValue(strategy) ?? StrategyFactory.Default(searchSpace, trialCount);
            var outDir = parse.GetValue(output) ?? Path.Combine("runs", $"explore-{searchSpace.Name}-{strategyName}-s{seedValue}");
            var replayTable = parse.GetValue(replay);
            // a replay is a benchmark run: its study lives in a temporary file unless --store asks to keep it
            var temporaryStore = replayTable is not null && parse.GetValue(store) is null;
            var storePath = parse.GetValue(store) ?? (temporaryStore ? Path.Combine(Path.GetTempPath(), $"fspinn-replay-{Guid.NewGuid():N}.db") : Path.Combine(outDir, "study.db"));
            var evaluators = replayTable is not null
                ? Enumerable.Repeat<ICandidateEvaluator>(Replay(replayTable.FullName, searchSpace), workerCount).ToList()
                : Enumerable.Range(0, workerCount)
                    .Select(i => evaluatorFactory(new ExploreEvaluatorRequest(parse.GetValue(data), seedValue, i, workerCount, parse.GetValue(modelCache)))).ToList();
            searchSpace.Validate(evaluators[0].Parameters);
            try
            {
            // batch = proposals pending at once (model-based strategies); a resumed study keeps the batch it was started with
            var batch = File.Exists(storePath) ? StudyStore.Inspect(storePath).Batch : workerCount;
            var definition = new StudyDefinition(searchSpace.Name, searchSpace.ToCanonicalJson(), strategyName, seedValue, trialCount,
                objectiveList, budgets, evaluators[0].DataFingerprint, parse.GetValue(minSamples), 1000, batch);
            _ = StudyRunner.CreateStrategy(definition, searchSpace); // reports strategy/space mismatches before any work
            if (budgets.MemoryBytes is { } memoryLimit && SpaceMemory.IsExhaustive(searchSpace))
            {
                var (smallest, bytes) = SpaceMemory.Estimate(searchSpace, evaluators[0], seedValue).MinBy(x => x.Bytes);
                if (bytes > memoryLimit)
                    throw new UsageException($"--memory-budget {Units.FormatBytes(memoryLimit)} is below the smallest network of space '{searchSpace.Name}' " +
                        $"({smallest.Key} needs {Units.FormatBytes(bytes)}): no candidate could be trained; raise the budget or add smaller networks to the space");
            }
            Directory.CreateDirectory(outDir);
            IReadOnlyList<TrialRecord> before;
            using (var opened = StudyStore.OpenOrCreate(storePath, definition)) before = opened.LoadTrials();

            var writer = parse.InvocationConfiguration.Output;
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
            var interactive = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
            var csvPath = Path.Combine(outDir, "frontier.csv");
            var plotPath = Path.Combine(outDir, "frontier.png");
            var rerun = ResumeCommand(parse);
            var total = (int)Math.Min(trialCount, searchSpace.Count);
            console.WriteLine($"exploring {searchSpace.Name} with {strategyName} (seed {seedValue}): up to {total} trials, {workerCount} worker(s)");
            if (before.Count > 0)
                console.WriteLine($"resuming: {before.Count(t => t.IsTerminal)} trials already finished in the store are kept");

            var reporter = new TrialReporter(console, interactive ? null : writer, definition, before, workerCount);
            var cancelled = false;
            try
            {
                if (interactive)
                {
                    await console.Progress().AutoClear(false)
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                        .StartAsync(async context =>
                        {
                            reporter.Task = context.AddTask(reporter.Describe(null), maxValue: Math.Max(1, total));
                            await RunWorkers(storePath, definition, searchSpace, evaluators, reporter, cancellationToken).ConfigureAwait(false);
                            reporter.Task.Value = reporter.Task.MaxValue;
                        }).ConfigureAwait(false);
                }
                else
                    await RunWorkers(storePath, definition, searchSpace, evaluators, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }
            if (cancelled)
            {
                using var stopped = StudyStore.OpenExisting(storePath);
                var kept = stopped.LoadTrials();
                console.WriteLine($"cancelled: {kept.Count(t => t.IsTerminal)} of {total} trials are finished and kept in {storePath}; "
                    + "an interrupted trial is discarded (never stored as complete) and runs again on resume.");
                writer.WriteLine($"resume with: {rerun}"); // unwrapped, to copy
                return Cancelled;
            }
            FrontierCommand.Report(storePath, csvPath, plotPath, console);
            // unwrapped, to copy and paste
            writer.WriteLine(temporaryStore ? "store:     none (a replay keeps its study in a temporary file; give --store to keep it)" : $"store:     {storePath}");
            writer.WriteLine($"csv:       {csvPath}");
            writer.WriteLine($"plot:      {plotPath}");
            writer.WriteLine($"resume:    {rerun}");
            if (!temporaryStore) writer.WriteLine($"re-render: fspinn frontier --store {Quote(storePath)} --csv {Quote(csvPath)} --plot {Quote(plotPath)}");
            return CliApp.Success;
            }
            finally
            {
                if (temporaryStore)
                {
                    foreach (var temporary in new[] { storePath, storePath + "-wal", storePath + "-shm" }) File.Delete(temporary);
                }
            }
        });
        return command;
    }

    /// <summary>The replay evaluator of <paramref name="table"/>, refused (usage error) when the table cannot replay every candidate of the space.</summary>
    private static ReplayEvaluator Replay(string table, SearchSpace space)
    {
        try
        {
            var evaluator = new ReplayEvaluator(table, space);
            if (!space.IsFinite) throw new UsageException($"--replay needs a finite space (a table holds finitely many candidates); space '{space.Name}' has a continuous range");
            var missing = evaluator.Missing();
            if (missing.Count > 0)
                throw new UsageException($"--replay {table}: the table has no completed result for {string.Join(", ", missing.Select(c => c.Key))}{(missing.Count == 5 ? ", ..." : "")}; " +
                    "replay the table with the space of the study that built it");
            return evaluator;
        }
        catch (ReplayTableException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Exit code of a run stopped by Ctrl-C / SIGINT (128 + 2, the shell convention).</summary>
    public const int Cancelled = 130;

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupt)
    {
        if (interrupt.IsCancellationRequested) return; // second signal: default handling ends the process
        context.Cancel = true;
        interrupt.Cancel();
    }

    /// <summary>Runs one <see cref="StudyRunner"/> per evaluator; the first real failure stops the others; cancellation waits for every worker to clean up.</summary>
    private static async Task RunWorkers(string storePath, StudyDefinition definition, SearchSpace space, IReadOnlyList<ICandidateEvaluator> evaluators,
        IProgress<StudyProgress> progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = evaluators.Select((evaluator, i) => Task.Run(() =>
        {
            try
            {
                new StudyRunner(storePath, definition, space, evaluator, workerIndex: i).Run(progress, stop.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stop.Cancel(); // one worker failed: stop the others, report this failure
                throw;
            }
        }, CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(runs).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // the others were stopped because one failed: report that failure, not their cancellation
            var failure = runs.Select(r => r.Exception?.InnerException).FirstOrDefault(x => x is not null and not OperationCanceledException);
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
    }

    /// <summary>The command line of this run, to resume it (the defaults of --out/--store resolve to the same files).</summary>
    private static string ResumeCommand(ParseResult parse) =>
        "fspinn " + string.Join(' ', parse.Tokens.Select(t => Quote(t.Value)));

    private static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || "-_./:=,%+@".Contains(c, StringComparison.Ordinal))
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Prints one line per newly finished trial (number, varying parameters, accuracy, memory, energy, duration) and keeps
    /// the progress bar's description (done/total, best feasible accuracy, time left) current. Without a terminal
    /// (<paramref name="plain"/> given) there is no bar: each line is prefixed with [done/total elapsed] and ends with the
    /// best accuracy and time left, written unwrapped so that logs keep one line per trial. Thread-safe; snapshots from
    /// several workers may arrive out of order, so each trial is printed once and counts never go backwards.
    /// </summary>
    private sealed class TrialReporter(IAnsiConsole console, TextWriter? plain, StudyDefinition definition, IReadOnlyList<TrialRecord> before, int workers)
        : IProgress<StudyProgress>
    {
        private readonly HashSet<int> _printed = [.. before.Where(t => t.IsTerminal).Select(t => t.Number)];
        private readonly IReadOnlyList<string> _varying = FrontierSummary.Parameters(definition).Varying;
        private readonly Lock _lock = new();
        private StudyProgress? _latest;

        public ProgressTask? Task { get; set; }

        public void Report(StudyProgress value)
        {
            lock (_lock)
            {
                if (_latest is { } last && value.Finished < last.Finished) value = value with { Finished = last.Finished };
                _latest = value;
                foreach (var t in value.Trials.Where(t => t.IsTerminal && _printed.Add(t.Number)).OrderBy(t => t.FinishedUtc))
                {
                    var line = FrontierSummary.TrialLine(definition, _varying, t);
                    if (plain is null) console.WriteLine(line);
                    else
                    {
                        plain.WriteLine($"[{value.Finished}/{value.Total} {FrontierSummary.Duration(value.Elapsed)}] {line}; {Describe(value)}");
                        plain.Flush();
                    }
                }
                if (Task is { } task)
                {
                    task.MaxValue = Math.Max(1, value.Total);
                    task.Value = value.Finished;
                    task.Description = Describe(value);
                }
            }
        }

        /// <summary>"trials 5/12, best 38.00%, ~1m20s left": time left = mean evaluation time x trials left / workers.</summary>
        public string Describe(StudyProgress? progress)
        {
            if (progress is not { } p) return "trials 0, best -, time left unknown";
            var evaluated = p.Trials.Where(t => t.Status == TrialStatus.Complete && t.DurationSeconds > 0).ToList();
            var left = Math.Max(0, p.Total - p.Finished);
            var remaining = left == 0 ? "done"
                : evaluated.Count == 0 ? "time left unknown"
                : "~" + FrontierSummary.Duration(TimeSpan.FromSeconds(evaluated.Average(t => t.DurationSeconds!.Value) * left / workers)) + " left";
            return $"{(plain is null ? $"trials {p.Finished}/{p.Total}, " : "")}best {FrontierSummary.Accuracy(p.BestFeasibleAccuracy)}, {remaining}";
        }
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
