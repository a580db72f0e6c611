using System.CommandLine;
using System.Diagnostics;
using FSpiNN.Cli.Json;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Models;
using FSpiNN.Snn.Training;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

internal static class TestCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written by 'fspinn train'.", Required = true };
        var data = CommonOptions.Data();
        var testSamples = new Option<int>("--test-samples") { Description = "Test examples (0 = all).", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var json = JsonOutput.Option();
        var command = new Command("test", """
            Classify the test set with a trained, labelled model; prints accuracy (all-activity and proportion weighting) and the confusion matrix.

            Examples:
              fspinn test --model fspinn100.model
              fspinn test --model dc400.model --data ~/mnist --test-samples 2000
              fspinn test --model fspinn100.model --json - | jq .test.accuracy_proportion
            """)
        {
            model, data, testSamples, threads, json,
        };
        command.SetAction(parse =>
        {
            var stdout = JsonOutput.TextWriter(parse, json);
            var testCount = parse.NonNegative(testSamples);
            var threadCount = parse.NonNegative(threads);
            var modelPath = parse.GetValue(model)!;
            new FileRoles().Input("--model", modelPath).DataInputs("--data", parse.GetValue(data)).Output("--json", JsonOutput.FilePath(parse, json)).Check();
            var m = ModelFile.Load(modelPath);
            var pair = DatasetCatalog.Load(parse.GetValue(data));
            if (pair.Test is null) throw new InvalidOperationException("the dataset has no test files (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)");
            var warnings = new List<string>();
            if (m.TrainingData?.MismatchWith(pair) is { } mismatch)
            {
                parse.InvocationConfiguration.Error.WriteLine($"warning: {mismatch}");
                warnings.Add(mismatch);
            }
            var watch = Stopwatch.StartNew();
            var report = PassProgressDisplay.Run(stdout, progress =>
                Protocol.Test(m, pair.Test, testCount, threadCount, progress));
            var seconds = watch.Elapsed.TotalSeconds;
            PrintReport(stdout, report, printConfusion: true);
            JsonOutput.Write(parse, json, new TestCommandReport(modelPath, NetworkJson.Of(m.Config), m.TrainingData?.Name, DataJson.Of(pair), warnings,
                threadCount, TestResultJson.Of(report, seconds)));
            return CliApp.Success;
        });
        return command;
    }

    internal static void PrintReport(TextWriter stdout, TestReport report, bool printConfusion)
    {
        stdout.WriteLine($"accuracy all-activity {report.AccuracyAllActivity:P2}  proportion-weighting {report.AccuracyProportion:P2}  ({report.Examples} test examples)");
        stdout.WriteLine($"mean excitatory spikes per example {report.MeanSpikesPerExample:F2}, retries {report.Retries}");
        if (!printConfusion) return;
        var table = new Table().Title("confusion (all-activity): rows true class, columns predicted");
        table.AddColumn("true");
        for (var c = 0; c < 10; c++) table.AddColumn(new TableColumn(c.ToString(System.Globalization.CultureInfo.InvariantCulture)).RightAligned());
        for (var a = 0; a < 10; a++)
        {
            var cells = new List<string> { a.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            for (var b = 0; b < 10; b++) cells.Add(report.Confusion[a, b].ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow([.. cells]);
        }
        var console = ConsoleFactory.Create(stdout);
        console.Write(table);
    }
}
