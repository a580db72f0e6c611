using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

public sealed class HypervolumeHistoryTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-hv-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>Slow on 32-bit candidates so that, with several workers, later trials finish before earlier ones.</summary>
    private sealed class UnevenEvaluator(int slowMs) : ICandidateEvaluator
    {
        private readonly SyntheticEvaluator _inner = new();
        public IReadOnlyList<ParameterSpec> Parameters => _inner.Parameters;
        public string DataFingerprint => _inner.DataFingerprint;
        public double EstimateMemoryBytes(Candidate candidate) => _inner.EstimateMemoryBytes(candidate);

        public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken)
        {
            if (candidate["bits"].AsDouble == 32) Task.Delay(slowMs, cancellationToken).Wait(cancellationToken);
            return _inner.Evaluate(candidate, trainSamples, cancellationToken);
        }
    }

    private static List<StoredHypervolume> History(string store)
    {
        using var s = StudyStorage.OpenExisting(store);
        return [.. s.HypervolumeHistory()];
    }

    private string Run(StudyDefinition definition, int workers)
    {
        var store = Path.Combine(_dir, $"w{workers}-{Guid.NewGuid():N}.db");
        using (StudyStorage.OpenOrCreate(store, null, definition)) { } // as `fspinn explore` does: concurrent creation is not what is tested
        var runs = Enumerable.Range(0, workers).Select(i => Task.Run(() => Worker.Run(store, definition, new UnevenEvaluator(60), workerIndex: i))).ToArray();
        Task.WaitAll(runs);
        return store;
    }

    [Test]
    public void HistoryIsTheSameWhateverTheWorkerTiming([Values(null, 150 * 1024.0)] double? memoryBudget)
    {
        var definition = Worker.Definition("grid", 24, 1, memoryBudget);
        var single = History(Run(definition, 1));
        // The parallel runs must really finish out of trial order for the test to mean something. With only a few
        // trials inside the budget a loaded machine can schedule them in order by chance, so up to five parallel
        // runs are made; every one of them must give the single worker's history, and at least one must be out of order.
        IReadOnlyList<TrialRecord> trials = [];
        var outOfOrder = false;
        for (var attempt = 0; attempt < 5 && !outOfOrder; attempt++)
        {
            var parallel = Run(definition, 3);
            trials = StudyStoreTrials(parallel);
            Assert.That(History(parallel), Is.EqualTo(single), $"parallel run {attempt + 1}");
            var byFinish = trials.Where(t => t.Status == TrialStatus.Complete).OrderBy(t => t.FinishedUtc).Select(t => t.Number).ToList();
            outOfOrder = !byFinish.SequenceEqual(byFinish.Order());
        }
        Assert.That(outOfOrder, "workers should finish out of trial order in at least one of five parallel runs");
        Assert.That(single, Has.Count.EqualTo(trials.Count(t => t.Status == TrialStatus.Complete)));
        Assert.That(single.Select(h => h.Hypervolume), Is.Ordered, "hypervolume never decreases");
        Assert.That(single[^1].Hypervolume, Is.GreaterThan(0));
    }

    private static IReadOnlyList<TrialRecord> StudyStoreTrials(string store)
    {
        using var s = StudyStorage.OpenExisting(store);
        return s.LoadTrials();
    }

    [Test]
    public void ReferenceIsFixedFromBudgetsOrTheSpaceAndTheFirstTrialByNumber()
    {
        var definition = Worker.Definition("grid", 24, 1);
        var trials = StudyStoreTrials(Run(definition, 1));
        var evaluator = new SyntheticEvaluator();
        var maxMemory = SyntheticEvaluator.TestSpace().Grid().Max(evaluator.EstimateMemoryBytes);
        var reference = StudyResults.HypervolumeReference(definition, trials, maxMemory)!;
        Assert.That(reference[0], Is.EqualTo(1));
        Assert.That(reference[1], Is.EqualTo(StudyResults.MemoryReferenceMargin * maxMemory));
        Assert.That(reference[2], Is.EqualTo(StudyResults.EnergyReferenceFactor * trials.Single(t => t.Number == 0).TrainEnergyJoules!.Value));

        var withBudgets = definition with { Budgets = new Budgets(64 * 1024.0, 2e-3) };
        Assert.That(StudyResults.HypervolumeReference(withBudgets, [], null), Is.EqualTo(new[] { 1, 64 * 1024.0, 2e-3 }));
        Assert.That(StudyResults.HypervolumeReference(definition, [], maxMemory), Is.Null, "energy reference needs the first trial");
    }

    [Test]
    public void HistoryStopsAtTheFirstTrialStillRunningOrMissing()
    {
        var definition = Worker.Definition("grid", 12, 1);
        var trials = StudyStoreTrials(Run(definition, 1));
        var reference = StudyResults.HypervolumeReference(definition, trials, 1e9)!;
        var full = StudyResults.HypervolumeHistory(definition, trials, reference);
        Assert.That(full, Has.Count.EqualTo(12));
        var running = trials.Select(t => t.Number == 5 ? t with { Status = TrialStatus.Running } : t).ToList();
        Assert.That(StudyResults.HypervolumeHistory(definition, running, reference), Is.EqualTo(full.Take(5)));
        var gap = trials.Where(t => t.Number != 3).ToList();
        Assert.That(StudyResults.HypervolumeHistory(definition, gap, reference), Is.EqualTo(full.Take(3)));
        Assert.That(StudyResults.HypervolumeHistory(definition, trials, reference, knownCount: 10), Is.EqualTo(full.Skip(10)));
    }
}
