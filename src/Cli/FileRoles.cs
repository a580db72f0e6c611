using FSpiNN.Snn.Data;

namespace FSpiNN.Cli;

/// <summary>
/// The files one command reads and writes. <see cref="Check"/> runs before the command writes anything and refuses
/// (<see cref="UsageException"/>, exit 2) an output that is one of the inputs or another output, comparing full paths
/// with every symbolic link resolved, and an output location that cannot be written. Every command declares its files
/// here, so "a refusal never changes an input" holds in one place.
/// </summary>
internal sealed class FileRoles
{
    private readonly List<(string Option, string Path)> _inputs = [];
    private readonly List<(string Option, string Path)> _outputs = [];
    private readonly List<(string Option, string Path)> _outputFolders = [];

    /// <summary>A file the command reads (null: option not given).</summary>
    public FileRoles Input(string option, string? path)
    {
        if (path is not null) _inputs.Add((option, path));
        return this;
    }

    /// <summary>The dataset files a `--data` folder provides (the embedded sample when null has no files).</summary>
    public FileRoles DataInputs(string option, string? directory)
    {
        if (directory is null || !Directory.Exists(directory)) return this;
        foreach (var split in Enum.GetValues<DatasetSplit>())
            foreach (var kind in Enum.GetValues<IdxKind>())
                Input(option, DatasetCatalog.LocateFile(directory, split, kind));
        return this;
    }

    /// <summary>A file the command writes (replaced if it exists). A study store is an output too: it is written in place.</summary>
    public FileRoles Output(string option, string? path)
    {
        if (path is not null) _outputs.Add((option, path));
        return this;
    }

    /// <summary>A folder the command writes files into (created if missing).</summary>
    public FileRoles OutputFolder(string option, string? path)
    {
        if (path is not null) _outputFolders.Add((option, path));
        return this;
    }

    /// <summary>Throws <see cref="UsageException"/> naming the options when an output would replace an input or another output, or cannot be written.</summary>
    public void Check()
    {
        foreach (var (option, path) in _outputs) RequireWritableFile(option, path);
        foreach (var (option, path) in _outputFolders) RequireWritableFolder(option, path);
        var inputs = _inputs.Select(i => (i.Option, i.Path, Resolved: PathIdentity.Resolve(i.Path))).ToList();
        var outputs = _outputs.Select(o => (o.Option, o.Path, Resolved: PathIdentity.Resolve(o.Path))).ToList();
        for (var i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            foreach (var input in inputs)
            {
                if (PathIdentity.Same(output.Resolved, input.Resolved))
                    throw new UsageException($"{output.Option} '{output.Path}' is the same file as {input.Option} '{input.Path}' ({output.Resolved}): "
                        + "refusing to write over an input; give another path");
            }
            for (var j = 0; j < i; j++)
            {
                if (PathIdentity.Same(output.Resolved, outputs[j].Resolved))
                    throw new UsageException($"{output.Option} '{output.Path}' and {outputs[j].Option} '{outputs[j].Path}' are the same file ({output.Resolved}): "
                        + "one would overwrite the other; give different paths");
            }
        }
    }

    /// <summary>A file path that can be created or replaced: not empty, not a folder, in a folder that exists (or can be created) and is writable.</summary>
    private static void RequireWritableFile(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} is empty; give a file name");
        if (Directory.Exists(path)) throw new UsageException($"{option} '{path}' is a folder; give a file name (in it, or elsewhere)");
        if (Path.EndsInDirectorySeparator(path)) throw new UsageException($"{option} '{path}' ends in a folder separator; give a file name");
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && File.GetAttributes(full).HasFlag(FileAttributes.ReadOnly) && !CanOpenForWriting(full))
            throw new UsageException($"{option} '{path}' exists and is read-only");
        RequireWritableFolder(option, Path.GetDirectoryName(full)!, $"the folder of {option} '{path}'");
    }

    /// <summary>A folder that exists and is writable, or whose nearest existing parent is a writable folder (it is then created when written).</summary>
    public static void RequireWritableFolder(string option, string path, string? what = null)
    {
        what ??= $"{option} '{path}'";
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} is empty; give a folder");
        if (File.Exists(path)) throw new UsageException($"{what} is a file, not a folder");
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new UsageException($"{what} cannot be created: '{existing}' is a file, not a folder");
            existing = Path.GetDirectoryName(existing) ?? throw new UsageException($"{what} cannot be created: no existing parent folder");
        }
        // a probe file, deleted when closed, is the one test that covers permissions, read-only mounts and ACLs alike
        var probe = Path.Combine(existing, $".fspinn-write-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what} is not writable: cannot create a file in '{existing}' ({e.Message})");
        }
    }

    private static bool CanOpenForWriting(string path)
    {
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Full paths with every symbolic link (of the file and of each folder above it) resolved, compared as the file system does.</summary>
internal static class PathIdentity
{
    private const int MaxLinkDepth = 40; // like the kernel's ELOOP limit: a cycle of links ends here

    public static string Resolve(string path) => Resolve(Path.GetFullPath(path), 0);

    public static bool Same(string resolvedA, string resolvedB) =>
        string.Equals(resolvedA, resolvedB, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Resolve(string full, int depth)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // unreadable: compare by the name as given
            }
            current = target is null || depth >= MaxLinkDepth ? next : Resolve(Path.GetFullPath(target, current), depth + 1);
        }
        return Path.TrimEndingDirectorySeparator(current.Length == 0 ? full : current);
    }
}
