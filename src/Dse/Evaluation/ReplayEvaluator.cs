using System.Globalization;
using System.Security.Cryptography;
using CsvHelper;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Evaluation;

/// <summary>A replay table is unreadable, belongs to another space, or lacks a candidate; the message names the file and what is wrong.</summary>
public sealed class ReplayTableException(string message) : Exception(message);

/// <summary>
/// Evaluates candidates by looking them up in a table instead of training: the <c>frontier.csv</c> of a finished study
/// over the same space (a tabular benchmark, as HPOBench or NAS-Bench do for their spaces). Every space parameter must
/// be a column and every column between <c>train_samples</c> and <c>accuracy</c> a space parameter, with values the
/// space allows; otherwise the table is of another space and is refused. Only COMPLETE rows are results; asking for a
/// candidate (or fidelity) the table does not hold is an error, never a guess. Memory comes from the table (it is the
/// analytic memory the study recorded), so budgets prune exactly as they would in a real run.
/// </summary>
public sealed class ReplayEvaluator : ICandidateEvaluator
{
    private static readonly string[] Required = ["trial", "status", "train_samples", "accuracy", "memory_bytes", "train_energy_j", "inference_energy_j"];

    private readonly string _path;
    private readonly SearchSpace _space;
    private readonly Dictionary<string, (int Trial, EvaluationResult Result)> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _memory = new(StringComparer.Ordinal);   // keyed without the fidelity

    public ReplayEvaluator(string path, SearchSpace space)
    {
        _path = path;
        _space = space;
        if (!File.Exists(path)) throw new ReplayTableException($"replay table '{path}' does not exist");
        DataFingerprint = "replay:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..16];
        Parameters = space.Dimensions.Select(d => new ParameterSpec(d.Name, KindOf(d))).ToList();
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        if (!csv.Read() || !csv.ReadHeader()) throw new ReplayTableException($"replay table '{path}' is empty (expected the frontier.csv of a finished study)");
        var header = csv.HeaderRecord!;
        foreach (var column in Required)
        {
            if (!header.Contains(column)) throw new ReplayTableException($"replay table '{path}' has no '{column}' column: it is not a study's frontier.csv");
        }
        var parameterColumns = header.Skip(Array.IndexOf(header, "train_samples") + 1).TakeWhile(h => h != "accuracy").Append("train_samples").ToList();
        var stray = parameterColumns.Where(c => space.Find(c) is null).ToList();
        var absent = space.Dimensions.Select(d => d.Name).Where(n => !header.Contains(n)).ToList();
        if (stray.Count > 0 || absent.Count > 0)
            throw new ReplayTableException($"replay table '{path}' is not a table of space '{space.Name}': " +
                string.Join("; ", new[]
                {
                    stray.Count > 0 ? $"the table has parameter(s) {string.Join(", ", stray)} that the space does not" : null,
                    absent.Count > 0 ? $"the space has parameter(s) {string.Join(", ", absent)} that the table does not" : null,
                }.Where(s => s is not null)));
        var line = 1;
        while (csv.Read())
        {
            line++;
            var values = new List<KeyValuePair<string, ParameterValue>>();
            var chosen = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
            foreach (var d in space.Dimensions)
            {
                // a conditional parameter that is inactive in this row is not part of its candidate: whatever the
                // column holds (empty, or the value an unconditional grid study ran) is ignored
                if (!d.IsActive(chosen)) continue;
                var text = csv.GetField(d.Name) ?? "";
                var value = ParseValue(d, text)
                    ?? throw new ReplayTableException($"replay table '{path}' line {line}: {d.Name} = '{text}' is not a value of space '{space.Name}' ({d}); the table is of another space");
                chosen[d.Name] = value;
                values.Add(new(d.Name, value));
            }
            var candidate = new Candidate(values);
            if (double.TryParse(csv.GetField("memory_bytes"), NumberStyles.Float, CultureInfo.InvariantCulture, out var memory))
                _memory.TryAdd(WithoutFidelity(candidate), memory);
            if (csv.GetField("status") != "COMPLETE") continue;
            var result = new EvaluationResult(Number(csv, "accuracy", line), memory, Number(csv, "train_energy_j", line), Number(csv, "inference_energy_j", line),
                new Dictionary<string, double> { ["replayed_trial"] = Number(csv, "trial", line) }, null);
            // an unconditional table read through a conditional space holds several rows per candidate (rounding at
            // 32 bits, ...): the first, in the study's order, is the candidate's result
            _results.TryAdd(Key(candidate), ((int)Number(csv, "trial", line), result));
        }
        if (_results.Count == 0) throw new ReplayTableException($"replay table '{path}' has no COMPLETE row to replay");
    }

    public IReadOnlyList<ParameterSpec> Parameters { get; }
    public string DataFingerprint { get; }
    /// <summary>Completed rows in the table.</summary>
    public int Count => _results.Count;

    public double EstimateMemoryBytes(Candidate candidate) =>
        _memory.TryGetValue(WithoutFidelity(candidate), out var memory) ? memory
            : throw new ReplayTableException($"replay table '{_path}' has no row for {candidate.Key}: replay only searches the table's space");

    public EvaluationResult Evaluate(Candidate candidate, int trainSamples, CancellationToken cancellationToken)
    {
        var asked = candidate.With(SearchSpace.TrainSamplesName, (long)trainSamples);
        return _results.TryGetValue(Key(asked), out var row) ? row.Result
            : throw new ReplayTableException($"replay table '{_path}' has no completed result for {asked.Key}: a replay can only evaluate candidates the table's study completed");
    }

    /// <summary>The first candidates of a finite space (up to <paramref name="limit"/>) that the table cannot replay.</summary>
    public IReadOnlyList<Candidate> Missing(int limit = 5) => _space.Grid().Where(c => !_results.ContainsKey(Key(c))).Take(limit).ToList();

    private string Key(Candidate candidate) =>
        string.Join(';', _space.Dimensions.Select(d => $"{d.Name}={(candidate.TryGet(d.Name, out var v) ? Normalise(v) : "")}"));

    private string WithoutFidelity(Candidate candidate) =>
        string.Join(';', _space.Dimensions.Where(d => d.Name != SearchSpace.TrainSamplesName)
            .Select(d => $"{d.Name}={(candidate.TryGet(d.Name, out var v) ? Normalise(v) : "")}"));

    private static string Normalise(ParameterValue v) => v.IsNumeric ? v.AsDouble.ToString("R", CultureInfo.InvariantCulture) : v.ToString();

    private static ParameterValue? ParseValue(Dimension d, string text)
    {
        if (d.Kind is DimensionKind.Fixed or DimensionKind.Choice)
        {
            foreach (var c in d.Choices)
            {
                if (c.ToString() == text) return c;
                if (c.IsNumeric && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x.Equals(c.AsDouble)) return c;
            }
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < d.Min || value > d.Max) return null;
        return d.Kind == DimensionKind.IntRange ? ParameterValue.Of((long)value) : ParameterValue.Of(value);
    }

    private static ParameterKind KindOf(Dimension d) => d.Kind switch
    {
        DimensionKind.IntRange => ParameterKind.Int,
        DimensionKind.FloatRange => ParameterKind.Float,
        _ when d.Choices.All(c => c.IsNumeric) && d.Choices.Any(c => c.Kind == ParameterKind.Float) => ParameterKind.Float,
        _ => d.Choices[0].Kind,
    };

    private double Number(CsvReader csv, string column, int line) =>
        double.TryParse(csv.GetField(column), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x
            : throw new ReplayTableException($"replay table '{_path}' line {line}: '{column}' is not a number");
}
