using FSpiNN.CostModel;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.SnnSearch;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// How the simulator's network is described to the cost model: inhibition as simulated (one value) or as the paper's dense
/// N×N matrix, in a format that can hold the value; dc2015's delay table; stochastic-rounding draws.
/// </summary>
public sealed class InhibitionAccountingTests
{
    private static IEnumerable<TestCaseData> Networks()
    {
        foreach (var preset in NetworkPresets.Names)
            foreach (var bits in new[] { 32, 16, 8, 4, 2 })
                foreach (var storage in new[] { WeightStorage.SharedScalar, WeightStorage.Dense })
                    yield return new TestCaseData(preset, bits, storage);
    }

    [TestCaseSource(nameof(Networks))]
    public void TheInhibitionFormat_HoldsTheValueItStores(string preset, int bits, WeightStorage storage)
    {
        var config = NetworkPresets.Create(preset, 50) with
        {
            Quantize = bits == 32 ? QuantizationMode.None : QuantizationMode.InTraining,
            WeightBits = bits,
        };
        var description = SnnCost.Describe(config, inhibitionStorage: storage);
        var rng = new Xoshiro256(1);
        Assert.Multiple(() =>
        {
            foreach (var (name, value) in SnnCost.InhibitionValues(config))
            {
                var projection = description.Projections.Single(p => p.Name == name);
                Assert.That(projection.Storage, Is.EqualTo(storage));
                if (SnnCost.InhibitionFormat(config, value) is not { } format)
                {
                    Assert.That(bits, Is.EqualTo(32), "only a float network keeps inhibition as float32");
                    Assert.That(projection.Weight, Is.EqualTo(Precision.Float32));
                    Assert.That((double)(float)value, Is.EqualTo(value).Within(value * 1e-7), $"{name} = {value} as float32");
                    continue;
                }
                Assert.That(projection.Weight, Is.EqualTo(Precision.Fixed(format.TotalBits)), name);
                Assert.That(format.TotalBits, Is.GreaterThanOrEqualTo(bits), $"{name}: never narrower than the weights");
                Assert.That(format.MaxValue, Is.GreaterThanOrEqualTo(value), $"{name} = {value} fits {format}");
                Assert.That(Math.Abs(format.Round(value, RoundingMode.Nearest, ref rng) - value), Is.LessThanOrEqualTo(format.Step / 2),
                    $"{name} = {value} in {format}: within half a step");
            }
        });
    }

    [Test]
    public void FSpiNNsLateralInhibition_DoesNotFitTheWeightFormat_SoItGetsIntegerBits()
    {
        var fspinn = NetworkPresets.FSpiNN(100);
        var q17 = new FixedPointFormat(8, 7);
        Assert.Multiple(() =>
        {
            Assert.That(fspinn.LateralInhibition, Is.EqualTo(250));
            Assert.That(q17.MaxValue, Is.LessThan(250), "Q1.7 tops out at 1.99");
            Assert.That(SnnCost.InhibitionFormat(fspinn, 250).ToString(), Is.EqualTo("Q8.0"));
            Assert.That(SnnCost.InhibitionFormat(fspinn with { WeightBits = 4 }, 250).ToString(), Is.EqualTo("Q8.0"), "widened: 4 bits cannot hold 250");
            Assert.That(SnnCost.InhibitionFormat(fspinn, 17.5).ToString(), Is.EqualTo("Q5.3"));
        });
    }

    [Test]
    public void ByDefault_InhibitionIsOneStoredValue_TheDenseOptionGivesThePapers7Point45x()
    {
        const int n = 4900;
        double Weights(NetworkConfig c, WeightStorage? s = null) =>
            MemoryModel.Compute(s is { } storage ? SnnCost.Describe(c, inhibitionStorage: storage) : SnnCost.Describe(c)).WeightBits;
        var baseline = NetworkPresets.BindsNet(n);
        var fspinn = NetworkPresets.FSpiNN(n);
        Assert.Multiple(() =>
        {
            Assert.That(SnnCost.Describe(fspinn).Projections.Single(p => p.Name == ReferenceNetworks.Lateral).Storage, Is.EqualTo(WeightStorage.SharedScalar));
            // as simulated: 784 N float32 + two float32 scalars vs 784 N × 8 bits + one 8-bit value → 4.0×
            Assert.That(Weights(baseline) / Weights(fspinn), Is.EqualTo((784.0 * n * 32 + 64) / (784.0 * n * 8 + 8)).Within(1e-12));
            // the paper's accounting: dense N×N inhibition at the weight width
            Assert.That(Weights(baseline, WeightStorage.Dense) / Weights(fspinn, WeightStorage.Dense), Is.EqualTo(7.448).Within(0.001));
        });
    }

    [Test]
    public void Dc2015_StoresOneDelayBytePerInputSynapse_AndStochasticRoundingDraws()
    {
        var dc = SnnCost.Describe(NetworkPresets.Dc2015(100));
        var fspinn = SnnCost.Describe(NetworkPresets.FSpiNN(100)).Projections.Single(p => p.Name == ReferenceNetworks.InputToExcitatory);
        Assert.Multiple(() =>
        {
            Assert.That(MemoryModel.Compute(dc).Component("delays:X->Ae").Bits, Is.EqualTo(784L * 100 * 8));
            Assert.That(MemoryModel.Compute(SnnCost.Describe(NetworkPresets.BindsNet(100))).Components.Any(c => c.Kind == MemoryComponentKind.Delays), Is.False);
            Assert.That(fspinn.StochasticWrites, Is.True, "FSpiNN writes Q1.7 weights with stochastic rounding");
            Assert.That(fspinn.StochasticNormalisation, Is.False, "normalisation rounds to nearest by default");
        });
    }
}
