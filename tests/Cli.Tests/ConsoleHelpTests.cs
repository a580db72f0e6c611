using FSpiNN.Shared;

namespace FSpiNN.Cli.Tests;

/// <summary>Errors in the user's words: the nearest name for a misspelt one, type names instead of .NET's.</summary>
[TestFixture]
public sealed class ConsoleHelpTests
{
    [TestCase(new[] { "explre" }, "'explre' (did you mean 'explore'?)")]
    [TestCase(new[] { "train", "--nerons", "5", "--out", "m.model" }, "'--nerons' (did you mean '--neurons'?)")]
    [TestCase(new[] { "train", "--network", "fspin", "--out", "m.model" }, "--network 'fspin' is not one of dc2015, bindsnet, fspinn (did you mean 'fspinn'?)")]
    [TestCase(new[] { "explore", "--strategy", "tpee" }, "(did you mean 'tpe'?)")]
    [TestCase(new[] { "train", "--set", "w_ihn=3", "--out", "m.model" }, "unknown parameter (did you mean 'w_inh'?)")]
    [TestCase(new[] { "explore", "--objectives", "acuracy,memory" }, "unknown objective 'acuracy' (did you mean 'accuracy'?)")]
    [TestCase(new[] { "train", "--neurons", "abc", "--out", "m.model" }, "--neurons 'abc' is not an integer")]
    [TestCase(new[] { "train", "--seed", "-1", "--out", "m.model" }, "--seed '-1' is not a non-negative integer")]
    [TestCase(new[] { "cost", "--spikes-per-example", "x" }, "--spikes-per-example 'x' is not a number")]
    public void AMistakeIsNamedInTheUsersWords(string[] args, string expected)
    {
        var result = CliRunner.Run(args);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(CliApp.UsageError), result.ToString());
            Assert.That(result.Err, Does.Contain(expected));
            Assert.That(result.Err, Does.Not.Contain("System."));
        });
    }

    [Test]
    public void ParamsNamesEachParametersTypeInWords()
    {
        var result = CliRunner.Run("params");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Out, Does.Match(@"\n\s*neurons\s+100\s+integer\s").And.Match(@"\n\s*dt\s+\S+\s+number\s").And.Not.Contain("System."));
    }

    [Test]
    public void NothingIsSuggestedWhenNoNameIsClose()
    {
        Assert.That(NearestName.Find("zzzzzz", ["explore", "train"]), Is.Null);
        Assert.That(NearestName.Find("tarin", ["explore", "train"]), Is.EqualTo("train"), "a swap of neighbours is one edit");
    }
}
