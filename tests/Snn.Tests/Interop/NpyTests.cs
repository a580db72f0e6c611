using System.IO.Compression;
using FSpiNN.Snn.Interop;

namespace FSpiNN.Snn.Tests.Interop;

/// <summary>The .npy/.npz reader and writer against the format numpy documents (NEP 1) and writes.</summary>
public sealed class NpyTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fspinn-npy-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Arrays_of_every_written_type_come_back_with_their_shapes_and_values()
    {
        var path = Path.Combine(_directory, "a.npz");
        float[] weights = [0f, 0.5f, -1.25f, 3.4028235e38f, 1e-45f, 7f];
        new NpzWriter()
            .Add("w", weights, 2, 3)
            .Add("labels", [-1L, 9L, 1L << 40], 3)
            .Add("delays", [0, 255, 7, 1], 4, 1)
            .AddText("config", "{\"name\": \"ü→θ\"}")
            .Save(path);

        var arrays = NpzReader.Read(path);
        Assert.Multiple(() =>
        {
            Assert.That(arrays.Keys, Is.EquivalentTo(new[] { "w", "labels", "delays", "config" }));
            Assert.That(arrays["w"].DType, Is.EqualTo("<f4"));
            Assert.That(arrays["w"].Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(arrays["w"].Numbers.Select(v => (float)v), Is.EqualTo(weights));
            Assert.That(arrays["labels"].Numbers, Is.EqualTo(new double[] { -1, 9, 1L << 40 }));
            Assert.That(arrays["delays"].Shape, Is.EqualTo(new[] { 4, 1 }));
            Assert.That(arrays["delays"].Numbers, Is.EqualTo(new double[] { 0, 255, 7, 1 }));
            Assert.That(arrays["config"].Text, Is.EqualTo("{\"name\": \"ü→θ\"}"));
            Assert.That(arrays["config"].Shape, Is.Empty);
        });
    }

    [Test]
    public void The_header_is_numpys_version_1_dictionary_padded_to_64_bytes()
    {
        using var stream = new MemoryStream();
        Npy.Write<float>(stream, new float[100], "<f4", 100);
        var bytes = stream.ToArray();
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Multiple(() =>
        {
            Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }));
            Assert.That((10 + headerLength) % 64, Is.Zero);
            Assert.That(header, Does.StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }").And.EndWith("\n"));
            Assert.That(bytes.Length, Is.EqualTo(10 + headerLength + 400));
        });
    }

    [Test]
    public void A_fortran_order_array_of_doubles_is_read_in_row_major_order()
    {
        // numpy.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores the columns one after the other: 1 4 2 5 3 6
        var header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }".PadRight(117) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
        foreach (var v in new double[] { 1, 4, 2, 5, 3, 6 }) stream.Write(BitConverter.GetBytes(v));
        stream.Position = 0;

        var array = Npy.Read(stream, "f");
        Assert.That(array.Numbers, Is.EqualTo(new double[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void A_file_that_is_not_a_zip_is_refused_naming_it()
    {
        var path = Path.Combine(_directory, "model.npz");
        File.WriteAllText(path, "not a zip");
        var e = Assert.Throws<InteropException>(() => NpzReader.Read(path));
        Assert.That(e!.Message, Does.StartWith(path).And.Contain("not a readable .npz"));
    }

    [Test]
    public void A_truncated_array_is_refused_naming_the_array()
    {
        var path = Path.Combine(_directory, "cut.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("theta.npy").Open())
        {
            using var full = new MemoryStream();
            Npy.Write<float>(full, new float[10], "<f4", 10);
            entry.Write(full.ToArray().AsSpan(0, full.ToArray().Length - 8));
        }
        var e = Assert.Throws<InteropException>(() => NpzReader.Read(path));
        Assert.That(e!.Message, Does.Contain("'theta'").And.Contain("truncated"));
    }
}
