using System.Security.Cryptography;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Tests.Data;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Values that used to be accepted silently or fail late: parameter ranges, crafted model files, mismatched datasets, failed saves.</summary>
public sealed class RefusedInputTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fspinn-refused-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase("presentation_ms", "1e12")]
    [TestCase("rest_ms", "1e12")]
    [TestCase("dt", "0")]
    [TestCase("dt", "-1")]
    [TestCase("neurons", "2147483648")]
    [TestCase("tau_pre", "0")]
    [TestCase("max_retries", "100000")]
    public void ParameterOutsideItsRange_IsRefusedBySet_NamingTheRange(string name, string value)
    {
        var e = Assert.Throws<ConfigException>(() => ParameterTable.Set(NetworkPresets.FSpiNN(10), name, value));
        Assert.That(e!.Message, Does.Contain($"'{name}'").And.Contain("must be in ["));
    }

    [Test]
    public void EveryNumericParameterHasAFiniteRangeThatHoldsEveryPreset()
    {
        foreach (var p in ParameterTable.Parameters.Where(p => p.IsNumeric))
        {
            Assert.That(double.IsFinite(p.Min) && double.IsFinite(p.Max) && p.Min <= p.Max, Is.True, p.Name);
            foreach (var preset in NetworkPresets.Names)
                Assert.DoesNotThrow(() => ParameterTable.Set(new NetworkConfig(), p.Name, p.Get(NetworkPresets.Create(preset, 100))), $"{p.Name} of {preset}");
        }
    }

    [Test]
    public void ConfigBuiltInCode_IsCheckedAgainstTheSameRanges()
    {
        var e = Assert.Throws<ConfigException>(() => (NetworkPresets.FSpiNN(10) with { RestMs = double.NaN }).Validate());
        Assert.That(e!.Parameter, Is.EqualTo("rest_ms"));
        var steps = Assert.Throws<ConfigException>(() => (NetworkPresets.FSpiNN(10) with { Dt = 0.001, PresentationMs = 10_000 }).Validate());
        Assert.That(steps!.Message, Does.Contain("steps"));
    }

    private string SavedModel(Action<SnnModel>? change = null)
    {
        var model = SnnModel.Create(NetworkPresets.FSpiNN(4), 9, seed: 1);
        change?.Invoke(model);
        var path = Path.Combine(_directory, "m.model");
        ModelFile.Save(model, path);
        return path;
    }

    /// <summary>Rewrites a model file's body with <paramref name="edit"/> and recomputes its checksum (a crafted, not a corrupted, file).</summary>
    private static void Craft(string path, Action<byte[]> edit)
    {
        var bytes = File.ReadAllBytes(path);
        var body = bytes[..^32];
        edit(body);
        File.WriteAllBytes(path, [.. body, .. SHA256.HashData(body)]);
    }

    [Test]
    public void ModelFileWithNaNTheta_IsRefusedNamingTheNeuron()
    {
        var path = SavedModel(m => m.Theta[2] = float.NaN);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("theta of neuron 2"));
    }

    [TestCase(int.MaxValue)]
    [TestCase(0)]
    [TestCase(-5)]
    public void ModelFileWithAnImpossibleInputSize_IsRefusedWithItsPath(int inputSize)
    {
        var path = SavedModel();
        Craft(path, body =>
        {
            // the input size follows magic, version and the configuration string
            using var reader = new BinaryReader(new MemoryStream(body));
            reader.ReadBytes(8 + 4);
            reader.ReadString();
            BitConverter.TryWriteBytes(body.AsSpan((int)reader.BaseStream.Position), inputSize);
        });
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain($"input size {inputSize}"));
    }

    [Test]
    public void ModelFileWithAnOutOfRangeParameter_IsRefused()
    {
        var path = SavedModel();
        Craft(path, body =>
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            var at = text.IndexOf("\"rest_ms\":\"0\"", StringComparison.Ordinal);
            Assert.That(at, Is.GreaterThan(0));
            System.Text.Encoding.UTF8.GetBytes("\"rest_ms\":\"9\"").CopyTo(body, at); // same length: 9 ms is fine
        });
        Assert.DoesNotThrow(() => ModelFile.Load(path));
        Craft(path, body =>
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            var at = text.IndexOf("\"rest_ms\":\"9\"", StringComparison.Ordinal);
            System.Text.Encoding.UTF8.GetBytes("\"rest_ms\":\"-\"").CopyTo(body, at);
        });
        Assert.That(() => ModelFile.Load(path), Throws.TypeOf<ModelFileException>().With.Message.Contains("rest_ms"));
    }

    [Test]
    public void FailedSave_LeavesNoTemporaryFile()
    {
        var model = SnnModel.Create(NetworkPresets.FSpiNN(4), 9, seed: 1);
        var folderInTheWay = Directory.CreateDirectory(Path.Combine(_directory, "taken.model")).FullName;
        Assert.That(() => ModelFile.Save(model, folderInTheWay), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
        Assert.That(Directory.GetFileSystemEntries(_directory), Is.EqualTo(new[] { folderInTheWay }), "no .NAME.PID.N.tmp left");
    }

    [Test]
    public void TestImagesOfAnotherSizeThanTrainingImages_AreRefusedWhenTheDatasetIsLoaded()
    {
        var train = IdxTestFiles.Read(IdxTestFiles.Images(2, 28, 28), IdxTestFiles.Labels(1, 2), "a/train");
        var test = IdxTestFiles.Read(IdxTestFiles.Images(2, 32, 32), IdxTestFiles.Labels(1, 2), "b/t10k");
        var e = Assert.Throws<InvalidDataException>(() => _ = new DatasetPair(train, test));
        Assert.That(e!.Message, Does.Contain("32x32").And.Contain("28x28"));
        Assert.DoesNotThrow(() => _ = new DatasetPair(train, IdxTestFiles.Read(IdxTestFiles.Images(1, 28, 28), IdxTestFiles.Labels(3))));
    }
}
