using System.Text.Json.Nodes;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Cli.Tests;

/// <summary>`fspinn trials`: every trial of a study as a table, CSV or JSON (PostgreSQL URLs: Dse.Tests' PostgresTests).</summary>
[TestFixture]
public sealed class TrialsCommandTests
{
    private DirectoryInfo _dir = null!;
    private string _store = "";

    [SetUp]
    public void RunAStudy()
    {
        _dir = Directory.CreateTempSubdirectory("fspinn-cli-trials-");
        File.WriteAllText(Path.Combine(_dir.FullName, "space.json"),
            """{"name": "tr", "parameters": {"network": ["bindsnet", "fspinn"], "neurons": [10, 40], "bits": [4, 8]}, "fixed": {"train_samples": 100}}""");
        _store = Path.Combine(_dir.FullName, "s.db");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(["explore", "--space", Path.Combine(_dir.FullName, "space.json"), "--store", _store, "--out", _dir.FullName, "--memory-budget", "60KiB"],
            stdout, stderr, _ => new SyntheticEvaluator());
        Assert.That(code, Is.Zero, stderr.ToString());
    }

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    [Test]
    public void CsvHasOneRowPerTrialWithStateFidelitySeedParametersObjectivesAndTimes()
    {
        var result = CliRunner.Run("trials", "--store", _store, "--format", "csv");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(',');
        Assert.That(header, Is.SupersetOf(new[] { "number", "state", "train_samples", "seed", "params_network", "params_neurons", "params_bits",
            "accuracy", "memory_bytes", "train_energy_j", "datetime_start", "datetime_complete", "duration_seconds" }));
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.That(rows, Has.Count.EqualTo(8));
        Assert.That(rows.Select(r => r[0]), Is.EqualTo(Enumerable.Range(0, 8).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(rows.Select(r => r[1]).Distinct(), Is.SubsetOf(new[] { "COMPLETE", "SKIPPED" }).And.Contains("SKIPPED"), "the 60 KiB budget skips some");
        Assert.That(rows.Select(r => r[Array.IndexOf(header, "train_samples")]), Has.All.EqualTo("100"));
        Assert.That(rows.Select(r => r[Array.IndexOf(header, "datetime_start")]), Has.All.EndWith("Z"));
    }

    [Test]
    public void JsonAndTableAgreeWithTheCsv()
    {
        var json = JsonNode.Parse(CliRunner.Run("trials", "--store", _store, "--format", "json").Out)!;
        Assert.That((string)json["command"]!, Is.EqualTo("trials"));
        Assert.That((int)json["schema_version"]!, Is.EqualTo(1));
        var trials = json["trials"]!.AsArray();
        Assert.That(trials, Has.Count.EqualTo(8));
        Assert.That(trials.All(t => t!["seed"] is not null && t["started_utc"] is not null && t["train_samples"] is not null), Is.True);
        var table = CliRunner.Run("trials", "--store", _store);
        Assert.That(table.ExitCode, Is.Zero, table.ToString());
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("fixed: train_samples=100"));
        Assert.That(lines[1], Does.StartWith("number  state"));
        Assert.That(lines.Skip(2).Count(l => l.Contains("SKIPPED", StringComparison.Ordinal)), Is.EqualTo(trials.Count(t => (string)t!["state"]! == "SKIPPED")));
    }

    [Test]
    public void AnUnknownFormatIsAUsageError() =>
        Assert.That(CliRunner.Run("trials", "--store", _store, "--format", "xml").ExitCode, Is.EqualTo(CliApp.UsageError));
}
