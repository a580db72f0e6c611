using FSpiNN.Dse.Strategies;

namespace FSpiNN.SnnSearch;

/// <summary>The strategies that know the SNN's parameters, registered with the engine's <see cref="StrategyFactory"/>.</summary>
public static class SnnStrategies
{
    /// <summary>Name of the paper's exhaustive procedure.</summary>
    public const string FSpiNN = "fspinn";

    /// <summary>
    /// The FSpiNN procedure (model reference C.9): every (N, b, ...) grid point, largest networks first and full
    /// precision before lower precisions (so the evaluator reuses a trained float32 model for post-training
    /// quantization). Candidates over the memory budget are pruned analytically by the study (recorded as skipped, never
    /// trained); the recommendation then takes the highest accuracy, ties within 0.1 pt by lower energy, then lower memory.
    /// </summary>
    public static readonly IReadOnlyList<string> FSpiNNOrder = ["neurons", "bits"];

    /// <summary>Registers <see cref="FSpiNN"/>; call before parsing a strategy name or opening a study (idempotent).</summary>
    public static void Register() =>
        StrategyFactory.Register(FSpiNN, context => new OrderedGridStrategy(context, FSpiNN, FSpiNNOrder));
}
