namespace FSpiNN.Cli.Tests;

/// <summary>Every command documents itself with examples, shown under its own help and not in its parent's list.</summary>
public sealed class HelpTests
{
    [TestCase("train")]
    [TestCase("test")]
    [TestCase("cost")]
    [TestCase("params")]
    [TestCase("show", "weights")]
    [TestCase("explore")]
    [TestCase("frontier")]
    [TestCase("export")]
    [TestCase("import")]
    public void CommandHelp_EndsWithExamplesOfThatCommand(params string[] command)
    {
        var result = CliRunner.Run([.. command, "--help"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var examples = result.Out.IndexOf("Examples:", StringComparison.Ordinal);
        Assert.That(examples, Is.GreaterThan(0), result.Out);
        Assert.That(result.Out[examples..], Does.Contain("fspinn " + string.Join(' ', command)));
    }

    [Test]
    public void RootHelp_ListsCommandsWithoutTheirExamples()
    {
        var result = CliRunner.Run("--help");
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Out, Does.Contain("explore"));
        Assert.That(result.Out, Does.Not.Contain("Examples:"));
    }

    [Test]
    public void UsageErrors_ExitWith2AndNameTheProblem()
    {
        var result = CliRunner.Run("train", "--bits", "40", "--out", Path.Combine(Path.GetTempPath(), "never-written.model"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Err, Does.Contain("bits"));
        var unknown = CliRunner.Run("train", "--set", "no_such=1", "--out", Path.Combine(Path.GetTempPath(), "never-written.model"));
        Assert.That(unknown.ExitCode, Is.EqualTo(2));
        Assert.That(unknown.Err, Does.Contain("no_such"));
    }
}
