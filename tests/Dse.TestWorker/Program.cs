using System.Globalization;
using FSpiNN.Dse;
using FSpiNN.Dse.Export;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

// Child process for kill/resume and multi-process tests:
//   FSpiNN.Dse.TestWorker <store> <strategy> <trials> <seed> <delay-ms> [memory-budget-bytes]
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: FSpiNN.Dse.TestWorker <store> <strategy> <trials> <seed> <delay-ms> [memory-budget-bytes]");
    return 2;
}
var inv = CultureInfo.InvariantCulture;
var store = args[0];
var definition = Worker.Definition(args[1], int.Parse(args[2], inv), int.Parse(args[3], inv),
    args.Length > 5 ? double.Parse(args[5], inv) : null);
var runner = new StudyRunner(store, definition, SyntheticEvaluator.TestSpace(), new SyntheticEvaluator(int.Parse(args[4], inv)), Worker.FastOptions);
var done = runner.Run();
Console.WriteLine($"worker {runner.Worker.Id} ran {done} trials");
return 0;

namespace FSpiNN.Dse.TestWorker
{
    public static class Worker
    {
        public static RunnerOptions FastOptions { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));

        public static StudyDefinition Definition(string strategy, int trials, int seed, double? memoryBudget = null)
        {
            var space = SyntheticEvaluator.TestSpace();
            return new StudyDefinition(space.Name, space.ToCanonicalJson(), strategy, seed, trials,
                [Objective.Accuracy, Objective.Memory, Objective.TrainEnergy], new Budgets(memoryBudget), "synthetic-v1", 50, 400);
        }

        public static string FrontierCsv(string store)
        {
            using var s = StudyStore.OpenExisting(store);
            var report = StudyResults.Analyze(s.Definition, s.LoadTrials());
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            FrontierExporter.WriteCsv(report, writer);
            return writer.ToString();
        }
    }
}
