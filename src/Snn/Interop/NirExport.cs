using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using PureHDF;

namespace FSpiNN.Snn.Interop;

/// <summary>
/// A trained network as a NIR graph (Neuromorphic Intermediate Representation, HDF5 file layout of NIR 1.x), for
/// snnTorch, Norse, Lava, Sinabs and other NIR readers. Inference only: what NIR cannot express (STDP, adaptive
/// thresholds, refractory periods, Poisson input, BindsNET's one-spike rule, conductance synapses, per-synapse delays)
/// is frozen, left out or refused; docs/interop.md lists each case.
/// </summary>
/// <remarks>
/// Mapping (current-based networks): Input (inputs) → Linear (N × inputs, the learned weights) → LIF "exc"; the
/// inhibition as Linear (N × N) feedback into "exc", either directly (lateral) or through a second LIF population
/// "inh" (inhibitory layer); "exc" → Output. Units: time in seconds, voltage in mV. NIR's LIF is
/// τ·dv/dt = (v_leak − v) + R·I; with R = τ/dt an input spike of weight w moves v by w at the simulation step dt given
/// in the graph's metadata, as in fspinn's delta synapses. Each neuron's threshold is v_threshold − θ_offset + θ_j
/// with θ frozen at its trained value, as fspinn tests.
/// </remarks>
public static class NirExport
{
    /// <summary>The NIR release whose file layout this follows (root "version", graph under "node").</summary>
    public const string NirVersion = "1.0.0";

    public static void Write(SnnModel model, string path)
    {
        var c = model.Config;
        if (c.NeuronModel == NeuronModel.Conductance)
            throw new InteropException(path,
                $"the '{c.Preset}' network uses conductance-based synapses (neuron_model=conductance), which no NIR node represents " +
                "(NIR's LIF and CubaLIF are current-based); export it with --npz instead");
        if (c.NeuronModel != NeuronModel.Current)
            throw new InteropException(path,
                $"the '{c.Preset}' network's neurons (neuron_model={ParameterTable.Get(c, "neuron_model")}) are not leaky integrate-and-fire, " +
                "the only neurons this NIR export writes; export it with --npz instead");
        if (model.DelaySteps is not null)
            throw new InteropException(path, "the network has a delay per input synapse, which NIR's Delay node (one per neuron) cannot represent; export it with --npz instead");

        var n = model.Neurons;
        var dtSeconds = c.Dt / 1000;
        var nodes = new H5Group
        {
            ["input"] = Node("Input", ("shape", Vector([(long)model.InputSize]))),
            ["input_weights"] = Node("Linear", ("weight", Transposed(model.Weights.ToFloatArray(), model.InputSize, n))),
            ["exc"] = Lif(n, c.ExcTauMembrane, c.Dt, c.ExcRest, c.ExcReset,
                [.. model.Theta.Select(theta => (float)(c.ExcThreshold - c.ThetaOffset + theta))]),
            ["output"] = Node("Output", ("shape", Vector([(long)n]))),
        };
        var edges = new List<(string From, string To)> { ("input", "input_weights"), ("input_weights", "exc"), ("exc", "output") };
        if (c.Inhibition == InhibitionKind.Layer)
        {
            nodes["exc_to_inh"] = Node("Linear", ("weight", Matrix(n, n, (i, j) => i == j ? (float)c.ExcToInhWeight : 0f)));
            nodes["inh"] = Lif(n, c.InhTauMembrane, c.Dt, c.InhRest, c.InhReset, Enumerable.Repeat((float)c.InhThreshold, n).ToArray());
            nodes["inh_to_exc"] = Node("Linear", ("weight", Matrix(n, n, (i, j) => i == j ? 0f : -(float)c.InhToExcWeight)));
            edges.AddRange([("exc", "exc_to_inh"), ("exc_to_inh", "inh"), ("inh", "inh_to_exc"), ("inh_to_exc", "exc")]);
        }
        else
        {
            nodes["lateral_inhibition"] = Node("Linear", ("weight", Matrix(n, n, (i, j) => i == j ? 0f : -(float)c.LateralInhibition)));
            edges.AddRange([("exc", "lateral_inhibition"), ("lateral_inhibition", "exc")]);
        }

        var metadata = new H5Group
        {
            ["source"] = "fspinn",
            ["preset"] = c.Preset,
            ["dt"] = dtSeconds,
            ["time_unit"] = "s",
            ["voltage_unit"] = "mV",
            ["presentation_s"] = c.PresentationMs / 1000,
            ["max_input_rate_hz"] = c.MaxInputRate,
            ["weights"] = c.Quantize == QuantizationMode.None
                ? "float32"
                : $"{c.WeightBits}-bit fixed point Q{c.WeightBits - c.EffectiveFractionBits}.{c.EffectiveFractionBits}, exported as its real values",
        };
        if (model.IsLabelled)
            metadata["class_of_output"] = Vector([.. model.Assignments.Select(a => (long)a)]);

        var flatEdges = edges.SelectMany(e => new[] { e.From, e.To }).ToArray();
        var graph = new H5Group
        {
            ["type"] = "NIRGraph",
            ["nodes"] = nodes,
            ["edges"] = new H5Dataset(flatEdges, fileDims: [(ulong)edges.Count, 2]),
            ["metadata"] = metadata,
        };
        var file = new H5File
        {
            ["version"] = NirVersion,
            ["node"] = graph,
        };

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            file.Write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A NIR LIF population; R = τ/dt so that a spike of weight w moves v by w (see the class remarks).</summary>
    private static H5Group Lif(int n, double tauMs, double dtMs, double rest, double reset, float[] thresholds) =>
        Node("LIF",
            ("tau", Filled(n, (float)(tauMs / 1000))),
            ("r", Filled(n, (float)(tauMs / dtMs))),
            ("v_leak", Filled(n, (float)rest)),
            ("v_threshold", Vector(thresholds)),
            ("v_reset", Filled(n, (float)reset)));

    private static H5Group Node(string type, params (string Name, object Value)[] fields)
    {
        var group = new H5Group { ["type"] = type };
        foreach (var (name, value) in fields) group[name] = value;
        return group;
    }

    private static H5Dataset Vector<T>(T[] values) => new(values, fileDims: [(ulong)values.Length]);

    private static H5Dataset Filled(int n, float value) => Vector(Enumerable.Repeat(value, n).ToArray());

    private static H5Dataset Matrix(int rows, int cols, Func<int, int, float> value)
    {
        var m = new float[rows * cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                m[i * cols + j] = value(i, j);
        return new H5Dataset(m, fileDims: [(ulong)rows, (ulong)cols]);
    }

    /// <summary>Our (inputs × N) row-major weights as NIR's (N × inputs): y = W·x.</summary>
    private static H5Dataset Transposed(float[] weights, int inputs, int n) => Matrix(n, inputs, (j, i) => weights[i * n + j]);
}
