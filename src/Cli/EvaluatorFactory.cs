using FSpiNN.Dse;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Snn.Data;

namespace FSpiNN.Cli;

/// <summary>
/// Gives every explore worker of this process the same <see cref="SnnEvaluator"/> (one dataset load, one cache of trained
/// float models for post-training-quantization reuse); the evaluator is thread-safe.
/// </summary>
internal static class EvaluatorFactory
{
    private static readonly Dictionary<(string? Data, int Seed), SnnEvaluator> Evaluators = [];

    public static ICandidateEvaluator Create(Commands.ExploreEvaluatorRequest request)
    {
        lock (Evaluators)
        {
            if (!Evaluators.TryGetValue((request.DataDirectory, request.Seed), out var evaluator))
            {
                evaluator = new SnnEvaluator(DatasetCatalog.Load(request.DataDirectory), new SnnEvaluatorOptions { Seed = (ulong)request.Seed });
                Evaluators[(request.DataDirectory, request.Seed)] = evaluator;
            }
            return evaluator;
        }
    }
}
