namespace FSpiNN.Dse.Study;

/// <summary>
/// A study kept in this process's memory, for tests and for replaying a study: the same contract as the database
/// backends, with one lock standing in for the database's. Handles from <see cref="Reconnect"/> share the data.
/// </summary>
public sealed class InMemoryStudyStorage : IStudyStorage
{
    private sealed class Data
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<int, TrialRecord> Trials = [];
        public readonly List<TrialChange> Log = []; // every change in sequence order (sequence = index + 1)
        public readonly List<StoredHypervolume> Hypervolume = [];
        public readonly SortedDictionary<(int Trial, int Replicate), ReplicateRecord> Replicates = [];
        public string? Reference;
    }

    private readonly Data _data;

    private InMemoryStudyStorage(Data data, string name, StudyDefinition definition)
    {
        _data = data;
        StudyName = name;
        Definition = definition;
    }

    public InMemoryStudyStorage(StudyDefinition definition, string? name = null) : this(new Data(), name ?? StudyStorage.DefaultStudyName(definition), definition) { }

    public string Location => $"memory:{StudyName}";
    public string StudyName { get; }
    public StudyDefinition Definition { get; }

    public IStudyStorage Reconnect() => new InMemoryStudyStorage(_data, StudyName, Definition);

    public T Claim<T>(Func<IClaimTransaction, T> body)
    {
        lock (_data.Gate)
        {
            // all or nothing, as a database transaction: undo the body's writes if it throws
            var trials = new Dictionary<int, TrialRecord>(_data.Trials);
            var logCount = _data.Log.Count;
            var hvCount = _data.Hypervolume.Count;
            var reference = _data.Reference;
            try
            {
                return body(new Transaction(this));
            }
            catch
            {
                _data.Trials.Clear();
                foreach (var (k, v) in trials) _data.Trials[k] = v;
                _data.Log.RemoveRange(logCount, _data.Log.Count - logCount);
                _data.Hypervolume.RemoveRange(hvCount, _data.Hypervolume.Count - hvCount);
                _data.Reference = reference;
                throw;
            }
        }
    }

    public TrialChanges ReadChanges(long sinceSequence)
    {
        lock (_data.Gate)
        {
            var from = (int)Math.Clamp(sinceSequence, 0, _data.Log.Count);
            // a row changed several times is returned once, at its latest sequence number
            var latest = new Dictionary<int, TrialChange>();
            for (var i = from; i < _data.Log.Count; i++) latest[_data.Log[i].Number] = _data.Log[i];
            return new TrialChanges([.. latest.Values.OrderBy(c => c.Sequence)], Math.Max(sinceSequence, _data.Log.Count), DateTime.UtcNow);
        }
    }

    private void Write(int number, TrialRecord? trial)
    {
        var seq = _data.Log.Count + 1L;
        if (trial is null) _data.Trials.Remove(number);
        else _data.Trials[number] = trial = trial with { Sequence = seq };
        _data.Log.Add(new TrialChange(seq, number, trial));
    }

    private bool Owned(int number, string workerId, out TrialRecord current) =>
        _data.Trials.TryGetValue(number, out current!) && current.Status == TrialStatus.Running && current.WorkerId == workerId;

    public bool Finish(TrialRecord final)
    {
        lock (_data.Gate)
        {
            if (FinishLocked(final)) return true;
            return _data.Trials.TryGetValue(final.Number, out var c) && c.WorkerId == final.WorkerId && c.Status == final.Status;
        }
    }

    /// <summary>Stores <paramref name="final"/> if its trial is still its worker's RUNNING trial; the caller holds the gate.</summary>
    private bool FinishLocked(TrialRecord final)
    {
        if (!Owned(final.Number, final.WorkerId, out _)) return false;
        Write(final.Number, final with { LeaseUntilUtc = null });
        return true;
    }

    public bool Heartbeat(string workerId, int number, TimeSpan lease)
    {
        lock (_data.Gate)
        {
            if (!Owned(number, workerId, out var current)) return false;
            var now = DateTime.UtcNow;
            Write(number, current with { HeartbeatUtc = now, LeaseUntilUtc = now + lease });
            return true;
        }
    }

    public bool Discard(string workerId, int number)
    {
        lock (_data.Gate)
        {
            if (!Owned(number, workerId, out _)) return false;
            Write(number, null);
            return true;
        }
    }

    public IReadOnlyList<StoredHypervolume> HypervolumeHistory()
    {
        lock (_data.Gate) return [.. _data.Hypervolume];
    }

    public bool StoreReplicate(string workerId, ReplicateRecord replicate)
    {
        lock (_data.Gate)
        {
            if (!Owned(replicate.TrialNumber, workerId, out _)) return false;
            _data.Replicates[(replicate.TrialNumber, replicate.Replicate)] = replicate;
            return true;
        }
    }

    public IReadOnlyList<ReplicateRecord> ReadReplicates(int? trialNumber = null)
    {
        lock (_data.Gate) return [.. _data.Replicates.Values.Where(r => trialNumber is not { } n || r.TrialNumber == n)];
    }

    public void Dispose() { }

    private sealed class Transaction(InMemoryStudyStorage storage) : IClaimTransaction
    {
        private Data D => storage._data;

        public TrialChanges ReadChanges(long sinceSequence) => storage.ReadChanges(sinceSequence);

        public void Finish(TrialRecord final) => storage.FinishLocked(final);

        public void Insert(TrialRecord trial, TimeSpan lease)
        {
            if (D.Trials.ContainsKey(trial.Number)) throw new InvalidOperationException($"trial {trial.Number} already exists in {storage.Location}");
            storage.Write(trial.Number, WithLease(trial, lease));
        }

        public bool Replace(TrialRecord updated, long expectedSequence, TimeSpan lease)
        {
            if (!D.Trials.TryGetValue(updated.Number, out var current) || current.Sequence != expectedSequence) return false;
            storage.Write(updated.Number, WithLease(updated, lease));
            return true;
        }

        private static TrialRecord WithLease(TrialRecord t, TimeSpan lease)
        {
            if (t.Status != TrialStatus.Running) return t with { LeaseUntilUtc = null };
            var now = DateTime.UtcNow;
            return t with { HeartbeatUtc = now, LeaseUntilUtc = now + lease };
        }

        public string? HypervolumeReference() => D.Reference;

        public void SetHypervolumeReference(string referenceJson) => D.Reference ??= referenceJson;

        public int HypervolumeCount() => D.Hypervolume.Count;

        public void AppendHypervolume(StoredHypervolume entry)
        {
            if (entry.CompletedCount == D.Hypervolume.Count + 1) D.Hypervolume.Add(entry);
        }
    }
}
