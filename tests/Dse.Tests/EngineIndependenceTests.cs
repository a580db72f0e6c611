using System.Xml.Linq;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.Study;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// The engine (src/Dse) knows parameters, objectives, strategies and storage only: the SNN adapter (src/SnnSearch)
/// brings the simulator and the cost model, and what the engine needs of them it is given (a registered strategy).
/// </summary>
public sealed class EngineIndependenceTests
{
    private static readonly string[] SimulatorSide = ["FSpiNN.Snn", "FSpiNN.CostModel", "FSpiNN.SnnSearch"];

    [Test]
    public void TheEngineAssemblyReferencesNeitherTheSimulatorNorTheCostModel()
    {
        var referenced = typeof(StudyRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(referenced, Does.Contain("Microsoft.Data.Sqlite"), "sanity: the engine's own dependencies are listed by assembly name");
        Assert.That(referenced.Intersect(SimulatorSide), Is.Empty,
            "src/Dse uses a type of the simulator, the cost model or the SNN adapter: move that code to src/SnnSearch");
    }

    [Test]
    public void TheEngineProjectFileHasNoProjectReference()
    {
        var root = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(root, "FSpiNN.slnx"))) root = Path.GetDirectoryName(root)!;
        var references = XDocument.Load(Path.Combine(root, "src", "Dse", "Dse.csproj")).Descendants("ProjectReference")
            .Select(r => (string?)r.Attribute("Include")).ToList();
        Assert.That(references, Is.Empty, "src/Dse/Dse.csproj references another project; the engine must not depend on Snn or CostModel");
    }

    [Test]
    public void TheFSpiNNStrategyIsTheAdaptersOrderedGridLargestNetworksAndWidestWeightsFirst()
    {
        SnnStrategies.Register();
        SnnStrategies.Register(); // again, as every start of the CLI does: replaced, not listed twice
        Assert.That(StrategyFactory.Names.Count(n => n == SnnStrategies.FSpiNN), Is.EqualTo(1));
        var space = SearchSpace.Parse("""{"parameters": {"network": ["bindsnet", "fspinn"], "neurons": [50, 200, 100], "bits": [4, 32, 8]}}""", "order");
        var strategy = StrategyFactory.Create(SnnStrategies.FSpiNN, new StrategyContext(space, 2, 100, Seed: 1));
        var asked = new List<Candidate>();
        while (strategy.Ask() is { } p) asked.Add(p.Candidate);

        Assert.That(strategy.Name, Is.EqualTo("fspinn"));
        Assert.That(asked, Has.Count.EqualTo(18));
        var order = asked.Select(c => (N: c["neurons"].AsDouble, Bits: c["bits"].AsDouble, Network: c["network"].AsString)).ToList();
        Assert.That(order.Take(4), Is.EqualTo(new[] { (200.0, 32.0, "bindsnet"), (200.0, 32.0, "fspinn"), (200.0, 8.0, "bindsnet"), (200.0, 8.0, "fspinn") }),
            "largest N first, then widest weights, ties in grid order (network first in the space)");
        Assert.That(order.Select(o => o.N), Is.Ordered.Descending);
    }

    [Test]
    public void AnEngineStrategyNameCannotBeTakenByAnAdapter() =>
        Assert.That(Assert.Throws<ArgumentException>(() => StrategyFactory.Register("grid", c => new GridStrategy(c)))!.Message, Does.Contain("engine's own"));
}
