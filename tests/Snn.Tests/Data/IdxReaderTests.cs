using System.Security.Cryptography;
using FSpiNN.Snn.Data;
using static FSpiNN.Snn.Tests.Data.IdxTestFiles;

namespace FSpiNN.Snn.Tests.Data;

[TestFixture]
public sealed class IdxReaderTests
{
    [Test]
    public void Sample_test_split_reads_with_sizes_labels_and_pixels_of_the_file()
    {
        var raw = Raw(TestImages);
        var labels = Raw(TestLabels);
        var data = Read(Gzip(TestImages), Gzip(TestLabels), "s");

        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(200));
            Assert.That((data.Rows, data.Cols, data.PixelsPerImage), Is.EqualTo((28, 28, 784)));
            Assert.That(data.Pixels.Length, Is.EqualTo(200 * 784));
            Assert.That(data.CountsPerClass(), Is.EqualTo(Enumerable.Repeat(20, 10).ToArray()));
            Assert.That(data.Image(7).ToArray(), Is.EqualTo(raw.AsSpan(16 + 7 * 784, 784).ToArray()));
            Assert.That(data.Label(199), Is.EqualTo(labels[8 + 199]));
            Assert.That(data.ImagesSha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(raw))));
            Assert.That(data.LabelsSha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(labels))));
        });
    }

    [Test]
    public void Raw_gzip_and_forward_only_streams_give_the_same_dataset()
    {
        var fromGzip = Read(Gzip(TestImages), Gzip(TestLabels));
        var fromRaw = Read(Raw(TestImages), Raw(TestLabels));
        var fromForwardOnly = IdxReader.Read(new ForwardOnlyStream(Gzip(TestImages)), new ForwardOnlyStream(Raw(TestLabels)), "f", "i", "l");

        Assert.Multiple(() =>
        {
            Assert.That(fromRaw.Pixels.ToArray(), Is.EqualTo(fromGzip.Pixels.ToArray()));
            Assert.That(fromForwardOnly.Pixels.ToArray(), Is.EqualTo(fromGzip.Pixels.ToArray()));
            Assert.That(fromRaw.Labels.ToArray(), Is.EqualTo(fromGzip.Labels.ToArray()));
            Assert.That(fromRaw.ImagesSha256, Is.EqualTo(fromGzip.ImagesSha256));
            Assert.That(fromForwardOnly.LabelsSha256, Is.EqualTo(fromGzip.LabelsSha256));
        });
    }

    [Test]
    public void Reading_from_paths_detects_gzip_by_content_not_name()
    {
        var dir = Directory.CreateTempSubdirectory("fspinn-idx-");
        try
        {
            var images = Path.Combine(dir.FullName, "images.raw"); // gzip content under a misleading name
            var labels = Path.Combine(dir.FullName, "labels.gz");  // raw content under a misleading name
            File.WriteAllBytes(images, Gzip(TestImages));
            File.WriteAllBytes(labels, Raw(TestLabels));
            var data = IdxReader.Read(images, labels, "paths");
            Assert.That(data.Count, Is.EqualTo(200));
            Assert.That(IdxReader.UncompressedSha256(images), Is.EqualTo(data.ImagesSha256));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static IdxFormatException Fails(byte[] images, byte[] labels) =>
        Assert.Throws<IdxFormatException>(() => Read(images, labels))!;

    [Test]
    public void Empty_file_is_reported_as_empty_naming_the_file()
    {
        var e = Fails([], Labels(1));
        Assert.Multiple(() =>
        {
            Assert.That(e.Problem, Is.EqualTo(IdxProblem.Empty));
            Assert.That(e.File, Is.EqualTo("images.idx"));
            Assert.That(e.Message, Does.StartWith("images.idx: "));
        });
    }

    [Test]
    public void Empty_gzip_content_and_zero_examples_are_empty()
    {
        Assert.That(Fails(Compress([]), Labels(1)).Problem, Is.EqualTo(IdxProblem.Empty));
        Assert.That(Fails(Images(0, 28, 28), Labels()).Problem, Is.EqualTo(IdxProblem.Empty));
    }

    [Test]
    public void Gzip_stream_cut_inside_its_header_is_truncated_not_empty()
    {
        Assert.That(Fails(Gzip(TestImages)[..6], Gzip(TestLabels)).Problem, Is.EqualTo(IdxProblem.Truncated));
    }

    [Test]
    public void Wrong_magic_is_reported()
    {
        var e = Fails(Images(1, 2, 2, magic: 0x12345678), Labels(1));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.WrongMagic));
        Assert.That(e.Message, Does.Contain("0x12345678"));
    }

    [Test]
    public void Swapped_images_and_labels_are_a_wrong_dimension_count_with_a_hint()
    {
        var e = Fails(Labels(1, 2), Images(2, 2, 2));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.WrongDimensionCount));
        Assert.That(e.Message, Does.Contain("swapped"));
    }

    [TestCase(0u, 28u)]
    [TestCase(28u, 5000u)]
    public void Absurd_image_sides_are_rejected(uint rows, uint cols)
    {
        var e = Fails(Images(1, rows, cols, pixels: []), Labels(1));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.AbsurdDimensions));
    }

    [Test]
    public void A_header_declaring_gigabytes_is_rejected_before_allocating()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Fails(Images(uint.MaxValue, 28, 28, pixels: new byte[784]), LabelsDeclaring(uint.MaxValue, [1]));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.AbsurdDimensions));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
    }

    [Test]
    public void A_large_lying_header_in_a_forward_only_gzip_stream_is_truncated_without_allocating_its_size()
    {
        // 1,000,000 images declared (784 MB), 2 present: the reader may not allocate the declared size up front.
        var images = Compress(Images(1_000_000, 28, 28, pixels: new byte[2 * 784]));
        var labels = LabelsDeclaring(1_000_000, new byte[1_000_000]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() =>
            IdxReader.Read(new ForwardOnlyStream(images), new MemoryStream(labels), "x", "images.gz", "labels"));
        Assert.That(e!.Problem, Is.EqualTo(IdxProblem.Truncated));
        Assert.That(e.File, Is.EqualTo("images.gz"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(100L << 20));
    }

    [Test]
    public void Image_and_label_count_mismatch_is_reported_naming_both_counts()
    {
        var e = Fails(Images(3, 2, 2), Labels(1, 2));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.CountMismatch));
        Assert.That(e.Message, Does.Contain("2 labels").And.Contain("3 images"));
    }

    [Test]
    public void Truncated_raw_data_is_reported()
    {
        var images = Images(3, 2, 2);
        var e = Fails(images[..^1], Labels(1, 2, 3));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.Truncated));
    }

    [Test]
    public void Truncated_header_is_reported()
    {
        Assert.That(Fails(Images(3, 2, 2)[..10], Labels(1, 2, 3)).Problem, Is.EqualTo(IdxProblem.Truncated));
        Assert.That(Fails(Images(3, 2, 2)[..3], Labels(1, 2, 3)).Problem, Is.EqualTo(IdxProblem.Truncated));
    }

    [Test]
    public void Truncated_gzip_stream_is_reported_as_truncated_or_corrupt()
    {
        var gz = Gzip(TestImages);
        var e = Fails(gz[..(gz.Length / 2)], Gzip(TestLabels));
        Assert.That(e.Problem, Is.AnyOf(IdxProblem.Truncated, IdxProblem.GzipCorrupt));
    }

    [Test]
    public void Trailing_bytes_after_the_data_are_reported()
    {
        Assert.That(Fails(Images(1, 2, 2), [.. Labels(1), 0]).Problem, Is.EqualTo(IdxProblem.TrailingData));
        Assert.That(Fails(Compress([.. Images(1, 2, 2), 7, 7]), Labels(1)).Problem, Is.EqualTo(IdxProblem.TrailingData));
    }

    [Test]
    public void Label_out_of_range_is_reported_with_its_index()
    {
        var e = Fails(Images(3, 2, 2), Labels(1, 10, 3));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.LabelOutOfRange));
        Assert.That(e.File, Is.EqualTo("labels.idx"));
        Assert.That(e.Message, Does.Contain("label 10 at index 1"));
    }

    [Test]
    public void Corrupt_deflate_data_is_reported_as_gzip_corrupt()
    {
        var gz = (byte[])Gzip(TestImages).Clone();
        for (var i = 100; i < 140; i++)
            gz[i] ^= 0xA5;
        var e = Fails(gz, Gzip(TestLabels));
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.GzipCorrupt));
        Assert.That(e.InnerException, Is.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void Gzip_crc_mismatch_is_detected()
    {
        var gz = (byte[])Gzip(TestLabels).Clone();
        gz[^8] ^= 0xFF; // first byte of the CRC32 in the gzip trailer
        var e = Fails(Gzip(TestImages), gz);
        Assert.That(e.Problem, Is.EqualTo(IdxProblem.GzipCorrupt));
    }
}
