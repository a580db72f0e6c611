using System.Security.Cryptography;
using FSpiNN.Snn.Data;
using static FSpiNN.Snn.Tests.Data.IdxTestFiles;

namespace FSpiNN.Snn.Tests.Data;

[TestFixture]
public sealed class DatasetCatalogTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("fspinn-catalog-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    [Test]
    public void Embedded_sample_is_the_default_with_100_and_20_per_class()
    {
        var pair = DatasetCatalog.Load(null);
        Assert.Multiple(() =>
        {
            Assert.That(pair.Train.Name, Is.EqualTo("mnist-sample/train"));
            Assert.That(pair.Train.Count, Is.EqualTo(1000));
            Assert.That(pair.Train.CountsPerClass(), Is.EqualTo(Enumerable.Repeat(100, 10).ToArray()));
            Assert.That(pair.Test!.Name, Is.EqualTo("mnist-sample/t10k"));
            Assert.That(pair.Test.CountsPerClass(), Is.EqualTo(Enumerable.Repeat(20, 10).ToArray()));
            // data/mnist-sample/indices.csv: the first training samples are official images 0 and 1, labels 5 and 0
            Assert.That(pair.Train.Label(0), Is.EqualTo(5));
            Assert.That(pair.Train.Label(1), Is.EqualTo(0));
        });
    }

    [Test]
    public void Sample_descriptor_checksums_are_those_of_the_embedded_files()
    {
        foreach (var file in DatasetCatalog.MnistSample.Files)
        {
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(Raw(file.FileName))), Is.EqualTo(file.UncompressedSha256), file.FileName);
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(Gzip(file.FileName))), Is.EqualTo(file.GzipSha256), file.FileName);
        }
        Assert.That(DatasetVerifier.Verify(DatasetCatalog.Load(null)).AllMatch, Is.True);
    }

    [Test]
    public void Official_file_names_follow_the_mnist_convention()
    {
        Assert.That(DatasetCatalog.OfficialFileName(DatasetSplit.Train, IdxKind.Images), Is.EqualTo("train-images-idx3-ubyte"));
        Assert.That(DatasetCatalog.OfficialFileName(DatasetSplit.Test, IdxKind.Labels), Is.EqualTo("t10k-labels-idx1-ubyte"));
        foreach (var dataset in DatasetCatalog.Known)
            foreach (var file in dataset.Files)
                Assert.That(file.FileName, Is.EqualTo(DatasetCatalog.OfficialFileName(file.Split, file.Kind)));
    }

    [Test]
    public void Directory_with_raw_and_gz_files_loads_and_is_identified_by_checksum()
    {
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainImages), Raw(TrainImages));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainLabels + ".gz"), Gzip(TrainLabels));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TestImages + ".gz"), Gzip(TestImages));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TestLabels), Raw(TestLabels));

        var pair = DatasetCatalog.Load(_dir.FullName);
        Assert.Multiple(() =>
        {
            Assert.That(pair.Train.Name, Is.EqualTo("mnist-sample/train"));
            Assert.That(pair.Test?.Name, Is.EqualTo("mnist-sample/t10k"));
            Assert.That(pair.Train.Pixels.ToArray(), Is.EqualTo(DatasetCatalog.Load(null).Train.Pixels.ToArray()));
        });
        var report = DatasetVerifier.Verify(pair);
        Assert.That(report.Against, Is.SameAs(DatasetCatalog.MnistSample));
        Assert.That(report.AllMatch, Is.True);
    }

    [Test]
    public void Test_files_are_optional_and_unknown_content_is_named_after_the_directory()
    {
        // a 3-image dataset the catalog does not know
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainImages), Images(3, 2, 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainLabels), Labels(7, 8, 9));

        var pair = DatasetCatalog.Load(_dir.FullName);
        Assert.That(pair.Test, Is.Null);
        Assert.That(pair.Train.Name, Is.EqualTo($"{_dir.Name}/train"));
        var report = DatasetVerifier.Verify(pair);
        Assert.That(report.Against, Is.Null);
        Assert.That(report.AllMatch, Is.False);
    }

    [Test]
    public void Verifying_against_a_named_dataset_reports_each_mismatching_file()
    {
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainImages + ".gz"), Gzip(TrainImages));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainLabels + ".gz"), Gzip(TrainLabels));
        var report = DatasetVerifier.Verify(DatasetCatalog.Load(_dir.FullName), DatasetCatalog.Mnist);
        Assert.That(report.AllMatch, Is.False);
        Assert.That(report.Files.Select(f => f.Matches), Is.EqualTo(new[] { false, false }));
        Assert.That(report.Files[0].Expected, Is.SameAs(DatasetCatalog.Mnist.File(DatasetSplit.Train, IdxKind.Images)));
    }

    [Test]
    public void Missing_directory_train_file_or_test_partner_is_a_clear_file_not_found()
    {
        var missing = Path.Combine(_dir.FullName, "nope");
        Assert.That(() => DatasetCatalog.Load(missing), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains(missing));
        Assert.That(() => DatasetCatalog.Load(_dir.FullName),
            Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("train-images-idx3-ubyte"));

        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainImages + ".gz"), Gzip(TrainImages));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainLabels + ".gz"), Gzip(TrainLabels));
        File.WriteAllBytes(Path.Combine(_dir.FullName, TestImages + ".gz"), Gzip(TestImages));
        Assert.That(() => DatasetCatalog.Load(_dir.FullName),
            Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("t10k-labels-idx1-ubyte"));
    }

    [Test]
    public void Corrupt_file_in_a_directory_fails_with_its_path()
    {
        var images = Path.Combine(_dir.FullName, TrainImages + ".gz");
        File.WriteAllBytes(images, Gzip(TrainImages)[..5000]);
        File.WriteAllBytes(Path.Combine(_dir.FullName, TrainLabels + ".gz"), Gzip(TrainLabels));
        var e = Assert.Throws<IdxFormatException>(() => DatasetCatalog.Load(_dir.FullName));
        Assert.That(e!.File, Is.EqualTo(images));
    }

    [Test]
    public void Identify_finds_known_files_by_content_checksum()
    {
        var hit = DatasetCatalog.Identify(DatasetCatalog.FashionMnist.File(DatasetSplit.Test, IdxKind.Labels).UncompressedSha256);
        Assert.That(hit?.Dataset, Is.SameAs(DatasetCatalog.FashionMnist));
        Assert.That(DatasetCatalog.Identify(new string('0', 64)), Is.Null);
        Assert.That(DatasetCatalog.Find("FASHION-MNIST"), Is.SameAs(DatasetCatalog.FashionMnist));
    }
}
