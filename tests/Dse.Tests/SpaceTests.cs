using FSpiNN.Dse.Space;
using FSpiNN.Dse.TestWorker;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

public sealed class SpaceTests
{
    private static readonly IReadOnlyList<ParameterSpec> Specs = new SyntheticEvaluator().Parameters;

    [Test]
    public void ShippedSpacesAndDefaultAreValid()
    {
        var root = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(root, "FSpiNN.slnx"))) root = Path.GetDirectoryName(root)!;
        var full = SearchSpace.Load(Path.Combine(root, "spaces", "fspinn-full.json"));
        full.Validate(Specs);
        Assert.That(full.Count, Is.EqualTo(2 * 7 * 6 * 3 * 2 * 2 * 2));
        DefaultSpace.Create().Validate(Specs);
        // and against the parameters the real evaluator understands
        var real = new SnnEvaluator(FSpiNN.Snn.Data.DatasetCatalog.Load(null)).Parameters;
        full.Validate(real);
        DefaultSpace.Create().Validate(real);
        Assert.That(DefaultSpace.Create().Count, Is.EqualTo(18));
    }

    [TestCase("""{"parameters": {"colour": ["red"]}}""", "'colour' is unknown")]
    [TestCase("""{"parameters": {"neurons": []}}""", "'neurons': the list of choices is empty")]
    [TestCase("""{"parameters": {"bits": [8, 33]}}""", "'bits' must be <= 32, got 33")]
    [TestCase("""{"parameters": {"bits": {"min": 8, "max": 4}}}""", "empty range")]
    [TestCase("""{"parameters": {"rounding": ["tr", "up"]}}""", "'rounding' must be one of")]
    [TestCase("""{"parameters": {"w_inh": {"min": 0, "max": 5, "log": true}}}""", "log range needs min > 0")]
    [TestCase("""{"parameters": {"neurons": {"min": 1.5, "max": 5.0}}}""", "'neurons' takes an int")]
    public void InvalidEntriesAreRejectedByName(string json, string message)
    {
        var e = Assert.Throws<SpaceFormatException>(() => SearchSpace.Parse(json, "t").Validate(Specs));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void YamlAndJsonGiveTheSameCanonicalSpace()
    {
        var yaml = SearchSpace.Parse("parameters:\n  network: [bindsnet, fspinn]\n  w_inh: {min: 1.0, max: 30.0, log: true}\n  bits: {min: 4, max: 16, step: 4}\nfixed:\n  rounding: sr\n", "y", yaml: true);
        var json = SearchSpace.Parse("""{"parameters": {"network": ["bindsnet", "fspinn"], "w_inh": {"min": 1.0, "max": 30.0, "log": true}, "bits": {"min": 4, "max": 16, "step": 4}}, "fixed": {"rounding": "sr"}}""", "j");
        Assert.That(yaml.ToCanonicalJson(), Is.EqualTo(json.ToCanonicalJson()));
        Assert.That(json.Find("bits")!.Values().Select(v => v.AsLong), Is.EqualTo(new long[] { 4, 8, 12, 16 }));
    }

    [TestCase("512KiB", 524288.0)]
    [TestCase("2 MB", 2e6)]
    [TestCase("1.5MiB", 1572864.0)]
    public void ParsesByteBudgets(string text, double bytes) => Assert.That(Units.ParseBytes(text), Is.EqualTo(bytes));

    [Test]
    public void ParsesEnergyAndAccuracy()
    {
        Assert.That(Units.ParseJoules("2mJ"), Is.EqualTo(2e-3).Within(1e-15));
        Assert.That(Units.ParseJoules("350µJ"), Is.EqualTo(350e-6).Within(1e-15));
        Assert.That(Units.ParseAccuracy("80%"), Is.EqualTo(0.8).Within(1e-12));
        Assert.Throws<FormatException>(() => Units.ParseJoules("2"));
        Assert.Throws<FormatException>(() => Units.ParseAccuracy("120%"));
    }
}
