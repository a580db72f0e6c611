using FSpiNN.Snn.Config;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Encoding;

/// <summary>
/// Input spikes of one presentation in compressed rows: the inputs spiking at step t are
/// <c>Inputs[StepStart[t] .. StepStart[t+1])</c>, each input at most once per step, in increasing input order.
/// Buffers are reused between presentations, so steady-state encoding allocates nothing.
/// </summary>
public sealed class SpikeSchedule
{
    private int[] _stepStart = new int[1];
    private int[] _inputs = new int[1024];
    private int[] _pendingStep = new int[1024];
    private int[] _pendingInput = new int[1024];

    public int Steps { get; private set; }
    public int TotalSpikes { get; private set; }

    public ReadOnlySpan<int> At(int step) => _inputs.AsSpan(_stepStart[step], _stepStart[step + 1] - _stepStart[step]);

    internal void Begin(int steps)
    {
        Steps = steps;
        TotalSpikes = 0;
        if (_stepStart.Length < steps + 1) _stepStart = new int[steps + 1];
    }

    internal void Add(int step, int input)
    {
        if (TotalSpikes == _pendingStep.Length)
        {
            Array.Resize(ref _pendingStep, TotalSpikes * 2);
            Array.Resize(ref _pendingInput, TotalSpikes * 2);
        }
        _pendingStep[TotalSpikes] = step;
        _pendingInput[TotalSpikes] = input;
        TotalSpikes++;
    }

    /// <summary>Counting sort of the pending (step, input) pairs into rows; pairs were added input by input, so rows come out in input order.</summary>
    internal void End()
    {
        var starts = _stepStart.AsSpan(0, Steps + 1);
        starts.Clear();
        for (var k = 0; k < TotalSpikes; k++) starts[_pendingStep[k] + 1]++;
        for (var t = 0; t < Steps; t++) starts[t + 1] += starts[t];
        if (_inputs.Length < TotalSpikes) _inputs = new int[_pendingStep.Length];
        // fill using a moving cursor per step (reuse pendingStep as cursor storage is unsafe; use starts copy via offset trick)
        for (var k = 0; k < TotalSpikes; k++)
        {
            var t = _pendingStep[k];
            _inputs[starts[t]++] = _pendingInput[k];
        }
        // starts[t] now holds the end of row t == start of row t+1; shift right by one to restore starts
        for (var t = Steps; t > 0; t--) starts[t] = starts[t - 1];
        starts[0] = 0;
    }
}

/// <summary>Rate coding of an image: pixel p spikes as a Poisson process of rate p/255 · maxRate Hz.</summary>
public static class PoissonEncoder
{
    public static void Encode(ReadOnlySpan<byte> image, double maxRateHz, double dtMs, int steps, InputEncoding encoding,
        ref Xoshiro256 rng, SpikeSchedule schedule)
    {
        schedule.Begin(steps);
        for (var i = 0; i < image.Length; i++)
        {
            var pixel = image[i];
            if (pixel == 0 || maxRateHz <= 0) continue;
            var rate = pixel / 255.0 * maxRateHz;
            if (encoding == InputEncoding.Bernoulli) BernoulliTrain(i, rate * dtMs / 1000.0, steps, ref rng, schedule);
            else BindsNetTrain(i, 1000.0 / (rate * dtMs), steps, ref rng, schedule);
        }
        schedule.End();
    }

    /// <summary>Independent Bernoulli(p) per step, sampled exactly by geometric gaps (number of failures before each success).</summary>
    private static void BernoulliTrain(int input, double p, int steps, ref Xoshiro256 rng, SpikeSchedule schedule)
    {
        if (p >= 1)
        {
            for (var t = 0; t < steps; t++) schedule.Add(t, input);
            return;
        }
        var logQ = Math.Log(1 - p);
        long t2 = -1;
        while (true)
        {
            var u = 1.0 - rng.NextDouble(); // (0, 1]
            t2 += 1 + (long)Math.Floor(Math.Log(u) / logQ);
            if (t2 >= steps) return;
            schedule.Add((int)t2, input);
        }
    }

    /// <summary>BindsNET's encoder: Poisson(mean) inter-spike intervals, zero intervals bumped to 1, spike at cumulative time − 1.</summary>
    private static void BindsNetTrain(int input, double meanInterval, int steps, ref Xoshiro256 rng, SpikeSchedule schedule)
    {
        var sampler = new PoissonSampler(meanInterval);
        long time = 0;
        while (true)
        {
            var interval = sampler.Sample(ref rng);
            if (interval == 0) interval = 1;
            time += interval;
            if (time > steps) return;
            schedule.Add((int)(time - 1), input);
        }
    }

    /// <summary>Poisson sample: multiplication method for small means, Hörmann's PTRS transformed rejection otherwise.</summary>
    internal static long SamplePoisson(double lambda, ref Xoshiro256 rng) => new PoissonSampler(lambda).Sample(ref rng);

    /// <summary>
    /// Poisson(λ) samples for one λ, with the constants of the method computed once (one pixel draws all its intervals
    /// from one sampler): the multiplication method below λ = 10, Hörmann's PTRS transformed rejection above.
    /// </summary>
    private readonly struct PoissonSampler
    {
        private readonly double _lambda, _limit, _logLam, _a, _b, _vr, _logInvAlpha;

        public PoissonSampler(double lambda)
        {
            _lambda = lambda;
            if (lambda < 10)
            {
                _limit = Math.Exp(-lambda);
                return;
            }
            var slam = Math.Sqrt(lambda);
            _logLam = Math.Log(lambda);
            _b = 0.931 + 2.53 * slam;
            _a = -0.059 + 0.02483 * _b;
            _logInvAlpha = Math.Log(1.1239 + 1.1328 / (_b - 3.4));
            _vr = 0.9277 - 3.6224 / (_b - 2);
        }

        public long Sample(ref Xoshiro256 rng)
        {
            if (_lambda < 10)
            {
                long k = 0;
                var prod = rng.NextDouble();
                while (prod > _limit)
                {
                    k++;
                    prod *= rng.NextDouble();
                }
                return k;
            }
            while (true)
            {
                var u = rng.NextDouble() - 0.5;
                var v = rng.NextDouble();
                var us = 0.5 - Math.Abs(u);
                var k = (long)Math.Floor((2 * _a / us + _b) * u + _lambda + 0.43);
                if (us >= 0.07 && v <= _vr) return k;
                if (k < 0 || (us < 0.013 && v > us)) continue;
                if (Math.Log(v) + _logInvAlpha - Math.Log(_a / (us * us) + _b) <= -_lambda + k * _logLam - LogFactorial(k))
                    return k;
            }
        }
    }

    internal static double LogFactorial(long k)
    {
        if (k < 2) return 0;
        if (k < 20)
        {
            double f = 1;
            for (var i = 2; i <= k; i++) f *= i;
            return Math.Log(f);
        }
        // Stirling series for ln Γ(x), x = k + 1
        double x = k + 1;
        var inv = 1.0 / x;
        var inv2 = inv * inv;
        return (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI) + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
    }
}
