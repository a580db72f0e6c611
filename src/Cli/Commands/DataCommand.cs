using System.CommandLine;
using System.Globalization;
using FSpiNN.Cli.Json;
using FSpiNN.Snn.Data;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

/// <summary>`fspinn data list | verify | fetch`.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Datasets: list, verify and fetch MNIST / Fashion-MNIST.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateVerify());
        command.Subcommands.Add(CreateFetch());
        return command;
    }

    private static Command CreateList()
    {
        var list = new Command("list",
            "Known datasets, the folder each is looked for in ($FSPINN_DATA/<name>, else ./data/<name>), and whether its files are there.\n" +
            "Example: fspinn data list");
        list.SetAction(parse =>
        {
            var console = ConsoleFactory.For(parse);
            var table = new Table().AddColumns("dataset", "what", "location", "status");
            foreach (var dataset in DatasetCatalog.Known)
            {
                if (dataset == DatasetCatalog.MnistSample)
                {
                    table.AddTextRow(dataset.Name, dataset.Title, "embedded in FSpiNN.Snn (the default dataset)", "present");
                    continue;
                }
                var directory = DatasetCatalog.DefaultDirectory(dataset.Name);
                table.AddTextRow(dataset.Name, dataset.Title, directory, DescribePresence(directory));
            }
            console.Write(table);
            console.WriteLine("Use a dataset with --data <location>; check it with 'fspinn data verify --data <location>'.");
            return CliApp.Success;
        });
        return list;
    }

    private static string DescribePresence(string directory)
    {
        var found = Enum.GetValues<DatasetSplit>()
            .SelectMany(split => Enum.GetValues<IdxKind>().Select(kind => DatasetCatalog.LocateFile(directory, split, kind)))
            .Count(path => path is not null);
        return found switch
        {
            4 => "present (4 files; not verified)",
            0 => "missing (fspinn data fetch)",
            _ => $"incomplete ({found} of 4 files)",
        };
    }

    private static Command CreateVerify()
    {
        var dataOption = new Option<string?>("--data")
        {
            Description = "Folder with the official IDX files (raw or .gz); without it the embedded MNIST sample is verified.",
        };
        var datasetOption = new Option<string?>("--dataset")
        {
            Description = "Known dataset to compare with (mnist, fashion-mnist, mnist-sample); default: the one the checksums or the folder name match.",
        };
        var json = JsonOutput.Option();
        var verify = new Command("verify",
            "Read a dataset, show its counts per class and compare the sha256 of each file's uncompressed content with the official value. Exit 1 on any mismatch.\n" +
            "Examples:\n  fspinn data verify\n  fspinn data verify --data ~/datasets/mnist\n  fspinn data verify --data ./fmnist --dataset fashion-mnist\n" +
            "  fspinn data verify --data ~/datasets/mnist --json - | jq .ok")
        {
            dataOption,
            datasetOption,
            json,
        };
        verify.SetAction(parse =>
        {
            var directory = parse.GetValue(dataOption);
            var datasetName = parse.GetValue(datasetOption);
            DatasetDescriptor? expected = null;
            if (datasetName is not null)
                expected = DatasetCatalog.Find(datasetName) ?? throw new UsageException(UnknownDataset(datasetName));

            new FileRoles().DataInputs("--data", directory).Output("--json", JsonOutput.FilePath(parse, json)).Check();
            var console = ConsoleFactory.Create(JsonOutput.TextWriter(parse, json));
            var pair = DatasetCatalog.Load(directory);
            var report = DatasetVerifier.Verify(pair, directory is null ? DatasetCatalog.MnistSample : expected, directory);
            var datasetText = directory is null ? "embedded MNIST sample" : Path.GetFullPath(directory);
            console.WriteLine($"Dataset: {datasetText}");
            console.WriteLine(report.Against is null
                ? "Compared with: no known dataset (no checksum or folder name matches; use --dataset)"
                : $"Compared with: {report.Against.Name} ({report.Against.Title})");

            var counts = CountsPerSet(report);
            WriteCounts(console, counts);
            var checksumsOk = WriteChecksums(console, report);
            var ok = report.AllMatch && counts.All(c => c.Verdict != "different") && checksumsOk;
            console.WriteLine(ok ? "OK: all files match the official checksums." : "FAILED: see the mismatches above.");
            JsonOutput.Write(parse, json, new DataVerifyReport(datasetText, report.Against is { } known ? new KnownDatasetJson(known.Name, known.Title) : null,
                counts, [.. report.Files.Select(f => new FileCheckJson(DatasetCatalog.OfficialFileName(f.Split, f.Kind), f.Split.ToString().ToLowerInvariant(),
                    f.Kind.ToString().ToLowerInvariant(), f.ActualSha256, f.Expected?.UncompressedSha256, f.Expected is null ? "unknown" : f.Matches ? "ok" : "mismatch"))],
                ok));
            return ok ? CliApp.Success : CliApp.Failure;
        });
        return verify;
    }

    /// <summary>Each present split's examples per class against the known dataset's (verdict ok, different or unknown).</summary>
    private static List<ClassCountsJson> CountsPerSet(VerificationReport report)
    {
        var sets = new List<ClassCountsJson>();
        foreach (var (set, split) in new[] { (report.Data.Train, DatasetSplit.Train), (report.Data.Test, DatasetSplit.Test) })
        {
            if (set is null)
                continue;
            var counts = set.CountsPerClass();
            var expected = report.Against?.ExpectedCountsPerClass(split);
            var verdict = expected is null ? "unknown" : counts.SequenceEqual(expected) ? "ok" : "different";
            sets.Add(new ClassCountsJson(set.Name, split.ToString().ToLowerInvariant(), [.. counts], set.Count, expected, verdict));
        }
        return sets;
    }

    private static void WriteCounts(IAnsiConsole console, IReadOnlyList<ClassCountsJson> sets)
    {
        var table = new Table().AddColumn("set");
        for (var c = 0; c < Dataset.ClassCount; c++)
            table.AddColumn(new TableColumn(c.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("total").RightAligned());
        table.AddColumn("expected");
        foreach (var set in sets)
            table.AddTextRow([set.Set, .. set.CountsPerClass.Select(Format), Format(set.Total), set.Verdict == "different" ? "DIFFERENT" : set.Verdict]);
        console.Write(table);
    }

    private static bool WriteChecksums(IAnsiConsole console, VerificationReport report)
    {
        var table = new Table().AddColumns("file", "sha256 of uncompressed content", "result");
        foreach (var check in report.Files)
        {
            var result = check.Expected is null ? "UNKNOWN (no official value)"
                : check.Matches ? "ok"
                : $"MISMATCH, expected {check.Expected.UncompressedSha256[..16]}…";
            table.AddTextRow(DatasetCatalog.OfficialFileName(check.Split, check.Kind), check.ActualSha256, result);
        }
        if (report.Data.Test is null)
            table.AddTextRow("t10k-*", "(absent: test files are optional)", "-");
        console.Write(table);
        return report.Files.All(f => f.Matches);
    }

    private static Command CreateFetch()
    {
        var datasetArgument = new Argument<string>("dataset")
        {
            Description = "mnist or fashion-mnist (mnist-sample too, from a mirror you give).",
        };
        var toOption = new Option<string?>("--to")
        {
            Description = "Folder to put the files in (created if needed). Default: $FSPINN_DATA/<dataset>, else ./data/<dataset>.",
        };
        var mirrorOption = new Option<string?>("--mirror")
        {
            Description = "Base URL to download <official name>.gz from, instead of the dataset's default location.",
        };
        var fetch = new Command("fetch",
            "Download a dataset's four official .gz files. Partial downloads (*.part) resume with HTTP Range; each file's uncompressed " +
            "content is checked against the official sha256 before it is moved into place; a file that fails is deleted. Exit 1 if any file fails.\n" +
            "Default locations: mnist " + DatasetCatalog.Mnist.DefaultMirror + " ; fashion-mnist " + DatasetCatalog.FashionMnist.DefaultMirror + "\n" +
            "Examples:\n  fspinn data fetch mnist --to ~/datasets/mnist\n  fspinn data fetch fashion-mnist --to ./fmnist --mirror https://example.org/fashion/")
        {
            datasetArgument,
            toOption,
            mirrorOption,
        };
        fetch.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(datasetArgument)!;
            var dataset = DatasetCatalog.Find(name) ?? throw new UsageException(UnknownDataset(name));
            Uri? mirror = null;
            if (parse.GetValue(mirrorOption) is { } mirrorText)
            {
                if (!Uri.TryCreate(mirrorText, UriKind.Absolute, out mirror) || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps))
                    throw new UsageException($"--mirror '{mirrorText}' is not an absolute http:// or https:// URL.");
            }
            else if (dataset.DefaultMirror is null)
            {
                throw new UsageException($"Dataset '{dataset.Name}' has no download location of its own; give one with --mirror URL.");
            }
            var target = Path.GetFullPath(parse.GetValue(toOption) ?? DatasetCatalog.DefaultDirectory(dataset.Name));

            var console = ConsoleFactory.For(parse);
            console.WriteLine($"Fetching {dataset.Name} from {mirror ?? dataset.DefaultMirror} into {target}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.UserAgent.ParseAdd("fspinn-data-fetch/1.0");
            var fetcher = new DatasetFetcher(http);

            IReadOnlyList<FetchedFile> results = [];
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async context =>
                {
                    var reporter = new ProgressReporter(context);
                    results = await fetcher.FetchAsync(dataset, target, mirror, reporter, cancellationToken).ConfigureAwait(false);
                    reporter.CompleteAll();
                }).ConfigureAwait(false);

            var table = new Table().AddColumns("file", "result", "detail");
            foreach (var result in results)
                table.AddTextRow(result.File.GzipFileName, result.Ok ? "ok" : result.Outcome.ToString(), result.Detail);
            console.Write(table);
            var failed = results.Count(r => !r.Ok);
            console.WriteLine(failed == 0
                ? $"All {results.Count} files are in place. Check them any time with: fspinn data verify --data {target}"
                : $"{failed} of {results.Count} files failed; run the same command again to retry (partial downloads resume).");
            return failed == 0 ? CliApp.Success : CliApp.Failure;
        });
        return fetch;
    }

    private static string UnknownDataset(string name) =>
        $"unknown dataset '{name}'; known: {string.Join(", ", DatasetCatalog.Known.Select(d => d.Name))}.";

    private static string Format(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Feeds the fetcher's progress reports into one Spectre progress task per file.</summary>
    private sealed class ProgressReporter(ProgressContext context) : IProgress<FetchProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(FetchProgress value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.FileName, out var task))
                    _tasks[value.FileName] = task = context.AddTask(value.FileName, maxValue: Math.Max(1, value.TotalBytes ?? 1));
                if (value.TotalBytes is { } total)
                    task.MaxValue = Math.Max(1, total);
                else
                    task.IsIndeterminate = true;
                task.Value = value.BytesReceived;
            }
        }

        public void CompleteAll()
        {
            lock (_tasks)
            {
                foreach (var task in _tasks.Values)
                    task.StopTask();
            }
        }
    }
}
