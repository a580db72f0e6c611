using FSpiNN.Dse.Space;

namespace FSpiNN.Dse.Study;

/// <summary>
/// Several workers of one process on one study, as Optuna's `optimize(n_jobs)`: one <see cref="StudyRunner"/> per
/// evaluator, each on its own storage handle. The first real failure stops the others; cancellation waits for every
/// worker to discard its running trial.
/// </summary>
public static class WorkerPool
{
    /// <summary>Runs the workers to the end of the study; returns how many trials they evaluated or skipped.</summary>
    public static async Task<int> RunAsync(IStudyStorage storage, SearchSpace space, IReadOnlyList<ICandidateEvaluator> evaluators,
        RunnerOptions? options = null, IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = evaluators.Select((evaluator, i) => Task.Run(() =>
        {
            using var handle = storage.Reconnect();
            try
            {
                return new StudyRunner(handle, space, evaluator, options, workerIndex: i).Run(progress, stop.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stop.Cancel(); // one worker failed: stop the others, report this failure
                throw;
            }
        }, CancellationToken.None)).ToArray();
        try
        {
            return (await Task.WhenAll(runs).ConfigureAwait(false)).Sum();
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // the others were stopped because one failed: report that failure, not their cancellation
            var failure = runs.Select(r => r.Exception?.InnerException).FirstOrDefault(x => x is not null and not OperationCanceledException);
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
    }
}
