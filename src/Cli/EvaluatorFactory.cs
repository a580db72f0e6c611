using FSpiNN.Dse;
using FSpiNN.Snn.Data;
using FSpiNN.SnnSearch;

namespace FSpiNN.Cli;

/// <summary>
/// Gives every explore worker of this process the same <see cref="SnnEvaluator"/> (one dataset load, one cache of trained
/// float models for post-training-quantization reuse); the evaluator is thread-safe.
/// </summary>
internal static class EvaluatorFactory
{
    private static readonly Dictionary<(string? Data, int Seed, int Workers, string? ModelCache), SnnEvaluator> Evaluators = [];

    public static ICandidateEvaluator Create(Commands.ExploreEvaluatorRequest request)
    {
        lock (Evaluators)
        {
            var key = (request.DataDirectory, request.Seed, request.Workers, request.ModelCache);
            if (!Evaluators.TryGetValue(key, out var evaluator))
            {
                // workers share the cores: each evaluation labels and tests on its share of them
                var threads = Math.Max(1, Environment.ProcessorCount / Math.Max(1, request.Workers));
                evaluator = new SnnEvaluator(DatasetCatalog.Load(request.DataDirectory),
                    new SnnEvaluatorOptions { Seed = (ulong)request.Seed, Threads = threads, ModelCacheDirectory = request.ModelCache });
                Evaluators[key] = evaluator;
            }
            return evaluator;
        }
    }
}
