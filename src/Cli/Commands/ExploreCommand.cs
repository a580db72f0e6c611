using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using FSpiNN.Cli.Json;
using FSpiNN.Dse;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.Study;
using FSpiNN.SnnSearch;
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
        var store = new Option<string?>("--store") { Description = "SQLite study file, or a PostgreSQL URL postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE shared by workers on many hosts (password also from PGPASSWORD or ~/.pgpass); rerun the same command to resume. Default: <out>/study.db." };
        var study = new Option<string?>("--study") { Description = "Study name inside the store (a database holds several). Default: <space>-<strategy>-s<seed>." };
        var lease = new Option<double>("--lease") { Description = "Seconds a running trial stays its worker's without a heartbeat; then another worker reruns it (once).", DefaultValueFactory = _ => RunnerOptions.Default.Lease.TotalSeconds };
        var heartbeat = new Option<double>("--heartbeat") { Description = "Seconds between lease renewals of a running trial (well below --lease).", DefaultValueFactory = _ => RunnerOptions.Default.HeartbeatInterval.TotalSeconds };
        var workers = new Option<int>("--workers") { Description = "Worker threads in this process (several processes may also share --store).", DefaultValueFactory = _ => 1 };
        var memoryBudget = new Option<string?>("--memory-budget") { Description = "e.g. 512KiB, 2MB (B, KB, KiB, MB, MiB, GB, GiB)." };
        var energyBudget = new Option<string?>("--energy-budget") { Description = "e.g. 2mJ (J, mJ, uJ, nJ, pJ); bounds the energies among the objectives." };
        var minAccuracy = new Option<string?>("--min-accuracy") { Description = "e.g. 0.8 or 80%." };
        var objectives = new Option<string>("--objectives") { Description = "Comma list of accuracy, memory, train-energy, inference-energy.", DefaultValueFactory = _ => "accuracy,memory,train-energy" };
        var minSamples = new Option<int>("--min-train-samples") { Description = "Lowest rung of --strategy halving.", DefaultValueFactory = _ => 100 };
        var data = new Option<string?>("--data") { Description = "Dataset directory passed to the evaluator." };
        var output = new Option<string?>("--out") { Description = "Output directory (default runs/explore-<space>-<strategy>-s<seed>)." };
        var replay = new Option<FileInfo?>("--replay") { Description = "Evaluate by looking candidates up in TABLE.csv (the frontier.csv of a finished grid study of the same space) instead of training: a tabular benchmark for strategies. Without --store, the study is kept in a temporary file deleted afterwards." };
        var json = JsonOutput.Option();
        var replicates = new Option<string>("--replicates")
        {
            Description = "Trainings per trial, each with its own seed derived from --seed (replicate 1 uses --seed itself): the accuracy is their mean "
                          + "with a 95 % Student-t interval, and candidates whose intervals overlap are tied. Costs that many trainings per trial. "
                          + "With --strategy halving or tpe-halving, a comma list gives one count per rung, lowest first (e.g. 1,1,3). "
                          + "A space's fixed 'replicates' wins over this.",
            DefaultValueFactory = _ => "1",
        };
        var modelCache = new Option<string?>("--model-cache") { Description = "Folder of trained models shared between studies: a training already done (same configuration, samples, seed, data and build) is loaded instead of repeated." };

        var command = new Command("explore", """
            Search the design space: train/evaluate candidates, keep a resumable study, print the frontier and a recommendation.
            Examples:
              fspinn explore
              fspinn explore --space spaces/fspinn-full.json --strategy fspinn --memory-budget 4MiB --store runs/full.db
              fspinn explore --strategy nsga2 --trials 60 --objectives accuracy,memory,inference-energy --min-accuracy 80%
              fspinn explore --store s.db --workers 2      (or start the same command in several terminals)
              fspinn explore --store postgresql://fspinn@db.lab:5432/studies --study full-4mib   (one worker per host)
              fspinn explore --space my.json --memory-budget 512KiB --model-cache runs/models   (then 2MiB: reuses the trainings)
              fspinn explore --space experiments/search-bench/space-mnist-1k-n25-100.json --replay experiments/search-bench/table-mnist-1k-n25-100.csv --trials 100
              fspinn explore --json runs/explore.json     (everything printed, and every trial, as JSON: docs/json.md)
              fspinn explore --space my.json --replicates 3   (accuracy as a mean with a 95 % interval, 3 trainings per trial)
              fspinn explore --space my.json --strategy halving --replicates 1,1,3   (3 replicates at the top rung only)
            """)
        {
            space, strategy, trials, seed, store, study, lease, heartbeat, workers, memoryBudget, energyBudget, minAccuracy, objectives, minSamples, replicates, data, output, modelCache, replay, json,
        };
        command.SetAction(async (parse, invocationToken) =>
        {
            var started = Stopwatch.StartNew();
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
            if (parse.GetValue(minSamples) < 1) throw new UsageException($"--min-train-samples must be >= 1, got {parse.GetValue(minSamples)}");
            var strategyName = parse.GetValue(strategy) ?? StrategyFactory.Default(searchSpace, trialCount);
            var (replicateCount, rungReplicates) = ParseReplicates(parse.GetValue(replicates)!, strategyName);
            var outDir = parse.GetValue(output) ?? Path.Combine("runs", $"explore-{searchSpace.Name}-{strategyName}-s{seedValue}");
            var replayTable = parse.GetValue(replay);
            // a replay is a benchmark run: its study lives in memory unless --store asks to keep it
            var inMemory = replayTable is not null && parse.GetValue(store) is null;
            var storePath = parse.GetValue(store) ?? Path.Combine(outDir, "study.db");
            var studyName = parse.GetValue(study);
            var (leaseSeconds, heartbeatSeconds) = (parse.GetValue(lease), parse.GetValue(heartbeat));
            if (!(leaseSeconds is >= 1 and <= 86_400)) throw new UsageException($"--lease must be within 1..86400 seconds, got {leaseSeconds}");
            if (!(heartbeatSeconds > 0 && heartbeatSeconds <= leaseSeconds / 2))
                throw new UsageException($"--heartbeat must be > 0 and at most half of --lease ({leaseSeconds / 2} s), got {heartbeatSeconds}");
            var error = parse.InvocationConfiguration.Error;
            var runnerOptions = RunnerOptions.Default with { Lease = TimeSpan.FromSeconds(leaseSeconds), HeartbeatInterval = TimeSpan.FromSeconds(heartbeatSeconds) };
            runnerOptions = runnerOptions with { Log = error };
            TrialReporter? reporter = null; // set below, before any trial runs
            runnerOptions = runnerOptions with { TrialProgress = (trial, pass) => reporter?.ReportPass(trial, pass) };
            var storageOptions = new StorageOptions(error);
            var csvPath = Path.Combine(outDir, "frontier.csv");
            var plotPath = Path.Combine(outDir, "frontier.png");
            var parallelPath = Path.Combine(outDir, "parallel.png");
            // before any store exists: an unusable location here would otherwise fail every trial, each stored as FAILED
            new FileRoles().Input("--space", parse.GetValue(space)?.FullName).DataInputs("--data", parse.GetValue(data)).Input("--replay", replayTable?.FullName)
                .Output("--store", inMemory || StudyStorage.IsDatabaseUrl(storePath) ? null : storePath).Output("--out (frontier.csv)", csvPath).Output("--out (frontier.png)", plotPath)
                .Output("--out (parallel.png)", parallelPath).Output("--json", JsonOutput.FilePath(parse, json)).OutputFolder("--model-cache", parse.GetValue(modelCache)).Check();
            var evaluators = replayTable is not null
                ? Enumerable.Repeat<ICandidateEvaluator>(Replay(replayTable.FullName, searchSpace), workerCount).ToList()
                : Enumerable.Range(0, workerCount)
                    .Select(i => evaluatorFactory(new ExploreEvaluatorRequest(parse.GetValue(data), seedValue, i, workerCount, parse.GetValue(modelCache)))).ToList();
            searchSpace.Validate(evaluators[0].Parameters);
            var mostReplicates = Math.Max(replicateCount, rungReplicates?.Max() ?? 1);
            if (mostReplicates > evaluators[0].MaxReplicates())
                throw new UsageException(replayTable is not null
                    ? $"--replicates {parse.GetValue(replicates)}: a replay looks each candidate up once in its table (one stored result, no seed to vary); use --replicates 1"
                    : $"--replicates {parse.GetValue(replicates)}: this evaluator supports at most {evaluators[0].MaxReplicates()} replicates per trial");
            // batch = proposals pending at once (model-based strategies); a resumed study keeps the batch it was created with
            var batch = workerCount;
            var definition = new StudyDefinition(searchSpace.Name, searchSpace.ToCanonicalJson(), strategyName, seedValue, trialCount,
                objectiveList, budgets, evaluators[0].DataFingerprint, parse.GetValue(minSamples), 1000, batch, replicateCount, rungReplicates);
            try
            {
                _ = StudyRunner.CreateStrategy(definition, searchSpace); // reports strategy/space mismatches before any work
            }
            catch (ArgumentException refused) when (refused.Message.Contains("replicate", StringComparison.Ordinal))
            {
                throw new UsageException($"--replicates {parse.GetValue(replicates)}: {refused.Message}");
            }
            if (budgets.MemoryBytes is { } memoryLimit && SpaceMemory.IsExhaustive(searchSpace))
            {
                var (smallest, bytes) = SpaceMemory.Estimate(searchSpace, evaluators[0], seedValue).MinBy(x => x.Bytes);
                if (bytes > memoryLimit)
                    throw new UsageException($"--memory-budget {Units.FormatBytes(memoryLimit)} is below the smallest network of space '{searchSpace.Name}' " +
                        $"({smallest.Key} needs {Units.FormatBytes(bytes)}): no candidate could be trained; raise the budget or add smaller networks to the space");
            }
            Directory.CreateDirectory(outDir);
            using var storage = inMemory ? new InMemoryStudyStorage(definition, studyName) : StudyStorage.OpenOrCreate(storePath, studyName, definition, storageOptions);
            var before = storage.LoadTrials();

            var writer = JsonOutput.TextWriter(parse, json);
            var console = ConsoleFactory.Create(writer);
            var interactive = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
            var rerun = ResumeCommand(parse);
            var total = (int)Math.Min(trialCount, searchSpace.Count);
            console.WriteLine($"exploring {searchSpace.Name} with {strategyName} (seed {seedValue}): up to {total} trials, {workerCount} worker(s)");
            if (before.Count > 0)
                console.WriteLine($"resuming: {before.Count(t => t.IsTerminal)} trials already finished in the store are kept");

            reporter = new TrialReporter(console, interactive ? null : writer, definition, before, workerCount);
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
                            await WorkerPool.RunAsync(storage, searchSpace, evaluators, runnerOptions, reporter, cancellationToken).ConfigureAwait(false);
                            reporter.Task.Value = reporter.Task.MaxValue;
                        }).ConfigureAwait(false);
                }
                else
                    await WorkerPool.RunAsync(storage, searchSpace, evaluators, runnerOptions, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }
            if (cancelled)
            {
                var kept = storage.LoadTrials();
                console.WriteLine($"cancelled: {kept.Count(t => t.IsTerminal)} of {total} trials are finished and kept in {storage.Location}; "
                    + "an interrupted trial is discarded (never stored as complete) and runs again on resume"
                    + (mostReplicates > 1 ? ", keeping the replicates it finished." : "."));
                writer.WriteLine($"resume with: {rerun}"); // unwrapped, to copy
                return Cancelled;
            }
            var report = FrontierCommand.Render(storage, new FrontierCommand.FrontierOutputs(csvPath, plotPath, parallelPath), console,
                FrontierSummary.DefaultMaxRows, reprice: false, "explore");
            // unwrapped, to copy and paste
            writer.WriteLine(inMemory ? "store:     none (a replay keeps its study in memory; give --store to keep it)"
                : $"store:     {storage.Location}{(studyName is null ? "" : $" (study {studyName})")}");
            writer.WriteLine($"csv:       {csvPath}");
            writer.WriteLine($"plot:      {plotPath}");
            writer.WriteLine($"parallel:  {parallelPath}");
            writer.WriteLine($"resume:    {rerun}");
            var studyOption = studyName is null ? "" : $" --study {Quote(studyName)}";
            var rerender = inMemory ? null
                : $"fspinn frontier --store {Quote(storage.Location)}{studyOption} --csv {Quote(csvPath)} --plot {Quote(plotPath)} --parallel {Quote(parallelPath)}";
            if (rerender is not null) writer.WriteLine($"re-render: {rerender}");
            var finalTrials = storage.LoadTrials();
            var failed = finalTrials.Where(t => t.Status == TrialStatus.Failed).ToList();
            report.Run = new ExploreRunJson(total, workerCount, before.Count(t => t.IsTerminal), started.Elapsed.TotalSeconds,
                inMemory ? "" : storage.Location, rerun, rerender, failed.Count(t => t.Cause == FailureCause.Environment), failed.Count(t => t.Cause != FailureCause.Environment));
            JsonOutput.Write(parse, json, report);
            return FailureSummary(finalTrials, error) ? CliApp.Failure : CliApp.Success;
        });
        return command;
    }

    /// <summary>
    /// `--replicates`: one count for every trial ("3"), or, for a halving strategy, one per rung ("1,1,3"; the strategy
    /// checks that there is one per rung).
    /// </summary>
    private static (int Count, IReadOnlyList<int>? PerRung) ParseReplicates(string text, string strategyName)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var counts = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                || n is < 1 or > Dse.Statistics.ReplicateEvaluation.MaxReplicates)
                throw new UsageException($"--replicates '{text}': each count must be a whole number within 1..{Dse.Statistics.ReplicateEvaluation.MaxReplicates}");
            counts.Add(n);
        }
        if (counts.Count == 1) return (counts[0], null);
        if (!StrategyFactory.IsMultiFidelity(strategyName))
            throw new UsageException($"--replicates '{text}': a count per rung needs --strategy halving or tpe-halving (strategy is {strategyName}); give one count for every trial");
        return (1, counts);
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

    /// <summary>
    /// Says on stderr how many trials failed and why (grouped by cause and message); true if any did, so that the run
    /// exits non-zero. Failures of the environment are retried by the next run; those of a configuration are not.
    /// </summary>
    internal static bool FailureSummary(IReadOnlyList<TrialRecord> trials, TextWriter error)
    {
        var failed = trials.Where(t => t.Status == TrialStatus.Failed).ToList();
        if (failed.Count == 0) return false;
        var environment = failed.Count(t => t.Cause == FailureCause.Environment);
        error.WriteLine($"{failed.Count} trial(s) failed: {environment} because of the environment (retried when you rerun the same command), " +
            $"{failed.Count - environment} because of their configuration (not retried):");
        foreach (var group in failed.GroupBy(t => (t.Cause, Message: FirstLine(t.Error))).OrderByDescending(g => g.Count()).Take(5))
            error.WriteLine($"  {group.Count()} x {(group.Key.Cause == FailureCause.Environment ? "environment" : "configuration")}: {group.Key.Message} " +
                $"(trial{(group.Count() > 1 ? "s" : "")} {string.Join(", ", group.Select(t => t.Number).Take(8))}{(group.Count() > 8 ? ", ..." : "")})");
        return true;
    }

    private static string FirstLine(string? text) => (text ?? "no message").Split('\n')[0].Trim();

    /// <summary>The command line of this run, to resume it (the defaults of --out/--store resolve to the same files).</summary>
    private static string ResumeCommand(ParseResult parse) =>
        "fspinn " + string.Join(' ', parse.Tokens.Select(t => Quote(t.Value)));

    private static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || "-_./:=,%+@".Contains(c, StringComparison.Ordinal))
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Prints one line per newly finished trial (number, varying parameters, accuracy, memory, energy, duration) and keeps
    /// the progress bar's description (done/total, best feasible accuracy, time left, the running trial's pass) current.
    /// Without a terminal (<paramref name="plain"/> given) there is no bar: each line is prefixed with [done/total elapsed]
    /// and ends with the best accuracy and time left, written unwrapped so that logs keep one line per trial, and a
    /// long trial adds a line on its progress every <see cref="PlainPassInterval"/>. Skipped trials (decided at once) are
    /// printed in trial order, after the lower-numbered trials still running. Thread-safe; snapshots from several
    /// workers may arrive out of order, so each trial is printed once and counts never go backwards.
    /// </summary>
    private sealed class TrialReporter(IAnsiConsole console, TextWriter? plain, StudyDefinition definition, IReadOnlyList<TrialRecord> before, int workers)
        : IProgress<StudyProgress>
    {
        private static readonly TimeSpan PlainPassInterval = TimeSpan.FromSeconds(30);
        private readonly HashSet<int> _printed = [.. before.Where(t => t.IsTerminal).Select(t => t.Number)];
        private readonly IReadOnlyList<string> _varying = FrontierSummary.Parameters(definition).Varying;
        private readonly Lock _lock = new();
        private readonly Dictionary<int, EvaluationProgress> _passes = [];
        private readonly Stopwatch _sincePassLine = Stopwatch.StartNew();
        private StudyProgress? _latest;

        public ProgressTask? Task { get; set; }

        public void Report(StudyProgress value)
        {
            lock (_lock)
            {
                if (_latest is { } last && value.Finished < last.Finished) value = value with { Finished = last.Finished };
                _latest = value;
                var lowestRunning = value.Trials.Where(t => !t.IsTerminal).Select(t => t.Number).DefaultIfEmpty(int.MaxValue).Min();
                foreach (var t in value.Trials.Where(t => t.IsTerminal && !_printed.Contains(t.Number) && (t.Status != TrialStatus.Skipped || t.Number < lowestRunning))
                             .OrderBy(t => t.Number).ToList())
                {
                    _printed.Add(t.Number);
                    _passes.Remove(t.Number);
                    var line = FrontierSummary.TrialLine(definition, _varying, t);
                    if (plain is null) console.WriteLine(line);
                    else
                    {
                        plain.WriteLine($"[{value.Finished}/{value.Total} {FrontierSummary.Duration(value.Elapsed)}] {line}; {Describe(value)}");
                        plain.Flush();
                    }
                }
                foreach (var gone in _passes.Keys.Where(n => value.Trials.Any(t => t.Number == n && t.IsTerminal)).ToList()) _passes.Remove(gone);
                UpdateTask();
            }
        }

        /// <summary>A running trial's pass (examples trained, labelled, tested) moved on.</summary>
        public void ReportPass(int trial, EvaluationProgress pass)
        {
            lock (_lock)
            {
                _passes[trial] = pass;
                if (plain is not null)
                {
                    if (_sincePassLine.Elapsed < PlainPassInterval) return;
                    _sincePassLine.Restart();
                    plain.WriteLine($"  {Passes()}");
                    plain.Flush();
                }
                else UpdateTask();
            }
        }

        private string Passes() => string.Join("; ", _passes.OrderBy(p => p.Key).Select(p => $"trial {p.Key} {p.Value.Phase} {p.Value.Done}/{p.Value.Total}"));

        private void UpdateTask()
        {
            if (Task is not { } task) return;
            if (_latest is { } value)
            {
                task.MaxValue = Math.Max(1, value.Total);
                task.Value = value.Finished;
            }
            task.Description = Markup.Escape(Describe(_latest) + (_passes.Count > 0 ? $" | {Passes()}" : ""));
        }

        /// <summary>"trials 5/12, best 38.00%, ~1m20s left" (time left: <see cref="TimeLeftEstimate"/>).</summary>
        public string Describe(StudyProgress? progress)
        {
            if (progress is not { } p) return "trials 0, best -, time left unknown";
            var left = Math.Max(0, p.Total - p.Finished);
            var remaining = left == 0 ? "done"
                : TimeLeftEstimate.Estimate(p.Trials, p.Total, workers, DateTime.UtcNow) is { } estimate ? "~" + FrontierSummary.Duration(estimate) + " left"
                : "time left unknown";
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
