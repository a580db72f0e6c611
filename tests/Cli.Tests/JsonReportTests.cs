using System.Text.Json.Nodes;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Cli.Tests;

/// <summary>
/// `--json FILE` / `--json -` of train, test, cost, data verify, frontier and explore (schema: docs/json.md): each
/// document parses, carries the schema version and the fields a script reads, agrees with the text, and leaves the
/// text output as it is without --json. Runs on the embedded sample with tiny networks, and explore with the synthetic evaluator.
/// </summary>
[TestFixture]
public sealed class JsonReportTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-json-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathIn(string name) => Path.Combine(_dir.FullName, name);

    private static JsonNode Header(JsonNode json, string command)
    {
        Assert.Multiple(() =>
        {
            Assert.That((int)json["schema_version"]!, Is.EqualTo(1));
            Assert.That((string)json["command"]!, Is.EqualTo(command));
            Assert.That((string)json["tool_version"]!, Is.Not.Empty);
            Assert.That(json["arguments"]!.AsArray().Select(a => (string)a!), Does.Contain(command.Split(' ')[^1]));
        });
        return json;
    }

    private static JsonNode ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    private string[] QuickTrain(string model) =>
        ["train", "--neurons", "5", "--train-samples", "20", "--test-samples", "30", "--set", "presentation_ms=30", "--threads", "1", "--out", model];

    [Test]
    public void TrainJsonHoldsTimingsCountsBothAccuraciesAndTheConfusionMatrix()
    {
        var model = PathIn("m.model");
        var result = CliRunner.Run([.. QuickTrain(model), "--json", PathIn("train.json")]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var json = Header(ReadJson(PathIn("train.json")), "train");
        var test = json["test"]!;
        var confusion = test["confusion_all_activity"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That((string)json["network"]!["preset"]!, Is.EqualTo("fspinn"));
            Assert.That((int)json["network"]!["neurons"]!, Is.EqualTo(5));
            Assert.That((string)json["network"]!["parameters"]!["presentation_ms"]!, Is.EqualTo("30"));
            Assert.That((int)json["training"]!["examples"]!, Is.EqualTo(20));
            Assert.That((double)json["training"]!["seconds"]!, Is.GreaterThan(0));
            Assert.That((int)json["labelling"]!["examples"]!, Is.EqualTo(20));
            Assert.That((int)test["examples"]!, Is.EqualTo(30));
            Assert.That(confusion, Has.Count.EqualTo(10));
            Assert.That(confusion.Sum(row => row!.AsArray().Sum(c => (int)c!)), Is.EqualTo(30), "every test example is counted once");
            Assert.That((double)test["accuracy_all_activity"]!, Is.EqualTo((int)test["correct_all_activity"]! / 30.0).Within(1e-12));
            Assert.That((double)test["accuracy_proportion"]!, Is.EqualTo((int)test["correct_proportion"]! / 30.0).Within(1e-12));
            Assert.That((string)json["model_path"]!, Is.EqualTo(model));
            Assert.That(json["written"]!.AsArray().Select(w => (string)w!["path"]!), Is.EqualTo(new[] { model }));
            Assert.That(json["sweep"], Is.Null);
            // the text prints the same accuracy
            Assert.That(result.Out, Does.Contain($"all-activity {(double)test["accuracy_all_activity"]!:P2}"));
        });
    }

    [Test]
    public void TestJsonToStdoutMovesTheTextToStderr()
    {
        var model = PathIn("m.model");
        Assert.That(CliRunner.Run(QuickTrain(model)).ExitCode, Is.Zero);
        var result = CliRunner.Run("test", "--model", model, "--test-samples", "25", "--threads", "1", "--json", "-");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var json = Header(JsonNode.Parse(result.Out)!, "test");
        Assert.Multiple(() =>
        {
            Assert.That(result.Err, Does.Contain("accuracy all-activity").And.Contain("confusion"), "the text goes to stderr");
            Assert.That((int)json["test"]!["examples"]!, Is.EqualTo(25));
            Assert.That(json["test"]!["confusion_proportion"]!.AsArray(), Has.Count.EqualTo(10));
            Assert.That((string)json["model_path"]!, Is.EqualTo(model));
            Assert.That(json["warnings"]!.AsArray(), Is.Empty, "a model tested on its own data");
            Assert.That((string)json["data"]!["train_images_sha256"]!, Has.Length.EqualTo(64));
        });
    }

    [Test]
    public void CostJsonMatchesTheTextAndTheTextIsUnchangedByJson()
    {
        string[] cost = ["cost", "--network", "fspinn", "--neurons", "400", "--bits", "8"];
        var plain = CliRunner.Run(cost);
        var withJson = CliRunner.Run([.. cost, "--json", PathIn("cost.json"), "--csv", PathIn("cost.csv")]);
        Assert.That(withJson.ExitCode, Is.Zero, withJson.ToString());
        var json = Header(ReadJson(PathIn("cost.json")), "cost");
        var components = json["components"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(withJson.Out, Does.StartWith(plain.Out), "--json adds nothing to the text but the CSV line");
            Assert.That((string)json["source"]!["kind"]!, Is.EqualTo("analytic"));
            Assert.That((double)json["memory"]!["inference_bytes"]!,
                Is.EqualTo(components.Where(c => (string)c!["phase"]! == "both").Sum(c => (double)c!["bytes"]!)).Within(1e-6));
            Assert.That((double)json["training_energy"]!["per_example_j"]!, Is.GreaterThan(0));
            Assert.That(json["training_energy"]!["items"]!.AsArray(), Is.Not.Empty);
            Assert.That(json["rows"]!.AsArray(), Has.Count.EqualTo(File.ReadAllLines(PathIn("cost.csv")).Length - 1), "every CSV row");
            Assert.That(json["written"]!.AsArray().Select(w => (string)w!["role"]!), Is.EqualTo(new[] { "csv" }));
        });
    }

    [Test]
    public void DataVerifyJsonOfTheEmbeddedSample()
    {
        var result = CliRunner.Run("data", "verify", "--json", PathIn("verify.json"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var json = Header(ReadJson(PathIn("verify.json")), "data verify");
        Assert.Multiple(() =>
        {
            Assert.That((bool)json["ok"]!, Is.True);
            Assert.That((string)json["compared_with"]!["name"]!, Is.EqualTo("mnist-sample"));
            Assert.That(json["files"]!.AsArray().Select(f => (string)f!["result"]!), Is.EqualTo(Enumerable.Repeat("ok", 4)));
            Assert.That(json["sets"]!.AsArray().Select(s => (int)s!["total"]!), Is.EqualTo(new[] { 1000, 200 }));
            Assert.That(json["sets"]![0]!["counts_per_class"]!.AsArray().Sum(c => (int)c!), Is.EqualTo(1000));
        });
    }

    private static CliResult RunExplore(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr, _ => new SyntheticEvaluator());
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    private const string Space = """
        {"name": "js", "parameters": {"network": ["bindsnet", "fspinn"], "neurons": [10, 20], "bits": [4, 8]}, "fixed": {"train_samples": 100}}
        """;

    [Test]
    public void ExploreAndFrontierJsonHoldEveryTrialTheRecommendationAndThePathsWritten()
    {
        File.WriteAllText(PathIn("space.json"), Space);
        var store = PathIn("s.db");
        var explore = RunExplore("explore", "--space", PathIn("space.json"), "--store", store, "--out", PathIn("out"), "--memory-budget", "40KiB",
            "--json", PathIn("explore.json"));
        Assert.That(explore.ExitCode, Is.Zero, explore.ToString());
        var json = Header(ReadJson(PathIn("explore.json")), "explore");
        var trials = json["trials"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(trials, Has.Count.EqualTo(8));
            Assert.That(trials.Select(t => (int)t!["number"]!), Is.EqualTo(Enumerable.Range(0, 8)));
            Assert.That((int)json["counts"]!["complete"]! + (int)json["counts"]!["skipped"]!, Is.EqualTo(8));
            Assert.That(trials.Count(t => (string)t!["state"]! == "SKIPPED"), Is.EqualTo((int)json["counts"]!["skipped"]!));
            Assert.That((double)json["study"]!["budgets"]!["memory_bytes"]!, Is.EqualTo(40 * 1024.0));
            Assert.That(json["varying_parameters"]!.AsArray().Select(p => (string)p!), Is.EqualTo(new[] { "network", "neurons", "bits" }));
            Assert.That((int)json["fixed_parameters"]!["train_samples"]!, Is.EqualTo(100));
            var recommended = (int)json["recommendation"]!["trial"]!;
            Assert.That(trials.Single(t => (bool)t!["recommended"]!)!["number"]!.GetValue<int>(), Is.EqualTo(recommended));
            Assert.That(explore.Out, Does.Contain($"recommended: {(string)json["recommendation"]!["line"]!}"));
            Assert.That(explore.Out, Does.Contain($"why: {(string)json["recommendation"]!["why"]!}"), "the reason is printed on one line");
            Assert.That(json["frontier"]!.AsArray().Select(n => (int)n!),
                Is.EqualTo(trials.Where(t => (bool)t!["pareto"]!).Select(t => (int)t!["number"]!)));
            Assert.That(json["written"]!.AsArray().Select(w => (string)w!["role"]!), Is.EqualTo(new[] { "csv", "plot", "parallel" }));
            Assert.That(File.Exists(PathIn("out/parallel.png")), Is.True);
            Assert.That((string)json["run"]!["resume_command"]!, Does.StartWith("fspinn explore --space"));
            Assert.That((string)json["run"]!["rerender_command"]!, Does.Contain("--parallel"));
            Assert.That((double)json["hypervolume"]!["value"]!, Is.GreaterThan(0));
            Assert.That(trials.Where(t => (string)t!["state"]! == "COMPLETE").Select(t => (string)t!["started_utc"]!), Has.All.EndsWith("Z"));
        });

        var frontier = CliRunner.Run("frontier", "--store", store, "--json", "-", "--parallel", PathIn("p.svg"));
        Assert.That(frontier.ExitCode, Is.Zero, frontier.ToString());
        var again = Header(JsonNode.Parse(frontier.Out)!, "frontier");
        Assert.Multiple(() =>
        {
            Assert.That(again["run"], Is.Null);
            Assert.That(again["trials"]!.ToJsonString(), Is.EqualTo(trials.ToJsonString()), "the same trials as explore reported");
            Assert.That((int)again["recommendation"]!["trial"]!, Is.EqualTo((int)json["recommendation"]!["trial"]!));
            Assert.That(File.ReadAllText(PathIn("p.svg")), Does.Contain("<svg").And.Contain("accuracy (%)"));
        });
    }

    [Test]
    public void HalvingShowsItsSamplesAsAColumnAndNotAsFixed()
    {
        File.WriteAllText(PathIn("space.json"), Space.Replace("\"train_samples\": 100", "\"train_samples\": 900", StringComparison.Ordinal));
        var explore = RunExplore("explore", "--space", PathIn("space.json"), "--strategy", "halving", "--min-train-samples", "100", "--store", PathIn("h.db"),
            "--out", PathIn("h"), "--json", PathIn("h.json"));
        Assert.That(explore.ExitCode, Is.Zero, explore.ToString());
        var json = ReadJson(PathIn("h.json"));
        var samples = json["trials"]!.AsArray().Select(t => (int)t!["train_samples"]!).Distinct().Order().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(samples, Has.Count.GreaterThan(1), "the rungs ran at several fidelities");
            Assert.That(json["varying_parameters"]!.AsArray().Select(p => (string)p!), Does.Contain("train_samples"));
            Assert.That(json["fixed_parameters"]!.AsObject().Select(p => p.Key), Does.Not.Contain("train_samples"));
            Assert.That(explore.Out, Does.Not.Contain("fixed: train_samples"));
            Assert.That(explore.Out, Does.Match(@"trial\s+net\s+N\s+bits\s+samples"), "the table has the samples column");
            Assert.That(explore.Out, Does.Contain($"samples={samples[0]} "), "and the trial lines");
        });
    }
}
