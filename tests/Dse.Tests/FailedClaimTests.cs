using FSpiNN.Dse.Space;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// A claim whose transaction fails after its body ran (the server went away at the commit): the storage keeps nothing,
/// and the runner must not keep anything either. Its body has told the runner's state about rows it wrote (skipped
/// candidates, reused results) and read; a runner that kept that view waited for ever on trials that were never stored.
/// </summary>
public sealed class FailedClaimTests
{
    /// <summary>Fails every <paramref name="period"/>-th claim after its body ran, as a commit lost with the server.</summary>
    private sealed class CommitsLostEvery(IStudyStorage inner, int period) : IStudyStorage
    {
        private int _claims;
        public int Lost { get; private set; }
        public string Location => inner.Location;
        public string StudyName => inner.StudyName;
        public StudyDefinition Definition => inner.Definition;
        public IStudyStorage Reconnect() => inner.Reconnect();
        public T Claim<T>(Func<IClaimTransaction, T> body) => inner.Claim(tx =>
        {
            var result = body(tx);
            if (++_claims % period != 0) return result;
            Lost++;
            throw new StorageUnavailableException("test: connection lost at the commit");   // the storage undoes the body's writes
        });
        public TrialChanges ReadChanges(long sinceSequence) => inner.ReadChanges(sinceSequence);
        public bool Finish(TrialRecord final) => inner.Finish(final);
        public bool Heartbeat(string workerId, int number, TimeSpan lease) => inner.Heartbeat(workerId, number, lease);
        public bool Discard(string workerId, int number) => inner.Discard(workerId, number);
        public IReadOnlyList<StoredHypervolume> HypervolumeHistory() => inner.HypervolumeHistory();
        public bool StoreReplicate(string workerId, ReplicateRecord replicate) => inner.StoreReplicate(workerId, replicate);
        public IReadOnlyList<ReplicateRecord> ReadReplicates(int? trialNumber = null) => inner.ReadReplicates(trialNumber);
        public void Dispose() => inner.Dispose();
    }

    [TestCase("grid", 150 * 1024.0)]  // most candidates skipped over the budget, inside claims
    [TestCase("random", null)]        // repeated proposals reuse stored results, inside claims
    public void ARunnerWhoseClaimsFailAfterTheirBodyRanEndsWithTheCleanRunsResults(string strategy, double? memoryBudget)
    {
        var definition = Worker.Definition(strategy, 24, 3, memoryBudget);
        var space = SearchSpace.Parse(definition.SpaceJson, definition.SpaceName);
        var options = Worker.FastOptions with { MaxBackoff = TimeSpan.FromMilliseconds(1) };

        using var clean = new InMemoryStudyStorage(definition);
        new StudyRunner(clean, space, new SyntheticEvaluator(), options).Run();

        using var inner = new InMemoryStudyStorage(definition);
        var flaky = new CommitsLostEvery(inner, period: 2);
        var run = Task.Run(() => new StudyRunner(flaky, space, new SyntheticEvaluator(), options).Run());
        Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "the runner did not finish: it kept a view of rows its failed claims never stored");
        Assert.That(flaky.Lost, Is.GreaterThan(0), "claims were really lost");
        Assert.That(Worker.FrontierCsv(inner), Is.EqualTo(Worker.FrontierCsv(clean)));
    }
}
