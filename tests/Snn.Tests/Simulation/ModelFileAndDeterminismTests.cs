using System.Security.Cryptography;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Reproducibility (same seed, any thread count) and model files (round trip, corruption detection).</summary>
public sealed class ModelFileAndDeterminismTests
{
    private static readonly FSpiNN.Snn.Data.Dataset Train = Digits(30, seed: 1);
    private static readonly FSpiNN.Snn.Data.Dataset Held = Digits(40, seed: 2);
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fspinn-simtests-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static SnnModel Trained(NetworkConfig config, ulong seed, int threads)
    {
        var model = SnnModel.Create(config, Train.PixelsPerImage, seed);
        Protocol.Train(model, Train, samples: 0, epochs: 1);
        Protocol.Label(model, Train, threads: threads);
        return model;
    }

    private static string Fingerprint(TestReport r) =>
        $"{r.AccuracyAllActivity:R} {r.AccuracyProportion:R} {r.MeanSpikesPerExample:R} {r.Retries} " +
        string.Join(",", r.Confusion.Cast<int>()) + " " + string.Join(",", r.ConfusionProportion.Cast<int>()) + " " + WorkCountsJson.Serialize(r.Counts);

    [TestCase("fspinn")]
    [TestCase("bindsnet")]
    [TestCase("dc2015")]
    public void SameSeed_GivesBitIdenticalWeightsThresholdsAndResults_WithOneOrTwoThreads(string preset)
    {
        var config = TinyPreset(preset);
        var one = Trained(config, seed: 42, threads: 1);
        var two = Trained(config, seed: 42, threads: 2);
        var other = Trained(config, seed: 43, threads: 2);
        var reportOne = Protocol.Test(one, Held, threads: 1);
        var reportTwo = Protocol.Test(two, Held, threads: 2);
        var reportThree = Protocol.Test(two, Held, threads: 3); // chunks taken in a different interleaving
        Assert.Multiple(() =>
        {
            Assert.That(two.Weights.RawBytes.ToArray(), Is.EqualTo(one.Weights.RawBytes.ToArray()), "weights");
            Assert.That(two.Theta, Is.EqualTo(one.Theta), "thresholds");
            Assert.That(one.Theta, Has.Some.Not.EqualTo((float)config.ThetaInit), "training adapted some threshold");
            Assert.That(two.Assignments, Is.EqualTo(one.Assignments), "labels");
            Assert.That(two.ClassRates, Is.EqualTo(one.ClassRates));
            Assert.That(Fingerprint(reportTwo), Is.EqualTo(Fingerprint(reportOne)), "accuracy, confusions and counts");
            Assert.That(Fingerprint(reportThree), Is.EqualTo(Fingerprint(reportOne)), "three workers");
            Assert.That(reportOne.MeanSpikesPerExample, Is.GreaterThan(0), "the network responds");
            Assert.That(other.Weights.RawBytes.ToArray(), Is.Not.EqualTo(one.Weights.RawBytes.ToArray()), "a different seed differs");
        });
    }

    private static void AssertSameModel(SnnModel loaded, SnnModel model)
    {
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Config, Is.EqualTo(model.Config));
            Assert.That(loaded.InputSize, Is.EqualTo(model.InputSize));
            Assert.That(loaded.Seed, Is.EqualTo(model.Seed));
            Assert.That(loaded.ExamplesTrained, Is.EqualTo(model.ExamplesTrained));
            Assert.That(loaded.Weights.IsQuantized, Is.EqualTo(model.Weights.IsQuantized));
            Assert.That(loaded.Weights.Format, Is.EqualTo(model.Weights.Format));
            Assert.That(loaded.Weights.Rounding, Is.EqualTo(model.Weights.Rounding));
            Assert.That(loaded.Weights.StorageBytes, Is.EqualTo(model.Weights.StorageBytes));
            Assert.That(loaded.Weights.RawBytes.ToArray(), Is.EqualTo(model.Weights.RawBytes.ToArray()));
            Assert.That(loaded.Theta, Is.EqualTo(model.Theta));
            Assert.That(loaded.DelaySteps, Is.EqualTo(model.DelaySteps));
            Assert.That(loaded.IsLabelled, Is.EqualTo(model.IsLabelled));
            Assert.That(loaded.Assignments, Is.EqualTo(model.Assignments));
            Assert.That(loaded.ClassRates, Is.EqualTo(model.ClassRates));
            Assert.That(WorkCountsJson.Serialize(loaded.TrainingCounts), Is.EqualTo(WorkCountsJson.Serialize(model.TrainingCounts)));
        });
    }

    [TestCase("fspinn")]
    [TestCase("dc2015")]
    public void SaveLoad_RoundTripsEverything_AndTheLoadedModelTestsIdentically(string preset)
    {
        var model = Trained(TinyPreset(preset), seed: 5, threads: 1);
        var path = Path.Combine(_directory, "m.fspinn");
        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);
        AssertSameModel(loaded, model);
        Assert.That(Fingerprint(Protocol.Test(loaded, Held, threads: 2)), Is.EqualTo(Fingerprint(Protocol.Test(model, Held, threads: 2))));
        Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { path }), "no temporary file left behind");
    }

    [TestCase(12, RoundingMode.Nearest)]
    [TestCase(4, RoundingMode.Stochastic)]
    [TestCase(20, RoundingMode.Truncate)]
    public void SaveLoad_RoundTripsPostTrainingQuantizedWeights(int bits, RoundingMode rounding)
    {
        var model = Trained(TinyPreset("bindsnet"), seed: 6, threads: 1);
        model.QuantizeWeights(bits, bits - 1, rounding);
        var path = Path.Combine(_directory, "q.fspinn");
        ModelFile.Save(model, path);
        AssertSameModel(ModelFile.Load(path), model);
    }

    private byte[] SavedBytes()
    {
        var path = Path.Combine(_directory, "good.fspinn");
        ModelFile.Save(Trained(TinyPreset("fspinn"), seed: 7, threads: 1), path);
        return File.ReadAllBytes(path);
    }

    private void AssertRejected(byte[] bytes, string because, string? problem = null)
    {
        var path = Path.Combine(_directory, "bad.fspinn");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path), because);
        Assert.That(e!.Path, Is.EqualTo(path), because);
        Assert.That(e.Message, Does.StartWith(path), because);
        if (problem is not null) Assert.That(e.Message, Does.Contain(problem), because);
    }

    [Test]
    public void FlippedByteAnywhere_IsDetected()
    {
        var good = SavedBytes();
        var positions = new[] { 0, 7, 8, 12, 40, good.Length / 3, good.Length / 2, good.Length - 33, good.Length - 32, good.Length - 1 };
        Assert.Multiple(() =>
        {
            foreach (var position in positions)
            {
                var bad = (byte[])good.Clone();
                bad[position] ^= 0x10;
                AssertRejected(bad, $"byte {position} of {good.Length} flipped");
            }
        });
    }

    [Test]
    public void TruncatedFile_IsDetected()
    {
        var good = SavedBytes();
        Assert.Multiple(() =>
        {
            foreach (var length in new[] { 0, 3, 8, 20, 44, good.Length / 2, good.Length - 32, good.Length - 1 })
                AssertRejected(good[..length], $"truncated to {length} bytes");
        });
    }

    [Test]
    public void ForeignFiles_AreRejected()
    {
        var random = new byte[4096];
        new Random(3).NextBytes(random);
        Assert.Multiple(() =>
        {
            AssertRejected("{\"neurons\": 100}\n"u8.ToArray(), "a JSON file", "not an fspinn model file");
            AssertRejected([0x1f, 0x8b, 0x08, 0x00, .. random[..200]], "a gzip file", "not an fspinn model file");
            AssertRejected(random, "random bytes", "not an fspinn model file");
            AssertRejected([.. "FSPINNM\0"u8, .. random[..100]], "our magic followed by garbage", "checksum");
        });
    }

    private static byte[] Rehashed(ReadOnlySpan<byte> body) => [.. body, .. SHA256.HashData(body)];

    [Test]
    public void ValidChecksumButUnsupportedVersion_IsRejected()
    {
        var good = SavedBytes();
        var body = good[..^32];
        BitConverter.TryWriteBytes(body.AsSpan(8, 4), ModelFile.FormatVersion + 1);
        AssertRejected(Rehashed(body), "a future version", "format version");
    }

    [Test]
    public void ValidChecksumOverTruncatedContent_IsRejectedAsMalformed()
    {
        var good = SavedBytes();
        Assert.Multiple(() =>
        {
            foreach (var length in new[] { 12, 13, 60, good.Length / 2, good.Length - 40 })
                AssertRejected(Rehashed(good.AsSpan(0, length)), $"body cut at {length} and re-hashed", "malformed");
        });
    }

    /// <summary>Offsets of fields in a saved (quantized, delay-free) model, found by reading the format in order.</summary>
    private static (int ConfigLength, int Rounding, int Assignments) Offsets(byte[] file)
    {
        using var r = new BinaryReader(new MemoryStream(file));
        r.ReadBytes(8);
        r.ReadInt32();
        var configLength = (int)r.BaseStream.Position;
        r.ReadString();
        r.ReadInt32();
        r.ReadUInt64();
        r.ReadInt64();
        Assert.That(r.ReadBoolean(), "quantized");
        r.ReadInt32();
        r.ReadInt32();
        var rounding = (int)r.BaseStream.Position;
        r.ReadInt32();
        r.ReadBytes(r.ReadInt32());
        r.ReadBytes(4 * r.ReadInt32());
        Assert.That(r.ReadBoolean(), Is.False, "no delays");
        Assert.That(r.ReadBoolean(), "labelled");
        return (configLength, rounding, (int)r.BaseStream.Position);
    }

    [TestCase("length", "malformed")]
    [TestCase("rounding", "rounding mode 9")]
    [TestCase("assignment", "class 12")]
    public void ValidChecksumOverNonsensicalValues_IsRejected(string field, string problem)
    {
        var good = SavedBytes();
        var (configLength, rounding, assignments) = Offsets(good);
        var body = good[..^32];
        switch (field)
        {
            case "length": body.AsSpan(configLength, 5).Fill(0xFF); break; // an invalid 7-bit string length prefix
            case "rounding": BitConverter.TryWriteBytes(body.AsSpan(rounding, 4), 9); break;
            default: BitConverter.TryWriteBytes(body.AsSpan(assignments, 4), 12); break;
        }
        AssertRejected(Rehashed(body), field, problem);
    }

    [Test]
    public void MissingFile_IsReported()
    {
        Assert.Multiple(() =>
        {
            var missing = Path.Combine(_directory, "nope.fspinn");
            Assert.That(() => ModelFile.Load(missing), Throws.TypeOf<ModelFileException>().With.Message.Contains("not found"));
            var missingDirectory = Path.Combine(_directory, "no-such-dir", "m.fspinn");
            Assert.That(() => ModelFile.Load(missingDirectory), Throws.TypeOf<ModelFileException>().With.Message.Contains("not found"));
            Assert.That(() => ModelFile.Load(_directory), Throws.TypeOf<ModelFileException>(), "a directory");
        });
    }
}
