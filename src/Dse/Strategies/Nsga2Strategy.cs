using FSpiNN.Dse.Pareto;
using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Strategies;

/// <summary>Tuning of <see cref="Nsga2Strategy"/>. A null population size picks clamp(trials / 5, 8, 100), rounded up to even.</summary>
public sealed record Nsga2Options(int? PopulationSize = null, double CrossoverProbability = 0.9, double CrossoverEta = 15,
    double? MutationProbability = null, double MutationEta = 20);

/// <summary>
/// NSGA-II (Deb et al. 2002) with constraint domination: generational, (mu + lambda) survival by non-dominated rank
/// then crowding distance, binary tournaments; SBX and polynomial mutation on numeric genes (ranges and ordered numeric
/// choices), uniform crossover and resampling on categorical genes. Offspring that repeat an already proposed candidate
/// are re-drawn (up to 20 times) so the evaluation budget is not spent on duplicates.
/// </summary>
public sealed class Nsga2Strategy : IStrategy
{
    private readonly StrategyContext _context;
    private readonly Nsga2Options _options;
    private readonly Random _random;
    private readonly Dimension[] _dims;
    private readonly int _populationSize;
    private readonly HashSet<string> _proposedKeys = new(StringComparer.Ordinal);
    private readonly List<double[]> _genes = [];              // by proposal id
    private readonly Dictionary<int, TrialOutcome> _outcomes = [];
    private List<int> _population = [];                       // proposal ids of survivors
    private List<(double[] Genes, Candidate Candidate)> _batch = [];
    private int _batchStart;
    private int _batchNext;
    private int _nextId;

    public Nsga2Strategy(StrategyContext context, Nsga2Options? options = null)
    {
        _context = context;
        _options = options ?? new Nsga2Options();
        _random = new Random(context.Seed);
        _dims = context.Space.Dimensions.ToArray();
        var size = _options.PopulationSize ?? Math.Clamp(context.Trials / 5, 8, 100);
        _populationSize = Math.Max(4, size + size % 2);
        _batch = InitialBatch();
        _batchStart = 0;
    }

    public string Name => "nsga2";
    public int PopulationSize => _populationSize;
    public int Generation { get; private set; }

    public bool IsFinished => _nextId >= _context.Trials || (_batchNext >= _batch.Count && _batch.Count == 0);

    public Proposal? Ask()
    {
        if (_nextId >= _context.Trials) return null;
        if (_batchNext >= _batch.Count)
        {
            // Wait until the whole batch is told, then breed the next one.
            for (var id = _batchStart; id < _nextId; id++)
            {
                if (!_outcomes.ContainsKey(id)) return null;
            }
            Survive();
            _batch = Offspring();
            _batchStart = _nextId;
            _batchNext = 0;
            Generation++;
            if (_batch.Count == 0) return null;
        }
        var (genes, candidate) = _batch[_batchNext++];
        _genes.Add(genes);
        _proposedKeys.Add(candidate.Key);
        return new Proposal(_nextId++, candidate);
    }

    public void Tell(TrialOutcome outcome) => _outcomes[outcome.Id] = outcome;

    private List<(double[], Candidate)> InitialBatch()
    {
        var batch = new List<(double[], Candidate)>();
        foreach (var c in Sampling.Distinct(_context.Space, _random).Take(Math.Min(_populationSize, _context.Trials)))
            batch.Add((Encode(c), c));
        return batch;
    }

    private double[] Encode(Candidate c)
    {
        var genes = new double[_dims.Length];
        for (var i = 0; i < _dims.Length; i++)
        {
            var d = _dims[i];
            if (!c.TryGet(d.Name, out var v))
            {
                // an inactive conditional parameter: any gene decodes to "absent" while its condition fails; a random
                // one keeps the population diverse for when crossover switches the condition on
                genes[i] = d.GeneLower + _random.NextDouble() * (d.GeneUpper - d.GeneLower);
                continue;
            }
            genes[i] = d.Kind switch
            {
                DimensionKind.Fixed => 0,
                DimensionKind.Choice => d.Choices.ToList().FindIndex(x => x.ToString() == v.ToString()),
                _ => d.Log ? Math.Log(v.AsDouble) : v.AsDouble,
            };
        }
        return genes;
    }

    private void Survive()
    {
        var pool = _population.Concat(Enumerable.Range(_batchStart, _nextId - _batchStart)).Distinct().ToList();
        var points = pool.Select(id => _outcomes[id].Point).ToList();
        var order = ParetoMath.BestFirst(points);
        _population = order.Take(_populationSize).Select(i => pool[i]).ToList();
    }

    private List<(double[], Candidate)> Offspring()
    {
        var remaining = _context.Trials - _nextId;
        var count = Math.Min(_populationSize, remaining);
        var batch = new List<(double[], Candidate)>();
        if (count <= 0) return batch;
        var points = _population.Select(id => _outcomes[id].Point).ToList();
        var (rank, crowd) = ParetoMath.RankAndCrowd(points);
        var batchKeys = new HashSet<string>(StringComparer.Ordinal);
        while (batch.Count < count)
        {
            (double[], Candidate)? child = null;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var a = _genes[_population[Tournament(rank, crowd)]];
                var b = _genes[_population[Tournament(rank, crowd)]];
                var (c1, c2) = Crossover(a, b);
                Mutate(c1);
                Mutate(c2);
                foreach (var genes in new[] { c1, c2 })
                {
                    var candidate = _context.Space.Decode(genes);
                    child ??= (genes, candidate);
                    if (!_proposedKeys.Contains(candidate.Key) && !batchKeys.Contains(candidate.Key))
                    {
                        child = (genes, candidate);
                        goto found;
                    }
                }
            }
        found:
            batchKeys.Add(child!.Value.Item2.Key);
            batch.Add(child.Value);
        }
        return batch;
    }

    private int Tournament(int[] rank, double[] crowd)
    {
        var a = _random.Next(rank.Length);
        var b = _random.Next(rank.Length);
        if (rank[a] != rank[b]) return rank[a] < rank[b] ? a : b;
        if (crowd[a] != crowd[b]) return crowd[a] > crowd[b] ? a : b;
        return _random.Next(2) == 0 ? a : b;
    }

    private (double[], double[]) Crossover(double[] a, double[] b)
    {
        var c1 = (double[])a.Clone();
        var c2 = (double[])b.Clone();
        if (_random.NextDouble() > _options.CrossoverProbability) return (c1, c2);
        for (var i = 0; i < _dims.Length; i++)
        {
            var d = _dims[i];
            if (d.Kind == DimensionKind.Fixed) continue;
            if (d.IsCategorical)
            {
                if (_random.NextDouble() < 0.5) (c1[i], c2[i]) = (c2[i], c1[i]);
                continue;
            }
            if (_random.NextDouble() > 0.5 || Math.Abs(a[i] - b[i]) < 1e-14) continue;
            Sbx(a[i], b[i], d.GeneLower, d.GeneUpper, out c1[i], out c2[i]);
        }
        return (c1, c2);
    }

    /// <summary>Bounded simulated binary crossover (Deb and Agrawal 1995; as in Deb's reference NSGA-II code).</summary>
    private void Sbx(double p1, double p2, double lo, double hi, out double o1, out double o2)
    {
        var eta = _options.CrossoverEta;
        var y1 = Math.Min(p1, p2);
        var y2 = Math.Max(p1, p2);
        var u = _random.NextDouble();
        double BetaQ(double beta)
        {
            var alpha = 2 - Math.Pow(beta, -(eta + 1));
            return u <= 1 / alpha ? Math.Pow(u * alpha, 1 / (eta + 1)) : Math.Pow(1 / (2 - u * alpha), 1 / (eta + 1));
        }
        var bq1 = BetaQ(1 + 2 * (y1 - lo) / (y2 - y1));
        var bq2 = BetaQ(1 + 2 * (hi - y2) / (y2 - y1));
        var c1 = Math.Clamp(0.5 * (y1 + y2 - bq1 * (y2 - y1)), lo, hi);
        var c2 = Math.Clamp(0.5 * (y1 + y2 + bq2 * (y2 - y1)), lo, hi);
        if (_random.NextDouble() < 0.5) (c1, c2) = (c2, c1);
        o1 = c1;
        o2 = c2;
    }

    private void Mutate(double[] genes)
    {
        var active = _dims.Count(d => d.Kind != DimensionKind.Fixed);
        var pm = _options.MutationProbability ?? 1.0 / Math.Max(1, active);
        for (var i = 0; i < _dims.Length; i++)
        {
            var d = _dims[i];
            if (d.Kind == DimensionKind.Fixed || _random.NextDouble() >= pm) continue;
            if (d.IsCategorical)
            {
                genes[i] = _random.Next(d.Choices.Count);
                continue;
            }
            genes[i] = PolynomialMutation(genes[i], d.GeneLower, d.GeneUpper);
        }
    }

    private double PolynomialMutation(double y, double lo, double hi)
    {
        if (hi <= lo) return y;
        var eta = _options.MutationEta;
        var d1 = (y - lo) / (hi - lo);
        var d2 = (hi - y) / (hi - lo);
        var u = _random.NextDouble();
        var power = 1 / (eta + 1);
        double deltaq;
        if (u < 0.5)
        {
            var val = 2 * u + (1 - 2 * u) * Math.Pow(1 - d1, eta + 1);
            deltaq = Math.Pow(val, power) - 1;
        }
        else
        {
            var val = 2 * (1 - u) + 2 * (u - 0.5) * Math.Pow(1 - d2, eta + 1);
            deltaq = 1 - Math.Pow(val, power);
        }
        return Math.Clamp(y + deltaq * (hi - lo), lo, hi);
    }
}
