using System.Reflection;

namespace FSpiNN.Dse.Study;

/// <summary>
/// How a storage behaves towards its user: where it says that it waits or reconnects, and how long it waits for a
/// lock or a server before giving up.
/// </summary>
public sealed record StorageOptions(TextWriter? Log = null, TimeSpan? LockWaitLimit = null, TimeSpan? ConnectTimeout = null)
{
    public static StorageOptions Default { get; } = new();

    /// <summary>Longest wait for another process's SQLite write lock (default 10 minutes).</summary>
    public TimeSpan LockWait => LockWaitLimit ?? TimeSpan.FromMinutes(10);

    /// <summary>Longest wait for one connection to a database server (default 10 s).</summary>
    public TimeSpan Connect => ConnectTimeout ?? TimeSpan.FromSeconds(10);
}

/// <summary>
/// Opens a study storage from what the user gave as `--store`: a PostgreSQL URL
/// (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, also `postgres://`) or an SQLite file path.
/// </summary>
public static class StudyStorage
{
    public static string CodeVersion { get; } =
        typeof(StudyStorage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static bool IsDatabaseUrl(string store) =>
        store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The name a study gets when `--study` is not given: space, strategy and seed (as the default output folder).</summary>
    public static string DefaultStudyName(StudyDefinition d) => $"{d.SpaceName}-{d.Strategy}-s{d.Seed}";

    /// <summary>Creates the study, or resumes it if it exists with the same definition (else <see cref="StudyMismatchException"/>).</summary>
    public static IStudyStorage OpenOrCreate(string store, string? studyName, StudyDefinition definition, StorageOptions? options = null) =>
        IsDatabaseUrl(store)
            ? PostgresStudyStorage.OpenOrCreate(store, studyName ?? DefaultStudyName(definition), definition, options ?? StorageOptions.Default)
            : SqliteStudyStorage.OpenOrCreate(store, studyName, definition, options ?? StorageOptions.Default);

    /// <summary>
    /// Opens an existing study. <paramref name="studyName"/> may be null when the storage holds exactly one.
    /// <paramref name="readOnly"/>: nothing is ever written (not even a schema migration); a read-only file works.
    /// </summary>
    public static IStudyStorage OpenExisting(string store, string? studyName = null, bool readOnly = false, StorageOptions? options = null) =>
        IsDatabaseUrl(store)
            ? PostgresStudyStorage.OpenExisting(store, studyName, options ?? StorageOptions.Default)
            : SqliteStudyStorage.OpenExisting(store, studyName, options ?? StorageOptions.Default, readOnly);

    /// <summary>The studies a storage holds (one for an SQLite file), with their trial counts.</summary>
    public static IReadOnlyList<StudySummary> ListStudies(string store, StorageOptions? options = null)
    {
        if (IsDatabaseUrl(store)) return PostgresStudyStorage.ListStudies(store, options ?? StorageOptions.Default);
        using var storage = SqliteStudyStorage.OpenExisting(store, null, options ?? StorageOptions.Default, readOnly: true);
        return [Summarise(storage, DateTime.MinValue)];
    }

    internal static StudySummary Summarise(IStudyStorage storage, DateTime created)
    {
        var trials = storage.LoadTrials();
        return new StudySummary(storage.StudyName, storage.Definition, created, trials.Count,
            trials.Count(t => t.Status == TrialStatus.Complete), trials.Count(t => t.Status == TrialStatus.Running), trials.Count(t => t.Status == TrialStatus.Failed));
    }

    /// <summary>Every trial, in number order (a full read; workers read incrementally instead).</summary>
    public static IReadOnlyList<TrialRecord> LoadTrials(this IStudyStorage storage)
    {
        var byNumber = new SortedDictionary<int, TrialRecord>();
        foreach (var c in storage.ReadChanges(0).Changes)
        {
            if (c.Trial is { } t) byNumber[c.Number] = t;
            else byNumber.Remove(c.Number);
        }
        return [.. byNumber.Values];
    }
}
