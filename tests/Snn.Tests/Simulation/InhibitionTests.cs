using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;
using FSpiNN.Snn.Tests.TestSupport;
using static FSpiNN.Snn.Tests.TestSupport.TinyNetworks;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>
/// Delays of the inhibition pathways (each connection adds one step): direct lateral inhibition acts one step after the
/// excitatory spike, the inhibitory layer two steps after (E→I, then I→E); and the one-spike-per-step rule.
/// </summary>
public sealed class InhibitionTests
{
    private sealed record Trace(List<int[]> Exc, List<int[]> Inh, List<float[]> V);

    private static Trace Run(NetworkConfig config, float driveWeight, int driveStep, int steps)
    {
        // input 0 drives neuron 0 only
        var weights = new float[config.Neurons];
        weights[0] = driveWeight;
        var simulator = new Simulator(Model(config, 1, weights));
        var trace = new Trace([], [], []);
        simulator.RunScripted(Schedule(steps, new InputSpike(driveStep, 0)), learning: false, new Xoshiro256(1), _ =>
        {
            trace.Exc.Add(simulator.LastStepExcSpikes.ToArray());
            trace.Inh.Add(simulator.LastStepInhSpikes.ToArray());
            trace.V.Add(simulator.ExcMembrane.ToArray());
        });
        return trace;
    }

    private static int[] StepsWithSpikes(List<int[]> spikes) => [.. Enumerable.Range(0, spikes.Count).Where(t => spikes[t].Length > 0)];

    [Test]
    public void Lateral_CurrentModel_LowersTheOthersByWinhOneStepAfterTheSpike()
    {
        var config = Current(3) with { LateralInhibition = 7.5 };
        var trace = Run(config, 30f, driveStep: 10, steps: 16);
        var rest = (float)config.ExcRest;
        Assert.Multiple(() =>
        {
            Assert.That(StepsWithSpikes(trace.Exc), Is.EqualTo(new[] { 11 }));
            Assert.That(trace.Exc[11], Is.EqualTo(new[] { 0 }));
            Assert.That(trace.V[11][1], Is.EqualTo(rest), "not yet at the spike step");
            Assert.That(trace.V[12][1], Is.EqualTo(rest - 7.5f).Within(1e-5), "inhibited at the next step");
            Assert.That(trace.V[12][2], Is.EqualTo(rest - 7.5f).Within(1e-5));
            var decayedReset = config.ExcRest + (config.ExcReset - config.ExcRest) * Math.Exp(-config.Dt / config.ExcTauMembrane);
            Assert.That(trace.V[12][0], Is.EqualTo(decayedReset).Within(1e-4), "not itself (refractory, just decaying)");
        });
    }

    [Test]
    public void Layer_CurrentModel_InhibitsTwoStepsAfterTheSpike()
    {
        var config = Current(3) with { Inhibition = InhibitionKind.Layer, ExcToInhWeight = 22.5, InhToExcWeight = 17.5 };
        var trace = Run(config, 30f, driveStep: 10, steps: 16);
        var rest = (float)config.ExcRest;
        Assert.Multiple(() =>
        {
            Assert.That(StepsWithSpikes(trace.Exc), Is.EqualTo(new[] { 11 }));
            Assert.That(StepsWithSpikes(trace.Inh), Is.EqualTo(new[] { 12 }), "−60 + 22.5 crosses −40 one step after the E spike");
            Assert.That(trace.Inh[12], Is.EqualTo(new[] { 0 }), "one-to-one E→I");
            Assert.That(trace.V[12][1], Is.EqualTo(rest));
            Assert.That(trace.V[13][1], Is.EqualTo(rest - 17.5f).Within(1e-5), "I→E all but the partner");
            Assert.That(trace.V[13][2], Is.EqualTo(rest - 17.5f).Within(1e-5));
        });
    }

    [Test]
    public void Layer_ConductanceModel_InhibitsTwoStepsAfterTheSpike()
    {
        var config = Conductance(3) with { Inhibition = InhibitionKind.Layer, ExcToInhWeight = 10.4, InhToExcWeight = 17, ExcInitialV = -65 };
        var trace = Run(config, 50f, driveStep: 10, steps: 16);
        var rest = config.ExcRest;
        var k = config.Dt / config.ExcTauMembrane;
        Assert.Multiple(() =>
        {
            Assert.That(StepsWithSpikes(trace.Exc), Is.EqualTo(new[] { 11 }));
            Assert.That(StepsWithSpikes(trace.Inh), Is.EqualTo(new[] { 12 }));
            Assert.That(trace.V[12][1], Is.EqualTo((float)rest));
            // one Euler step with g_i = 17 toward E_inh = −100
            Assert.That(trace.V[13][1], Is.EqualTo(rest + k * 17 * (config.ExcInhibitoryReversal - rest)).Within(1e-4));
        });
    }

    [Test]
    public void Lateral_ConductanceModel_AddsWinhToTheOthersInhibitoryConductance()
    {
        var config = Conductance(2) with { LateralInhibition = 4, ExcInitialV = -65 };
        var trace = Run(config, 50f, driveStep: 10, steps: 14);
        var rest = config.ExcRest;
        var k = config.Dt / config.ExcTauMembrane;
        Assert.Multiple(() =>
        {
            Assert.That(StepsWithSpikes(trace.Exc), Is.EqualTo(new[] { 11 }));
            Assert.That(trace.V[11][1], Is.EqualTo((float)rest));
            Assert.That(trace.V[12][1], Is.EqualTo(rest + k * 4 * (config.ExcInhibitoryReversal - rest)).Within(1e-4));
        });
    }

    [Test]
    public void OneSpikePerStep_EmitsOneButResetsAndAdaptsAllThatCrossed()
    {
        var config = Current(4) with { OneSpikePerStep = true, ThetaPlus = 0.5 };
        var model = Model(config, 1, 30f, 30f, 30f, 0f);
        var simulator = new Simulator(model);
        int[] emitted = [];
        float[] v = [];
        simulator.RunScripted(Schedule(3, new InputSpike(0, 0)), learning: true, new Xoshiro256(4), t =>
        {
            if (t != 1) return;
            emitted = simulator.LastStepExcSpikes.ToArray();
            v = simulator.ExcMembrane.ToArray();
        });
        Assert.Multiple(() =>
        {
            Assert.That(emitted, Has.Length.EqualTo(1));
            Assert.That(emitted[0], Is.InRange(0, 2));
            Assert.That(v.Take(3), Is.All.EqualTo((float)config.ExcReset));
            Assert.That(model.Theta.Take(3), Is.All.EqualTo(0.5f).Within(1e-6));
            Assert.That(model.Theta[3], Is.Zero);
        });
    }

    [Test]
    public void OneSpikePerStep_PicksAmongTheCrossingNeuronsAtRandom()
    {
        var config = Current(3) with { OneSpikePerStep = true };
        var picks = new int[3];
        for (ulong seed = 0; seed < 300; seed++)
        {
            var simulator = new Simulator(Model(config, 1, 30f, 30f, 30f));
            simulator.RunScripted(Schedule(2, new InputSpike(0, 0)), learning: false, new Xoshiro256(seed),
                t => { if (t == 1) picks[simulator.LastStepExcSpikes[0]]++; });
        }
        // uniform: 100 each, sd ≈ 8.2
        Assert.That(picks, Is.All.InRange(60, 140));
    }
}
