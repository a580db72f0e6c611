using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FSpiNN.Snn.Numerics;

namespace FSpiNN.Snn.Simulation;

/// <summary>Constants of one conductance-based population (forward Euler, as the Brian ports integrate it).</summary>
internal readonly record struct ConductanceConstants(float Rest, float Reset, float ExcitatoryReversal, float InhibitoryReversal,
    float DtOverTau, float Threshold, float GeDecay, float GiDecay)
{
    /// <summary>
    /// The exact solution never leaves [min(E_rest, E_inh), max(E_rest, E_exc)]; a forward Euler step can, when many
    /// inhibitory spikes land in one step (dt/τ·g_i &gt; 2 makes it oscillate and diverge), so v is clamped to that range.
    /// </summary>
    public float LowestPotential => MathF.Min(Rest, InhibitoryReversal);
    public float HighestPotential => MathF.Max(Rest, ExcitatoryReversal);
}

/// <summary>Constants of one current-based population (exact exponential decay, as BindsNET).</summary>
internal readonly record struct CurrentConstants(float Rest, float Decay, float Threshold);

/// <summary>
/// The neuron-update kernels: one pass over struct-of-arrays state, vectorised with <see cref="Vector{T}"/>, a scalar
/// tail for the remainder. They integrate, count down refractoriness and collect the indices of the neurons that crossed
/// threshold; resetting them is the caller's job. Every lane computes exactly the scalar expression, so results do not
/// depend on the vector width.
/// </summary>
internal static class NeuronKernels
{
    /// <summary>
    /// Conductance LIF: v += dt/τ·((E_rest − v) + g_e·(E_exc − v) + g_i·(E_inh − v)) unless refractory (then v is held at
    /// reset and the threshold is not tested); crossing means v &gt; threshold + θ. g_e and g_i then decay (flushed to 0
    /// below 1e-30). <paramref name="gi"/> may be empty (inhibitory population), <paramref name="theta"/> empty (no adaptation).
    /// </summary>
    /// <param name="thetaScale">The threshold is raised by θ·thetaScale (learning: the stored θ times its decay since the
    /// simulator last folded the decay in, see Simulator.ThetaScale); 1 uses θ as stored.</param>
    /// <param name="thetaStepDecay">θ ← θ·thetaStepDecay in float32 before the threshold test, written back (learning with
    /// <see cref="Config.ThetaDecayArithmetic.Float32PerStep"/>, with a scale of 1); 1 leaves θ unwritten.</param>
    /// <param name="arrivingA">Optional (with <paramref name="arrivingB"/>): delayed input arriving now, added as
    /// g_e ← (g_e + a) + b before the update and then cleared, exactly as adding both to g_e after the previous step.</param>
    /// <param name="arrivingB">The second copy of the arriving ring slot.</param>
    public static int Conductance(Span<float> v, Span<float> ge, Span<float> gi, Span<int> refractory, Span<float> theta,
        in ConductanceConstants c, Span<int> crossed, float thetaScale = 1f, float thetaStepDecay = 1f, Span<float> arrivingA = default,
        Span<float> arrivingB = default)
    {
        var n = v.Length;
        var hasGi = !gi.IsEmpty;
        var hasTheta = !theta.IsEmpty;
        var scaleTheta = hasTheta && thetaScale != 1f;
        var decayTheta = hasTheta && thetaStepDecay != 1f;
        var hasArrivals = !arrivingA.IsEmpty;
        var count = 0;
        var j = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var width = Vector<float>.Count;
            var rest = new Vector<float>(c.Rest);
            var reset = new Vector<float>(c.Reset);
            var eExc = new Vector<float>(c.ExcitatoryReversal);
            var eInh = new Vector<float>(c.InhibitoryReversal);
            var k = new Vector<float>(c.DtOverTau);
            var threshold = new Vector<float>(c.Threshold);
            var geDecay = new Vector<float>(c.GeDecay);
            var giDecay = new Vector<float>(c.GiDecay);
            var floor = new Vector<float>(Decay.Floor);
            var vLow = new Vector<float>(c.LowestPotential);
            var vHigh = new Vector<float>(c.HighestPotential);
            var one = Vector<int>.One;
            var vs = MemoryMarshal.Cast<float, Vector<float>>(v);
            var ges = MemoryMarshal.Cast<float, Vector<float>>(ge);
            var gis = hasGi ? MemoryMarshal.Cast<float, Vector<float>>(gi) : default;
            var rs = MemoryMarshal.Cast<int, Vector<int>>(refractory);
            var thetas = hasTheta ? MemoryMarshal.Cast<float, Vector<float>>(theta) : default;
            var thetaFactor = new Vector<float>(thetaScale);
            var stepFactor = new Vector<float>(thetaStepDecay);
            var arrivalsA = hasArrivals ? MemoryMarshal.Cast<float, Vector<float>>(arrivingA[..n]) : default;
            var arrivalsB = hasArrivals ? MemoryMarshal.Cast<float, Vector<float>>(arrivingB[..n]) : default;
            for (var b = 0; b < vs.Length; b++)
            {
                var vv = vs[b];
                var g1 = ges[b];
                if (hasArrivals)
                {
                    g1 = g1 + arrivalsA[b] + arrivalsB[b];
                    arrivalsA[b] = Vector<float>.Zero;
                    arrivalsB[b] = Vector<float>.Zero;
                }
                var r = rs[b];
                Vector<float> vNew;
                if (hasGi)
                {
                    var g2 = gis[b];
                    vNew = vv + k * ((rest - vv) + g1 * (eExc - vv) + g2 * (eInh - vv));
                    var d2 = g2 * giDecay;
                    gis[b] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(d2, floor), d2, Vector<float>.Zero);
                }
                else
                {
                    vNew = vv + k * ((rest - vv) + g1 * (eExc - vv));
                }
                vNew = Vector.Min(Vector.Max(vNew, vLow), vHigh);
                var d1 = g1 * geDecay;
                ges[b] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(d1, floor), d1, Vector<float>.Zero);
                var refractoryMask = Vector.GreaterThan(r, Vector<int>.Zero);
                vs[b] = Vector.ConditionalSelect(refractoryMask.As<int, float>(), reset, vNew);
                rs[b] = Vector.ConditionalSelect(refractoryMask, r - one, r);
                var limit = threshold;
                if (hasTheta)
                {
                    var th = thetas[b];
                    if (decayTheta) thetas[b] = th *= stepFactor;
                    limit += scaleTheta ? th * thetaFactor : th;
                }
                count = CollectLanes(Vector.AndNot(Vector.GreaterThan(vNew, limit), refractoryMask), b * width, crossed, count);
            }
            j = vs.Length * width;
        }
        for (; j < n; j++)
        {
            if (decayTheta) theta[j] *= thetaStepDecay;
            var vv = v[j];
            var g1 = ge[j];
            if (hasArrivals)
            {
                g1 = g1 + arrivingA[j] + arrivingB[j];
                arrivingA[j] = 0;
                arrivingB[j] = 0;
            }
            float vNew;
            if (hasGi)
            {
                var g2 = gi[j];
                vNew = vv + c.DtOverTau * ((c.Rest - vv) + g1 * (c.ExcitatoryReversal - vv) + g2 * (c.InhibitoryReversal - vv));
                gi[j] = Decay.Flush(g2 * c.GiDecay);
            }
            else
            {
                vNew = vv + c.DtOverTau * ((c.Rest - vv) + g1 * (c.ExcitatoryReversal - vv));
            }
            vNew = MathF.Min(MathF.Max(vNew, c.LowestPotential), c.HighestPotential);
            ge[j] = Decay.Flush(g1 * c.GeDecay);
            if (refractory[j] > 0)
            {
                refractory[j]--;
                v[j] = c.Reset;
            }
            else
            {
                v[j] = vNew;
                if (vNew > c.Threshold + (hasTheta ? (scaleTheta ? theta[j] * thetaScale : theta[j]) : 0f)) crossed[count++] = j;
            }
        }
        return count;
    }

    /// <summary>
    /// Current LIF (BindsNET): v = rest + (v − rest)·decay; the input delivered for this step is added unless refractory
    /// (and consumed); the refractory counter counts down; crossing means v ≥ threshold + θ.
    /// </summary>
    /// <param name="thetaScale">The threshold is raised by θ·thetaScale (learning: the stored θ times its decay since the
    /// simulator last folded the decay in, see Simulator.ThetaScale); 1 uses θ as stored.</param>
    /// <param name="thetaStepDecay">θ ← θ·thetaStepDecay in float32 before the threshold test, written back (learning with
    /// <see cref="Config.ThetaDecayArithmetic.Float32PerStep"/>, with a scale of 1); 1 leaves θ unwritten.</param>
    public static int Current(Span<float> v, Span<float> input, Span<int> refractory, Span<float> theta, in CurrentConstants c,
        Span<int> crossed, float thetaScale = 1f, float thetaStepDecay = 1f)
    {
        var n = v.Length;
        var hasTheta = !theta.IsEmpty;
        var scaleTheta = hasTheta && thetaScale != 1f;
        var decayTheta = hasTheta && thetaStepDecay != 1f;
        var count = 0;
        var j = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            // 16 lanes where 512-bit vectors run natively (Vector<T> stays 256 bits wide), the same lane arithmetic
            var width = Vector512<float>.Count;
            var rest = Vector512.Create(c.Rest);
            var decay = Vector512.Create(c.Decay);
            var threshold = Vector512.Create(c.Threshold);
            var one = Vector512<int>.One;
            var vs = MemoryMarshal.Cast<float, Vector512<float>>(v);
            var xs = MemoryMarshal.Cast<float, Vector512<float>>(input);
            var rs = MemoryMarshal.Cast<int, Vector512<int>>(refractory);
            var thetas = hasTheta ? MemoryMarshal.Cast<float, Vector512<float>>(theta) : default;
            var thetaFactor = Vector512.Create(thetaScale);
            var stepFactor = Vector512.Create(thetaStepDecay);
            for (var b = 0; b < vs.Length; b++)
            {
                var r = rs[b];
                var refractoryMask = Vector512.GreaterThan(r, Vector512<int>.Zero);
                var x = Vector512.ConditionalSelect(refractoryMask.AsSingle(), Vector512<float>.Zero, xs[b]);
                xs[b] = Vector512<float>.Zero;
                rs[b] = Vector512.ConditionalSelect(refractoryMask, r - one, r);
                var vv = rest + (vs[b] - rest) * decay + x;
                vs[b] = vv;
                var limit = threshold;
                if (hasTheta)
                {
                    var th = thetas[b];
                    if (decayTheta) thetas[b] = th *= stepFactor;
                    limit += scaleTheta ? th * thetaFactor : th;
                }
                var bits = Vector512.GreaterThanOrEqual(vv, limit).ExtractMostSignificantBits();
                for (; bits != 0; bits &= bits - 1) crossed[count++] = b * width + System.Numerics.BitOperations.TrailingZeroCount(bits);
            }
            j = vs.Length * width;
        }
        else if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var width = Vector<float>.Count;
            var rest = new Vector<float>(c.Rest);
            var decay = new Vector<float>(c.Decay);
            var threshold = new Vector<float>(c.Threshold);
            var one = Vector<int>.One;
            var vs = MemoryMarshal.Cast<float, Vector<float>>(v);
            var xs = MemoryMarshal.Cast<float, Vector<float>>(input);
            var rs = MemoryMarshal.Cast<int, Vector<int>>(refractory);
            var thetas = hasTheta ? MemoryMarshal.Cast<float, Vector<float>>(theta) : default;
            var thetaFactor = new Vector<float>(thetaScale);
            var stepFactor = new Vector<float>(thetaStepDecay);
            for (var b = 0; b < vs.Length; b++)
            {
                var r = rs[b];
                var refractoryMask = Vector.GreaterThan(r, Vector<int>.Zero);
                var x = Vector.ConditionalSelect(refractoryMask.As<int, float>(), Vector<float>.Zero, xs[b]);
                xs[b] = Vector<float>.Zero;
                rs[b] = Vector.ConditionalSelect(refractoryMask, r - one, r);
                var vv = rest + (vs[b] - rest) * decay + x;
                vs[b] = vv;
                var limit = threshold;
                if (hasTheta)
                {
                    var th = thetas[b];
                    if (decayTheta) thetas[b] = th *= stepFactor;
                    limit += scaleTheta ? th * thetaFactor : th;
                }
                count = CollectLanes(Vector.GreaterThanOrEqual(vv, limit), b * width, crossed, count);
            }
            j = vs.Length * width;
        }
        for (; j < n; j++)
        {
            if (decayTheta) theta[j] *= thetaStepDecay;
            var x = input[j];
            input[j] = 0;
            if (refractory[j] > 0)
            {
                refractory[j]--;
                x = 0;
            }
            var vv = c.Rest + (v[j] - c.Rest) * c.Decay + x;
            v[j] = vv;
            if (vv >= c.Threshold + (hasTheta ? (scaleTheta ? theta[j] * thetaScale : theta[j]) : 0f)) crossed[count++] = j;
        }
        return count;
    }

    /// <summary>
    /// <see cref="Conductance"/> without g_i or θ (the inhibitory population), for the neurons of <paramref name="active"/>
    /// only: every listed neuron gets exactly the arithmetic of the dense kernel. A neuron leaves the set after a step that
    /// left it unchanged with no input, not refractory and not crossing: the dense kernel would leave it unchanged at every
    /// later step until new input arrives (the caller adds it back then). Crossings come out in increasing order.
    /// </summary>
    public static int ConductanceActive(Span<float> v, Span<float> ge, Span<int> refractory, in ConductanceConstants c, IndexSet active,
        Span<int> crossed)
    {
        var count = 0;
        for (var k = 0; k < active.Count;)
        {
            var j = active[k];
            var vv = v[j];
            var g1 = ge[j];
            var vNew = vv + c.DtOverTau * ((c.Rest - vv) + g1 * (c.ExcitatoryReversal - vv));
            vNew = MathF.Min(MathF.Max(vNew, c.LowestPotential), c.HighestPotential);
            ge[j] = Decay.Flush(g1 * c.GeDecay);
            var quiet = false;
            if (refractory[j] > 0)
            {
                refractory[j]--;
                v[j] = c.Reset;
            }
            else
            {
                v[j] = vNew;
                if (vNew > c.Threshold) crossed[count++] = j;
                else quiet = g1 == 0 && vNew == vv;
            }
            if (quiet) active.RemoveAt(k);
            else k++;
        }
        crossed[..count].Sort();
        return count;
    }

    /// <summary><see cref="Current"/> without θ for the neurons of <paramref name="active"/> only (see <see cref="ConductanceActive"/>).</summary>
    public static int CurrentActive(Span<float> v, Span<float> input, Span<int> refractory, in CurrentConstants c, IndexSet active, Span<int> crossed)
    {
        var count = 0;
        for (var k = 0; k < active.Count;)
        {
            var j = active[k];
            var x = input[j];
            input[j] = 0;
            var wasRefractory = refractory[j] > 0;
            if (wasRefractory)
            {
                refractory[j]--;
                x = 0;
            }
            var vOld = v[j];
            var vv = c.Rest + (vOld - c.Rest) * c.Decay + x;
            v[j] = vv;
            var quiet = false;
            if (vv >= c.Threshold) crossed[count++] = j;
            else quiet = !wasRefractory && x == 0 && vv == vOld;
            if (quiet) active.RemoveAt(k);
            else k++;
        }
        crossed[..count].Sort();
        return count;
    }

    /// <summary>Appends start + lane for every set lane of <paramref name="mask"/> (rare: most steps have no crossing).</summary>
    private static int CollectLanes(Vector<int> mask, int start, Span<int> crossed, int count)
    {
        if (mask.Equals(Vector<int>.Zero)) return count;
        for (var lane = 0; lane < Vector<int>.Count; lane++)
            if (mask[lane] != 0) crossed[count++] = start + lane;
        return count;
    }
}
