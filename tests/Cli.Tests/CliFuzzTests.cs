using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.TestWorker;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Tests;

/// <summary>
/// Property-based guard of the command line: random option values and mutations of valid command lines and space files
/// (fixed seeds) must end with exit 0, 1 or 2, a message on every failure and no raw runtime text, within a time limit,
/// and every input file stays byte-identical. Explore runs with the synthetic evaluator, so that a mutated but valid
/// study finishes in milliseconds; train runs are kept tiny by their baseline and by a value pool of small numbers.
/// </summary>
[TestFixture, NonParallelizable] // changes the current directory: relative output paths land in the fixture's folder
public sealed class CliFuzzTests
{
    private const int CliCases = 160;
    private const int SpaceCases = 120;
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(20);

    /// <summary>Texts of runtime exceptions that reach a user only when a check is missing.</summary>
    private static readonly string[] RawRuntimeTexts =
    [
        "Object reference not set", "Index was outside the bounds", "Specified argument was out of the range", "Arithmetic operation resulted in an overflow",
        "Operation is not valid due to the current state", "An item with the same key has already been added", "Unable to cast object",
        "Sequence contains no", "Value cannot be null", "was not present in the dictionary", "Input string was not in a correct format",
        "Exception of type", "   at FSpiNN.",
    ];

    private string _dir = "";
    private string _previousDirectory = "";
    private string _space = "", _yamlSpace = "", _profile = "", _model = "", _store = "", _data = "";
    private Dictionary<string, byte[]> _inputs = [];

    [OneTimeSetUp]
    public void CreateInputs()
    {
        _dir = Directory.CreateTempSubdirectory("fspinn-fuzz-").FullName;
        _previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _dir;
        _space = Write("space.json", SpaceJson);
        _yamlSpace = Write("space.yaml", SpaceYaml);
        _profile = Write("profile.json", CostModel.EnergyProfileJson.Serialize(CostModel.EnergyProfile.Default));
        var sample = Snn.Data.DatasetCatalog.Load(null);
        var model = SnnModel.Create(NetworkPresets.FSpiNN(4) with { PresentationMs = 20 }, sample.Train.PixelsPerImage, seed: 1);
        Protocol.Label(model, sample.Train, samples: 4, threads: 1);
        _model = Path.Combine(_dir, "m.model");
        ModelFile.Save(model, _model);
        _data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        foreach (var file in Snn.Data.DatasetCatalog.MnistSample.Files)
            File.WriteAllBytes(Path.Combine(_data, file.GzipFileName), DataCommandTests.SampleGzip(file.GzipFileName));
        _store = Path.Combine(_dir, "study", "s.db");
        var created = Run(["explore", "--space", _space, "--strategy", "random", "--trials", "3", "--store", _store, "--out", Path.Combine(_dir, "study")]);
        Assert.That(created.ExitCode, Is.Zero, created.ToString());
        _inputs = InputFiles().ToDictionary(f => f, File.ReadAllBytes);
    }

    [OneTimeTearDown]
    public void DeleteInputs()
    {
        Environment.CurrentDirectory = _previousDirectory;
        Directory.Delete(_dir, recursive: true);
    }

    private IEnumerable<string> InputFiles() => [_space, _yamlSpace, _profile, _model, _store, .. Directory.GetFiles(_data)];

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string SpaceJson = """
        {"name": "fz", "parameters": {"network": ["bindsnet", "fspinn"], "neurons": {"min": 10, "max": 30, "step": 10}, "bits": [4, 8],
         "w_inh": {"min": 5.0, "max": 40.0, "log": true}}, "fixed": {"rounding": "sr", "train_samples": 100}}
        """;

    private const string SpaceYaml = "name: fz\nparameters:\n  network: [bindsnet, fspinn]\n  neurons: {min: 10, max: 30, step: 10}\n"
        + "  bits: [4, 8]\n  w_inh:\n    min: 5.0\n    max: 40.0\n    log: true\nfixed:\n  rounding: sr\n  train_samples: 100\n";

    private static CliResult Run(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = Task.Run(() => CliApp.Run(args, stdout, stderr, _ => new SyntheticEvaluator()));
        if (!run.Wait(PerCaseLimit))
            Assert.Fail($"no answer within {PerCaseLimit.TotalSeconds} s: fspinn {string.Join(' ', args)}");
        return new CliResult(run.Result, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The properties every run must have, whatever its arguments.</summary>
    private void AssertWellBehaved(string[] args, CliResult result)
    {
        var command = "fspinn " + string.Join(' ', args.Select(a => $"'{a}'"));
        if (Environment.GetEnvironmentVariable("FSPINN_FUZZ_LOG") == "1") TestContext.Out.WriteLine($"{result.ExitCode} {result.Err.Trim()}");
        Assert.That(result.ExitCode, Is.AnyOf(0, 1, 2), $"{command}\n{result}");
        if (result.ExitCode != 0)
            Assert.That(result.Err.Trim(), Does.StartWith("error: ").And.Length.GreaterThan("error: ".Length + 5), $"a failure says why: {command}\n{result}");
        foreach (var raw in RawRuntimeTexts)
            Assert.That(result.Err + result.Out, Does.Not.Contain(raw), $"raw runtime text: {command}\n{result}");
        foreach (var (path, bytes) in _inputs)
        {
            if (path == _store && result.ExitCode == 0 && args.Contains("explore")) continue; // explore may resume the study it was given
            Assert.That(File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes), Is.True, $"{path} changed by: {command}\n{result}");
        }
    }

    private string[] HostileValues() =>
    [
        "-1", "0", "-0", "NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e-320", "2147483648", "-2147483649", "99999999999999999999",
        "abc", "", " ", "1,5", "0x10", "1_000", "١٢", "\t", "-", "--", "'", "\"", "{", "☃", new string('a', 3000), "%", "80%%", "-5%",
        "../", "/", "/proc/self/fspinn-x", _dir, _data, _space, _yamlSpace, _profile, _model, _store, Path.Combine(_data, "train-labels-idx1-ubyte.gz"),
        "=", "neurons=", "neurons=1e12", "presentation_ms=1e12", "rest_ms=1e12", "dt=0", "bits=0", "w_inh=NaN", "no_such=1", "a=b=c",
    ];

    private sealed record CommandShape(string[] Baseline, string[] Options, string[] SmallValues, bool RandomTokensAllowed = true);

    private CommandShape[] Shapes() =>
    [
        new(["cost", "--neurons", "10"],
            ["--network", "--neurons", "--bits", "--quantize", "--set", "--profile", "--from-run", "--inhibition-storage", "--execution", "--spikes-per-example", "--csv"],
            ["1", "8", "32", "ptq", "itq", "none", "fspinn", "dc2015", "bindsnet", "sparse", "dense", "event", "2.5", "neurons=20", "bits=8", "out.csv"]),
        new(["train", "--neurons", "3", "--train-samples", "4", "--label-samples", "4", "--test-samples", "4", "--set", "presentation_ms=20", "--out", "t.model"],
            ["--network", "--neurons", "--bits", "--rounding", "--quantize", "--train-samples", "--epochs", "--label-samples", "--test-samples", "--seed",
             "--threads", "--out", "--sweep-values", "--sweep-samples", "--data", "--set"],
            ["1", "2", "3", "8", "tr", "sr", "ptq", "itq", "fspinn", "bindsnet", "dc2015", "t2.model", "sub/t.model"], RandomTokensAllowed: false),
        new(["test", "--model", "m.model", "--test-samples", "4"], ["--model", "--data", "--test-samples", "--threads"], ["1", "2", "3"]),
        new(["show", "weights", "--model", "m.model", "--png", "w.png"], ["--model", "--png", "--scale"], ["1", "2", "w2.png"]),
        new(["params"], ["--network"], ["fspinn", "dc2015"]),
        new(["frontier", "--store", Path.Combine("study", "s.db")], ["--store", "--csv", "--plot", "--rows"], ["1", "5", "f.csv", "f.png", "f.svg"]),
        new(["explore", "--space", "space.json", "--strategy", "random", "--trials", "2", "--out", "e"],
            ["--space", "--strategy", "--trials", "--seed", "--store", "--workers", "--memory-budget", "--energy-budget", "--min-accuracy", "--objectives",
             "--min-train-samples", "--data", "--out", "--model-cache"],
            ["1", "2", "3", "grid", "random", "nsga2", "halving", "fspinn", "64KiB", "2mJ", "80%", "accuracy,memory", "accuracy,inference-energy", "e2", "cache", "space.yaml"]),
        new(["data", "verify", "--data", "data"], ["--data", "--dataset"], ["mnist", "mnist-sample", "fashion-mnist"]),
    ];

    /// <summary>1-3 edits of a valid command line: an option set to a hostile or small value, an option removed, an unknown one added, or two tokens swapped.</summary>
    private string[] Mutate(CommandShape shape, Random random)
    {
        var args = shape.Baseline.ToList();
        var hostile = HostileValues();
        var commandWords = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Count();
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var option = shape.Options[random.Next(shape.Options.Length)];
            var value = random.Next(3) == 0 ? shape.SmallValues[random.Next(shape.SmallValues.Length)] : hostile[random.Next(hostile.Length)];
            switch (random.Next(6))
            {
                case 0 or 1 or 2: // set (or replace) the option's value
                    var at = args.IndexOf(option);
                    if (at >= 0 && at + 1 < args.Count) args[at + 1] = value;
                    else args.AddRange([option, value]);
                    break;
                case 3 when args.Count > commandWords: // drop a token
                    args.RemoveAt(random.Next(commandWords, args.Count));
                    break;
                case 4:
                    args.AddRange([random.Next(2) == 0 ? "--no-such-option" : option, value]);
                    break;
                case 5 when args.Count > commandWords + 1: // swap two tokens
                    var i = random.Next(commandWords, args.Count);
                    var j = random.Next(commandWords, args.Count);
                    (args[i], args[j]) = (args[j], args[i]);
                    break;
            }
        }
        return [.. args];
    }

    /// <summary>A command word followed by random option names and values (commands whose defaults are quick only).</summary>
    private string[] RandomTokens(CommandShape shape, Random random)
    {
        var hostile = HostileValues();
        var words = shape.Baseline.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal));
        var tokens = new List<string>(words);
        for (var n = random.Next(0, 7); n > 0; n--)
            tokens.Add(random.Next(2) == 0 ? shape.Options[random.Next(shape.Options.Length)] : hostile[random.Next(hostile.Length)]);
        return [.. tokens];
    }

    [Test]
    public void RandomAndMutatedCommandLinesEndWellAndLeaveInputsUnchanged()
    {
        var random = new Random(20261201);
        var shapes = Shapes();
        var watch = Stopwatch.StartNew();
        var exits = new int[3];
        for (var i = 0; i < CliCases; i++)
        {
            var shape = shapes[i % shapes.Length];
            var args = shape.RandomTokensAllowed && random.Next(4) == 0 ? RandomTokens(shape, random) : Mutate(shape, random);
            var result = Run(args);
            AssertWellBehaved(args, result);
            exits[result.ExitCode]++;
        }
        TestContext.Out.WriteLine($"{CliCases} command lines in {watch.Elapsed.TotalSeconds:F1} s: exit 0 x{exits[0]}, 1 x{exits[1]}, 2 x{exits[2]}");
        Assert.That(exits[0], Is.GreaterThan(0), "some mutations stay valid: the baselines run");
        Assert.That(exits[2], Is.GreaterThan(CliCases / 4), "most hostile values are usage errors");
    }

    private static readonly string[] SpaceKeys = ["dt", "rest_ms", "presentation_ms", "neurons", "bits", "train_samples", "w_inh", "colour", "min", "max", "step", "log", "type", "fixed"];
    private static readonly string[] SpaceNumbers = ["1e308", "-1", "0", "NaN", "2147483648", "9007199254740993", "1.5", "-0.0", "1e-320", "100001", "\"8\""];
    private const string Junk = "{}[]:,\"'-.0123456789eE \n\t#&*!|>?%@`\\";

    /// <summary>A mutation of a valid space text: characters deleted, inserted or repeated, lines duplicated or swapped, numbers and keys replaced.</summary>
    private static string MutateText(string text, Random random)
    {
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var at = random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0: text = text.Remove(at, 1); break;
                case 1: text = text.Insert(at, Junk[random.Next(Junk.Length)].ToString()); break;
                case 2:
                    var lines = text.Split('\n').ToList();
                    var line = random.Next(lines.Count);
                    if (random.Next(2) == 0) lines.Insert(line, lines[line]);
                    else (lines[line], lines[^1]) = (lines[^1], lines[line]);
                    text = string.Join('\n', lines);
                    break;
                case 3:
                    var number = System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+(\.\d+)?");
                    if (number.Count > 0)
                    {
                        var m = number[random.Next(number.Count)];
                        text = text[..m.Index] + SpaceNumbers[random.Next(SpaceNumbers.Length)] + text[(m.Index + m.Length)..];
                    }
                    break;
                case 4:
                    foreach (var key in new[] { "neurons", "bits", "w_inh", "network", "rounding", "train_samples", "min", "max" }.OrderBy(_ => random.Next()))
                    {
                        if (!text.Contains(key, StringComparison.Ordinal)) continue;
                        text = text.Replace(key, SpaceKeys[random.Next(SpaceKeys.Length)], StringComparison.Ordinal);
                        break;
                    }
                    break;
                default: text = text.Insert(at, text.Substring(at, Math.Min(12, text.Length - at))); break;
            }
        }
        return text;
    }

    [Test]
    public void MutatedSpaceFilesEndWellAndStayUnchanged()
    {
        var random = new Random(1729);
        var realSpecs = new SnnSearch.SnnEvaluator(Snn.Data.DatasetCatalog.Load(null)).Parameters;
        var watch = Stopwatch.StartNew();
        var exits = new int[3];
        for (var i = 0; i < SpaceCases; i++)
        {
            var yaml = i % 2 == 1;
            var text = MutateText(yaml ? SpaceYaml : SpaceJson, random);
            var path = Path.Combine(_dir, $"mutated-{i}{(yaml ? ".yaml" : ".json")}");
            File.WriteAllText(path, text, Encoding.UTF8);
            var before = SHA256.HashData(File.ReadAllBytes(path));
            string[] args = ["explore", "--space", path, "--strategy", "random", "--trials", "1", "--out", Path.Combine(_dir, $"space-run-{i}")];
            var result = Run(args);
            AssertWellBehaved(args, result);
            Assert.That(SHA256.HashData(File.ReadAllBytes(path)), Is.EqualTo(before), $"space file changed: {path}");
            exits[result.ExitCode]++;
            // the real evaluator's validation of the same text: valid, or refused with a SpaceFormatException, nothing else
            try
            {
                SearchSpace.Parse(text, "mutated", yaml).Validate(realSpecs);
            }
            catch (SpaceFormatException)
            {
            }
        }
        TestContext.Out.WriteLine($"{SpaceCases} mutated spaces in {watch.Elapsed.TotalSeconds:F1} s: exit 0 x{exits[0]}, 1 x{exits[1]}, 2 x{exits[2]}");
        Assert.That(exits[0], Is.GreaterThan(0), "some mutations stay valid and run");
        Assert.That(exits[1] + exits[2], Is.GreaterThan(SpaceCases / 4), "many are refused");
    }
}
