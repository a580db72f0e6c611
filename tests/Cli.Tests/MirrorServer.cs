using System.Net;
using System.Net.Sockets;

namespace FSpiNN.Cli.Tests;

/// <summary>A tiny HTTP file server on 127.0.0.1 (HttpListener) that honours "Range: bytes=N-" and logs requests.</summary>
internal sealed class MirrorServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files;
    private readonly Task _loop;

    public MirrorServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/mirror/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Files whose response is cut off after half the bytes (headers announce the full length).</summary>
    public HashSet<string> CutHalfway { get; } = [];

    /// <summary>"name" or "name Range=bytes=N-" per request, in arrival order.</summary>
    public List<string> Requests { get; } = [];

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await RespondAsync(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // the client went away
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var name = context.Request.Url!.AbsolutePath.Split('/')[^1];
        var range = context.Request.Headers["Range"];
        lock (Requests)
            Requests.Add(range is null ? name : $"{name} Range={range}");
        var response = context.Response;
        if (!_files.TryGetValue(name, out var content))
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }

        var start = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = int.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.StatusCode = 416;
                response.AddHeader("Content-Range", $"bytes */{content.Length}");
                response.Close();
                return;
            }
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}");
        }
        response.ContentLength64 = content.Length - start;
        if (CutHalfway.Contains(name))
        {
            await response.OutputStream.WriteAsync(content.AsMemory(start, (content.Length - start) / 2)).ConfigureAwait(false);
            await response.OutputStream.FlushAsync().ConfigureAwait(false);
            response.Abort();
            return;
        }
        await response.OutputStream.WriteAsync(content.AsMemory(start)).ConfigureAwait(false);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
