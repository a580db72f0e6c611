using FSpiNN.Snn.Config;
using FSpiNN.Snn.Encoding;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Tests.Simulation;

/// <summary>Rate coding against its statistics (bounds of 5 standard deviations, fixed seeds: deterministic).</summary>
public sealed class PoissonEncoderTests
{
    private static readonly byte[] Pixels = [255, 200, 128, 64, 10, 0];

    private static (int[] Counts, int Pairs, SpikeSchedule Schedule) Encode(InputEncoding encoding, double maxRate, double dt, int steps, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        var schedule = new SpikeSchedule();
        PoissonEncoder.Encode(Pixels, maxRate, dt, steps, encoding, ref rng, schedule);
        var counts = new int[Pixels.Length];
        var pairs = 0; // input 0 spiking at t and t+1
        var previous = false;
        for (var t = 0; t < steps; t++)
        {
            var row = schedule.At(t);
            for (var k = 0; k < row.Length; k++)
            {
                counts[row[k]]++;
                if (k > 0 && row[k] <= row[k - 1]) throw new AssertionException($"step {t}: inputs not strictly increasing");
            }
            var now = row.Length > 0 && row[0] == 0;
            if (now && previous) pairs++;
            previous = now;
        }
        return (counts, pairs, schedule);
    }

    [TestCase(1.0, 128.0)]
    [TestCase(0.5, 63.75)]
    public void Bernoulli_SpikeCountsMatchRateTimesDuration(double dt, double maxRate)
    {
        const int steps = 40_000;
        var (counts, pairs, schedule) = Encode(InputEncoding.Bernoulli, maxRate, dt, steps, 17);
        Assert.Multiple(() =>
        {
            for (var i = 0; i < Pixels.Length; i++)
            {
                var p = Pixels[i] / 255.0 * maxRate * dt / 1000;
                var mean = steps * p;
                var sd = Math.Sqrt(steps * p * (1 - p));
                Assert.That(counts[i], Is.EqualTo(mean).Within(5 * sd + 1e-9), $"pixel {Pixels[i]}");
            }
            Assert.That(schedule.TotalSpikes, Is.EqualTo(counts.Sum()));
            // independence between steps: P(spike at t and t+1) = p²
            var p0 = maxRate * dt / 1000;
            var expectedPairs = (steps - 1) * p0 * p0;
            Assert.That(pairs, Is.EqualTo(expectedPairs).Within(5 * Math.Sqrt(expectedPairs)));
        });
    }

    [Test]
    public void Bernoulli_AtOneSpikePerStep_FiresEveryStep_AndZeroPixelsNever()
    {
        var (counts, _, _) = Encode(InputEncoding.Bernoulli, 1000, 1, 500, 3);
        Assert.Multiple(() =>
        {
            Assert.That(counts[0], Is.EqualTo(500));
            Assert.That(counts[^1], Is.Zero);
        });
    }

    [Test]
    public void BindsNetIntervals_SpikeCountsMatchTheRenewalRate()
    {
        // intervals ~ max(1, Poisson(λ)) with λ = 1000/(rate·dt): mean μ = λ + e^−λ, variance ≈ λ; count over T steps ≈ T/μ ± sqrt(T·σ²/μ³)
        const int steps = 200_000;
        const double maxRate = 128;
        var (counts, _, _) = Encode(InputEncoding.BindsNetIntervals, maxRate, 1, steps, 23);
        Assert.Multiple(() =>
        {
            for (var i = 0; i < Pixels.Length - 1; i++)
            {
                var lambda = 1000 / (Pixels[i] / 255.0 * maxRate);
                var mu = lambda + Math.Exp(-lambda);
                var sd = Math.Sqrt(steps * lambda / (mu * mu * mu));
                Assert.That(counts[i], Is.EqualTo(steps / mu).Within(5 * sd + 1), $"pixel {Pixels[i]}");
            }
            Assert.That(counts[^1], Is.Zero);
        });
    }

    [TestCase(0.4)]
    [TestCase(3.0)]
    [TestCase(9.99)]
    [TestCase(10.0)]
    [TestCase(27.5)]
    [TestCase(400.0)]
    public void PoissonSampler_HasPoissonMeanAndVariance(double lambda)
    {
        const int n = 40_000;
        var rng = new Xoshiro256(31);
        var samples = new long[n];
        for (var k = 0; k < n; k++) samples[k] = PoissonEncoder.SamplePoisson(lambda, ref rng);
        var mean = samples.Average();
        var variance = samples.Sum(x => (x - mean) * (x - mean)) / (n - 1);
        Assert.Multiple(() =>
        {
            Assert.That(samples.Min(), Is.GreaterThanOrEqualTo(0));
            Assert.That(mean, Is.EqualTo(lambda).Within(5 * Math.Sqrt(lambda / n)));
            // Var of the sample variance ≈ (μ4 − σ⁴)/n with μ4 = λ(1 + 3λ)
            Assert.That(variance, Is.EqualTo(lambda).Within(5 * Math.Sqrt((lambda + 2 * lambda * lambda) / n)));
        });
    }

    [Test]
    public void PoissonSampler_ProbabilityOfTheModeMatchesThePmf()
    {
        const int n = 100_000;
        const double lambda = 25;
        var rng = new Xoshiro256(8);
        var hits = 0;
        for (var k = 0; k < n; k++)
            if (PoissonEncoder.SamplePoisson(lambda, ref rng) == 25) hits++;
        var p = Math.Exp(-lambda + 25 * Math.Log(lambda) - PoissonEncoder.LogFactorial(25));
        Assert.That(hits / (double)n, Is.EqualTo(p).Within(5 * Math.Sqrt(p * (1 - p) / n)));
        Assert.That(PoissonEncoder.LogFactorial(25), Is.EqualTo(58.00360522298052).Within(1e-9), "ln 25!");
    }

    [Test]
    public void SameSeed_SameSpikes_DifferentSeed_DifferentSpikes()
    {
        static int[] Flatten(SpikeSchedule s) => Enumerable.Range(0, s.Steps).SelectMany(t => s.At(t).ToArray().Select(i => t * 100 + i)).ToArray();
        var a = Flatten(Encode(InputEncoding.Bernoulli, 128, 1, 300, 5).Schedule);
        var b = Flatten(Encode(InputEncoding.Bernoulli, 128, 1, 300, 5).Schedule);
        var c = Flatten(Encode(InputEncoding.Bernoulli, 128, 1, 300, 6).Schedule);
        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(c, Is.Not.EqualTo(a));
        });
    }
}
