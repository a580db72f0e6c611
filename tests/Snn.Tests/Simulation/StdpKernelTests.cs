using FSpiNN.Snn.Config;
using FSpiNN.Snn.Learning;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Quantization;
using FSpiNN.Snn.Simulation;
using FSpiNN.Snn.Tests.TestSupport;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// STDP weight changes for scripted pre/post spike trains against an independent event-driven reference of each rule
/// (traces set to 1 on a spike and decaying as exp(−Δt/τ)).
/// </summary>
public sealed class StdpKernelTests
{
    private const float InitialWeight = 0.5f;

    private static NetworkConfig RuleConfig(StdpRule rule, double dt = 1) => Current(1) with
    {
        Stdp = rule, EtaPre = 3e-3, EtaPost = 1e-2, TauPre = 20, TauPost = 15, TauPost2 = 40, Dt = dt, WeightMax = 1,
    };

    /// <summary>Drives the plasticity engine of a 1-input, 1-neuron projection directly with spike steps; returns w.</summary>
    private static float Drive(NetworkConfig config, IReadOnlyCollection<int> preSteps, IReadOnlyCollection<int> postSteps, float kp = 1f)
    {
        var weights = WeightMatrix.CreateFloat(1, 1);
        var rng = new Xoshiro256(3);
        weights.StoreUnclipped(0, InitialWeight, ref rng);
        var plasticity = new Plasticity(weights, config, Simulator.CreateCounts(config, 1), rule: ILearningRule.Create(config, new FixedPotentiation(kp)));
        plasticity.SeedRounding(rng);
        var last = Math.Max(preSteps.DefaultIfEmpty(0).Max(), postSteps.DefaultIfEmpty(0).Max());
        int[] one = [0], none = [];
        for (var t = 0; t <= last; t++)
        {
            plasticity.BeginStep(t);
            plasticity.Apply(preSteps.Contains(t) ? one : none, postSteps.Contains(t) ? one : none, []);
        }
        plasticity.Flush();
        return weights[0, 0];
    }

    /// <summary>Trace of a spike train at step t: exp(−(t − last spike ≤ t)·dt/τ), or 0 before the first spike (inclusive: a spike at t gives 1).</summary>
    private static double Trace(IEnumerable<int> spikes, int t, double dt, double tau, bool includeCurrent = true)
    {
        var before = spikes.Where(s => includeCurrent ? s <= t : s < t).ToList();
        return before.Count == 0 ? 0 : Math.Exp(-(t - before.Max()) * dt / tau);
    }

    /// <summary>BindsNET PostPre: every pre spike −η_pre·x_post, every post spike +η_post·x_pre, traces including the current step.</summary>
    private static double PostPreReference(NetworkConfig c, int[] pre, int[] post, double kp) =>
        post.Sum(q => c.EtaPost * kp * Trace(pre, q, c.Dt, c.TauPre))
        - (c.EtaPre > 0 ? pre.Sum(p => c.EtaPre * Trace(post, p, c.Dt, c.TauPost)) : 0);

    /// <summary>
    /// Diehl &amp; Cook triplet: pre spike −η_pre·x_post1 (post spikes of earlier steps only: pre terms run first);
    /// post spike +η_post·x_pre·x_post2, x_post2 read before this spike sets it.
    /// </summary>
    private static double TripletReference(NetworkConfig c, int[] pre, int[] post, double kp) =>
        post.Sum(q => c.EtaPost * kp * Trace(pre, q, c.Dt, c.TauPre) * Trace(post, q, c.Dt, c.TauPost2, includeCurrent: false))
        - pre.Sum(p => c.EtaPre * Trace(post, p, c.Dt, c.TauPost, includeCurrent: false));

    [TestCase(-30), TestCase(-6), TestCase(-1), TestCase(0), TestCase(1), TestCase(6), TestCase(30)]
    public void PostPre_SpikePair_EqualsTheExponentialKernel(int postMinusPre)
    {
        var config = RuleConfig(StdpRule.PostPre);
        var pre = 40;
        var post = pre + postMinusPre;
        double expected = postMinusPre switch
        {
            > 0 => config.EtaPost * Math.Exp(-postMinusPre * config.Dt / config.TauPre),
            < 0 => -config.EtaPre * Math.Exp(postMinusPre * config.Dt / config.TauPost),
            _ => config.EtaPost - config.EtaPre, // coincident spikes: both traces already include this step
        };
        Assert.That(Drive(config, [pre], [post]) - InitialWeight, Is.EqualTo(expected).Within(1e-7));
    }

    [TestCase(-6), TestCase(0), TestCase(6), TestCase(25)]
    public void Potentiation_SpikePair_IsPotentiationOnlyFromThePreTrace(int postMinusPre)
    {
        var config = RuleConfig(StdpRule.Potentiation) with { EtaPre = 0 };
        var expected = postMinusPre >= 0 ? 0.4 * config.EtaPost * Math.Exp(-postMinusPre * config.Dt / config.TauPre) : 0;
        Assert.That(Drive(config, [40], [40 + postMinusPre], kp: 0.4f) - InitialWeight, Is.EqualTo(expected).Within(1e-7));
    }

    [Test]
    public void Potentiation_WithEtaPre_RestoresPairDepression()
    {
        var config = RuleConfig(StdpRule.Potentiation);
        var expected = -config.EtaPre * Math.Exp(-7 * config.Dt / config.TauPost);
        Assert.That(Drive(config, [47], [40]) - InitialWeight, Is.EqualTo(expected).Within(1e-7));
    }

    [Test]
    public void Triplet_PotentiationNeedsAnEarlierPostSpike()
    {
        var config = RuleConfig(StdpRule.Triplet);
        Assert.Multiple(() =>
        {
            // a single pre→post pair: x_post2 is 0 when the only post spike reads it
            Assert.That(Drive(config, [10], [15]), Is.EqualTo(InitialWeight));
            // post at 5, pre at 12, post at 20: depression −η_pre·e^(−7/τ1), then +η_post·e^(−8/τpre)·e^(−15/τ2)
            var expected = -config.EtaPre * Math.Exp(-7 / config.TauPost)
                           + config.EtaPost * Math.Exp(-8 / config.TauPre) * Math.Exp(-15 / config.TauPost2);
            Assert.That(Drive(config, [12], [5, 20]) - InitialWeight, Is.EqualTo(expected).Within(1e-7));
        });
    }

    private static IEnumerable<TestCaseData> RandomTrains()
    {
        foreach (var rule in new[] { StdpRule.PostPre, StdpRule.Triplet, StdpRule.Potentiation })
            foreach (var dt in new[] { 1.0, 0.5 })
                foreach (var seed in new ulong[] { 1, 2, 3 })
                    yield return new TestCaseData(rule, dt, seed).SetName($"{{m}}({rule}, dt={dt}, seed={seed})");
    }

    [TestCaseSource(nameof(RandomTrains))]
    public void RandomSpikeTrains_MatchTheEventDrivenReference(StdpRule rule, double dt, ulong seed)
    {
        var config = RuleConfig(rule, dt) with { EtaPre = rule == StdpRule.Potentiation ? 0 : 3e-3 };
        var rng = new Xoshiro256(seed);
        var pre = Enumerable.Range(0, 200).Where(_ => rng.NextDouble() < 0.08).ToArray();
        var post = Enumerable.Range(0, 200).Where(_ => rng.NextDouble() < 0.04).ToArray();
        var expected = rule == StdpRule.Triplet ? TripletReference(config, pre, post, 0.7) : PostPreReference(config, pre, post, 0.7);
        Assert.That(pre, Is.Not.Empty);
        Assert.That(post, Is.Not.Empty);
        Assert.That(Drive(config, pre, post, kp: 0.7f) - InitialWeight, Is.EqualTo(expected).Within(2e-6));
    }

    [Test]
    public void Updates_AreClippedToZeroAndWeightMax()
    {
        var potentiate = RuleConfig(StdpRule.PostPre) with { EtaPost = 0.8, EtaPre = 0 };
        var depress = RuleConfig(StdpRule.PostPre) with { EtaPre = 0.8, EtaPost = 0 };
        Assert.Multiple(() =>
        {
            Assert.That(Drive(potentiate, [1, 3], [1, 3]), Is.EqualTo(1f), "clipped at w_max = 1");
            Assert.That(Drive(depress, [1, 3], [1, 3]), Is.EqualTo(0f), "clipped at 0");
        });
    }

    /// <summary>The whole simulator: a strong driver input makes the neuron fire one step after its spike; STDP sees that post spike.</summary>
    [TestCase(StdpRule.PostPre, 5)]
    [TestCase(StdpRule.PostPre, -4)]
    [TestCase(StdpRule.Potentiation, 5)]
    public void InTheSimulator_PostSpikeOneStepAfterTheDriver_GivesTheKernelForThatPair(StdpRule rule, int postMinusPre)
    {
        var config = RuleConfig(rule) with { WeightMax = 100, EtaPre = rule == StdpRule.Potentiation ? 0 : 3e-3 };
        // input 0: driver (weight 30 mV), input 1: probe (weight 0.5)
        var model = Model(config, 2, 30f, InitialWeight);
        var simulator = new Simulator(model);
        const int driver = 20;
        var postStep = driver + 1;
        var probe = postStep - postMinusPre;
        var posts = new List<int>();
        simulator.RunScripted(Schedule(60, new InputSpike(driver, 0), new InputSpike(probe, 1)), learning: true, new Xoshiro256(5),
            t => { if (simulator.LastStepExcSpikes.Length > 0) posts.Add(t); });
        var expected = PostPreReference(config, [probe], [postStep], 1);
        Assert.Multiple(() =>
        {
            Assert.That(posts, Is.EqualTo(new[] { postStep }));
            Assert.That(model.Weights[1, 0] - InitialWeight, Is.EqualTo(expected).Within(1e-7));
            Assert.That(Math.Abs(expected), Is.GreaterThan(1e-4), "the case exercises a non-zero change");
        });
    }

    [TestCase(StdpRule.Triplet, 3e-3, 2)]
    [TestCase(StdpRule.PostPre, 3e-3, 1)]
    [TestCase(StdpRule.Potentiation, 3e-3, 1)]
    [TestCase(StdpRule.Potentiation, 0.0, 0)]
    public void TheEngineDecaysExactlyThePostTracesTheRuleDeclares(StdpRule stdp, double etaPre, int declared)
    {
        var config = RuleConfig(stdp) with { EtaPre = etaPre };
        var rule = ILearningRule.Create(config);
        Assert.That(rule.PostTraces, Is.EqualTo(declared));
        const int neurons = 5;
        var counts = Simulator.CreateCounts(config with { Neurons = neurons }, 1);
        var plasticity = new Plasticity(WeightMatrix.CreateFloat(1, neurons), config with { Neurons = neurons }, counts);
        plasticity.BeginStep(0);   // no spikes yet: only the decay of the kept traces is counted
        Assert.That(counts.Population("exc").TraceUpdates, Is.EqualTo(neurons * declared));
    }
}
