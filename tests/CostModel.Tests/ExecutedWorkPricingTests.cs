namespace FSpiNN.CostModel.Tests;

/// <summary>
/// Work that runs and is now priced (dense-engine writes, stochastic-rounding draws, delay tables, Δw accumulator flushes)
/// and on-chip capacity shared between the arrays placed on a level; each against a hand-computed figure.
/// </summary>
public sealed class ExecutedWorkPricingTests
{
    /// <summary>int8 add 1 pJ (int32 add derived: 4 pJ), int8 multiply 2 pJ; sram 64-bit read 8 / write 16 pJ.</summary>
    private static EnergyProfile Profile(long sramBytes = 1024) => new(
        "hand",
        [new MemoryLevel("sram", MemoryLevelKind.Sram, sramBytes), new MemoryLevel("dram", MemoryLevelKind.Dram, null)],
        [
            new EnergyEntry(EnergyAction.Accumulate, 8, 1, NumberFormat.Integer),
            new EnergyEntry(EnergyAction.Multiply, 8, 2, NumberFormat.Integer),
            new EnergyEntry(EnergyAction.Accumulate, 32, 10, NumberFormat.Float),
            new EnergyEntry(EnergyAction.Multiply, 32, 20, NumberFormat.Float),
            new EnergyEntry(EnergyAction.Read, 64, 8, Level: "sram"),
            new EnergyEntry(EnergyAction.Write, 64, 16, Level: "sram"),
            new EnergyEntry(EnergyAction.Read, 64, 64, Level: "dram"),
        ]);

    private static readonly Projection Plastic =
        new("X->E", "X", "E", ConnectivityKind.AllToAll, WeightStorage.Dense, Precision.Fixed(8), Plastic: true);

    /// <summary>X (2 inputs, no state) → E (2 neurons, no state): only the projection costs energy.</summary>
    private static NetworkDescription Network(Projection projection, params TrainingBuffer[] buffers) => new(
        "net",
        [new Population("X", 2, [], IsInput: true), new Population("E", 2, [])],
        [projection], TrainingBuffers: buffers);

    private static ActivityCounts Counts(ProjectionActivity activity, Dictionary<string, long>? buffers = null) => new(
        1, 1, new Dictionary<string, PopulationActivity>(), new Dictionary<string, ProjectionActivity> { ["X->E"] = activity }, buffers);

    private static double TrainingPicojoules(NetworkDescription network, ActivityCounts counts, SynapticExecution execution = SynapticExecution.EventDriven) =>
        CostEstimator.Estimate(network, counts, ActivityCounts.None, Profile(), new CostOptions { Execution = execution })
            .Training.TotalJoules / 1e-12;

    [Test]
    public void Dense_execution_prices_the_dense_engines_writes_event_driven_the_executed_ones()
    {
        var activity = new ProjectionActivity(SynapticEvents: 0, DenseSynapticOps: 0, WeightReads: 2, WeightWrites: 2, DenseWeightWrites: 10);
        // one write: read 8 bits (1 pJ) + MAC int8 (3) + compare (1) + write 8 bits (2) = 7 pJ
        Assert.Multiple(() =>
        {
            Assert.That(TrainingPicojoules(Network(Plastic), Counts(activity)), Is.EqualTo(2 * 7.0).Within(1e-9));
            Assert.That(TrainingPicojoules(Network(Plastic), Counts(activity), SynapticExecution.Dense), Is.EqualTo(10 * 7.0).Within(1e-9));
            Assert.That(TrainingPicojoules(Network(Plastic), Counts(activity with { DenseWeightWrites = null }), SynapticExecution.Dense),
                Is.EqualTo(2 * 7.0).Within(1e-9), "no dense count: the dense engine writes what was executed");
        });
    }

    [Test]
    public void Stochastic_rounding_prices_one_xorshift_draw_per_write_and_per_normalised_weight()
    {
        var activity = new ProjectionActivity(WeightReads: 2, WeightWrites: 2, NormalisationOps: 4);
        var plain = TrainingPicojoules(Network(Plastic), Counts(activity));
        var writes = TrainingPicojoules(Network(Plastic with { StochasticWrites = true }), Counts(activity));
        var both = TrainingPicojoules(Network(Plastic with { StochasticWrites = true, StochasticNormalisation = true }), Counts(activity));
        // a draw: 6 int32 adds, int32 add = 4 pJ (linear from int8's 1 pJ) → 24 pJ
        Assert.Multiple(() =>
        {
            Assert.That(writes - plain, Is.EqualTo(2 * 24.0).Within(1e-9));
            Assert.That(both - writes, Is.EqualTo(4 * 24.0).Within(1e-9));
            Assert.That(Profile().Operation(EnergyAction.RandomDraw, CostEstimator.RandomDrawPrecision).Derived, Is.True);
        });
    }

    [Test]
    public void A_delay_table_is_stored_per_connection_and_read_per_synaptic_event()
    {
        var delayed = Plastic with { DelayBits = 8 };
        var memory = MemoryModel.Compute(Network(delayed));
        var activity = new ProjectionActivity(SynapticEvents: 6, WeightReads: 6);
        var extra = TrainingPicojoules(Network(delayed), Counts(activity)) - TrainingPicojoules(Network(Plastic), Counts(activity));
        Assert.Multiple(() =>
        {
            Assert.That(memory.Component("delays:X->E").Bits, Is.EqualTo(4 * 8), "2 × 2 connections, one byte each");
            Assert.That(memory.InferenceBits, Is.EqualTo(4 * 8 + 4 * 8), "present at inference too");
            Assert.That(extra, Is.EqualTo(6 * 1.0).Within(1e-9), "6 reads of 8 bits from sram (8 pJ per 64 bits)");
        });
    }

    [Test]
    public void Timestep_based_updates_price_the_accumulator_read_and_clear_of_every_flushed_write()
    {
        var buffer = new TrainingBuffer("dw", 4, Precision.Float32, FlushesInto: "X->E");
        var activity = new ProjectionActivity(WeightReads: 2, WeightWrites: 2);
        var withoutBuffer = TrainingPicojoules(Network(Plastic), Counts(activity));
        var withBuffer = TrainingPicojoules(Network(Plastic, buffer), Counts(activity, new() { ["dw"] = 5 }));
        // 5 accumulator updates × (float add 10 + read 32 bits 4 + write 32 bits 8) + 2 flushed writes × (read 4 + clear 8)
        Assert.That(withBuffer - withoutBuffer, Is.EqualTo(5 * 22.0 + 2 * 12.0).Within(1e-9));
    }

    private static MemoryComponent Array(string name, long bytes, bool trainingOnly = false) =>
        new(name, MemoryComponentKind.Weights, name, bytes, 8, trainingOnly);

    [Test]
    public void Arrays_on_one_level_share_its_capacity_smallest_first_inference_before_training()
    {
        var memory = new MemoryFootprint(
        [
            Array("a-600", 600), Array("b-500", 500), Array("c-400", 400), Array("t-100", 100, trainingOnly: true),
        ]);
        var placement = CostEstimator.Place(memory, Profile(sramBytes: 1024));
        // inference arrays smallest first: 400 + 500 = 900 B in sram, 600 does not fit the 124 B left; then the 100 B
        // training-only array fits the remainder
        Assert.Multiple(() =>
        {
            Assert.That(placement["c-400"], Is.EqualTo("sram"));
            Assert.That(placement["b-500"], Is.EqualTo("sram"));
            Assert.That(placement["a-600"], Is.EqualTo("dram"), "alone it would fit; together they do not");
            Assert.That(placement["t-100"], Is.EqualTo("sram"));
        });
    }

    [Test]
    public void A_pin_wins_over_capacity_and_takes_its_room()
    {
        var memory = new MemoryFootprint([Array("weights:in->big", 2000), Array("state:small", 10)]);
        var pinned = new EnergyProfile("pinned", Profile().Levels, Profile().Entries, new Dictionary<string, string> { ["weights:in->big"] = "sram" });
        var placement = CostEstimator.Place(memory, pinned);
        Assert.Multiple(() =>
        {
            Assert.That(placement["weights:in->big"], Is.EqualTo("sram"), "pinned, although 2000 B exceed the 1024 B level");
            Assert.That(placement["state:small"], Is.EqualTo("dram"), "the pinned array left no room");
        });
    }

    [Test]
    public void Placement_fails_clearly_when_no_level_has_room_left()
    {
        var memory = new MemoryFootprint([Array("a", 10), Array("b", 10)]);
        var small = new EnergyProfile("small", [new MemoryLevel("sram", MemoryLevelKind.Sram, 16)], Profile().Entries.Where(e => e.Level is null or "sram").ToList());
        Assert.That(() => CostEstimator.Place(memory, small),
            Throws.InstanceOf<CostModelException>().With.Message.Contains("'b'").And.Message.Contains("remaining capacity"));
    }
}
