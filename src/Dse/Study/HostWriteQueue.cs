using System.Runtime.InteropServices;

namespace FSpiNN.Dse.Study;

/// <summary>
/// A blocking, queued write lock among the processes and threads of one host that share an SQLite store: an exclusive
/// `flock` on a file next to the store (`STORE-writers`). SQLite's own lock cannot be waited for: a writer that finds
/// it taken gets BUSY and polls, sleeping up to 100 ms between tries, so with many workers the lock is often free while
/// every waiter sleeps. Waiting on `flock` instead, a waiter sleeps in the kernel and is woken when the holder releases
/// it. It only orders fspinn's own writers: BEGIN IMMEDIATE is still taken inside it, so an SQL client (or an older
/// fspinn) that does not use the queue is still excluded by SQLite's lock, and waited for with polling as before.
/// Linux only (elsewhere, and where the file cannot be created, <see cref="TryOpen"/> gives null: SQLite's polling).
/// The lock is per open file: each storage handle opens the file once, so threads of one process queue as well;
/// a process that dies releases it.
/// </summary>
internal sealed class HostWriteQueue : IDisposable
{
    private const int LockExclusive = 2, LockNonBlocking = 4, LockRelease = 8;
    private const int EINTR = 4, EWOULDBLOCK = 11;

    private int _descriptor;

    private HostWriteQueue(int descriptor) => _descriptor = descriptor;

    /// <summary>The queue of the store at <paramref name="storePath"/>; null where there is none (not Linux, read-only folder).</summary>
    public static HostWriteQueue? TryOpen(string storePath)
    {
        if (!OperatingSystem.IsLinux()) return null;
        const int readWrite = 2, create = 64, closeOnExec = 0x80000;
        var descriptor = Open(Path.GetFullPath(storePath) + "-writers", readWrite | create | closeOnExec, 0b110_110_110);
        return descriptor < 0 ? null : new HostWriteQueue(descriptor);
    }

    /// <summary>
    /// Takes the lock, waiting in the kernel behind the other writers of this host; false if this file system has no
    /// such lock (the caller then relies on SQLite's lock alone). The wait is on the calling thread (a hand-off to
    /// another thread would cost a second wake-up per transaction) and has no limit: the holder is one of these
    /// writers inside one short transaction, which itself gives up after the lock-wait limit if SQLite's lock is held
    /// by someone else. <paramref name="waited"/> is called from a timer after 5 s and then every 30 s of waiting.
    /// </summary>
    public bool Enter(Action<TimeSpan> waited)
    {
        if (Flock(_descriptor, LockExclusive | LockNonBlocking) == 0) return true;
        if (Marshal.GetLastWin32Error() is not (EWOULDBLOCK or EINTR)) return false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var say = new Timer(_ => waited(clock.Elapsed), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
        while (true)
        {
            if (Flock(_descriptor, LockExclusive) == 0) return true;
            if (Marshal.GetLastWin32Error() != EINTR) return false;
        }
    }

    /// <summary>Takes the lock if no other writer holds it (true), without waiting.</summary>
    public bool TryEnter() => Flock(_descriptor, LockExclusive | LockNonBlocking) == 0;

    public void Exit() => Flock(_descriptor, LockRelease);

    public void Dispose()
    {
        if (_descriptor < 0) return;
        Close(_descriptor);
        _descriptor = -1;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int descriptor, int operation);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
