using System.CommandLine;
using FSpiNN.Cli.Commands;
using FSpiNN.Dse.Evaluation;
using FSpiNN.Dse.Space;
using FSpiNN.Dse.Strategies;
using FSpiNN.Dse.TestWorker;

namespace FSpiNN.Dse.Tests;

/// <summary>Parameters that exist only for some values of earlier ones ("when"): space, strategies, TPE densities, replay.</summary>
public sealed class ConditionalSpaceTests
{
    /// <summary>Rounding and the scheme only for fixed-point widths; T_u only for FSpiNN; w_inh for FSpiNN, w_inh_exc for the baseline.</summary>
    private const string Json = """
        {
          "name": "conditional",
          "parameters": {
            "network": ["bindsnet", "fspinn"],
            "neurons": [25, 100],
            "bits": [32, 8, 4],
            "quantize": {"choices": ["ptq", "itq"], "when": {"bits": [8, 4]}},
            "rounding": {"choices": ["rn", "sr"], "when": {"bits": [8, 4]}},
            "update_interval": {"choices": [1, 10], "when": {"network": "fspinn"}},
            "w_inh": {"min": 60.0, "max": 250.0, "step": 10.0, "when": {"network": "fspinn"}},
            "w_inh_exc": {"min": 60.0, "max": 250.0, "step": 10.0, "when": {"network": "bindsnet"}}
          },
          "fixed": {"train_samples": 1000}
        }
        """;

    private static SearchSpace Conditional() => SearchSpace.Parse(Json, "conditional");

    [Test]
    public void TheGridHoldsEachDistinctCandidateOnceWithOnlyItsActiveParameters()
    {
        var space = Conditional();
        // per network and N: 32 bits alone + 2 widths x 2 schemes x 2 roundings = 9; x 20 strengths; fspinn x 2 T_u
        const int perSize = 1 + 2 * 2 * 2;
        Assert.That(space.Count, Is.EqualTo(2 * perSize * 20 + 2 * perSize * 20 * 2));
        var grid = space.Grid().ToList();
        Assert.That(grid, Has.Count.EqualTo(space.Count));
        Assert.That(grid.Select(c => c.Key).Distinct().Count(), Is.EqualTo(grid.Count));
        Assert.That(grid.All(space.HasExactlyTheActiveParameters));
        var float32 = grid.First(c => c["bits"].AsLong == 32);
        Assert.That(float32.TryGet("rounding", out _) || float32.TryGet("quantize", out _), Is.False);
        var baseline = grid.First(c => c["network"].AsString == "bindsnet");
        Assert.That(baseline.TryGet("w_inh", out _) || baseline.TryGet("update_interval", out _), Is.False);
        Assert.That(baseline.TryGet("w_inh_exc", out _), Is.True);
        Assert.That(space.GridPoint(space.Count - 1).Key, Is.EqualTo(grid[^1].Key));
    }

    [Test]
    public void CanonicalJsonKeepsTheConditionsAndUnconditionalSpacesKeepTheirOldForm()
    {
        var space = Conditional();
        var again = SearchSpace.Parse(space.ToCanonicalJson(), "again");
        Assert.That(again.ToCanonicalJson(), Is.EqualTo(space.ToCanonicalJson()));
        Assert.That(again.Count, Is.EqualTo(space.Count));
        Assert.That(space.ToCanonicalJson(), Does.Contain("\"rounding\":{\"choices\":[\"rn\",\"sr\"],\"when\":{\"bits\":[8,4]}}"));
        var plain = SearchSpace.Parse("""{"parameters": {"bits": [32, 8], "rounding": ["rn", "sr"]}}""", "plain");
        Assert.That(plain.ToCanonicalJson(), Is.EqualTo("""{"parameters":{"bits":[32,8],"rounding":["rn","sr"]}}"""));
        var wrapped = SearchSpace.Parse("""{"parameters": {"bits": {"choices": [32, 8]}}}""", "wrapped");
        Assert.That(wrapped.ToCanonicalJson(), Is.EqualTo("""{"parameters":{"bits":[32,8]}}"""));
        var yaml = SearchSpace.Parse("parameters:\n  bits: [32, 8]\n  rounding:\n    choices: [rn, sr]\n    when: {bits: 8}\n", "yaml", yaml: true);
        Assert.That(yaml.Count, Is.EqualTo(3));
    }

    [TestCase("""{"parameters": {"rounding": {"choices": ["rn", "sr"], "when": {"bits": 8}}, "bits": [32, 8]}}""", "comes after it; list 'bits' first")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"choices": ["rn"], "when": {"width": 8}}}}""", "'width', which is not a parameter")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"choices": ["rn"], "when": {"bits": 6}}}}""", "bits = 6, which 'bits' never takes")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"choices": ["rn"], "when": []}}}""", "'when' must be an object")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"choices": ["rn"], "when": {"bits": []}}}}""", "empty list of values")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"choices": ["rn"], "min": 1, "when": {"bits": 8}}}}""", "'choices' takes no range entries")]
    [TestCase("""{"parameters": {"bits": [32, 8], "train_samples": {"choices": [100, 1000], "when": {"bits": 8}}}}""", "the fidelity) cannot be conditional")]
    [TestCase("""{"parameters": {"train_samples": [100, 1000], "bits": {"choices": [32, 8], "when": {"train_samples": 100}}}}""", "cannot depend on the fidelity")]
    [TestCase("""{"parameters": {"bits": [32, 8], "rounding": {"when": {"bits": 8}}}}""", "a range needs 'min'")]
    public void MalformedConditionsAreRefusedNamingTheParameter(string json, string expected)
    {
        var error = Assert.Throws<SpaceFormatException>(() => SearchSpace.Parse(json, "bad"))!;
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void AFixedValueCannotBeConditional() =>
        Assert.That(Assert.Throws<SpaceFormatException>(() => Dimension.Fixed("rounding", "rn").OnlyWhen([new DimensionCondition("bits", [ParameterValue.Of(8L)])]))!.Message,
            Does.Contain("a fixed value cannot have 'when'"));

    [TestCase("random")]
    [TestCase("nsga2")]
    [TestCase("tpe")]
    [TestCase("tpe-halving")]
    public void StrategiesProposeOnlyActiveParameters(string name)
    {
        var space = Conditional();
        var legal = space.Grid().Select(c => c.Key).ToHashSet();
        var strategy = StrategyFactory.Create(name, new StrategyContext(space, 2, 60, Seed: 7), minTrainSamples: 100);
        var proposals = 0;
        while (proposals < 60 && strategy.Ask() is { } p)
        {
            proposals++;
            var full = p.Candidate.With(SearchSpace.TrainSamplesName, 1000L);
            Assert.That(space.HasExactlyTheActiveParameters(full), Is.True, p.Candidate.Key);
            Assert.That(legal, Does.Contain(full.Key));
            var accuracy = (p.Candidate["neurons"].AsDouble / 100) * (p.Candidate.TryGet("rounding", out var r) && r.AsString == "sr" ? 0.9 : 0.8);
            strategy.Tell(new TrialOutcome(p.Id, p.Candidate, OutcomeKind.Complete, [1 - accuracy, p.Candidate["bits"].AsDouble * p.Candidate["neurons"].AsDouble], 0));
        }
        Assert.That(proposals, Is.GreaterThanOrEqualTo(20));
    }

    [Test]
    public void TheTpeDensityOfAConditionalParameterIsFittedOnlyOnTrialsWhereItIsActive()
    {
        var space = Conditional();
        var rounding = space.Find("rounding")!;
        Candidate Trial(long bits, string? round) => space.Build(
            [ParameterValue.Of("fspinn"), ParameterValue.Of(100L), ParameterValue.Of(bits), ParameterValue.Of("ptq"), ParameterValue.Of(round ?? "rn"),
             ParameterValue.Of(1L), ParameterValue.Of(120.0), ParameterValue.Of(120.0), ParameterValue.Of(1000L)]);
        // ten float trials (no rounding: the "rn" given to Build is dropped) and one 8-bit trial with stochastic rounding
        var group = Enumerable.Range(0, 10).Select(_ => Trial(32, null)).Append(Trial(8, "sr")).ToList();
        Assert.That(group.Count(c => c.TryGet("rounding", out _)), Is.EqualTo(1));
        var density = TpeSampler.Fit(rounding, group);
        // uniform prior 1/2 per choice plus one observation of sr: (0.5, 1.5) / 2; counting the float trials would move it
        Assert.That(Math.Exp(density.LogDensity(1)), Is.EqualTo(0.75).Within(1e-12));
        Assert.That(Math.Exp(density.LogDensity(0)), Is.EqualTo(0.25).Within(1e-12));
        var prior = TpeSampler.Fit(rounding, [.. group.Take(10)]);
        Assert.That(Math.Exp(prior.LogDensity(0)), Is.EqualTo(0.5).Within(1e-12), "no active trial: the prior");
    }

    [Test]
    public void AConditionalSpaceReplaysAnUnconditionalTableTakingTheFirstRowOfEachCandidate()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fspinn-conditional-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var root = new RootCommand { ExploreCommand.Create(_ => new SyntheticEvaluator()) };
            var output = new StringWriter();
            var code = root.Parse(["explore", "--out", dir]).Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
            Assert.That(code, Is.Zero, output.ToString());
            // the default space (network x N 50/100/200 x bits 32/8/4), with bits searched for FSpiNN only
            var space = SearchSpace.Parse("""
                {"parameters": {"network": ["bindsnet", "fspinn"], "neurons": [50, 100, 200], "bits": {"choices": [32, 8, 4], "when": {"network": "fspinn"}}},
                 "fixed": {"rounding": "sr", "quantize": "ptq", "train_samples": 1000}}
                """, "default-conditional");
            var replay = new ReplayEvaluator(Path.Combine(dir, "frontier.csv"), space);
            Assert.That(space.Count, Is.EqualTo(3 + 9));
            Assert.That(replay.Count, Is.EqualTo(space.Count));
            var baseline = space.Grid().First(c => c["network"].AsString == "bindsnet");
            Assert.That(baseline.TryGet("bits", out _), Is.False);
            var firstRow = new SyntheticEvaluator().Evaluate(baseline.With("bits", 32L), 1000, CancellationToken.None);
            Assert.That(replay.Evaluate(baseline, 1000, CancellationToken.None).Accuracy, Is.EqualTo(firstRow.Accuracy));
            Assert.That(replay.EstimateMemoryBytes(baseline), Is.EqualTo(firstRow.MemoryBytes));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
