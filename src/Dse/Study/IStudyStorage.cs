namespace FSpiNN.Dse.Study;

/// <summary>A store is not usable as a study store (garbage, other schema, another application's data). Nothing was changed.</summary>
public sealed class StoreFormatException(string message) : Exception(message);

/// <summary>Resuming would mix incompatible runs (other data, space, strategy...). Nothing was written.</summary>
public sealed class StudyMismatchException(string message) : Exception(message);

/// <summary>
/// The storage cannot be reached for now (server down or restarting, connection lost, lock held too long). The
/// operation had no effect or will be found again by the next read: callers retry with backoff
/// (<see cref="StudyRunner"/> does, and says so on its log).
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One row change as read incrementally: the row's whole state at the read, with its version
/// (<paramref name="Sequence"/>); <paramref name="Trial"/> null means the row was removed (a cancelled claim).
/// </summary>
public readonly record struct TrialChange(long Sequence, int Number, TrialRecord? Trial);

/// <summary>
/// The changes a reader has not seen yet, the cursor to ask from next time (<paramref name="Sequence"/>), and the
/// storage's clock (the database server's on PostgreSQL, so that leases do not depend on the hosts' clocks agreeing).
/// </summary>
public sealed record TrialChanges(IReadOnlyList<TrialChange> Changes, long Sequence, DateTime NowUtc);

/// <summary>One stored hypervolume history entry (see <see cref="StudyResults.HypervolumeHistory"/>).</summary>
public readonly record struct StoredHypervolume(int CompletedCount, int TrialNumber, double Hypervolume, string ReferenceJson);

/// <summary>A study listed by <see cref="IStudyStorage.ListStudies"/>.</summary>
public sealed record StudySummary(string Name, StudyDefinition Definition, DateTime CreatedUtc, int Trials, int Complete, int Running, int Failed);

/// <summary>
/// One study in a storage backend (in-memory, SQLite file, PostgreSQL database), modelled on Optuna's BaseStorage and
/// heartbeat: claim the next trial atomically, finish it, renew its lease, reclaim trials whose lease expired, and read
/// changes incrementally from a cursor.
/// <para>
/// Ownership: a RUNNING trial belongs to the worker whose id is in its row. Only that worker may
/// <see cref="Finish"/> it (also inside its next claim, <see cref="IClaimTransaction.Finish"/>), <see cref="Heartbeat"/>,
/// <see cref="Discard"/> it or store its replicates (the storage checks the owner and state in the same statement). Any worker may take it over inside <see cref="Claim{T}"/> once its lease has expired (or, on the
/// same host, once its process is gone); from then on the old owner's writes are refused.
/// </para>
/// <para>
/// Versions and cursors: every write to a trial (insert, update, heartbeat, removal) gives its row a new version
/// (<see cref="TrialRecord.Sequence"/>), and every read returns a cursor (<see cref="TrialChanges.Sequence"/>); a row
/// whose version is below a read's cursor was committed before that read. A reader that passes the cursor of its last
/// read misses nothing written since. In-memory and SQLite number the writes of a study in commit order (the
/// version is a sequence number, the cursor the highest one read), so a change is returned once. PostgreSQL stamps a
/// write with its transaction's id and returns as the cursor the oldest transaction still running at the read, so
/// that writes outside claims need no study-wide lock; a change committed while an earlier read ran may then be
/// returned again (PostgresStudyStorage says why). Each change is the row's whole state, so a reader that keeps the
/// last state per trial number needs nothing more.
/// </para>
/// <para>
/// Thread-safety: one instance is used by one thread at a time. Every worker thread and the heartbeat of each worker
/// take their own instance from <see cref="Reconnect"/>; instances of one study are safe to use concurrently from any
/// number of threads, processes and hosts.
/// </para>
/// </summary>
public interface IStudyStorage : IDisposable
{
    /// <summary>Where the study lives, safe to print: a path, or a URL without its password.</summary>
    string Location { get; }

    /// <summary>The study's name within its storage.</summary>
    string StudyName { get; }

    StudyDefinition Definition { get; }

    /// <summary>Another handle on the same study, for another thread (its own connection where the backend has them).</summary>
    IStudyStorage Reconnect();

    /// <summary>
    /// Runs <paramref name="body"/> as one transaction that is serialised with every other claim of this study, in any
    /// process on any host: what the body reads through the transaction is the study's current state (every claim
    /// committed before it, and every other write committed before the read), and its writes are committed together
    /// or not at all. Throws <see cref="StorageUnavailableException"/> when the storage cannot be reached (nothing was
    /// committed, or the commit is visible to the next read).
    /// <para>
    /// Why serialised: a claim decides from what it reads (trial N is free, the proposals before it are stored, the
    /// hypervolume entries stored so far) and writes that decision, and the strategy's replay needs every claimer to
    /// decide trial N from the same history. Exactly-once claiming itself does not need the lock (trial numbers are
    /// unique, and a take-over is conditional on the row's version). Writes outside claims (<see cref="Finish"/>,
    /// <see cref="Heartbeat"/>, <see cref="Discard"/>) are ordered with a claim's take-over of their trial by that
    /// condition; the SQLite backend serialises them with claims anyway (one writer per file), PostgreSQL does not.
    /// The cost is one pass of the study lock and one durable commit per call (a result can ride in the same call,
    /// <see cref="IClaimTransaction.Finish"/>, though the runner stores results on their own: see StudyRunner.RunLoop).
    /// </para>
    /// </summary>
    T Claim<T>(Func<IClaimTransaction, T> body);

    /// <summary>
    /// Changes since the read that returned the cursor <paramref name="sinceSequence"/> (0: every trial), without taking
    /// the claim lock, from one consistent state of the study (a write is seen whole or not at all, and nothing written
    /// after this read is missed by a later call given its cursor; see the class comment for changes returned again).
    /// Writes nothing; any number of readers run concurrently with each other and with writes.
    /// </summary>
    TrialChanges ReadChanges(long sinceSequence);

    /// <summary>
    /// Stores the final state (COMPLETE or FAILED) of a RUNNING trial owned by <see cref="TrialRecord.WorkerId"/>, in a
    /// transaction of its own (the runner's way; <see cref="IClaimTransaction.Finish"/> stores it inside a claim
    /// instead, which the runner does not use, see StudyRunner.RunLoop). Durable once it returns. False if the trial is no longer that
    /// worker's (its lease expired and another worker took it over). Safe to repeat after a lost connection: a repeat of
    /// a write that was committed returns true. Gives the row a new version; it need not wait for claims (see <see cref="Claim{T}"/>).
    /// </summary>
    bool Finish(TrialRecord final);

    /// <summary>
    /// Renews the lease of a RUNNING trial this worker owns until the storage's now + <paramref name="lease"/>. False if it
    /// is no longer its own. Gives the row a new version, so that a claimer that read the trial before the renewal cannot
    /// take it over: its take-over is conditional on the version it read.
    /// </summary>
    bool Heartbeat(string workerId, int number, TimeSpan lease);

    /// <summary>Removes a RUNNING trial this worker owns (a cancelled evaluation), so that it is proposed afresh, not counted as abandoned. Readers are told of the removal.</summary>
    bool Discard(string workerId, int number);

    IReadOnlyList<StoredHypervolume> HypervolumeHistory();

    /// <summary>
    /// Stores one finished replicate of a RUNNING trial owned by <paramref name="workerId"/>, as soon as it finishes, so
    /// that a rerun of the trial (after a kill, a lost lease or a cancelled run) evaluates only the missing replicates.
    /// False (nothing written) if the trial is not that worker's. Storing the same replicate again overwrites it (safe
    /// to repeat after a lost connection). Replicates live in their own table: writing one changes no trial row and
    /// gives no row a new version, and they are kept when the trial is taken over or discarded.
    /// </summary>
    bool StoreReplicate(string workerId, ReplicateRecord replicate);

    /// <summary>The stored replicates of trial <paramref name="trialNumber"/> (null: of every trial), by trial then replicate.</summary>
    IReadOnlyList<ReplicateRecord> ReadReplicates(int? trialNumber = null);
}

/// <summary>What a <see cref="IStudyStorage.Claim{T}"/> body may do; valid only inside that call.</summary>
public interface IClaimTransaction
{
    /// <summary>
    /// As <see cref="IStudyStorage.ReadChanges"/>, inside the transaction: the study's current state (every write committed
    /// before the claim began, and this transaction's own writes before the read).
    /// </summary>
    TrialChanges ReadChanges(long sinceSequence);

    /// <summary>
    /// Stores the final state of a RUNNING trial owned by <see cref="TrialRecord.WorkerId"/>, as
    /// <see cref="IStudyStorage.Finish"/> does, but as part of this transaction: committed together with the claim the
    /// body then makes (one transaction, one commit and one pass of the study lock per trial instead of two), or not at
    /// all. If the trial is no longer that worker's, nothing is written. The outcome is seen by the body's reads after
    /// this call; call it before them (a backend may send it with the transaction's first read). Repeating it after a
    /// committed attempt writes nothing (the trial is no longer RUNNING).
    /// </summary>
    void Finish(TrialRecord final);

    /// <summary>Stores a new trial; a RUNNING one gets a lease of <paramref name="lease"/> from the storage's now.</summary>
    void Insert(TrialRecord trial, TimeSpan lease);

    /// <summary>
    /// Overwrites trial <c>updated.Number</c> if it is still as the caller last read it (its version is
    /// <paramref name="expectedSequence"/>). A RUNNING result gets a lease of <paramref name="lease"/>.
    /// False (nothing written) if the row changed or is gone.
    /// </summary>
    bool Replace(TrialRecord updated, long expectedSequence, TimeSpan lease);

    /// <summary>The hypervolume reference point of the study, fixed the first time it is set.</summary>
    string? HypervolumeReference();

    void SetHypervolumeReference(string referenceJson);

    /// <summary>Number of hypervolume history entries stored (they are appended in order).</summary>
    int HypervolumeCount();

    void AppendHypervolume(StoredHypervolume entry);
}
