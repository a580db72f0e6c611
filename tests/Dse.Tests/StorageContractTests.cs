using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>
/// The <see cref="IStudyStorage"/> contract, written once and run against every backend (as Optuna's
/// testing/pytest_storages.py): in-memory, SQLite, and PostgreSQL on a real throwaway server.
/// </summary>
[TestFixtureSource(nameof(Backends))]
public sealed class StorageContractTests(string backend)
{
    public static readonly string[] Backends = ["memory", "sqlite", "postgresql"];

    private string _dir = "";
    private readonly List<IStudyStorage> _opened = [];

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fspinn-contract-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var s in _opened) s.Dispose();
        _opened.Clear();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>A new, empty study of this backend.</summary>
    private IStudyStorage NewStudy(StudyDefinition definition)
    {
        IStudyStorage storage = backend switch
        {
            "memory" => new InMemoryStudyStorage(definition),
            "sqlite" => StudyStorage.OpenOrCreate(Path.Combine(_dir, "s.db"), null, definition),
            _ => StudyStorage.OpenOrCreate(PostgresServer.Instance.NewDatabase("contract"), null, definition),
        };
        _opened.Add(storage);
        return storage;
    }

    private IStudyStorage Handle(IStudyStorage storage)
    {
        var handle = storage.Reconnect();
        _opened.Add(handle);
        return handle;
    }

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The changes of <paramref name="read"/> that a reader who has read <paramref name="seen"/> did not have: PostgreSQL
    /// may return a change again (one committed while an earlier read ran, or younger than the oldest transaction then
    /// running anywhere on the server, e.g. in a test running alongside), always with the version seen before.
    /// In-memory and SQLite return each change once.
    /// </summary>
    private List<TrialChange> News(TrialChanges read, params TrialChanges[] seen)
    {
        var known = seen.SelectMany(s => s.Changes).Select(c => (c.Number, c.Sequence, Removed: c.Trial is null)).ToHashSet();
        var news = read.Changes.Where(c => !known.Contains((c.Number, c.Sequence, c.Trial is null))).ToList();
        if (backend != "postgresql") Assert.That(news, Has.Count.EqualTo(read.Changes.Count), "in-memory and SQLite return a change once");
        return news;
    }

    internal static TrialRecord Running(int number, string worker, string host = "test-host") => new(
        number, Candidate.FromJson($"{{\"neurons\":{25 * (number + 1)},\"bits\":8}}"), 400, TrialStatus.Running, null,
        new Dictionary<string, double>(), null, null, null, 1, "test", worker, host, 1, 0, 1, DateTime.UtcNow, null, DateTime.UtcNow, null);

    [Test]
    public void ClaimedTrialIsReadBackWithASequenceNumberAndALeaseAndLaterReadsSeeOnlyChanges()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w1"), Lease); tx.Insert(Running(1, "w1"), Lease); return 0; });
        var all = storage.ReadChanges(0);
        Assert.That(all.Changes.Select(c => c.Number), Is.EqualTo(new[] { 0, 1 }));
        var first = all.Changes[0].Trial!;
        Assert.That(first.Sequence, Is.GreaterThan(0));
        Assert.That(first.LeaseUntilUtc, Is.GreaterThan(all.NowUtc + Lease - TimeSpan.FromSeconds(5)).And.LessThan(all.NowUtc + Lease + TimeSpan.FromSeconds(5)));
        Assert.That(first.Candidate.Key, Is.EqualTo(Running(0, "w1").Candidate.Key));
        Assert.That(News(storage.ReadChanges(all.Sequence), all), Is.Empty, "nothing changed since");

        Assert.That(storage.Heartbeat("w1", 1, TimeSpan.FromSeconds(90)), Is.True);
        var renewed = News(storage.ReadChanges(all.Sequence), all);
        Assert.That(renewed.Select(c => c.Number), Is.EqualTo(new[] { 1 }), "a heartbeat is a change of that row only");
        Assert.That(renewed[0].Trial!.LeaseUntilUtc, Is.GreaterThan(first.LeaseUntilUtc!.Value + TimeSpan.FromSeconds(30)));
        Assert.That(storage.Heartbeat("someone-else", 1, Lease), Is.False, "only the owner renews");
    }

    [Test]
    public void AClaimThatThrowsWritesNothing()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        Assert.Throws<InvalidOperationException>(() => storage.Claim<int>(tx =>
        {
            tx.Insert(Running(0, "w1"), Lease);
            tx.SetHypervolumeReference("[1,2,3]");
            throw new InvalidOperationException("the body failed");
        }));
        Assert.That(storage.LoadTrials(), Is.Empty);
        Assert.That(storage.Claim(tx => tx.HypervolumeReference()), Is.Null);
    }

    [Test]
    public void OnlyTheOwnerFinishesARunningTrialAndRepeatingAFinishIsHarmless()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "owner"), Lease); return 0; });
        var measured = new EvaluationResult(0.5, 1000, 1e-6, 2e-7, new Dictionary<string, double> { ["spikes"] = 7 }, null);
        var done = (Running(0, "owner") with { Objectives = storage.Definition.Objectives }).WithResult(measured) with
        {
            Status = TrialStatus.Complete, FinishedUtc = DateTime.UtcNow, DurationSeconds = 1.5, Violation = 0,
        };
        Assert.That(storage.Finish(done with { WorkerId = "intruder" }), Is.False);
        Assert.That(storage.Finish(done), Is.True);
        Assert.That(storage.Finish(done), Is.True, "a repeat after a lost answer succeeds");
        Assert.That(storage.Heartbeat("owner", 0, Lease), Is.False, "a finished trial has no lease");
        var stored = storage.LoadTrials().Single();
        Assert.That((stored.Status, stored.Accuracy, stored.MemoryBytes, stored.DurationSeconds), Is.EqualTo((TrialStatus.Complete, 0.5, 1000.0, 1.5)));
        // the objective vector in the definition's order (accuracy, memory, train energy); the other measurement a metric
        Assert.That(storage.Definition.Objectives, Is.EqualTo(new[] { Objective.Accuracy, Objective.Memory, Objective.TrainEnergy }));
        Assert.That(stored.Values, Is.EqualTo(new[] { 0.5, 1000.0, 1e-6 }));
        Assert.That(stored.Metrics, Is.EquivalentTo(new Dictionary<string, double> { ["spikes"] = 7, ["inference_energy_j"] = 2e-7 }));
        Assert.That(stored.Result, Is.EqualTo(measured with { Metrics = stored.Metrics }));
        Assert.That(stored.LeaseUntilUtc, Is.Null);
    }

    [Test]
    public void ReplaceSucceedsOnlyOnTheRowAsLastRead()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "dead"), Lease); return 0; });
        var read = storage.LoadTrials().Single();
        Assert.That(storage.Heartbeat("dead", 0, Lease), Is.True); // the row moves on
        Assert.That(storage.Claim(tx => tx.Replace(read with { WorkerId = "taker", Attempts = 2 }, read.Sequence, Lease)), Is.False);
        var current = storage.LoadTrials().Single();
        Assert.That(storage.Claim(tx => tx.Replace(current with { WorkerId = "taker", Attempts = 2 }, current.Sequence, Lease)), Is.True);
        Assert.That(storage.LoadTrials().Single().WorkerId, Is.EqualTo("taker"));
        Assert.That(storage.Finish(current with { Status = TrialStatus.Failed, Error = "x" }), Is.False, "the old owner's writes are refused");
    }

    [Test]
    public void DiscardedTrialDisappearsAndIncrementalReadersAreToldSo()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w"), Lease); tx.Insert(Running(1, "w"), Lease); return 0; });
        var first = storage.ReadChanges(0);
        Assert.That(storage.Discard("other", 1), Is.False);
        Assert.That(storage.Discard("w", 1), Is.True);
        var changes = News(storage.ReadChanges(first.Sequence), first);
        Assert.That(changes, Has.Count.EqualTo(1));
        Assert.That((changes[0].Number, changes[0].Trial), Is.EqualTo((1, (TrialRecord?)null)));
        Assert.That(storage.LoadTrials().Select(t => t.Number), Is.EqualTo(new[] { 0 }));
        storage.Claim(tx => { tx.Insert(Running(1, "w2"), Lease); return 0; }); // claimed afresh later
        Assert.That(storage.LoadTrials().Single(t => t.Number == 1).WorkerId, Is.EqualTo("w2"));
    }

    /// <summary>
    /// What incremental reads rest on, with a claim held open across a read: a write committed after a read began
    /// (here, by a claim whose transaction was open while the read ran) is returned by the read given its cursor. On
    /// PostgreSQL the claim's transaction id predates the read and its commit follows it, the case that a cursor of
    /// "the highest version seen" would miss; in-memory, the read waits for the claim.
    /// </summary>
    [Test]
    public void AWriteCommittedAfterAReadBeganIsReturnedByTheReadGivenItsCursor()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w1"), Lease); return 0; });
        var reader = Handle(storage);
        var claimerHandle = Handle(storage);
        var baseline = reader.ReadChanges(0);
        using var claimOpen = new ManualResetEventSlim();
        using var readDone = new ManualResetEventSlim();
        var claimer = Task.Run(() => claimerHandle.Claim(tx =>
        {
            tx.ReadChanges(0); // the claim's transaction has begun and holds the study's lock from here to its commit
            tx.Insert(Running(1, "w2"), Lease);
            claimOpen.Set();
            readDone.Wait(TimeSpan.FromSeconds(2)); // a backend whose reads wait for claims never sets it
            return 0;
        }));
        Assert.That(claimOpen.Wait(TimeSpan.FromSeconds(30)), Is.True);
        var during = reader.ReadChanges(baseline.Sequence);
        readDone.Set();
        claimer.Wait();
        var next = reader.ReadChanges(during.Sequence);
        var told = News(during, baseline).Concat(News(next, baseline, during)).Where(c => c.Trial is not null).Select(c => (c.Number, c.Trial!.WorkerId)).ToList();
        Assert.That(told, Does.Contain((1, "w2")), "the claim's row, committed after the read began, reaches the reader");
        Assert.That(News(reader.ReadChanges(next.Sequence), baseline, during, next), Is.Empty);
    }

    /// <summary>
    /// A write that the storage refuses (a trial number taken twice) fails the whole claim, also where writes are sent
    /// together at commit (PostgreSQL): the claim's earlier writes are not kept, and the handle serves the next claim.
    /// </summary>
    [Test]
    public void AClaimWhoseWriteIsRefusedWritesNothingAndTheHandleGoesOn()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w1"), Lease); return 0; });
        var before = storage.ReadChanges(0);
        Assert.That(() => storage.Claim(tx =>
        {
            tx.ReadChanges(0);
            tx.Insert(Running(1, "w1"), Lease);
            tx.SetHypervolumeReference("[1,2,3]");
            tx.AppendHypervolume(new StoredHypervolume(1, 1, 0.5, "[1,2,3]"));
            tx.Insert(Running(0, "w2"), Lease); // taken
            return 0;
        }), Throws.Exception);
        Assert.That(storage.LoadTrials().Select(t => (t.Number, t.WorkerId)), Is.EqualTo(new[] { (0, "w1") }));
        Assert.That(News(storage.ReadChanges(before.Sequence), before), Is.Empty, "readers are told of nothing");
        Assert.That(storage.HypervolumeHistory(), Is.Empty);
        Assert.That(storage.Claim(tx =>
        {
            tx.Insert(Running(1, "w1"), Lease);
            return (tx.HypervolumeReference(), tx.HypervolumeCount());
        }), Is.EqualTo(((string?)null, 0)));
        Assert.That(storage.LoadTrials().Select(t => t.Number), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public void HypervolumeReferenceIsFixedOnceAndHistoryKeepsItsOrder()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx =>
        {
            tx.SetHypervolumeReference("[1,2]");
            tx.AppendHypervolume(new StoredHypervolume(1, 0, 0.25, "[1,2]"));
            tx.AppendHypervolume(new StoredHypervolume(2, 3, 0.5, "[1,2]"));
            return 0;
        });
        Assert.That(storage.Claim(tx => (tx.HypervolumeReference(), tx.HypervolumeCount())), Is.EqualTo(("[1,2]", 2)));
        Assert.That(storage.HypervolumeHistory().Select(h => (h.CompletedCount, h.TrialNumber, h.Hypervolume)),
            Is.EqualTo(new[] { (1, 0, 0.25), (2, 3, 0.5) }));
    }

    /// <summary>
    /// Claims are serialised: 4 threads each take "the next number after the highest stored" 25 times; a claim that
    /// saw a stale state would insert a number twice (a key violation) or leave a gap.
    /// </summary>
    [Test]
    public void ConcurrentClaimsNeverLoseOrDoubleANumberAndIncrementalReadersMissNothing()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        const int threads = 4, each = 25;
        var handles = Enumerable.Range(0, threads).Select(_ => Handle(storage)).ToList();
        var reader = Handle(storage);
        var mirror = new Dictionary<int, TrialRecord>();
        long seen = 0;
        using var stop = new CancellationTokenSource();
        var follower = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var changes = reader.ReadChanges(seen);
                foreach (var c in changes.Changes) mirror[c.Number] = c.Trial!;
                seen = changes.Sequence;
            }
        });
        var writers = handles.Select((h, i) => Task.Run(() =>
        {
            long known = 0;
            var numbers = new HashSet<int>();
            for (var k = 0; k < each; k++)
            {
                var number = h.Claim(tx =>
                {
                    var changes = tx.ReadChanges(known);
                    foreach (var c in changes.Changes) numbers.Add(c.Number);
                    known = changes.Sequence;
                    var next = numbers.Count == 0 ? 0 : numbers.Max() + 1;
                    tx.Insert(Running(next, $"w{i}"), Lease);
                    return next;
                });
                numbers.Add(number);
                if (k % 5 == 0) h.Heartbeat($"w{i}", number, Lease);
            }
        })).ToArray();
        Task.WaitAll(writers);
        stop.Cancel();
        follower.Wait();
        foreach (var c in reader.ReadChanges(seen).Changes) mirror[c.Number] = c.Trial!;
        var stored = storage.LoadTrials();
        Assert.That(stored.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, threads * each)));
        Assert.That(stored.GroupBy(t => t.WorkerId).Count(), Is.EqualTo(threads));
        Assert.That(mirror.Keys.Order(), Is.EqualTo(stored.Select(t => t.Number)), "the incremental reader rebuilt every row");
        Assert.That(mirror.Values.OrderBy(t => t.Number).Select(t => t.Sequence), Is.EqualTo(stored.Select(t => t.Sequence)), "...at its latest version");
    }

    /// <summary>Trial <paramref name="number"/> of <paramref name="worker"/>, completed with an accuracy that names it.</summary>
    internal static TrialRecord Completed(IStudyStorage storage, int number, string worker) =>
        (Running(number, worker) with { Objectives = storage.Definition.Objectives })
        .WithResult(new EvaluationResult(number / 1000.0, 1000 + number, 1e-6, 2e-7, new Dictionary<string, double>(), null)) with
        {
            Status = TrialStatus.Complete, FinishedUtc = DateTime.UtcNow, DurationSeconds = 0.5, Violation = 0,
        };

    [Test]
    public void AFinishInsideAClaimIsCommittedWithItOnlyForTheOwnerAndSeenByTheClaimsReads()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "owner"), Lease); tx.Insert(Running(1, "owner"), Lease); return 0; });
        var before = storage.ReadChanges(0);

        var seenInside = storage.Claim(tx =>
        {
            tx.Finish(Completed(storage, 0, "owner"));
            var changes = tx.ReadChanges(before.Sequence);
            tx.Insert(Running(2, "owner"), Lease);
            return changes;
        });
        var inside = News(seenInside, before);
        Assert.That(inside.Select(c => (c.Number, c.Trial!.Status)), Is.EqualTo(new[] { (0, TrialStatus.Complete) }), "the claim reads its own finish");
        Assert.That(inside[0].Trial!.Values, Is.EqualTo(new[] { 0.0, 1000.0, 1e-6 }));
        var after = storage.ReadChanges(before.Sequence);
        var afterNews = News(after, before);
        Assert.That(afterNews.Select(c => (c.Number, c.Trial!.Status)), Is.EqualTo(new[] { (0, TrialStatus.Complete), (2, TrialStatus.Running) }),
            "an incremental reader sees the finish, then the claim");
        Assert.That(afterNews[0].Trial!.LeaseUntilUtc, Is.Null);

        Assert.Throws<InvalidOperationException>(() => storage.Claim<int>(tx =>
        {
            tx.Finish(Completed(storage, 1, "owner"));
            throw new InvalidOperationException("the claim failed");
        }));
        Assert.That(News(storage.ReadChanges(after.Sequence), before, after), Is.Empty, "a failed claim takes its finish with it");

        storage.Claim(tx => { tx.Finish(Completed(storage, 1, "intruder")); tx.Finish(Completed(storage, 0, "owner")); return 0; });
        Assert.That(News(storage.ReadChanges(after.Sequence), before, after), Is.Empty, "another worker's trial, and a repeated finish, write nothing");
        storage.Claim(tx => { tx.Finish(Completed(storage, 1, "owner")); return 0; }); // a body that only finishes
        var stored = storage.LoadTrials();
        Assert.That(stored.Select(t => (t.Number, t.Status, t.WorkerId)),
            Is.EqualTo(new[] { (0, TrialStatus.Complete, "owner"), (1, TrialStatus.Complete, "owner"), (2, TrialStatus.Running, "owner") }));
        Assert.That(stored[1].Values, Is.EqualTo(new[] { 0.001, 1001.0, 1e-6 }));
    }

    /// <summary>
    /// Workers that store each result with their next claim (as <see cref="StudyRunner"/> does): every number is claimed
    /// exactly once, every result is stored with its values, and an incremental reader misses none of it.
    /// </summary>
    [Test]
    public void FinishingAndClaimingTheNextInOneTransactionNeverLosesOrDoublesATrial()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        const int threads = 4, each = 20;
        var reader = Handle(storage);
        var mirror = new Dictionary<int, TrialRecord>();
        long seen = 0;
        using var stop = new CancellationTokenSource();
        var follower = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var changes = reader.ReadChanges(seen);
                foreach (var c in changes.Changes) mirror[c.Number] = c.Trial!;
                seen = changes.Sequence;
            }
        });
        var writers = Enumerable.Range(0, threads).Select(i => (Handle: Handle(storage), Worker: $"w{i}")).Select(w => Task.Run(() =>
        {
            long known = 0;
            var numbers = new HashSet<int>();
            int? previous = null;
            for (var k = 0; k < each; k++)
            {
                var finished = previous;
                previous = w.Handle.Claim(tx =>
                {
                    if (finished is { } f) tx.Finish(Completed(storage, f, w.Worker));
                    var changes = tx.ReadChanges(known);
                    foreach (var c in changes.Changes) numbers.Add(c.Number);
                    known = changes.Sequence;
                    var next = numbers.Count == 0 ? 0 : numbers.Max() + 1;
                    tx.Insert(Running(next, w.Worker), Lease);
                    return next;
                });
                numbers.Add(previous.Value);
            }
            Assert.That(w.Handle.Finish(Completed(storage, previous!.Value, w.Worker)), Is.True);
        })).ToArray();
        Task.WaitAll(writers);
        stop.Cancel();
        follower.Wait();
        foreach (var c in reader.ReadChanges(seen).Changes) mirror[c.Number] = c.Trial!;
        var stored = storage.LoadTrials();
        Assert.That(stored.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, threads * each)), "no number lost or doubled");
        Assert.That(stored.Select(t => (t.Status, t.Accuracy)), Is.EqualTo(stored.Select(t => (TrialStatus.Complete, (double?)(t.Number / 1000.0)))),
            "every result stored, with its own values");
        Assert.That(stored.GroupBy(t => t.WorkerId).Select(g => g.Count()), Is.All.EqualTo(each));
        Assert.That(mirror.Values.OrderBy(t => t.Number).Select(t => (t.Number, t.Status, t.Sequence)), Is.EqualTo(stored.Select(t => (t.Number, t.Status, t.Sequence))),
            "the incremental reader rebuilt every row at its latest version");
    }

    [Test]
    public void ThreeWorkersCompleteTheStudyOnceEachAndMatchTheOneWorkerFrontier()
    {
        var definition = Worker.Definition("nsga2", 30, 4);
        var expected = new InMemoryStudyStorage(definition);
        Worker_RunPool(expected, 1);
        var storage = NewStudy(definition);
        Worker_RunPool(storage, 3);
        var trials = storage.LoadTrials();
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 30)));
        Assert.That(trials.All(t => t.Status == TrialStatus.Complete && t.Attempts == 1), Is.True);
        Assert.That(Worker.FrontierCsv(storage), Is.EqualTo(Worker.FrontierCsv(expected)));
        Assert.That(storage.HypervolumeHistory().Select(h => h.Hypervolume), Is.EqualTo(expected.HypervolumeHistory().Select(h => h.Hypervolume)));
    }

    private static ReplicateRecord Replicate(int trial, int replicate, string worker, double accuracy, ulong? seed = 7) => new(
        trial, replicate, Running(trial, worker).Candidate.Key, 400, seed,
        new EvaluationResult(accuracy, 1000 + replicate, 2e-6, 3e-7, new Dictionary<string, double> { ["spikes"] = 10 + replicate }, $"{{\"replicate\":{replicate}}}"),
        worker, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), 1.5);

    [Test]
    public void ReplicatesAreStoredOnlyByTheTrialsOwnerAndReadBackAsWritten()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w1"), Lease); tx.Insert(Running(1, "w1"), Lease); return 0; });
        var first = storage.ReadChanges(0);
        Assert.That(storage.StoreReplicate("w2", Replicate(0, 1, "w2", 0.5)), Is.False, "not the owner");
        Assert.That(storage.StoreReplicate("w1", Replicate(5, 1, "w1", 0.5)), Is.False, "no such trial");
        Assert.That(storage.ReadReplicates(), Is.Empty);

        // a seed above 2^63 and one of none survive the signed SQL integer
        Assert.That(storage.StoreReplicate("w1", Replicate(0, 2, "w1", 0.61, seed: ulong.MaxValue - 3)), Is.True);
        Assert.That(storage.StoreReplicate("w1", Replicate(0, 1, "w1", 0.60, seed: null)), Is.True);
        Assert.That(storage.StoreReplicate("w1", Replicate(1, 1, "w1", 0.70)), Is.True);
        Assert.That(storage.StoreReplicate("w1", Replicate(0, 2, "w1", 0.62, seed: ulong.MaxValue - 3)), Is.True, "storing again overwrites");
        Assert.That(News(storage.ReadChanges(first.Sequence), first), Is.Empty, "replicates change no trial row");

        var trial0 = Handle(storage).ReadReplicates(0);
        Assert.That(trial0.Select(r => (r.TrialNumber, r.Replicate, r.Result.Accuracy, r.Seed)),
            Is.EqualTo(new (int, int, double, ulong?)[] { (0, 1, 0.60, null), (0, 2, 0.62, ulong.MaxValue - 3) }));
        var stored = trial0[1];
        var written = Replicate(0, 2, "w1", 0.62, seed: ulong.MaxValue - 3);
        Assert.Multiple(() =>
        {
            Assert.That((stored.CandidateKey, stored.TrainSamples, stored.WorkerId), Is.EqualTo((written.CandidateKey, 400, "w1")));
            Assert.That((stored.Result.MemoryBytes, stored.Result.TrainEnergyJoules, stored.Result.InferenceEnergyJoules), Is.EqualTo((1002.0, 2e-6, 3e-7)));
            Assert.That(stored.Result.Metrics, Is.EqualTo(written.Result.Metrics));
            Assert.That(stored.Result.DetailsJson, Is.EqualTo(written.Result.DetailsJson));
            Assert.That((stored.FinishedUtc, stored.DurationSeconds), Is.EqualTo((written.FinishedUtc, 1.5)));
        });
        Assert.That(storage.ReadReplicates().Select(r => (r.TrialNumber, r.Replicate)), Is.EqualTo(new[] { (0, 1), (0, 2), (1, 1) }));
    }

    [Test]
    public void ReplicatesOutliveATakeOverAndADiscardAndAFinishedTrialTakesNoMore()
    {
        var storage = NewStudy(Worker.Definition("grid", 10, 1));
        storage.Claim(tx => { tx.Insert(Running(0, "w1"), Lease); tx.Insert(Running(1, "w1"), Lease); return 0; });
        Assert.That(storage.StoreReplicate("w1", Replicate(0, 1, "w1", 0.6)), Is.True);
        var current = storage.LoadTrials()[0];
        Assert.That(storage.Claim(tx => tx.Replace(current with { WorkerId = "w2" }, current.Sequence, Lease)), Is.True, "w2 takes trial 0 over");
        Assert.That(storage.StoreReplicate("w1", Replicate(0, 2, "w1", 0.7)), Is.False, "the old owner's late replicate is refused");
        Assert.That(storage.StoreReplicate("w2", Replicate(0, 2, "w2", 0.7)), Is.True);
        Assert.That(storage.ReadReplicates(0).Select(r => r.WorkerId), Is.EqualTo(new[] { "w1", "w2" }), "the first owner's replicate is kept");

        Assert.That(storage.StoreReplicate("w1", Replicate(1, 1, "w1", 0.5)), Is.True);
        Assert.That(storage.Discard("w1", 1), Is.True);
        Assert.That(storage.ReadReplicates(1), Has.Count.EqualTo(1), "a cancelled trial's finished replicates are kept for its rerun");

        var taken = storage.LoadTrials()[0];
        Assert.That(storage.Finish((taken with { Objectives = storage.Definition.Objectives }).WithResult(new EvaluationResult(0.65, 1000, 1e-6, 1e-7, new Dictionary<string, double>(), null)) with { Status = TrialStatus.Complete, FinishedUtc = DateTime.UtcNow }), Is.True);
        Assert.That(storage.StoreReplicate("w2", Replicate(0, 3, "w2", 0.8)), Is.False, "a finished trial takes no more replicates");
    }

    [Test]
    public void AStudyWithThreeReplicatesStoresEachAndKeepsTheirMeanWithTheTInterval()
    {
        var definition = Worker.Definition("grid", 4, 1, replicates: 3);
        var storage = NewStudy(definition);
        WorkerPool.RunAsync(storage, SyntheticEvaluator.TestSpace(), [new SyntheticEvaluator(), new SyntheticEvaluator()], Worker.FastOptions with { Log = null })
            .GetAwaiter().GetResult();
        var trials = storage.LoadTrials();
        Assert.That(trials.Select(t => t.Status), Is.All.EqualTo(TrialStatus.Complete));
        foreach (var t in trials)
        {
            var rows = storage.ReadReplicates(t.Number);
            Assert.That(rows.Select(r => r.Replicate), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(rows.Select(r => r.Seed).Distinct().Count(), Is.EqualTo(3));
            // by hand: mean, sample sd (n - 1 = 2), and t(0.975, 2) = 4.302653 (Student-t table, e.g. NIST/SEMATECH
            // e-Handbook of Statistical Methods, section 1.3.6.7.2: 4.303 to three decimals)
            var a = rows.Select(r => r.Result.Accuracy).ToArray();
            var mean = (a[0] + a[1] + a[2]) / 3;
            var sd = Math.Sqrt(((a[0] - mean) * (a[0] - mean) + (a[1] - mean) * (a[1] - mean) + (a[2] - mean) * (a[2] - mean)) / 2);
            var half = 4.302653 * sd / Math.Sqrt(3);
            var m = t.AccuracyReplicates!.Value;
            Assert.Multiple(() =>
            {
                Assert.That(sd, Is.GreaterThan(1e-4), "the replicates differ");
                Assert.That(t.Accuracy, Is.EqualTo(mean).Within(1e-12));
                Assert.That(m.Count, Is.EqualTo(3));
                Assert.That(m.StandardDeviation, Is.EqualTo(sd).Within(1e-12));
                Assert.That(m.ConfidenceLow, Is.EqualTo(mean - half).Within(1e-7));
                Assert.That(m.ConfidenceHigh, Is.EqualTo(mean + half).Within(1e-7));
            });
        }
    }

    private static void Worker_RunPool(IStudyStorage storage, int workers) =>
        WorkerPool.RunAsync(storage, SyntheticEvaluator.TestSpace(), [.. Enumerable.Range(0, workers).Select(_ => new SyntheticEvaluator(5))],
            Worker.FastOptions with { Log = null }).GetAwaiter().GetResult();

    [Test]
    public void ATrialWhoseLeaseExpiredIsTakenOverOnceAndCompleted()
    {
        var definition = Worker.Definition("grid", 6, 1);
        var storage = NewStudy(definition);
        // trial 0, as the strategy proposes it, held by a worker of another host that stopped renewing its lease
        var first = StudyRunner.CreateStrategy(definition, SyntheticEvaluator.TestSpace()).Ask()!.Value;
        storage.Claim(tx => { tx.Insert(Running(0, "gone", "other-host") with { Candidate = first.Candidate }, TimeSpan.FromMilliseconds(300)); return 0; });
        Thread.Sleep(400);
        Worker_RunPool(storage, 1);
        var trials = storage.LoadTrials();
        Assert.That(trials.All(t => t.Status == TrialStatus.Complete), Is.True);
        Assert.That(trials[0].Attempts, Is.EqualTo(2));
        Assert.That(trials[0].Error, Does.Contain("abandoned"));
        Assert.That(trials.Skip(1).All(t => t.Attempts == 1), Is.True);
    }

    [Test]
    public void AnAbandonedTrialIsRerunAtMostOnce()
    {
        var definition = Worker.Definition("grid", 3, 1);
        var storage = NewStudy(definition);
        var first = StudyRunner.CreateStrategy(definition, SyntheticEvaluator.TestSpace()).Ask()!.Value;
        storage.Claim(tx => { tx.Insert(Running(0, "gone", "other-host") with { Candidate = first.Candidate, Attempts = 2 }, TimeSpan.FromMilliseconds(100)); return 0; });
        Thread.Sleep(300);
        Worker_RunPool(storage, 1);
        var trial0 = storage.LoadTrials()[0];
        Assert.That((trial0.Status, trial0.Attempts), Is.EqualTo((TrialStatus.Failed, 2)));
        Assert.That(trial0.Error, Does.Contain("abandoned 2 times"));
    }

    /// <summary>
    /// Issue 17: a trial that failed because of its environment (here an I/O error, as a bad model cache gives) is
    /// retried by the next run; one that failed because of its configuration is not.
    /// </summary>
    [Test]
    public void EnvironmentFailuresAreRetriedByTheNextRunConfigurationFailuresAreNot()
    {
        var definition = Worker.Definition("grid", 8, 1);
        var strategy = StudyRunner.CreateStrategy(definition, SyntheticEvaluator.TestSpace());
        var neurons = Enumerable.Range(0, 8).Select(_ => (int)strategy.Ask()!.Value.Candidate["neurons"].AsDouble).ToList();
        var (environmental, configurational) = (neurons[0], neurons[^1]);
        Assert.That(environmental, Is.Not.EqualTo(configurational));
        var (environmentCount, configurationCount) = (neurons.Count(n => n == environmental), neurons.Count(n => n == configurational));
        var storage = NewStudy(definition);
        var broken = new FailingEvaluator(n => n == environmental ? new IOException("cache folder is read-only")
            : n == configurational ? new ArgumentException($"neurons={n} is not supported") : null);
        WorkerPool.RunAsync(storage, SyntheticEvaluator.TestSpace(), [broken], Worker.FastOptions with { Log = null }).GetAwaiter().GetResult();
        var failed = storage.LoadTrials().Where(t => t.Status == TrialStatus.Failed).ToList();
        Assert.That(failed.Count(t => t.Cause == FailureCause.Environment && t.Error!.StartsWith("IOException:", StringComparison.Ordinal)), Is.EqualTo(environmentCount));
        Assert.That(failed.Count(t => t.Cause == FailureCause.Configuration && t.Error!.StartsWith("ArgumentException:", StringComparison.Ordinal)), Is.EqualTo(configurationCount));

        var healed = new FailingEvaluator(n => n == configurational ? new ArgumentException($"neurons={n} is not supported") : null);
        WorkerPool.RunAsync(Handle(storage), SyntheticEvaluator.TestSpace(), [healed], Worker.FastOptions with { Log = null }).GetAwaiter().GetResult();
        var after = storage.LoadTrials();
        Assert.That(healed.Evaluations, Is.EqualTo(environmentCount), "only the environment failures are evaluated again");
        Assert.That(after.Count(t => t.Status == TrialStatus.Complete), Is.EqualTo(8 - configurationCount));
        Assert.That(after.Where(t => t.Status == TrialStatus.Failed).All(t => t.Cause == FailureCause.Configuration), Is.True);
    }

    /// <summary>Fails candidates by their neuron count; the rest evaluate as the synthetic evaluator.</summary>
    internal sealed class FailingEvaluator(Func<int, Exception?> failure) : ICandidateEvaluator
    {
        private readonly SyntheticEvaluator _inner = new();
        public int Evaluations => _inner.Evaluations;
        public IReadOnlyList<ParameterSpec> Parameters => _inner.Parameters;
        public string DataFingerprint => _inner.DataFingerprint;
        public double EstimateMemoryBytes(Candidate candidate) => _inner.EstimateMemoryBytes(candidate);

        public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken)
        {
            var result = _inner.Evaluate(candidate, trainSamples, cancellationToken);
            if (failure((int)candidate["neurons"].AsDouble) is { } e) throw e;
            return result;
        }
    }
}
