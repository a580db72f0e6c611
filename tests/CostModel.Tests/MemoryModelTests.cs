namespace FSpiNN.CostModel.Tests;

public sealed class MemoryModelTests
{
    /// <summary>X (4 inputs, float32 trace) → E (3 neurons: v, theta float32, refractory int8), lateral E → E, 3 × 4-bit assignments.</summary>
    private static NetworkDescription Tiny(int weightBits, WeightStorage lateral = WeightStorage.Dense) => new(
        "tiny",
        [
            new Population("X", 4, [StateVariable.Trace("x", Precision.Float32)], IsInput: true),
            new Population("E", 3, [new("v", Precision.Float32), new("theta", Precision.Float32), new("refractory", Precision.Fixed(8))]),
        ],
        [
            new Projection("X->E", "X", "E", ConnectivityKind.AllToAll, WeightStorage.Dense, Precision.Fixed(weightBits), Plastic: true),
            new Projection("E->E", "E", "E", ConnectivityKind.AllButSelf, lateral, Precision.Fixed(weightBits), Plastic: false),
        ],
        new AssignmentTable(3, 4));

    // Hand count: weights (12 + 9 dense entries) × b; state 3 × (32 + 32 + 8) = 216; assignments 3 × 4 = 12; trace 4 × 32 = 128.
    [TestCase(4, 84 + 216 + 12)]
    [TestCase(8, 168 + 216 + 12)]
    [TestCase(16, 336 + 216 + 12)]
    [TestCase(32, 672 + 216 + 12)]
    public void Footprint_matches_hand_count(int bits, long inferenceBits)
    {
        var memory = MemoryModel.Compute(Tiny(bits));

        Assert.Multiple(() =>
        {
            Assert.That(memory.InferenceBits, Is.EqualTo(inferenceBits));
            Assert.That(memory.TrainingBits, Is.EqualTo(inferenceBits + 128));
            Assert.That(memory.WeightBits, Is.EqualTo(21 * bits));
            Assert.That(memory.Component("weights:E->E").Elements, Is.EqualTo(9), "dense all-but-self is stored as the full N×N matrix");
            Assert.That(memory.Component("state:E").Bits, Is.EqualTo(216));
            Assert.That(memory.Component("traces:X").TrainingOnly, Is.True);
            Assert.That(memory.InferenceBytes, Is.EqualTo(inferenceBits / 8.0));
        });
    }

    [TestCase(4)]
    [TestCase(8)]
    [TestCase(16)]
    [TestCase(32)]
    public void Sparse_and_scalar_lateral_storage_match_hand_count(int bits)
    {
        var sparse = MemoryModel.Compute(Tiny(bits, WeightStorage.Sparse)).Component("weights:E->E");
        var scalar = MemoryModel.Compute(Tiny(bits, WeightStorage.SharedScalar)).Component("weights:E->E");

        // 3 × 2 = 6 connections, each with a flat index of ⌈log2 9⌉ = 4 bits.
        Assert.That(sparse.Bits, Is.EqualTo(6 * (bits + 4)));
        Assert.That(scalar.Bits, Is.EqualTo(bits));
    }

    [Test]
    public void One_to_one_dense_is_n_squared_and_sparse_is_n()
    {
        var network = ReferenceNetworks.DiehlCookBaseline(10);
        var dense = MemoryModel.Compute(network).Component("weights:Ae->Ai");
        var sparse = MemoryModel.Compute(network.WithStorage(WeightStorage.Sparse, p => p.Name == "Ae->Ai")).Component("weights:Ae->Ai");

        Assert.That(dense.Elements, Is.EqualTo(100));
        Assert.That(sparse.Elements, Is.EqualTo(10));
        Assert.That(sparse.BitsPerElement, Is.EqualTo(32 + 7), "flat index over 10 × 10 entries needs 7 bits");
    }

    // Reference C.7 table: 32-bit dense baseline (784N + 2N²) vs 8-bit FSpiNN with dense lateral matrix (784N + N²).
    [TestCase(100, 4.45)]
    [TestCase(400, 5.35)]
    [TestCase(900, 6.14)]
    [TestCase(1600, 6.68)]
    [TestCase(2500, 7.05)]
    [TestCase(3600, 7.28)]
    [TestCase(4900, 7.45)]
    [TestCase(6400, 7.56)]
    public void Weight_memory_ratio_reproduces_reference_table(int n, double expectedRatio)
    {
        long baseline = MemoryModel.Compute(ReferenceNetworks.DiehlCookBaseline(n)).WeightBits;
        long fspinn = MemoryModel.Compute(ReferenceNetworks.FSpiNN(n, Precision.Fixed(8))).WeightBits;

        long nn = n;
        Assert.That(baseline, Is.EqualTo(32 * (784 * nn + 2 * nn * nn)));
        Assert.That(fspinn, Is.EqualTo(8 * (784 * nn + nn * nn)));
        Assert.That(Math.Round((double)baseline / fspinn, 2), Is.EqualTo(expectedRatio));
    }

    [Test]
    public void FSpiNN_memory_claim_at_4900_with_state_sparse_and_scalar_accountings()
    {
        const long n = 4900;
        var baselineNet = ReferenceNetworks.DiehlCookBaseline((int)n);
        var fspinnNet = ReferenceNetworks.FSpiNN((int)n, Precision.Fixed(8));
        var baseline = MemoryModel.Compute(baselineNet);
        var fspinn = MemoryModel.Compute(fspinnNet);

        double weightsRatio = (double)baseline.WeightBits / fspinn.WeightBits;
        double withStateRatio = (double)baseline.InferenceBits / fspinn.InferenceBits;
        const int index = 25; // ⌈log2(4900²)⌉ = ⌈log2 24 010 000⌉

        var baselineSparse = MemoryModel.Compute(baselineNet.WithStorage(WeightStorage.Sparse, p => !p.Plastic));
        var fspinnSparse = MemoryModel.Compute(fspinnNet.WithStorage(WeightStorage.Sparse, p => !p.Plastic));
        var baselineScalar = MemoryModel.Compute(baselineNet.WithStorage(WeightStorage.SharedScalar, p => !p.Plastic));
        var fspinnScalar = MemoryModel.Compute(fspinnNet.WithStorage(WeightStorage.SharedScalar, p => !p.Plastic));
        double sparseRatio = (double)baselineSparse.WeightBits / fspinnSparse.WeightBits;
        double scalarRatio = (double)baselineScalar.WeightBits / fspinnScalar.WeightBits;
        double denseBaselineVsScalarFspinn = (double)baseline.WeightBits / fspinnScalar.WeightBits;

        TestContext.Out.WriteLine($"N = {n}: weights only, dense   : baseline {baseline.WeightBits / 8e6:F2} MB, FSpiNN 8-bit {fspinn.WeightBits / 8e6:F2} MB, ratio {weightsRatio:F3}x");
        TestContext.Out.WriteLine($"N = {n}: with neuron state     : baseline {baseline.InferenceBytes / 1e6:F2} MB, FSpiNN 8-bit {fspinn.InferenceBytes / 1e6:F2} MB, ratio {withStateRatio:F3}x");
        TestContext.Out.WriteLine($"N = {n}: weights, sparse inhib.: baseline {baselineSparse.WeightBits / 8e6:F2} MB, FSpiNN {fspinnSparse.WeightBits / 8e6:F2} MB, ratio {sparseRatio:F3}x (index {index} bits)");
        TestContext.Out.WriteLine($"N = {n}: weights, scalar inhib.: baseline {baselineScalar.WeightBits / 8e6:F2} MB, FSpiNN {fspinnScalar.WeightBits / 8e6:F2} MB, ratio {scalarRatio:F3}x");
        TestContext.Out.WriteLine($"N = {n}: dense baseline vs scalar-inhibition FSpiNN: {denseBaselineVsScalarFspinn:F2}x");

        Assert.Multiple(() =>
        {
            Assert.That(Math.Round(weightsRatio, 2), Is.EqualTo(7.45));
            // State: Ae v, input, θ (32 bits each) + 8-bit refractory, Ai v, input + refractory, 4-bit assignments (baseline);
            // Ae 104 bits + assignments (FSpiNN).
            Assert.That(baseline.InferenceBits, Is.EqualTo(32 * (784 * n + 2 * n * n) + n * 104 + n * 72 + n * 4));
            Assert.That(fspinn.InferenceBits, Is.EqualTo(8 * (784 * n + n * n) + n * 104 + n * 4));
            Assert.That(withStateRatio, Is.LessThan(weightsRatio).And.GreaterThan(weightsRatio * 0.998),
                "state is ≈ 0.17 % of the 8-bit FSpiNN footprint, so it moves the ratio by < 0.2 %");
            Assert.That(baselineSparse.WeightBits, Is.EqualTo(32 * 784 * n + n * (32 + index) + n * (n - 1) * (32 + index)));
            Assert.That(fspinnSparse.WeightBits, Is.EqualTo(8 * 784 * n + n * (n - 1) * (8 + index)));
            Assert.That(baselineScalar.WeightBits, Is.EqualTo(32 * 784 * n + 32 + 32));
            Assert.That(fspinnScalar.WeightBits, Is.EqualTo(8 * 784 * n + 8));
            Assert.That(Math.Round(denseBaselineVsScalarFspinn), Is.EqualTo(54), "reference C.7: one scalar would give 54x");
        });
    }

    [Test]
    public void Invalid_description_names_the_entry()
    {
        var network = Tiny(8) with
        {
            Projections = [new Projection("X->Q", "X", "Q", ConnectivityKind.AllToAll, WeightStorage.Dense, Precision.Fixed(8), true)],
        };
        var bits = Tiny(8) with { Populations = [new Population("X", 4, [new("v", new Precision(0, NumberFormat.Float))])], Projections = [] };

        Assert.That(() => MemoryModel.Compute(network),
            Throws.TypeOf<InvalidNetworkDescriptionException>().With.Message.Contains("projection 'X->Q'").And.Message.Contains("unknown post population 'Q'"));
        Assert.That(() => MemoryModel.Compute(bits),
            Throws.TypeOf<InvalidNetworkDescriptionException>().With.Message.Contains("state variable 'v'"));
    }
}
