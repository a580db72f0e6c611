using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// The three views of a network's shape agree: the counts the simulator fills, the cost description of the same
/// topology, and the paper's reference networks of the cost model (bindsnet = the D&amp;C baseline, fspinn = FSpiNN).
/// </summary>
public sealed class TopologyAgreementTests
{
    private static string Shape(NetworkDescription d) => string.Join(" | ",
        d.Populations.Select(p => $"{p.Name}[{p.Size}]:{string.Join(",", p.State.Select(v => $"{v.Name}/{v.Precision}{(v.TrainingOnly ? "/train" : "")}"))}")
            .Concat(d.Projections.Select(p => $"{p.Name}:{p.Pre}->{p.Post}:{p.Connectivity}:{(p.Plastic ? "plastic" : "fixed")}")));

    [TestCase("bindsnet")]
    [TestCase("fspinn")]
    public void ReferenceNetworks_DescribeThePresetsAsTheTopologyDoes(string preset)
    {
        var config = NetworkPresets.Create(preset, 100) with { Quantize = QuantizationMode.None, WeightBits = 32 };
        var topology = new NetworkTopology(config, ReferenceNetworks.InputSize).Describe(WeightStorage.Dense);
        var reference = preset == "bindsnet"
            ? ReferenceNetworks.DiehlCookBaseline(100)
            : ReferenceNetworks.FSpiNN(100, Precision.Float32);
        Assert.That(Shape(topology), Is.EqualTo(Shape(reference)));
    }

    [TestCase("dc2015")]
    [TestCase("bindsnet")]
    [TestCase("fspinn")]
    public void EveryCountKey_NamesAPopulationOrProjectionOfTheDescription(string preset)
    {
        var config = NetworkPresets.Create(preset, 30);
        var topology = new NetworkTopology(config, 784);
        var counts = topology.CreateCounts();
        var description = topology.Describe(WeightStorage.SharedScalar);
        Assert.Multiple(() =>
        {
            Assert.That(counts.Populations.Select(p => NetworkTopology.CostName(p.Name)),
                Is.EqualTo(description.Populations.Select(p => p.Name)));
            Assert.That(counts.Projections.Select(p => NetworkTopology.CostName(p.Name)),
                Is.EqualTo(description.Projections.Select(p => p.Name)));
            Assert.That(counts.Populations.Select(p => p.Size), Is.EqualTo(description.Populations.Select(p => p.Size)));
        });
    }
}
