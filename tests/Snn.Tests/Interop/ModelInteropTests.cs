using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Interop;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;
using PureHDF;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Interop;

/// <summary>
/// Export to .npz and NIR, import from .npz (ours and BindsNET's layout), and the training-data fingerprint of model
/// files: tiny networks on synthetic 4×5 digits, so every case trains in milliseconds.
/// </summary>
public sealed class ModelInteropTests
{
    private static readonly Dataset Train = Digits(30, seed: 1);
    private static readonly Dataset Held = Digits(40, seed: 2);
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fspinn-interop-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static NetworkConfig Tiny(string preset) => NetworkPresets.Create(preset, 6) with
    {
        PresentationMs = 40,
        MaxInputRate = 500,
        InitScale = 1,
        NormalizationTarget = 8,
    };

    private static SnnModel Trained(string preset, ulong seed = 7)
    {
        var model = SnnModel.Create(Tiny(preset), Train.PixelsPerImage, seed);
        Protocol.Train(model, Train, samples: 0, epochs: 1);
        Protocol.Label(model, Train);
        return model;
    }

    private static string Outcome(TestReport r) =>
        $"{r.AccuracyAllActivity:R} {r.AccuracyProportion:R} {string.Join(",", r.Confusion.Cast<int>())} {string.Join(",", r.ConfusionProportion.Cast<int>())}";

    private SnnModel RoundTrip(SnnModel model, Func<NpzContents, NetworkConfig>? config = null, ulong? seed = null)
    {
        var path = Path.Combine(_directory, "m.npz");
        ModelNpz.Export(model, path);
        var contents = ModelNpz.Read(path);
        var chosen = config?.Invoke(contents) ?? ParameterTable.Apply(contents.Config!, contents.InhibitionSettings);
        return ModelNpz.ToModel(contents, chosen, seed ?? contents.Seed!.Value).Model;
    }

    [TestCase("bindsnet")]
    [TestCase("fspinn")]
    public void Our_export_imports_to_the_same_weights_labels_and_test_results(string preset)
    {
        var model = Trained(preset);
        var imported = RoundTrip(model);
        Assert.Multiple(() =>
        {
            Assert.That(imported.Config, Is.EqualTo(model.Config));
            Assert.That(imported.Weights.RawBytes.ToArray(), Is.EqualTo(model.Weights.RawBytes.ToArray()), "weights, bit for bit (8-bit codes for fspinn)");
            Assert.That(imported.Theta, Is.EqualTo(model.Theta));
            Assert.That(imported.Assignments, Is.EqualTo(model.Assignments));
            Assert.That(imported.ClassRates, Is.EqualTo(model.ClassRates));
            Assert.That(imported.Seed, Is.EqualTo(model.Seed));
            Assert.That(imported.TrainingData, Is.EqualTo(model.TrainingData));
            Assert.That(Outcome(Protocol.Test(imported, Held)), Is.EqualTo(Outcome(Protocol.Test(model, Held))));
        });
    }

    /// <summary>
    /// The BindsNET round trip: only the arrays a BindsNET user saves (weights and theta as float64, the two inhibitory
    /// matrices; no labels, no config), imported under the bindsnet preset and labelled on the same data with the same
    /// seed, classifies exactly as the model the arrays came from.
    /// </summary>
    [Test]
    public void BindsNet_arrays_without_labels_or_config_import_to_the_same_accuracy()
    {
        var model = Trained("bindsnet");
        var n = model.Neurons;
        var path = Path.Combine(_directory, "bindsnet.npz");
        var ours = NpzReader.Read(WriteExport(model));
        new NpzWriter()
            .Add(ModelNpz.InputWeights, [.. ours[ModelNpz.InputWeights].Numbers.Select(v => (float)v)], model.InputSize, n)
            .Add(ModelNpz.Theta, [.. ours[ModelNpz.Theta].Numbers.Select(v => (float)v)], n)
            .Add(ModelNpz.ExcToInh, [.. ours[ModelNpz.ExcToInh].Numbers.Select(v => (float)v)], n, n)
            .Add(ModelNpz.InhToExc, [.. ours[ModelNpz.InhToExc].Numbers.Select(v => (float)v)], n, n)
            .Save(path);

        var contents = ModelNpz.Read(path);
        Assert.That(contents.Config, Is.Null);
        Assert.That(contents.HasLabels, Is.False);
        // what `fspinn import --network bindsnet` does, with the tiny test network's settings in place of --set
        var config = ParameterTable.Apply(Tiny("bindsnet") with { InhToExcWeight = 1, ExcToInhWeight = 1 }, contents.InhibitionSettings);
        var (imported, _) = ModelNpz.ToModel(contents, config, seed: model.Seed);
        Protocol.Label(imported, Train);
        Assert.Multiple(() =>
        {
            Assert.That(config.InhToExcWeight, Is.EqualTo(model.Config.InhToExcWeight), "I→E strength read from the matrix");
            Assert.That(config.ExcToInhWeight, Is.EqualTo(model.Config.ExcToInhWeight), "E→I strength read from the matrix");
            Assert.That(imported.Assignments, Is.EqualTo(model.Assignments));
            Assert.That(Outcome(Protocol.Test(imported, Held)), Is.EqualTo(Outcome(Protocol.Test(model, Held))));
        });
    }

    private string WriteExport(SnnModel model)
    {
        var path = Path.Combine(_directory, $"export-{Guid.NewGuid():N}.npz");
        ModelNpz.Export(model, path);
        return path;
    }

    [Test]
    public void Missing_weights_are_refused_listing_the_arrays_found()
    {
        var path = Path.Combine(_directory, "bad.npz");
        new NpzWriter().Add("weights", new float[12], 3, 4).Add(ModelNpz.Theta, new float[4], 4).Save(path);
        var e = Assert.Throws<InteropException>(() => ModelNpz.Read(path));
        Assert.That(e!.Message, Does.Contain("no array 'X_to_Ae'").And.Contain("connections[('X', 'Ae')].w").And.Contain("theta, weights"));
    }

    [Test]
    public void A_theta_of_the_wrong_length_is_refused_with_both_shapes()
    {
        var path = Path.Combine(_directory, "bad.npz");
        new NpzWriter().Add(ModelNpz.InputWeights, new float[12], 3, 4).Add(ModelNpz.Theta, new float[3], 3).Save(path);
        var e = Assert.Throws<InteropException>(() => ModelNpz.Read(path));
        Assert.That(e!.Message, Does.Contain("'theta' has shape (3,), expected (4,)"));
    }

    [Test]
    public void Inhibition_that_is_not_one_strength_is_refused()
    {
        var path = Path.Combine(_directory, "bad.npz");
        float[] lateral = [0, -2, -2, -3, 0, -2, -2, -2, 0];
        new NpzWriter().Add(ModelNpz.InputWeights, new float[6], 2, 3).Add(ModelNpz.Theta, new float[3], 3)
            .Add(ModelNpz.Lateral, lateral, 3, 3).Save(path);
        var e = Assert.Throws<InteropException>(() => ModelNpz.Read(path));
        Assert.That(e!.Message, Does.Contain("'Ae_to_Ae' is not uniform"));
    }

    [Test]
    public void Assignments_outside_the_classes_are_refused()
    {
        var path = Path.Combine(_directory, "bad.npz");
        new NpzWriter().Add(ModelNpz.InputWeights, new float[6], 2, 3).Add(ModelNpz.Theta, new float[3], 3)
            .Add(ModelNpz.Assignments, [0L, 10L, -1L], 3).Save(path);
        var e = Assert.Throws<InteropException>(() => ModelNpz.Read(path));
        Assert.That(e!.Message, Does.Contain("'assignments'[1] is 10"));
    }

    [Test]
    public void The_nir_graph_holds_the_transposed_weights_thresholds_with_theta_and_the_inhibition_loop()
    {
        var model = Trained("bindsnet");
        var n = model.Neurons;
        var path = Path.Combine(_directory, "m.nir");
        NirExport.Write(model, path);

        using var file = H5File.OpenRead(path);
        var graph = file.Group("node");
        var weights = graph.Group("nodes").Group("input_weights").Dataset("weight");
        var w = weights.Read<float[]>();
        var thresholds = graph.Group("nodes").Group("exc").Dataset("v_threshold").Read<float[]>();
        var edges = graph.Dataset("edges").Read<string[]>();
        Assert.Multiple(() =>
        {
            Assert.That(file.Dataset("version").Read<string>(), Is.EqualTo(NirExport.NirVersion));
            Assert.That(graph.Dataset("type").Read<string>(), Is.EqualTo("NIRGraph"));
            Assert.That(graph.Group("nodes").Group("exc").Dataset("type").Read<string>(), Is.EqualTo("LIF"));
            Assert.That(weights.Space.Dimensions, Is.EqualTo(new ulong[] { (ulong)n, (ulong)model.InputSize }));
            Assert.That(w[3 * model.InputSize + 5], Is.EqualTo(model.Weights[5, 3]), "NIR weight[j, i] = our weight[i, j]");
            Assert.That(thresholds[2], Is.EqualTo((float)(model.Config.ExcThreshold + model.Theta[2])));
            Assert.That(edges, Is.EqualTo(new[]
            {
                "input", "input_weights", "input_weights", "exc", "exc", "output",
                "exc", "exc_to_inh", "exc_to_inh", "inh", "inh", "inh_to_exc", "inh_to_exc", "exc",
            }));
        });
    }

    [Test]
    public void A_conductance_network_is_not_exported_to_nir_and_says_why()
    {
        var model = SnnModel.Create(NetworkPresets.Dc2015(4), 20, seed: 1);
        var path = Path.Combine(_directory, "dc.nir");
        var e = Assert.Throws<InteropException>(() => NirExport.Write(model, path));
        Assert.That(e!.Message, Does.Contain("conductance-based").And.Contain("--npz"));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void Model_files_keep_the_training_data_fingerprint()
    {
        var model = Trained("fspinn");
        var path = Path.Combine(_directory, "m.model");
        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);
        Assert.That(loaded.TrainingData, Is.EqualTo(new DataFingerprint("synthetic/digits", null, null)));
    }

    [Test]
    public void A_format_1_model_file_still_loads_and_tests_as_it_did()
    {
        // written by the build before format 2 (see the commit adding it): fspinn, N = 4, 50 sample images; test on 40: 15.00 %
        var model = ModelFile.Load(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "format-v1-fspinn-n4.model"));
        var report = Protocol.Test(model, DatasetCatalog.Load(null).Test!, samples: 40);
        Assert.Multiple(() =>
        {
            Assert.That(model.TrainingData, Is.Null);
            Assert.That(model.ExamplesTrained, Is.EqualTo(50));
            Assert.That(report.AccuracyAllActivity, Is.EqualTo(0.15));
        });
    }

    [Test]
    public void Testing_on_another_dataset_is_flagged_and_on_the_same_domain_is_not()
    {
        var sample = DatasetCatalog.Load(null);
        var fashion = DatasetCatalog.FashionMnist;
        var trainedOnFashion = new DataFingerprint("fashion-mnist/train",
            fashion.File(DatasetSplit.Train, IdxKind.Images).UncompressedSha256, fashion.File(DatasetSplit.Train, IdxKind.Labels).UncompressedSha256);
        var trainedOnMnist = new DataFingerprint("mnist/train",
            DatasetCatalog.Mnist.File(DatasetSplit.Train, IdxKind.Images).UncompressedSha256, null);
        var trainedOnSample = DataFingerprint.Of(sample.Train);
        var trainedOnOtherFiles = new DataFingerprint("mine/train", new string('a', 64), null);
        Assert.Multiple(() =>
        {
            Assert.That(trainedOnFashion.MismatchWith(sample), Does.Contain("Fashion-MNIST vs MNIST").And.Contain("fashion-mnist/train"));
            Assert.That(trainedOnMnist.MismatchWith(sample), Is.Null, "the embedded sample is MNIST");
            Assert.That(trainedOnSample.KnownDomain, Is.EqualTo("mnist"));
            Assert.That(trainedOnSample.MismatchWith(sample), Is.Null);
            Assert.That(trainedOnOtherFiles.MismatchWith(sample), Does.Contain("mine/train").And.Contain("aaaaaaaaaaaa"));
        });
    }
}
