using FSpiNN.Dse;

namespace FSpiNN.Cli.Tests;

/// <summary>
/// Every list option (train --sweep-values, explore --objectives) takes one syntax: one token, items separated by
/// commas, numbers in the invariant culture without thousands separators. Anything else is a usage error, never
/// another value.
/// </summary>
[TestFixture]
public sealed class ListOptionTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-cli-lists-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    [Test]
    public void Sweep_values_10_25_sweeps_the_two_strengths_10_and_25()
    {
        var result = CliRunner.Run("train", "--network", "fspinn", "--neurons", "5", "--train-samples", "30", "--test-samples", "10",
            "--sweep-inhibition", "--sweep-values", "10,25", "--out", Path.Combine(_dir.FullName, "m.model"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var strengths = result.Out.Split('\n').Where(line => line.StartsWith("sweep strength ", StringComparison.Ordinal))
            .Select(line => line["sweep strength ".Length..line.IndexOf(':', StringComparison.Ordinal)]).ToArray();
        Assert.That(strengths, Is.EqualTo(new[] { "10", "25" }));
    }

    /// <summary>
    /// Issue 15: without --sweep-values the grid is the network's own strength times 1/8 to 8, so that it holds the
    /// strength in use (the fixed default {5 … 120} missed fspinn's 250 and bindsnet's 250 on Fashion-MNIST).
    /// </summary>
    [TestCase("fspinn", new string[0], new[] { "31.25", "62.5", "125", "250", "500", "1000", "2000" })]
    [TestCase("bindsnet", new[] { "--set", "w_inh_exc=120" }, new[] { "15", "30", "60", "120", "240", "480", "960" })]
    public void Without_sweep_values_the_grid_brackets_the_networks_own_strength(string network, string[] extra, string[] expected)
    {
        var result = CliRunner.Run(["train", "--network", network, "--neurons", "5", "--train-samples", "30", "--test-samples", "10",
            .. extra, "--sweep-inhibition", "--out", Path.Combine(_dir.FullName, "m.model")]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var strengths = result.Out.Split('\n').Where(line => line.StartsWith("sweep strength ", StringComparison.Ordinal))
            .Select(line => line["sweep strength ".Length..line.IndexOf(':', StringComparison.Ordinal)]).ToArray();
        Assert.That(strengths, Is.EqualTo(expected));
    }

    [Test]
    public void Without_sweep_values_a_network_without_inhibition_is_a_usage_error_naming_the_option()
    {
        var result = CliRunner.Run("train", "--network", "fspinn", "--neurons", "5", "--set", "w_inh=0", "--sweep-inhibition",
            "--out", Path.Combine(_dir.FullName, "m.model"));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.Contain("--sweep-values"));
        Assert.That(File.Exists(Path.Combine(_dir.FullName, "m.model")), Is.False);
    }

    [TestCase("10 25", "Unrecognized")]            // the old space-separated form: the second token is not taken silently
    [TestCase("10,,25", "empty item")]
    [TestCase("10,", "empty item")]
    [TestCase("1_000", "'1_000' is not a number")]
    [TestCase("1'000", "is not a number")]
    [TestCase("10;25", "'10;25' is not a number")]
    [TestCase("1e400", "is not a number")]
    public void A_malformed_sweep_list_is_a_usage_error(string values, string message)
    {
        string[] list = values.Contains(' ', StringComparison.Ordinal) ? values.Split(' ') : [values];
        var result = CliRunner.Run(["train", "--sweep-inhibition", "--sweep-values", .. list, "--out", Path.Combine(_dir.FullName, "m.model")]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.StartWith("error: ").And.Contain(message));
        Assert.That(File.Exists(Path.Combine(_dir.FullName, "m.model")), Is.False);
    }

    [Test]
    public void Sweep_values_given_twice_is_a_usage_error_not_the_last_one()
    {
        var result = CliRunner.Run("train", "--sweep-inhibition", "--sweep-values", "10", "--sweep-values", "25", "--out", Path.Combine(_dir.FullName, "m.model"));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.Contain("--sweep-values"));
    }

    [Test]
    public void Numbers_parse_in_the_invariant_culture_and_a_comma_always_separates()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Units.ParseNumberList("10,25", "--x"), Is.EqualTo(new[] { 10.0, 25.0 }));
            Assert.That(Units.ParseNumberList("1,025", "--x"), Is.EqualTo(new[] { 1.0, 25.0 }), "never 1025");
            Assert.That(Units.ParseNumberList(" 5 , 17.5 ,1e2,-0.5", "--x"), Is.EqualTo(new[] { 5, 17.5, 100, -0.5 }));
            Assert.That(Units.ParseNumberList("120", "--x"), Is.EqualTo(new[] { 120.0 }));
            Assert.Throws<FormatException>(() => Units.ParseNumberList("", "--x"));
        });
    }

    [Test]
    public void Objectives_take_the_same_comma_syntax()
    {
        Assert.That(Objectives.Parse(" accuracy , memory,train-energy"),
            Is.EqualTo(new[] { Objective.Accuracy, Objective.Memory, Objective.TrainEnergy }));
        var result = CliRunner.Run("explore", "--objectives", "accuracy,,memory", "--out", Path.Combine(_dir.FullName, "study"));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Err, Does.StartWith("error: objectives 'accuracy,,memory' has an empty item"));
        Assert.That(Directory.Exists(Path.Combine(_dir.FullName, "study")), Is.False, "nothing run, nothing written");
    }
}
