using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FSpiNN.Snn.Config;
using FSpiNN.Snn.Data;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Models;

/// <summary>A model file is not readable: not one of ours, corrupt, truncated or of an unknown version.</summary>
public sealed class ModelFileException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
}

/// <summary>
/// One file per model: magic, format version, configuration (parameter table), weights at their stored precision,
/// theta, delays, labels, training counts and seed, the training data's fingerprint (from format 2), followed by a
/// SHA-256 of everything before it. Files of format 1 (no fingerprint) are still read.
/// Saving writes a temporary file and renames it, so an interrupted save never leaves a half-written model.
/// </summary>
public static class ModelFile
{
    private static ReadOnlySpan<byte> Magic => "FSPINNM\0"u8;
    public const int FormatVersion = 2;
    private const int OldestReadableVersion = 1;

    public static void Save(SnnModel model, string path)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            var config = ParameterTable.Describe(model.Config).ToDictionary(p => p.Key, p => p.Value);
            w.Write(JsonSerializer.Serialize(config));
            w.Write(model.InputSize);
            w.Write(model.Seed);
            w.Write(model.ExamplesTrained);
            var weights = model.Weights;
            w.Write(weights.IsQuantized);
            if (weights.Format is { } f)
            {
                w.Write(f.TotalBits);
                w.Write(f.FractionBits);
                w.Write((int)weights.Rounding);
            }
            var raw = weights.RawBytes;
            w.Write(raw.Length);
            w.Write(raw);
            WriteFloats(w, model.Theta);
            w.Write(model.DelaySteps is not null);
            if (model.DelaySteps is not null)
            {
                w.Write(model.DelaySteps.Length);
                w.Write(model.DelaySteps);
            }
            w.Write(model.IsLabelled);
            foreach (var a in model.Assignments) w.Write(a);
            WriteFloats(w, model.ClassRates);
            w.Write(WorkCountsJson.Serialize(model.TrainingCounts));
            w.Write(WorkCountsJson.Serialize(model.InferenceCounts));
            w.Write(model.TrainingData is not null);
            if (model.TrainingData is { } data)
            {
                w.Write(data.Name);
                w.Write(data.ImagesSha256 ?? "");
                w.Write(data.LabelsSha256 ?? "");
            }
        }
        var body = buffer.ToArray();
        var hash = SHA256.HashData(body);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        try
        {
            using (var file = File.Create(temp))
            {
                file.Write(body);
                file.Write(hash);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // a failed save (full disk, a folder or read-only file at the path) leaves nothing behind
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    public static SnnModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFileException(path, "file not found");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ModelFileException(path, $"cannot read the file ({e.Message})");
        }
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ModelFileException(path, "not an fspinn model file (wrong magic)");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new ModelFileException(path, "checksum mismatch: the file is corrupt or truncated");
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, body.Length), System.Text.Encoding.UTF8);
            r.ReadBytes(Magic.Length);
            var version = r.ReadInt32();
            if (version is < OldestReadableVersion or > FormatVersion)
                throw new ModelFileException(path, $"format version {version} is not supported (this build reads versions {OldestReadableVersion} to {FormatVersion})");
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(r.ReadString())
                ?? throw new ModelFileException(path, "missing configuration");
            var config = ParameterTable.FromDescription(values);
            var inputSize = r.ReadInt32();
            // every weight takes at least one bit of the file: a larger network is a corrupt size field, not an allocation to attempt
            if (inputSize < 1 || (long)inputSize * config.Neurons > 8L * bytes.Length)
                throw new ModelFileException(path, $"input size {inputSize} with {config.Neurons} neurons does not fit the file's {bytes.Length} bytes");
            var seed = r.ReadUInt64();
            var examples = r.ReadInt64();
            WeightMatrix weights;
            if (r.ReadBoolean())
            {
                var format = new FixedPointFormat(r.ReadInt32(), r.ReadInt32());
                var rounding = (RoundingMode)r.ReadInt32();
                if (!Enum.IsDefined(rounding))
                    throw new ModelFileException(path, $"unknown rounding mode {(int)rounding}");
                weights = WeightMatrix.CreateFixed(inputSize, config.Neurons, format, rounding);
            }
            else
            {
                weights = WeightMatrix.CreateFloat(inputSize, config.Neurons);
            }
            weights.LoadRawBytes(r.ReadBytes(r.ReadInt32()));
            var theta = ReadFloats(r, config.Neurons);
            if (Array.FindIndex(theta, t => !float.IsFinite(t)) is var bad and >= 0)
                throw new ModelFileException(path, $"theta of neuron {bad} is {theta[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}, not a finite number");
            byte[]? delays = null;
            if (r.ReadBoolean())
            {
                var length = r.ReadInt32();
                if (length != inputSize * config.Neurons)
                    throw new ModelFileException(path, "delay table does not match the network size");
                delays = r.ReadBytes(length);
            }
            var model = new SnnModel(config, inputSize, seed, weights, theta, delays)
            {
                ExamplesTrained = examples,
                IsLabelled = r.ReadBoolean(),
            };
            for (var j = 0; j < config.Neurons; j++)
            {
                var assignment = r.ReadInt32();
                if (assignment is < -1 or >= SnnModel.Classes)
                    throw new ModelFileException(path, $"neuron {j} is assigned to class {assignment}, outside -1..{SnnModel.Classes - 1}");
                model.Assignments[j] = assignment;
            }
            var rates = ReadFloats(r, model.ClassRates.Length);
            if (Array.FindIndex(rates, x => !float.IsFinite(x)) is var badRate and >= 0)
                throw new ModelFileException(path, $"class rate {badRate} is not a finite number");
            rates.CopyTo(model.ClassRates, 0);
            model.TrainingCounts = WorkCountsJson.Deserialize(r.ReadString());
            model.InferenceCounts = WorkCountsJson.Deserialize(r.ReadString());
            if (version >= 2 && r.ReadBoolean())
            {
                var name = r.ReadString();
                var images = r.ReadString();
                var labels = r.ReadString();
                model.TrainingData = new DataFingerprint(name, images.Length > 0 ? images : null, labels.Length > 0 ? labels : null);
            }
            return model;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or JsonException or ConfigException or InvalidDataException
                                      or ArgumentOutOfRangeException or KeyNotFoundException)
        {
            throw new ModelFileException(path, $"malformed content ({e.Message})");
        }
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r, int expected)
    {
        var length = r.ReadInt32();
        if (length != expected) throw new InvalidDataException($"expected {expected} values, found {length}");
        var values = new float[length];
        for (var k = 0; k < length; k++) values[k] = r.ReadSingle();
        return values;
    }
}

/// <summary>JSON form of <see cref="WorkCounts"/> (model files, stored trials).</summary>
public static class WorkCountsJson
{
    private sealed record Population(string Name, int Size, long NeuronUpdates, long Spikes, long TraceUpdates);
    private sealed record Projection(string Name, string Pre, string Post, long StoredWeights, long SynapticEvents, long DenseSynapticOps,
        long WeightReads, long WeightWrites, long NormalizationOps, long? DenseWeightWrites = null);
    private sealed record Dto(long Examples, long Presentations, long Retries, long TimeSteps,
        long StdpWeightUpdates, long AccumulatorUpdates, List<Population> Populations, List<Projection> Projections);

    public static string Serialize(WorkCounts c) => JsonSerializer.Serialize(new Dto(
        c.Examples, c.Presentations, c.Retries, c.TimeSteps, c.StdpWeightUpdates, c.AccumulatorUpdates,
        [.. c.Populations.Select(p => new Population(p.Name, p.Size, p.NeuronUpdates, p.Spikes, p.TraceUpdates))],
        [.. c.Projections.Select(p => new Projection(p.Name, p.Pre, p.Post, p.StoredWeights, p.SynapticEvents, p.DenseSynapticOps,
            p.WeightReads, p.WeightWrites, p.NormalizationOps, p.DenseWeightWrites))]));

    public static WorkCounts Deserialize(string json)
    {
        var dto = JsonSerializer.Deserialize<Dto>(json) ?? throw new InvalidDataException("empty work counts");
        var c = new WorkCounts
        {
            Examples = dto.Examples, Presentations = dto.Presentations, Retries = dto.Retries, TimeSteps = dto.TimeSteps,
            StdpWeightUpdates = dto.StdpWeightUpdates, AccumulatorUpdates = dto.AccumulatorUpdates,
        };
        foreach (var p in dto.Populations)
        {
            var pc = c.AddPopulation(p.Name, p.Size);
            pc.NeuronUpdates = p.NeuronUpdates;
            pc.Spikes = p.Spikes;
            pc.TraceUpdates = p.TraceUpdates;
        }
        // counts recorded before executed writes were counted have no DenseWeightWrites: their writes were the dense ones
        c.HasExecutedWriteCounts = dto.Projections.All(p => p.DenseWeightWrites is not null);
        foreach (var p in dto.Projections)
        {
            var pc = c.AddProjection(p.Name, p.Pre, p.Post, p.StoredWeights);
            pc.SynapticEvents = p.SynapticEvents;
            pc.DenseSynapticOps = p.DenseSynapticOps;
            pc.WeightReads = p.WeightReads;
            pc.WeightWrites = p.WeightWrites;
            pc.DenseWeightWrites = p.DenseWeightWrites ?? p.WeightWrites;
            pc.NormalizationOps = p.NormalizationOps;
        }
        return c;
    }
}
