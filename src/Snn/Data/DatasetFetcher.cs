using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace FSpiNN.Snn.Data;

public enum FetchOutcome
{
    /// <summary>A file with the right content was already in place; nothing downloaded.</summary>
    AlreadyPresent,
    /// <summary>Downloaded, checked and moved into place.</summary>
    Downloaded,
    /// <summary>A partial download (*.part) was completed with an HTTP Range request, checked and moved into place.</summary>
    Resumed,
    /// <summary>The download completed but its content has the wrong checksum (or is not valid gzip); it was deleted.</summary>
    ChecksumMismatch,
    /// <summary>The download failed (HTTP error, connection lost); any partial data is kept as *.part for a later resume.</summary>
    Failed,
}

/// <summary>What happened to one file of a fetch.</summary>
public sealed record FetchedFile(DatasetFileDescriptor File, Uri Source, string Path, FetchOutcome Outcome, string Detail)
{
    public bool Ok => Outcome is FetchOutcome.AlreadyPresent or FetchOutcome.Downloaded or FetchOutcome.Resumed;
}

/// <summary>Download progress of one file (bytes of the .gz as stored, including a resumed prefix).</summary>
public readonly record struct FetchProgress(string FileName, long BytesReceived, long? TotalBytes);

/// <summary>
/// Downloads a dataset's four official .gz files into a folder. Each file is written to "&lt;name&gt;.part"
/// (a partial one is resumed with an HTTP Range request), its uncompressed content is checked against the
/// descriptor's sha256, and only then is it renamed into place, so a file under its final name is always complete.
/// </summary>
public sealed class DatasetFetcher(HttpClient http)
{
    public const string PartSuffix = ".part";

    public async Task<IReadOnlyList<FetchedFile>> FetchAsync(DatasetDescriptor dataset, string targetDirectory, Uri? mirror = null,
        IProgress<FetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var baseUri = mirror ?? dataset.DefaultMirror
                      ?? throw new ArgumentException($"Dataset '{dataset.Name}' has no default download location; give a mirror URL.", nameof(mirror));
        if (!baseUri.AbsoluteUri.EndsWith('/'))
            baseUri = new Uri(baseUri.AbsoluteUri + "/");
        try
        {
            Directory.CreateDirectory(targetDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the target folder '{targetDirectory}': {e.Message}", e);
        }
        var results = new List<FetchedFile>();
        foreach (var file in dataset.Files)
            results.Add(await FetchFileAsync(file, new Uri(baseUri, file.GzipFileName), targetDirectory, progress, cancellationToken).ConfigureAwait(false));
        return results;
    }

    private async Task<FetchedFile> FetchFileAsync(DatasetFileDescriptor file, Uri source, string directory,
        IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        var gzPath = Path.Combine(directory, file.GzipFileName);
        var rawPath = Path.Combine(directory, file.FileName);
        foreach (var existing in new[] { gzPath, rawPath })
        {
            if (File.Exists(existing) && ContentSha256OrNull(existing) == file.UncompressedSha256)
                return new FetchedFile(file, source, existing, FetchOutcome.AlreadyPresent, "already present, checksum ok");
        }

        var partPath = gzPath + PartSuffix;
        var resumedFrom = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        try
        {
            await DownloadAsync(source, partPath, file.GzipFileName, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var kept = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
            return new FetchedFile(file, source, partPath, FetchOutcome.Failed,
                $"download failed: {e.Message}" + (kept > 0 ? $"; {kept:N0} bytes kept in {Path.GetFileName(partPath)}, run fetch again to resume" : ""));
        }

        var actual = ContentSha256OrNull(partPath);
        if (actual != file.UncompressedSha256 && resumedFrom > 0)
        {
            // The kept prefix may belong to another version of the file: start over once from scratch.
            File.Delete(partPath);
            resumedFrom = 0;
            try
            {
                await DownloadAsync(source, partPath, file.GzipFileName, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new FetchedFile(file, source, partPath, FetchOutcome.Failed, $"download failed: {e.Message}");
            }
            actual = ContentSha256OrNull(partPath);
        }

        if (actual != file.UncompressedSha256)
        {
            File.Delete(partPath);
            var what = actual is null ? "is not a readable gzip/IDX stream" : $"has uncompressed sha256 {actual}";
            return new FetchedFile(file, source, gzPath, FetchOutcome.ChecksumMismatch,
                $"downloaded content {what}, expected {file.UncompressedSha256}; deleted");
        }

        var finalPath = IsGzip(partPath) ? gzPath : rawPath;
        var note = "";
        if (finalPath == gzPath && file.GzipSha256 is not null && FileSha256(partPath) != file.GzipSha256)
            note = " (the .gz wrapping differs from the official file; the content is identical)";
        File.Move(partPath, finalPath, overwrite: true);
        // A wrong copy under the other name (raw vs .gz) would be read instead of, or besides, the good one.
        var otherPath = finalPath == gzPath ? rawPath : gzPath;
        if (File.Exists(otherPath) && ContentSha256OrNull(otherPath) != file.UncompressedSha256)
        {
            File.Delete(otherPath);
            note += $"; removed {Path.GetFileName(otherPath)}, whose content was wrong";
        }
        return resumedFrom > 0
            ? new FetchedFile(file, source, finalPath, FetchOutcome.Resumed, $"resumed at byte {resumedFrom:N0}, checksum ok{note}")
            : new FetchedFile(file, source, finalPath, FetchOutcome.Downloaded, $"checksum ok{note}");
    }

    /// <summary>Downloads <paramref name="source"/> into <paramref name="partPath"/>, continuing an existing partial file with a Range request.</summary>
    private async Task DownloadAsync(Uri source, string partPath, string displayName, IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        var offset = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        if (offset > 0)
            request.Headers.Range = new RangeHeaderValue(offset, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
            return; // the partial file is already whole (or longer than the file): the checksum decides
        response.EnsureSuccessStatusCode();
        var append = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent
                     && response.Content.Headers.ContentRange?.From == offset;
        if (!append)
            offset = 0; // server ignored the Range (200) or answered another range: start over
        long? total = response.Content.Headers.ContentLength is { } length ? offset + length : null;

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(partPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        var received = offset;
        progress?.Report(new FetchProgress(displayName, received, total));
        int n;
        while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            received += n;
            progress?.Report(new FetchProgress(displayName, received, total));
        }
        if (total is { } expected && received != expected)
            throw new IOException($"connection ended after {received:N0} of {expected:N0} bytes");
    }

    private static string? ContentSha256OrNull(string path)
    {
        try
        {
            return IdxReader.UncompressedSha256(path);
        }
        catch (IdxFormatException)
        {
            return null;
        }
    }

    private static bool IsGzip(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
    }

    private static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
