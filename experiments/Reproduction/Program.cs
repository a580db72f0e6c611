using System.Diagnostics;
using System.Globalization;
using FSpiNN.CostModel;
using FSpiNN.Reproduction;
using FSpiNN.Snn.Models;

// The issue #7 reproduction report: prices the trained models of the size sweep, the N=400 ablation and the Diehl & Cook
// runs (cached in OUT/priced.csv), then writes sizes/ratios/ablation/dc2015 tables and three plots to OUT.
const string Usage = """
    usage: dotnet run -c Release --project experiments/Reproduction -- [--results FILE] [--models DIR] [--out DIR] [--reprice]
      --results  results of the accuracy runs (default: experiments/accuracy/results.csv)
      --models   folder of the trained models NAME.model (default: runs)
      --out      folder of priced.csv (the cache), the tables and the plots (default: experiments/results)
      --reprice  price every model found again, even when the cache has its name and commit
    Defaults are relative to the repository root (the folder holding FSpiNN.slnx).
    example: dotnet run -c Release --project experiments/Reproduction -- --results /work/main/experiments/accuracy/results.csv --models /work/main/runs --out /tmp/report-out
    """;

string? resultsPath = null, modelsDir = null, outDir = null;
var reprice = false;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--results": resultsPath = Value(); break;
            case "--models": modelsDir = Value(); break;
            case "--out": outDir = Value(); break;
            case "--reprice": reprice = true; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
        return 2;
    }
}

var root = FindRoot();
if (root is null && (resultsPath is null || modelsDir is null || outDir is null))
{
    Console.Error.WriteLine("error: FSpiNN.slnx not found above the current folder; run inside the repository or give --results, --models and --out");
    return 2;
}
resultsPath = Path.GetFullPath(resultsPath ?? Path.Combine(root!, "experiments", "accuracy", "results.csv"));
modelsDir = Path.GetFullPath(modelsDir ?? Path.Combine(root!, "runs"));
outDir = Path.GetFullPath(outDir ?? Path.Combine(root!, "experiments", "results"));

if (!File.Exists(resultsPath))
{
    Console.Error.WriteLine($"missing input: results file {resultsPath} does not exist (experiments/accuracy/run.sh writes it)");
    return 1;
}
IReadOnlyDictionary<string, ResultRow> results;
Dictionary<string, PricedRun> cache;
var cachePath = Path.Combine(outDir, "priced.csv");
try
{
    results = ResultsFile.Read(resultsPath);
    cache = Pricing.ReadCache(cachePath);
}
catch (ResultsFileException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
Directory.CreateDirectory(outDir);
var dramProfilePath = Path.Combine(root ?? AppContext.BaseDirectory, "profiles", Pricing.DramProfileFile);
EnergyProfile dramProfile;
try
{
    dramProfile = EnergyProfileJson.Load(dramProfilePath);
}
catch (Exception e) when (e is IOException or InvalidEnergyProfileException)
{
    Console.Error.WriteLine($"error: cannot load the second energy profile {dramProfilePath}: {e.Message}");
    return 1;
}

// 1. Price: a cached row is used when its commit is the run's; otherwise the model (if present) is priced again.
var priced = new Dictionary<string, PricedRun>();
var problems = new List<string>();
var pricedNow = 0;
foreach (var run in results.Values.Where(r => RunSets.IsInAnySet(r.Name)).OrderBy(r => r.Name, StringComparer.Ordinal))
{
    var cached = cache.GetValueOrDefault(run.Name);
    if (!reprice && cached is not null && cached.Commit == run.Commit)
    {
        priced[run.Name] = cached;
        continue;
    }
    var modelPath = Path.Combine(modelsDir, run.RunName + ".model");
    if (!File.Exists(modelPath))
    {
        if (cached is not null && cached.Commit == run.Commit) priced[run.Name] = cached;
        else if (cached is not null)
            problems.Add($"{run.Name}: cached figures are of commit {cached.Commit} but results.csv has commit {run.Commit} and {modelPath} is gone; not priced");
        else problems.Add($"{run.Name}: no model ({modelPath}) and no cached figures; not priced");
        continue;
    }
    var watch = Stopwatch.StartNew();
    try
    {
        var row = Pricing.Price(run.Name, run.Commit, modelPath, dramProfile);
        priced[run.Name] = cache[run.Name] = row;
        pricedNow++;
        Console.WriteLine($"priced {run.Name} ({row.Weights}) in {watch.Elapsed.TotalSeconds:F1} s");
    }
    catch (Exception e) when (e is ModelFileException or InvalidOperationException or IOException)
    {
        problems.Add($"{run.Name}: cannot price {modelPath}: {e.Message}");
    }
}
if (pricedNow > 0) Pricing.WriteCache(cachePath, cache.Values);

// 2. Tables.
var sizes = Tables.Sizes(results, priced);
var ratios = Tables.Ratios(sizes);
var ablation = Tables.Ablation(results, priced);
var dc2015 = Tables.Dc2015(results);
if (ablation.Count > 0 && !results.ContainsKey(RunSets.AblationBaseline))
    problems.Add($"ablation: the baseline {RunSets.AblationBaseline} is not in results.csv; the 'changes' column is empty");
var written = new List<string>();
if (pricedNow > 0) written.Add(cachePath);
foreach (var table in new[] { Tables.SizesTable(sizes), Tables.RatiosTable(ratios), Tables.AblationTable(ablation), Tables.Dc2015Table(dc2015) })
{
    table.Write(outDir);
    written.Add(Path.Combine(outDir, table.FileName));
}

// 3. Plots.
foreach (var (file, draw) in new (string, Func<string, bool>)[]
         {
             ("ratios-vs-n.png", p => Plots.RatiosVsN(ratios, p)),
             ("ablation.png", p => Plots.Ablation(ablation, p)),
         })
{
    var path = Path.Combine(outDir, file);
    if (draw(path)) written.Add(path);
    else
    {
        File.Delete(path); // an older plot would no longer match the tables
        problems.Add($"{file}: no data to plot yet; not written");
    }
}

// 4. Summary.
Console.WriteLine();
Console.WriteLine($"results {resultsPath}: {results.Count} runs; {sizes.Count} size runs, {ablation.Count} ablation runs, {dc2015.Count} dc2015 runs; " +
                  $"{priced.Count} priced ({pricedNow} now, {priced.Count - pricedNow} from the cache)");
Summary.Print("sizes (accuracy all-activity %, inference memory, energy per example, one-core wall time per example)",
    ["dataset", "N", "network", "weights", "acc %", "memory", "train E", "infer E", "train ms/ex", "test ms/ex", "run wall s"],
    sizes.Select(s => new[]
    {
        s.Dataset, Summary.Int(s.Neurons), s.Network, s.Priced?.Weights ?? "", Summary.Fixed(s.Result.AccuracyAllActivity),
        Summary.Bytes(s.Priced?.MemoryInferenceBytes), Summary.Joules(s.Priced?.TrainEnergyJoulesPerExample), Summary.Joules(s.Priced?.InferenceEnergyJoulesPerExample),
        Summary.Fixed(Tables.Milliseconds(s.Result.TrainSeconds, s.Result.TrainExamples)),
        Summary.Fixed(Tables.Milliseconds(s.Result.TestSeconds, Tables.TestExamples(s)), "F3"),
        Summary.Fixed(s.Result.TotalSeconds, "F0"),
    }));
Summary.Print("baseline / FSpiNN (ratios; accuracy difference FSpiNN - baseline in points)",
    ["dataset", "N", "acc diff (pts)", "memory ×", "train E ×", "infer E ×", "train E × (DRAM)", "infer E × (DRAM)"],
    ratios.Select(r => new[]
    {
        r.Dataset, Summary.Int(r.Neurons), Summary.Fixed(r.AccuracyDifferencePoints), Summary.Fixed(r.MemoryRatio),
        Summary.Fixed(r.TrainEnergyRatio), Summary.Fixed(r.InferenceEnergyRatio), Summary.Fixed(r.TrainEnergyRatioDram),
        Summary.Fixed(r.InferenceEnergyRatioDram),
    }));
Summary.Print("ablation at N=400, MNIST", ["name", "acc %", "writes/ex", "train E", "changes vs baseline"],
    ablation.Select(a => new[]
    {
        a.Name, Summary.Fixed(a.Result.AccuracyAllActivity), Summary.Fixed(a.Priced?.WeightWritesPerTrainExample, "F0"),
        Summary.Joules(a.Priced?.TrainEnergyJoulesPerExample), a.Changes,
    }));
Summary.Print("Diehl & Cook 2015 reproduction (paper = the paper's reported accuracy)", ["N", "epochs", "variant", "acc %", "paper %", "diff", "train s"],
    dc2015.Select(d => new[]
    {
        Summary.Int(d.Neurons), Summary.Int(d.Epochs), d.Variant, Summary.Fixed(d.Result.AccuracyAllActivity), Summary.Fixed(d.PaperAccuracy, "F1"),
        Summary.Fixed(d.Result.AccuracyAllActivity - d.PaperAccuracy), Summary.Fixed(d.Result.TrainSeconds, "F0"),
    }));
if (problems.Count > 0)
{
    Console.WriteLine("\nmissing or stale inputs:");
    foreach (var p in problems) Console.WriteLine($"  {p}");
}
var summaryPath = Path.Combine(outDir, "summary.md");
File.WriteAllText(summaryPath, Summary.Markdown(resultsPath));
written.Add(summaryPath);
Console.WriteLine("\nwritten:");
foreach (var w in written) Console.WriteLine($"  {w}");
return 0;

static string? FindRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FSpiNN.slnx"))) return dir.FullName;
    return null;
}

/// <summary>Plain aligned text tables for the console, kept also as Markdown for summary.md.</summary>
internal static class Summary
{
    private static readonly System.Text.StringBuilder MarkdownTables = new();

    /// <summary>Every table printed so far as Markdown, under a line that says where it came from.</summary>
    public static string Markdown(string resultsPath) =>
        $"<!-- generated by `dotnet run -c Release --project experiments/Reproduction` from {Path.GetFileName(resultsPath)} and priced.csv; do not edit -->\n" +
        "# Reproduction summary (issue #7)\n" + MarkdownTables;

    public static void Print(string title, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        MarkdownTables.Append(CultureInfo.InvariantCulture, $"\n## {title}\n\n");
        MarkdownTables.Append("| ").AppendJoin(" | ", headers).Append(" |\n|").Append(string.Concat(Enumerable.Repeat(" --- |", headers.Length))).Append('\n');
        foreach (var r in all) MarkdownTables.Append("| ").AppendJoin(" | ", r).Append(" |\n");
        Console.WriteLine($"\n{title}:");
        if (all.Count == 0)
        {
            Console.WriteLine("  (no runs yet)");
            return;
        }
        var widths = headers.Select((h, c) => all.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "  " + string.Join("  ", cells.Select((cell, c) => c == cells.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd();
        Console.WriteLine(Line(headers));
        foreach (var r in all) Console.WriteLine(Line(r));
    }

    public static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Fixed(double? v, string format = "F2") => v?.ToString(format, CultureInfo.InvariantCulture) ?? "";

    public static string Bytes(double? bytes) => bytes switch
    {
        null => "",
        >= 1 << 20 => $"{bytes / (1 << 20):F2} MiB",
        >= 1 << 10 => $"{bytes / (1 << 10):F1} KiB",
        _ => $"{bytes:F0} B",
    };

    public static string Joules(double? joules) => joules switch
    {
        null => "",
        >= 1e-3 => $"{joules * 1e3:G3} mJ",
        >= 1e-6 => $"{joules * 1e6:G3} uJ",
        _ => $"{joules * 1e9:G3} nJ",
    };
}
