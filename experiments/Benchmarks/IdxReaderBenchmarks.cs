using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using FSpiNN.Snn.Data;

namespace FSpiNN.Benchmarks;

/// <summary>
/// Reading MNIST train (60,000 images, 47 MB uncompressed) with <see cref="IdxReader"/>, from the official .gz files and
/// from raw copies. Data folder: $FSPINN_MNIST_DIR, else ../shared/datasets/mnist next to the repository root; if neither
/// exists the embedded sample (1,000 images) is used and the benchmark says so.
/// Run: dotnet run -c Release --project experiments/Benchmarks -- --filter '*Idx*' --inProcess
/// (--inProcess because BenchmarkDotNet cannot find the generated project: the assembly is FSpiNN.Benchmarks, the project Benchmarks.csproj).
/// </summary>
[MemoryDiagnoser]
public class IdxReaderBenchmarks
{
    private string _gzImages = "", _gzLabels = "", _rawImages = "", _rawLabels = "";
    private DirectoryInfo? _rawDirectory;

    [GlobalSetup]
    public void Setup()
    {
        _rawDirectory = Directory.CreateTempSubdirectory("fspinn-idx-bench-");
        var source = FindMnistDirectory();
        if (source is null)
        {
            Console.WriteLine("// IdxReaderBenchmarks: MNIST not found ($FSPINN_MNIST_DIR or ../shared/datasets/mnist); using the embedded 1,000-image sample");
            _gzImages = Extract("train-images-idx3-ubyte.gz");
            _gzLabels = Extract("train-labels-idx1-ubyte.gz");
        }
        else
        {
            Console.WriteLine($"// IdxReaderBenchmarks: reading {source}");
            _gzImages = Path.Combine(source, "train-images-idx3-ubyte.gz");
            _gzLabels = Path.Combine(source, "train-labels-idx1-ubyte.gz");
        }
        _rawImages = Decompress(_gzImages);
        _rawLabels = Decompress(_gzLabels);
    }

    [GlobalCleanup]
    public void Cleanup() => _rawDirectory?.Delete(recursive: true);

    [Benchmark(Baseline = true)]
    public int ReadTrainGzip() => IdxReader.Read(_gzImages, _gzLabels, "mnist/train").Count;

    [Benchmark]
    public int ReadTrainRaw() => IdxReader.Read(_rawImages, _rawLabels, "mnist/train").Count;

    private static string? FindMnistDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FSPINN_MNIST_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return Directory.Exists(fromEnvironment) ? fromEnvironment : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FSpiNN.slnx")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "mnist"));
                return File.Exists(Path.Combine(candidate, "train-images-idx3-ubyte.gz")) ? candidate : null;
            }
        }
        return null;
    }

    private string Extract(string gzipFileName)
    {
        var path = Path.Combine(_rawDirectory!.FullName, "sample-" + gzipFileName);
        using var input = DatasetCatalog.OpenEmbeddedSampleFile(gzipFileName);
        using var output = File.Create(path);
        input.CopyTo(output);
        return path;
    }

    private string Decompress(string gzPath)
    {
        var path = Path.Combine(_rawDirectory!.FullName, Path.GetFileNameWithoutExtension(gzPath));
        using var input = new GZipStream(File.OpenRead(gzPath), CompressionMode.Decompress);
        using var output = File.Create(path);
        input.CopyTo(output);
        return path;
    }
}
