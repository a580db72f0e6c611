using FSpiNN.Snn.Numerics;
using FSpiNN.Snn.Simulation;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>The vectorised neuron kernels give exactly what their scalar tail gives, lane by lane.</summary>
public sealed class NeuronKernelVectorTests
{
    private const int N = 37; // several vectors plus a tail at any vector width

    [TestCase(true, true)]
    [TestCase(false, false)]
    public void ConductanceKernel_VectorLanesEqualScalarPath(bool withGi, bool withTheta)
    {
        var c = new ConductanceConstants(-65, -65, 0, -100, 0.005f, -72, 0.5f, 0.75f);
        var (v, ge, gi, r, theta) = RandomState(seed: 3, withGi, withTheta);
        var (v1, ge1, gi1, r1) = ((float[])v.Clone(), (float[])ge.Clone(), (float[])gi.Clone(), (int[])r.Clone());
        var crossed = new int[N];
        var count = NeuronKernels.Conductance(v, ge, withGi ? gi : [], r, withTheta ? theta : [], c, crossed);

        var expected = new List<int>();
        var one = new int[1];
        for (var j = 0; j < N; j++)
        {
            var hit = NeuronKernels.Conductance(v1.AsSpan(j, 1), ge1.AsSpan(j, 1), withGi ? gi1.AsSpan(j, 1) : [], r1.AsSpan(j, 1),
                withTheta ? theta.AsSpan(j, 1) : [], c, one);
            if (hit == 1) expected.Add(j);
        }
        Assert.Multiple(() =>
        {
            Assert.That(v, Is.EqualTo(v1));
            Assert.That(ge, Is.EqualTo(ge1));
            Assert.That(gi, Is.EqualTo(gi1));
            Assert.That(r, Is.EqualTo(r1));
            Assert.That(crossed.Take(count), Is.EqualTo(expected));
            Assert.That(count, Is.GreaterThan(0), "the random state must make some neurons cross, or the test checks nothing");
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public void CurrentKernel_VectorLanesEqualScalarPath(bool withTheta)
    {
        var c = new CurrentConstants(-65, 0.99f, -60);
        var (v, input, _, r, theta) = RandomState(seed: 5, withGi: false, withTheta);
        var (v1, input1, r1) = ((float[])v.Clone(), (float[])input.Clone(), (int[])r.Clone());
        var crossed = new int[N];
        var count = NeuronKernels.Current(v, input, r, withTheta ? theta : [], c, crossed);
        var expected = new List<int>();
        var one = new int[1];
        for (var j = 0; j < N; j++)
            if (NeuronKernels.Current(v1.AsSpan(j, 1), input1.AsSpan(j, 1), r1.AsSpan(j, 1), withTheta ? theta.AsSpan(j, 1) : [], c, one) == 1)
                expected.Add(j);
        Assert.Multiple(() =>
        {
            Assert.That(v, Is.EqualTo(v1));
            Assert.That(input, Is.All.EqualTo(0f), "input is consumed");
            Assert.That(r, Is.EqualTo(r1));
            Assert.That(crossed.Take(count), Is.EqualTo(expected));
            Assert.That(count, Is.GreaterThan(0));
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Kernels_WithTheFloat32ThetaStep_VectorLanesWriteThetaAsTheScalarPath(bool conductance)
    {
        // θ ← θ·decay before the threshold test, written back (ThetaDecayArithmetic.Float32PerStep); a factor far from 1
        // so that every θ changes and the threshold test depends on it
        const float StepDecay = 0.93f;
        var (v, ge, gi, r, theta) = RandomState(seed: 11, withGi: conductance, withTheta: true);
        var (v1, ge1, gi1, r1, theta1) = ((float[])v.Clone(), (float[])ge.Clone(), (float[])gi.Clone(), (int[])r.Clone(), (float[])theta.Clone());
        var cc = new ConductanceConstants(-65, -65, 0, -100, 0.005f, -72, 0.5f, 0.75f);
        var ci = new CurrentConstants(-65, 0.99f, -60);
        var crossed = new int[N];
        var count = conductance
            ? NeuronKernels.Conductance(v, ge, gi, r, theta, cc, crossed, thetaStepDecay: StepDecay)
            : NeuronKernels.Current(v, ge, r, theta, ci, crossed, thetaStepDecay: StepDecay);
        var expected = new List<int>();
        var one = new int[1];
        for (var j = 0; j < N; j++)
        {
            var hit = conductance
                ? NeuronKernels.Conductance(v1.AsSpan(j, 1), ge1.AsSpan(j, 1), gi1.AsSpan(j, 1), r1.AsSpan(j, 1), theta1.AsSpan(j, 1), cc, one, thetaStepDecay: StepDecay)
                : NeuronKernels.Current(v1.AsSpan(j, 1), ge1.AsSpan(j, 1), r1.AsSpan(j, 1), theta1.AsSpan(j, 1), ci, one, thetaStepDecay: StepDecay);
            if (hit == 1) expected.Add(j);
        }
        var original = RandomState(seed: 11, withGi: conductance, withTheta: true).Theta;
        Assert.Multiple(() =>
        {
            Assert.That(theta, Is.EqualTo(theta1));
            Assert.That(theta, Is.EqualTo(original.Select(x => x * StepDecay).ToArray()), "every θ decayed once, in float32");
            Assert.That(v, Is.EqualTo(v1));
            Assert.That(crossed.Take(count), Is.EqualTo(expected));
            Assert.That(count, Is.GreaterThan(0));
        });
    }

    private static (float[] V, float[] Ge, float[] Gi, int[] R, float[] Theta) RandomState(ulong seed, bool withGi, bool withTheta)
    {
        var rng = new Xoshiro256(seed);
        var v = new float[N];
        var ge = new float[N];
        var gi = new float[N];
        var r = new int[N];
        var theta = new float[N];
        for (var j = 0; j < N; j++)
        {
            v[j] = -75 + 20 * rng.NextSingle();
            ge[j] = 3 * rng.NextSingle();
            gi[j] = withGi ? rng.NextSingle() : 0;
            r[j] = rng.NextInt(3);
            theta[j] = withTheta ? 5 * rng.NextSingle() : 0;
        }
        return (v, ge, gi, r, theta);
    }

    [Test]
    public void ConductanceKernel_HugeInhibitoryConductance_NeitherOscillatesNorSpikes()
    {
        // dt/tau * g_i = 0.005 * 2000 = 10: an unguarded Euler step overshoots E_inh and diverges within a few steps
        var c = new ConductanceConstants(-65, -65, 0, -100, 0.005f, -72, 0.5f, 0.999f);
        var v = Enumerable.Repeat(-60f, N).ToArray();
        var ge = new float[N];
        var gi = Enumerable.Repeat(2000f, N).ToArray();
        var r = new int[N];
        var crossed = new int[N];
        for (var step = 0; step < 50; step++)
        {
            var count = NeuronKernels.Conductance(v, ge, gi, r, [], c, crossed);
            Assert.That(count, Is.Zero, $"step {step}");
            Assert.That(v, Has.All.InRange(-100f, 0f), $"step {step}");
        }
        Assert.That(v, Has.All.EqualTo(-100f).Within(0.5), "held near the inhibitory reversal potential");
    }
}
