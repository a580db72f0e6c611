using FSpiNN.Dse.Space;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>Space files against the real evaluator: integer ranges work, the ParameterTable bounds apply, malformed text says where.</summary>
public sealed class SpaceValidationTests
{
    private static readonly Lazy<IReadOnlyList<ParameterSpec>> RealSpecs =
        new(() => new SnnEvaluator(Snn.Data.DatasetCatalog.Load(null)).Parameters);

    private static string RepositoryFile(params string[] parts)
    {
        var root = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(root, "FSpiNN.slnx"))) root = Path.GetDirectoryName(root)!;
        return Path.Combine([root, .. parts]);
    }

    [Test]
    public void TheExampleSpaceOfTheDocsIsValidForTheRealEvaluator()
    {
        var markdown = File.ReadAllText(RepositoryFile("docs", "dse.md"));
        var start = markdown.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var example = markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)];
        var space = SearchSpace.Parse(example, "docs");
        Assert.DoesNotThrow(() => space.Validate(RealSpecs.Value));
        Assert.That(space.Find("bits")!.Kind, Is.EqualTo(DimensionKind.IntRange));
    }

    [TestCase("""{"parameters":{"neurons":{"min":10,"max":30,"step":10}}}""")]
    [TestCase("""{"parameters":{"update_interval":{"min":1,"max":16,"log":true}}}""")]
    [TestCase("""{"parameters":{"bits":{"type":"int","min":2,"max":8}}}""")]
    public void IntegerRangesOfIntegerParametersAreAccepted(string json) =>
        Assert.DoesNotThrow(() => SearchSpace.Parse(json, "t").Validate(RealSpecs.Value));

    /// <summary>The same bounds as `--set` (ParameterTable): a space cannot hold a value that would fail at trial 0.</summary>
    [TestCase("""{"parameters":{"dt":0}}""", "'dt' must be >= 0.001")]
    [TestCase("""{"parameters":{"presentation_ms":[350, 1e12]}}""", "'presentation_ms' must be <= 10000")]
    [TestCase("""{"parameters":{"rest_ms":{"min":0,"max":1e12}}}""", "'rest_ms' must be <= 10000")]
    [TestCase("""{"parameters":{"neurons":{"min":10,"max":300000,"step":10}}}""", "'neurons' must be <= 100000")]
    [TestCase("""{"parameters":{"stdp":["triplet","hebb"]}}""", "'stdp' must be one of")]
    [TestCase("""{"parameters":{"one_spike":[true, 3]}}""", "'one_spike' takes a bool")]
    public void ValuesOutsideTheParameterTableRangesAreRefused(string json, string message)
    {
        var e = Assert.Throws<SpaceFormatException>(() => SearchSpace.Parse(json, "t").Validate(RealSpecs.Value));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [TestCase("parameters:\n  neurons: [10, 20\n  bits: 4\n", "line 2, column 15")]
    [TestCase("parameters:\n  ? [a, b]\n  : 1\n", "line 2, column 5: a key must be a plain name, not a list")]
    [TestCase("parameters:\n  neurons: [10]\n  neurons: [20]\n", "neurons")]
    [TestCase("parameters:\n  neurons: [10]\n---\nparameters: {}\n", "one YAML document")]
    public void MalformedYamlNamesTheFileAndWhere(string yaml, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fspinn-space-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            var e = Assert.Throws<SpaceFormatException>(() => SearchSpace.Load(path));
            Assert.That(e!.Message, Does.StartWith(path).And.Contain(message));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ADuplicateJsonKeyIsRefusedNamingIt()
    {
        var e = Assert.Throws<SpaceFormatException>(() => SearchSpace.Parse("""{"parameters":{"neurons":[10],"neurons":[20]}}""", "t"));
        Assert.That(e!.Message, Does.Contain("not valid JSON").And.Contain("neurons"));
    }
}
