using System.Diagnostics;
using FSpiNN.Snn.Training;
using Spectre.Console;

namespace FSpiNN.Cli.Commands;

/// <summary>Spectre progress bars with examples/s for training, labelling and testing passes (plain lines when output is redirected).</summary>
internal static class PassProgressDisplay
{
    public static T Run<T>(TextWriter output, Func<Action<PassProgress>, T> work)
    {
        if (Console.IsOutputRedirected || !ReferenceEquals(output, Console.Out))
        {
            var watch = Stopwatch.StartNew();
            string? lastPhase = null;
            long lastReport = 0;
            var result = work(p =>
            {
                // one line per phase end and at most one line every 10 s
                if (p.Done == p.Total || watch.ElapsedMilliseconds - lastReport > 10_000 || p.Phase != lastPhase)
                {
                    if (p.Done == p.Total || p.Phase == lastPhase)
                        lock (output) output.WriteLine($"{p.Phase}: {p.Done}/{p.Total}");
                    lastReport = watch.ElapsedMilliseconds;
                    lastPhase = p.Phase;
                }
            });
            return result;
        }
        T value = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new TransferSpeedlessColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var watches = new Dictionary<string, Stopwatch>();
                value = work(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Phase, out var task))
                        {
                            task = ctx.AddTask(p.Phase, maxValue: p.Total);
                            tasks[p.Phase] = task;
                            watches[p.Phase] = Stopwatch.StartNew();
                        }
                        task.Value = p.Done;
                        var seconds = watches[p.Phase].Elapsed.TotalSeconds;
                        task.Description = seconds > 0 ? $"{p.Phase} ({p.Done / seconds:F1} ex/s)" : p.Phase;
                    }
                });
            });
        return value;
    }

    /// <summary>An empty column placeholder keeps the layout stable (examples/s is in the description).</summary>
    private sealed class TransferSpeedlessColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:0}/{task.MaxValue:0}");
    }
}
