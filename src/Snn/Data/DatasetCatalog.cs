namespace FSpiNN.Snn.Data;

/// <summary>
/// The known datasets (MNIST, Fashion-MNIST, the embedded MNIST sample) with their official file names and
/// checksums, and loading: <see cref="Load"/>(null) is the embedded sample, <see cref="Load"/>(dir) reads the
/// official files from a directory.
/// </summary>
public static class DatasetCatalog
{
    public const string SampleName = "mnist-sample";

    /// <summary>Environment variable naming the folder under which `data list` and `data fetch` look for &lt;name&gt;/ folders.</summary>
    public const string DataRootVariable = "FSPINN_DATA";

    private static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static DatasetDescriptor Mnist { get; } = new(
        "mnist", "MNIST handwritten digits (LeCun & Cortes), 60,000 train / 10,000 test",
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        [
            new(DatasetSplit.Train, IdxKind.Images, "train-images-idx3-ubyte", 60_000,
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            new(DatasetSplit.Train, IdxKind.Labels, "train-labels-idx1-ubyte", 60_000,
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            new(DatasetSplit.Test, IdxKind.Images, "t10k-images-idx3-ubyte", 10_000,
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            new(DatasetSplit.Test, IdxKind.Labels, "t10k-labels-idx1-ubyte", 10_000,
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ],
        Digits)
    {
        TrainCountsPerClass = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
        TestCountsPerClass = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    };

    /// <summary>Fashion-MNIST. Only uncompressed checksums: the .gz wrapping of copies differs from Zalando's (see data README).</summary>
    public static DatasetDescriptor FashionMnist { get; } = new(
        "fashion-mnist", "Fashion-MNIST clothing images (Zalando), 60,000 train / 10,000 test",
        new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        [
            new(DatasetSplit.Train, IdxKind.Images, "train-images-idx3-ubyte", 60_000, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            new(DatasetSplit.Train, IdxKind.Labels, "train-labels-idx1-ubyte", 60_000, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            new(DatasetSplit.Test, IdxKind.Images, "t10k-images-idx3-ubyte", 10_000, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            new(DatasetSplit.Test, IdxKind.Labels, "t10k-labels-idx1-ubyte", 10_000, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ],
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
    {
        TrainCountsPerClass = Enumerable.Repeat(6000, 10).ToArray(),
        TestCountsPerClass = Enumerable.Repeat(1000, 10).ToArray(),
    };

    /// <summary>The embedded sample: the first 100 train / 20 test images of each MNIST class. No download location of its own.</summary>
    public static DatasetDescriptor MnistSample { get; } = new(
        SampleName, "MNIST sample embedded in FSpiNN.Snn: 100 per class from train, 20 per class from t10k",
        null,
        [
            new(DatasetSplit.Train, IdxKind.Images, "train-images-idx3-ubyte", 1_000,
                "964f929e568681616e81776c1097f3db5938f24fa9e0e8f2602341c96a32eccb", "c42083ed8391cc5b44af1d9f550237d3a8acdc75e909995fae8a167f3e48966d"),
            new(DatasetSplit.Train, IdxKind.Labels, "train-labels-idx1-ubyte", 1_000,
                "9efdd3f42e64c4d159a8c4833d095e87f870cc4d54b78600f9a8d13f58cc8af9", "929cd3f88ff6aa11ab36f1e9f6486ef7b9bacf7fa86ee5344c1d44110e17ce98"),
            new(DatasetSplit.Test, IdxKind.Images, "t10k-images-idx3-ubyte", 200,
                "09db4b26a4407812da836eea90bdbcf878705ee7c3452ab3eeafbeee73784e4b", "ad5976e95b8907058ddb33d44e8df30ca1a6107779ed5b277a55ee6f7bbc3cf0"),
            new(DatasetSplit.Test, IdxKind.Labels, "t10k-labels-idx1-ubyte", 200,
                "b6f6a5c4d2879172835a1d24f55e8682e3d1298a25b64f8e7cb2b56f10e11ce9", "e643a2ad1cc3b7f8c869c8e3a1ad4a1369647e7d67fe6136f5756144db21f85b"),
        ],
        Digits)
    {
        TrainCountsPerClass = Enumerable.Repeat(100, 10).ToArray(),
        TestCountsPerClass = Enumerable.Repeat(20, 10).ToArray(),
    };

    public static IReadOnlyList<DatasetDescriptor> Known { get; } = [Mnist, FashionMnist, MnistSample];

    private static readonly Lazy<DatasetPair> EmbeddedSample = new(ReadEmbeddedSample);

    /// <summary>The known dataset with this name (case-insensitive), or null.</summary>
    public static DatasetDescriptor? Find(string name) =>
        Known.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Official file name (without .gz) of a split's images or labels, the same for all MNIST-format datasets.</summary>
    public static string OfficialFileName(DatasetSplit split, IdxKind kind) =>
        $"{(split == DatasetSplit.Train ? "train" : "t10k")}-{(kind == IdxKind.Images ? "images-idx3" : "labels-idx1")}-ubyte";

    /// <summary>The known dataset file whose uncompressed content has this sha256, or null.</summary>
    public static (DatasetDescriptor Dataset, DatasetFileDescriptor File)? Identify(string uncompressedSha256)
    {
        foreach (var dataset in Known)
            foreach (var file in dataset.Files)
                if (string.Equals(file.UncompressedSha256, uncompressedSha256, StringComparison.OrdinalIgnoreCase))
                    return (dataset, file);
        return null;
    }

    /// <summary>The folder `data list` and `data fetch` use for a dataset by default: $FSPINN_DATA/&lt;name&gt;, else data/&lt;name&gt; under the current directory.</summary>
    public static string DefaultDirectory(string name)
    {
        var root = Environment.GetEnvironmentVariable(DataRootVariable);
        return Path.GetFullPath(Path.Combine(string.IsNullOrWhiteSpace(root) ? "data" : root, name));
    }

    /// <summary>Path of an official file in <paramref name="directory"/>: the raw name if present, else the .gz name, else null.</summary>
    public static string? LocateFile(string directory, DatasetSplit split, IdxKind kind)
    {
        var raw = Path.Combine(directory, OfficialFileName(split, kind));
        if (File.Exists(raw))
            return raw;
        var gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>
    /// null: the embedded MNIST sample (1,000 train / 200 test). A directory: the official files in it (raw or .gz;
    /// the test pair is optional). Datasets are named after the known dataset their checksums identify
    /// ("mnist/train"), else after the directory.
    /// </summary>
    /// <exception cref="FileNotFoundException">The directory or a required file is missing.</exception>
    /// <exception cref="IdxFormatException">A file is malformed.</exception>
    public static DatasetPair Load(string? directory)
    {
        if (directory is null)
            return EmbeddedSample.Value;
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"Dataset directory '{directory}' does not exist.", directory);

        var trainImages = LocateFile(directory, DatasetSplit.Train, IdxKind.Images);
        var trainLabels = LocateFile(directory, DatasetSplit.Train, IdxKind.Labels);
        if (trainImages is null || trainLabels is null)
            throw new FileNotFoundException(
                $"Dataset directory '{directory}' lacks {OfficialFileName(DatasetSplit.Train, trainImages is null ? IdxKind.Images : IdxKind.Labels)}[.gz]; " +
                $"it needs the official files {OfficialFileName(DatasetSplit.Train, IdxKind.Images)}[.gz] and {OfficialFileName(DatasetSplit.Train, IdxKind.Labels)}[.gz] " +
                "(test files t10k-*[.gz] optional). Try 'fspinn data fetch mnist --to DIR'.");
        var testImages = LocateFile(directory, DatasetSplit.Test, IdxKind.Images);
        var testLabels = LocateFile(directory, DatasetSplit.Test, IdxKind.Labels);
        if ((testImages is null) != (testLabels is null))
            throw new FileNotFoundException(
                $"Dataset directory '{directory}' has {Path.GetFileName(testImages ?? testLabels)} but not its partner " +
                $"{OfficialFileName(DatasetSplit.Test, testImages is null ? IdxKind.Images : IdxKind.Labels)}[.gz]; add it or remove both test files.");

        var fallbackName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        var train = Rename(IdxReader.Read(trainImages, trainLabels, $"{fallbackName}/train"), fallbackName, "train");
        var test = testImages is null || testLabels is null
            ? null
            : Rename(IdxReader.Read(testImages, testLabels, $"{fallbackName}/t10k"), fallbackName, "t10k");
        return new DatasetPair(train, test);
    }

    private static Dataset Rename(Dataset data, string fallbackName, string split)
    {
        var known = data.ImagesSha256 is null ? null : Identify(data.ImagesSha256);
        var name = $"{known?.Dataset.Name ?? fallbackName}/{split}";
        return name == data.Name
            ? data
            : new Dataset(name, data.Rows, data.Cols, data.Pixels, data.Labels, data.ImagesSha256, data.LabelsSha256);
    }

    /// <summary>Opens one embedded sample file (e.g. "train-images-idx3-ubyte.gz") as stored in the assembly.</summary>
    public static Stream OpenEmbeddedSampleFile(string gzipFileName)
    {
        var resource = $"{SampleName}/{gzipFileName}";
        return typeof(DatasetCatalog).Assembly.GetManifestResourceStream(resource)
               ?? throw new FileNotFoundException($"Embedded resource '{resource}' is missing from FSpiNN.Snn; the build is broken (see src/Snn/Snn.csproj).");
    }

    private static DatasetPair ReadEmbeddedSample()
    {
        Dataset ReadSplit(DatasetSplit split, string splitName)
        {
            var images = MnistSample.File(split, IdxKind.Images).GzipFileName;
            var labels = MnistSample.File(split, IdxKind.Labels).GzipFileName;
            using var imageStream = OpenEmbeddedSampleFile(images);
            using var labelStream = OpenEmbeddedSampleFile(labels);
            return IdxReader.Read(imageStream, labelStream, $"{SampleName}/{splitName}", $"embedded:{SampleName}/{images}", $"embedded:{SampleName}/{labels}");
        }

        return new DatasetPair(ReadSplit(DatasetSplit.Train, "train"), ReadSplit(DatasetSplit.Test, "t10k"));
    }
}
