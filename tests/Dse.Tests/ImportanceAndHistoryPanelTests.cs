using FSpiNN.Dse.Export;
using FSpiNN.Dse.Reporting;
using FSpiNN.Dse.Study;
using FSpiNN.Dse.TestWorker;
using ScottPlot;
using ScottPlot.Plottables;

namespace FSpiNN.Dse.Tests;

/// <summary>The importance ranking and the hypervolume-history panel of `fspinn frontier`, on small hand-made trials with known answers.</summary>
public sealed class ImportanceAndHistoryPanelTests
{
    private static readonly StudyDefinition Definition = Worker.Definition("grid", 8, 1);

    private static TrialRecord Trial(int number, long a, string b, double accuracy, double memory, double energy,
        int samples = 1000, TrialStatus status = TrialStatus.Complete) => new TrialRecord(
        number, new Candidate([new("a", ParameterValue.Of(a)), new("b", ParameterValue.Of(b))]), samples, status,
        null, new Dictionary<string, double>(), null, 0, null, 1, "test", "w", "h", 1, 0, 1,
        DateTime.UnixEpoch, DateTime.UnixEpoch, DateTime.UnixEpoch, 1) { Objectives = Definition.Objectives }
        .WithResult(new EvaluationResult(accuracy, memory, energy, energy / 10, new Dictionary<string, double>(), null));

    /// <summary>
    /// A balanced 2 x 2 grid: accuracy depends on a alone, memory on b alone, training energy = 1 uJ x 4^[a = 2] x 2^[b = y].
    /// In log scale the energy is additive, so its main-effect shares are (ln 4)^2 : (ln 2)^2 = 0.8 : 0.2 exactly.
    /// A low-fidelity trial and a failed one, with wild values, must not count.
    /// </summary>
    private static List<TrialRecord> Grid() =>
    [
        Trial(0, 1, "x", 0.5, 1000, 1e-6),
        Trial(1, 1, "y", 0.5, 8000, 2e-6),
        Trial(2, 2, "x", 0.7, 1000, 4e-6),
        Trial(3, 2, "y", 0.7, 8000, 8e-6),
        Trial(4, 1, "x", 0.99, 1, 1, samples: 100),
        Trial(5, 2, "y", 0.01, 1e9, 1, status: TrialStatus.Failed),
    ];

    [Test]
    public void ImportanceIsTheExactMainEffectShareOnABalancedGrid()
    {
        var ranking = ParameterImportance.Compute(Definition, Grid()).ToDictionary(r => r.Objective, r => r.Ranking);
        Assert.That(ranking.Keys, Is.EquivalentTo(new[] { Objective.Accuracy, Objective.Memory, Objective.TrainEnergy }));
        Assert.Multiple(() =>
        {
            Assert.That(ranking[Objective.Accuracy].Select(i => i.Parameter), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(ranking[Objective.Accuracy][0].Share, Is.EqualTo(1).Within(1e-12));
            Assert.That(ranking[Objective.Accuracy][1].Share, Is.EqualTo(0).Within(1e-12));
            Assert.That(ranking[Objective.Memory].Select(i => i.Parameter), Is.EqualTo(new[] { "b", "a" }));
            Assert.That(ranking[Objective.Memory][0].Share, Is.EqualTo(1).Within(1e-12));
            Assert.That(ranking[Objective.TrainEnergy].Select(i => (i.Parameter, Math.Round(i.Share, 12))), Is.EqualTo(new[] { ("a", 0.8), ("b", 0.2) }));
        });
    }

    [Test]
    public void ImportanceNeedsThreeCompletedTrialsAndSkipsAnObjectiveThatDoesNotVary()
    {
        Assert.That(ParameterImportance.Compute(Definition, Grid().Take(2).ToList()), Is.Empty);
        var sameMemory = Grid().Select(t => t.Result is { } r ? t.WithResult(r with { MemoryBytes = 4096 }) : t).ToList();
        Assert.That(ParameterImportance.Compute(Definition, sameMemory).Select(r => r.Objective), Is.EqualTo(new[] { Objective.Accuracy, Objective.TrainEnergy }));
    }

    [Test]
    public void TheHistoryPanelPlotsTheGivenHypervolumesAndIsLeftOutWithoutAHistory()
    {
        var report = StudyResults.Analyze(Definition, Grid());
        (int, double)[] history = [(1, 0.10), (2, 0.25), (3, 0.25), (4, 0.40)];
        var panels = FrontierExporter.BuildFigure(report, history).GetPlots();
        Assert.That(panels, Has.Length.EqualTo(3));
        var line = panels[2].GetPlottables().OfType<Scatter>().Single();
        Assert.That(line.Data.GetScatterPoints().Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (1.0, 0.10), (2.0, 0.25), (3.0, 0.25), (4.0, 0.40) }));
        Assert.That(panels[2].Axes.Bottom.Label.Text, Is.EqualTo("Completed evaluations"));
        Assert.That(line.LegendText, Is.EqualTo("grid, seed 1"));

        Assert.That(FrontierExporter.BuildFigure(report).GetPlots(), Has.Length.EqualTo(2));
        Assert.That(FrontierExporter.BuildFigure(report, [(1, double.NaN)]).GetPlots(), Has.Length.EqualTo(2), "a history of repriced (NaN) values is not plotted");
    }
}
