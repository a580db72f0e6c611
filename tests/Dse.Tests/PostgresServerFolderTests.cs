namespace FSpiNN.Dse.Tests;

/// <summary>The test server's clean-up of folders left by killed test runs.</summary>
public sealed class PostgresServerFolderTests
{
    [Test]
    public void OnlyOldFoldersWithoutARunningServerAreRemoved()
    {
        var parent = Path.Combine(Path.GetTempPath(), "fspinn-sweep-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string Folder(string name, int? pid, bool old)
            {
                var folder = Path.Combine(parent, PostgresServer.FolderPrefix + name);
                Directory.CreateDirectory(Path.Combine(folder, "data"));
                if (pid is { } p) File.WriteAllText(Path.Combine(folder, "data", "postmaster.pid"), $"{p}\n/some/data\n");
                if (old) Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow.AddHours(-2));
                return folder;
            }
            var deadServer = Folder("dead", pid: int.MaxValue - 1, old: true);   // no such process
            var noServer = Folder("none", pid: null, old: true);
            var running = Folder("running", pid: Environment.ProcessId, old: true);
            var fresh = Folder("fresh", pid: null, old: false);                 // another run's, still in initdb
            var other = Path.Combine(parent, "someone-else");
            Directory.CreateDirectory(other);
            Directory.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddHours(-2));

            var removed = PostgresServer.RemoveStaleFolders(parent, TimeSpan.FromHours(1));

            Assert.That(removed, Is.EquivalentTo(new[] { deadServer, noServer }));
            Assert.That(Directory.Exists(deadServer) || Directory.Exists(noServer), Is.False);
            Assert.That(Directory.Exists(running) && Directory.Exists(fresh) && Directory.Exists(other), Is.True);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
