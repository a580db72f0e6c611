using System.Globalization;
using System.Text.Json;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Training;

namespace FSpiNN.Cli.Commands;

/// <summary>
/// The finished points of `train --sweep-inhibition --checkpoint PATH`, kept in PATH.sweep: a sweep of several hours
/// (full-epoch sweeps at N = 4900) stopped midway resumes at the next strength instead of starting over. Each point
/// is deterministic (same configuration, seed and examples), so a resumed sweep chooses what an uninterrupted one
/// would. The file names the sweep it belongs to; a file of another sweep is refused and left as it is.
/// </summary>
internal sealed class SweepProgressFile
{
    private sealed record Content(string Sweep, List<SweepPoint> Points);

    private readonly string _path;
    private readonly Content _content;

    private SweepProgressFile(string path, Content content)
    {
        _path = path;
        _content = content;
    }

    /// <summary>Points already finished (empty for a new sweep).</summary>
    public IReadOnlyList<SweepPoint> Points => _content.Points;

    public static SweepProgressFile Open(TextWriter stdout, string path, NetworkConfig config, ulong seed, int sweepSamples, Dataset train)
    {
        // the strength swept is part of the configuration's description, so it is left out: every point differs in it
        var described = ParameterTable.Describe(config).Where(p => p.Key is not ("w_inh" or "w_inh_exc")).Select(p => $"{p.Key}={p.Value}");
        var sweep = $"{string.Join(",", described)};seed={seed};sweep_samples={sweepSamples};data={DataFingerprint.Of(train)}";
        if (!File.Exists(path)) return new SweepProgressFile(path, new Content(sweep, []));
        Content? content;
        try
        {
            content = JsonSerializer.Deserialize<Content>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new UsageException($"--checkpoint: sweep progress {path} is unreadable ({e.Message}); delete it to start the sweep over");
        }
        if (content?.Points is null || content.Sweep is null)
            throw new UsageException($"--checkpoint: sweep progress {path} is incomplete; delete it to start the sweep over");
        if (content.Sweep != sweep)
            throw new UsageException($"--checkpoint: sweep progress {path} was written for another sweep (configuration, seed, " +
                "--sweep-samples or data differ); delete it to start the sweep over, or give another checkpoint path");
        stdout.WriteLine($"checkpoint {path}: resuming the sweep with {content.Points.Count} strength(s) done: " +
            string.Join(", ", content.Points.Select(p => p.Strength.ToString(CultureInfo.InvariantCulture))));
        return new SweepProgressFile(path, content);
    }

    /// <summary>Records a finished point, written atomically so that a kill leaves the previous file or the new one.</summary>
    public void Add(SweepPoint point)
    {
        _content.Points.Add(point);
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_content));
        File.Move(temporary, _path, overwrite: true);
    }
}
