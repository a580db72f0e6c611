namespace FSpiNN.CostModel;

/// <summary>
/// Descriptions of the two networks FSpiNN compares (reference C.1, C.7), for tests, docs and quick estimates: the
/// current-based (BindsNET-style) neurons of the bindsnet and fspinn presets, each keeping the input delivered for its
/// next step. The simulator's topology (FSpiNN.Snn's NetworkTopology) describes a run's network itself; a test checks
/// that both agree on the presets' populations, state and connectivity.
/// </summary>
public static class ReferenceNetworks
{
    public const int InputSize = 784;
    public const string Input = "X";
    public const string Excitatory = "Ae";
    public const string Inhibitory = "Ai";
    public const string InputToExcitatory = "X->Ae";
    public const string ExcitatoryToInhibitory = "Ae->Ai";
    public const string InhibitoryToExcitatory = "Ai->Ae";
    public const string Lateral = "Ae->Ae";

    /// <summary>Bits per assignment entry for <paramref name="classes"/> labels (⌈log2 classes⌉, 4 for 10 classes).</summary>
    public static int AssignmentBits(int classes) => MemoryModel.CeilLog2(Math.Max(2, classes));

    /// <summary>
    /// Diehl &amp; Cook 2015 as in BindsNET (current-based neurons): X →(all-to-all, plastic) Ae →(one-to-one) Ai →(all-but-self) Ae, every
    /// matrix dense at <paramref name="weight"/> (default float32); pre and post STDP traces while training.
    /// </summary>
    public static NetworkDescription DiehlCookBaseline(
        int neurons, Precision? weight = null, WeightStorage inhibitoryStorage = WeightStorage.Dense, int classes = 10)
    {
        var w = weight ?? Precision.Float32;
        return new NetworkDescription(
            $"D&C-baseline N={neurons} {w}",
            [
                InputPopulation(),
                new Population(Excitatory, neurons,
                [
                    new StateVariable("v", Precision.Float32),
                    new StateVariable("input", Precision.Float32),
                    new StateVariable("theta", Precision.Float32),
                    new StateVariable("refractory", Precision.Fixed(8)),
                    StateVariable.Trace("x_post", Precision.Float32),
                ]),
                new Population(Inhibitory, neurons,
                [
                    new StateVariable("v", Precision.Float32),
                    new StateVariable("input", Precision.Float32),
                    new StateVariable("refractory", Precision.Fixed(8)),
                ]),
            ],
            [
                new Projection(InputToExcitatory, Input, Excitatory, ConnectivityKind.AllToAll, WeightStorage.Dense, w, Plastic: true),
                new Projection(ExcitatoryToInhibitory, Excitatory, Inhibitory, ConnectivityKind.OneToOne, inhibitoryStorage, w, Plastic: false),
                new Projection(InhibitoryToExcitatory, Inhibitory, Excitatory, ConnectivityKind.AllButSelf, inhibitoryStorage, w, Plastic: false),
            ],
            new AssignmentTable(neurons, AssignmentBits(classes)));
    }

    /// <summary>
    /// FSpiNN: X →(all-to-all, plastic) Ae plus direct lateral inhibition Ae →(all-but-self) Ae, both at
    /// <paramref name="weight"/>; only the presynaptic trace while training; a float32 Δw accumulator of 784 × N when
    /// weights are written every <paramref name="updateIntervalSteps"/> &gt; 1 steps.
    /// </summary>
    public static NetworkDescription FSpiNN(
        int neurons, Precision weight, WeightStorage lateralStorage = WeightStorage.Dense, int updateIntervalSteps = 1, int classes = 10)
    {
        TrainingBuffer[] buffers = updateIntervalSteps > 1
            ? [new TrainingBuffer("dw", (long)InputSize * neurons, Precision.Float32, FlushesInto: InputToExcitatory)]
            : [];
        return new NetworkDescription(
            $"FSpiNN N={neurons} {weight}",
            [
                InputPopulation(),
                new Population(Excitatory, neurons,
                [
                    new StateVariable("v", Precision.Float32),
                    new StateVariable("input", Precision.Float32),
                    new StateVariable("theta", Precision.Float32),
                    new StateVariable("refractory", Precision.Fixed(8)),
                ]),
            ],
            [
                new Projection(InputToExcitatory, Input, Excitatory, ConnectivityKind.AllToAll, WeightStorage.Dense, weight, Plastic: true),
                new Projection(Lateral, Excitatory, Excitatory, ConnectivityKind.AllButSelf, lateralStorage, weight, Plastic: false),
            ],
            new AssignmentTable(neurons, AssignmentBits(classes)),
            buffers);
    }

    private static Population InputPopulation() =>
        new(Input, InputSize, [StateVariable.Trace("x_pre", Precision.Float32)], IsInput: true);
}
