#!/usr/bin/env python3
"""Diehl & Cook (2015) training in Brian2 C++ standalone, set up as FSpiNN's `dc2015` preset (docs/model.md).

Usage: dc2015_brian2.py --mnist DIR --neurons N --samples K --workdir DIR [--seed S] [--inference]
                        [--stdp-pre-timing emission|arrival] [--complete-examples [--max-cycles C]] [--save-npz PATH]
                        [--clamp-v] [--divergence-spikes S]

Two uses:
  * speed (side_by_side.sh): K presentation cycles on the first K MNIST training images (dataset order), one core;
    prints one line of JSON with the wall time of the compiled simulation (compilation excluded), the examples
    completed, the retries and the spikes. A retry uses up one of the K cycles, so K cycles complete K minus the
    retries examples; time per example is wall time / completed examples.
  * accuracy (accuracy.sh): --complete-examples trains on all K images whatever the retries, as `fspinn train
    --train-samples K` does, and --save-npz writes the learned weights, thresholds and delays for
    `fspinn import --network dc2015` (docs/interop.md), which labels and tests them with FSpiNN's own code.

--stdp-pre-timing (the preset's parameter `stdp_pre_timing`, docs/model.md "STDP with input delays"):
  * arrival (default, the dc2015 preset's default): one `pre` pathway with each synapse's delay runs
    `ge_post += w; xpre = 1; w = clip(w - 1e-4 * post1, 0, 1)` when the delayed spike reaches the synapse, Brian's
    semantics of STDP on a delayed connection (Diehl & Cook's Brian 1 behaviour is unverified, docs/model.md). The
    pre trace is a synaptic variable, so a post spike reads the trace of the last arrival.
  * emission: the pre-synaptic term and trace act at emission (pathway `pre`, no delay) and only the conductance at
    arrival (pathway `transmit`, delay 0-10 ms), what FSpiNN did before the parameter (`stdp_pre_timing=emission`).
  The committed side_by_side-k*.csv figures were taken with emission on both sides; side_by_side.sh now passes the
  timing explicitly to both simulators (env TIMING, default emission), so its figures stay comparable.

The whole protocol runs inside the compiled program, because C++ standalone cannot return to Python between examples:
  * a one-neuron controller group counts steps; each presentation cycle is 350 ms input + 150 ms rest (1000 steps of
    0.5 ms), learning on during the rest, for retries too (FSpiNN: Simulator.PresentWithRetries). At the first rest
    step it checks the excitatory spike count of the presentation: fewer than 5 (and fewer than 20 retries so far:
    `max_retries`) -> the same image again at one intensity step more (+31.875 Hz at a full pixel); otherwise the
    next image at intensity 2 (63.75 Hz). The state is never reset between examples.
  * input neurons fire with probability rate*dt per step (Bernoulli, as Brian's PoissonGroup; FSpiNN's `Bernoulli`
    encoding draws the same distribution by geometric gaps); the rate is image[example, i] / 8 * intensity Hz
    (= pixel / 255 * 63.75 Hz at intensity 2) during the 350 ms and 0 during the rest.
  * column normalisation to 78 before every presentation (every 500 ms, retries included, not after the last one) is
    a small C++ function called from a run_regularly of the controller; it loops over the 784 x N weights once, as
    D&C's numpy code does.
  * initial weights (U[0,1) + 0.01) * 0.3, delays uniform on the whole steps 0..20 (0-10 ms), theta 20 mV, v -105 mV
    (exc) and -100 mV (inh): the preset's values, drawn from numpy's generator seeded with --seed (Brian's own
    stream, b.seed, drives the input spikes), so the random draws differ from FSpiNN's.
  * with --complete-examples the run is given --max-cycles cycles (default 2K + 100; FSpiNN's dc2015 needed 0.34
    retries per example at N = 100 and 0.003 at N = 400 over 60,000 images): once K examples have completed (at the end
    of the K-th example's rest), the input stays off, theta stops decaying and normalisation stops, so the remaining
    cycles change nothing that is saved; the script fails if the budget ran out first. The timing then includes these
    idle cycles (the input's rand() is skipped while the input is off, yet at N = 100 an idle cycle cost 5-12 ms of
    CPU against 14.6 ms for a presentation, measured under load).
With --inference the same protocol runs with learning off, as D&C's test mode: no STDP, theta fixed at its initial
20 mV, no normalisation; the random initial weights are normalised once (columns to 78) before the run.

--save-npz PATH (training only) writes, read back from the standalone device after the run:
  X_to_Ae float32 (784, N) (row = pixel, column = neuron), theta float32 (N,) in mV with FSpiNN's convention (both use
  threshold = -52 mV + theta - 20 mV with theta starting at 20 mV: theta_offset = 20 in the preset, so Brian's theta
  in mV is ours unchanged), delays uint8 (784, N) in time steps of 0.5 ms (the pathway that carries the conductance).
  No inhibition matrices: `--network dc2015` gives the same layer (10.4 / 17.0), and no labels, so that import labels.

What still differs from FSpiNN's dc2015 training (by construction, not fixable here):
  * precision: Brian computes in float64; FSpiNN holds v, conductances, theta and weights in float32. Theta's decay
    in particular: FSpiNN multiplies theta by (float)(1 - dt/tau_theta) = 1 - 5.96e-8 (not 1 - 5e-8) per step and the
    float32 product rounds to whole ulps, so for theta in [16, 32) mV it loses 1.9e-6 mV per step (Brian: theta * 5e-8,
    0.8-1.6e-6) and in [32, 64) 3.8e-6 (Brian 1.6-3.2e-6): theta decays 1.2-2.4x faster.
  * FSpiNN clamps v to [min(E_rest, E_inh), max(E_rest, E_exc)] (docs/model.md, against Euler divergence at large N);
    Brian does not, unless --clamp-v: then v is clipped right after each Euler step, before the threshold test
    (exc [-100, 0] mV, inh [-85, 0] mV), as FSpiNN does. Without it, N = 400 seed 3 diverged within 1,000 images
    (44.4 million excitatory spikes, v up to +192 mV, theta ~5,565 mV; seeds 1 and 2: ~12,800 spikes), so with
    --complete-examples a presentation with more than --divergence-spikes excitatory spikes (default 20 N, a rate no
    winner-take-all presentation comes near: ~10-30 spikes in all) stops the compiled run at once and the script
    fails, naming the example, instead of simulating a runaway network for hours.
  * the conductance of a delayed spike: Brian adds w as it is at arrival (before that synapse's own depression);
    FSpiNN adds the weight read at emission into its delay ring. w_ij can change in between only by earlier arrivals
    of input i and post spikes of j within those <= 10 ms.
  * the random streams (initial weights, delays, input spikes).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np


def read_idx_images(path, count):
    opener = gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open
    with opener(path, 'rb') as f:
        magic, n, rows, cols = struct.unpack('>IIII', f.read(16))
        if magic != 0x00000803:
            raise SystemExit(f"{path}: not an IDX image file (magic {magic:#010x}, expected 0x00000803)")
        if count > n:
            raise SystemExit(f"{path}: asked for {count} images but the file has {n}")
        data = f.read(count * rows * cols)
        if len(data) != count * rows * cols:
            raise SystemExit(f"{path}: truncated, expected {count} images of {rows}x{cols}")
    return np.frombuffer(data, dtype=np.uint8).reshape(count, rows * cols)


def locate(directory, name):
    for candidate in (name, name + '.gz'):
        p = os.path.join(directory, candidate)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{directory}: neither {name} nor {name}.gz found")


DIVERGENCE_CPP = r'''
double stop_if_diverged(double spikes, double limit, double example)
{
    // called at the first rest step of every presentation with that presentation's excitatory spike count
    if (limit > 0 && spikes > limit)
    {
        std::cerr << "diverged: " << spikes << " excitatory spikes in one presentation, " << example << " examples completed so far"
                  << " (limit " << limit << ")" << std::endl;
        std::exit(3);
    }
    return 0.0;
}
'''


NORMALIZE_CPP = r'''
double normalize_input_weights(double n_post, double target, double enabled)
{
    // synapse k = row * N + column (connect(i=..., j=...) with i-major arrays); columns sum to `target` afterwards
    if (enabled == 0.0) return 0.0;
    std::vector<double>& w = brian::_dynamic_array_xe_w;
    const size_t n = (size_t)n_post;
    const size_t rows = w.size() / n;
    static std::vector<double> factor;
    factor.assign(n, 0.0);
    for (size_t r = 0; r < rows; r++)
    {
        const double* row = &w[r * n];
        for (size_t j = 0; j < n; j++) factor[j] += row[j];
    }
    for (size_t j = 0; j < n; j++) factor[j] = factor[j] > 0 ? target / factor[j] : 1.0;
    for (size_t r = 0; r < rows; r++)
    {
        double* row = &w[r * n];
        for (size_t j = 0; j < n; j++) row[j] *= factor[j];
    }
    return 0.0;
}
'''


def save_npz(path, xe, exc, n_in, n, dt, delay_pathway):
    """The learned arrays in the layout `fspinn import` reads (docs/interop.md), placed by each synapse's (i, j)."""
    i, j = np.asarray(xe.i[:]), np.asarray(xe.j[:])
    if len(i) != n_in * n:
        raise SystemExit(f"expected {n_in * n} input synapses, the device holds {len(i)}")
    weights = np.full((n_in, n), np.nan, dtype=np.float64)
    weights[i, j] = np.asarray(xe.w[:])
    if np.isnan(weights).any():
        raise SystemExit("some (input, neuron) pairs have no synapse")
    steps = np.asarray(getattr(xe, delay_pathway).delay[:]) / float(dt)
    delays = np.zeros((n_in, n), dtype=np.uint8)
    delays[i, j] = np.rint(steps).astype(np.uint8)
    if np.abs(steps - np.rint(steps)).max() > 1e-6 or steps.max() > 255:
        raise SystemExit("delays are not whole steps of 0..255")
    theta_mv = np.asarray(exc.theta[:]) * 1000.0   # Brian returns volts
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    np.savez(path, X_to_Ae=weights.astype(np.float32), theta=theta_mv.astype(np.float32), delays=delays)
    return weights, theta_mv, delays


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mnist', required=True)
    ap.add_argument('--neurons', type=int, required=True)
    ap.add_argument('--samples', type=int, required=True, help='images (and, without --complete-examples, presentation cycles)')
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--inference', action='store_true', help='learning off (no STDP, fixed theta, no normalisation)')
    ap.add_argument('--stdp-pre-timing', choices=['emission', 'arrival'], default='arrival',
                    help="when STDP's pre-synaptic term acts on a delayed synapse (default arrival, as the dc2015 preset)")
    ap.add_argument('--complete-examples', action='store_true',
                    help='train until all K images have completed (retries included), then freeze the state')
    ap.add_argument('--max-cycles', type=int, default=None,
                    help='cycles of 500 ms given to --complete-examples (default 2K + 100)')
    ap.add_argument('--save-npz', default=None, help='write X_to_Ae, theta (mV) and delays for `fspinn import`')
    ap.add_argument('--divergence-spikes', type=float, default=None,
                    help='with --complete-examples: stop when one presentation has more excitatory spikes (default 20 N; 0 = never)')
    ap.add_argument('--clamp-v', action='store_true',
                    help="clip v to [min(E_rest, E_inh), max(E_rest, E_exc)] after each Euler step, as FSpiNN does")
    args = ap.parse_args()
    learn = not args.inference
    arrival = args.stdp_pre_timing == 'arrival'
    if args.neurons < 1 or args.samples < 1:
        raise SystemExit('--neurons and --samples must be at least 1')
    if args.save_npz and not learn:
        raise SystemExit('--save-npz saves a trained network; it cannot be combined with --inference')
    if args.max_cycles is not None and not args.complete_examples:
        raise SystemExit('--max-cycles only applies with --complete-examples')
    if args.divergence_spikes is not None and not args.complete_examples:
        raise SystemExit('--divergence-spikes only applies with --complete-examples')
    divergence_limit = (20.0 * args.neurons if args.divergence_spikes is None else args.divergence_spikes) if args.complete_examples else 0.0
    cycles = (args.max_cycles if args.max_cycles is not None else 2 * args.samples + 100) if args.complete_examples else args.samples
    if cycles < args.samples:
        raise SystemExit(f'--max-cycles {cycles} is fewer than the {args.samples} examples')

    import brian2 as b
    from brian2 import ms, mV, Hz

    images = read_idx_images(locate(args.mnist, 'train-images-idx3-ubyte'), args.samples).astype(np.float64)
    n_in, n = images.shape[1], args.neurons
    rng = np.random.default_rng(args.seed)

    b.set_device('cpp_standalone', directory=args.workdir, build_on_run=False)
    b.prefs.devices.cpp_standalone.openmp_threads = 0          # one thread
    b.defaultclock.dt = 0.5 * ms
    b.seed(args.seed)

    steps_per_cycle, presentation_steps = 1000, 700          # 500 ms cycle, 350 ms input

    normalize = b.Function(lambda n_post, target, enabled: 0.0, arg_units=[1, 1, 1], return_unit=1, stateless=False)
    normalize.implementations.add_implementation('cpp', NORMALIZE_CPP, name='normalize_input_weights')
    guard = b.Function(lambda spikes, limit, example: 0.0, arg_units=[1, 1, 1], return_unit=1, stateless=False)
    guard.implementations.add_implementation('cpp', DIVERGENCE_CPP, name='stop_if_diverged',
                                             compiler_kwds={'headers': ['<iostream>', '<cstdlib>']})

    ctrl = b.NeuronGroup(1, '''
        k : integer
        example : 1
        intensity : 1
        active : 1
        attempt_spikes : 1
        retries : 1
        total_retries : 1
        done : 1
        dummy : 1
        guarded : 1
        ''', name='ctrl')
    ctrl.intensity = 2
    if learn:
        ctrl.run_regularly('dummy = normalize_input_weights(n_e, 78.0, 1 - done)', dt=500 * ms, when='start', order=-1)
    ctrl.run_regularly(f'''
        cycle = k % {steps_per_cycle}
        at_start = int(cycle == 0)
        at_end = int(cycle == {presentation_steps}) * (1 - done)
        retry = at_end * int(attempt_spikes < 5) * int(retries < 20)
        advance = at_end - retry
        intensity = intensity + retry - advance * (intensity - 2)
        retries = (retries + retry) * (1 - advance)
        total_retries = total_retries + retry
        example = example + advance
        attempt_spikes = attempt_spikes * (1 - at_start)
        active = int(cycle < {presentation_steps}) * (1 - done)
        k = k + 1
        ''', when='start', order=0)
    if divergence_limit > 0:
        # at the first rest step, before the count is cleared at the next cycle's start
        ctrl.run_regularly(f'guarded = stop_if_diverged(attempt_spikes * int(k % {steps_per_cycle} == {presentation_steps + 1}), '
                           f'{divergence_limit}, example)', when='start', order=1)
    if args.complete_examples:
        # at the end of the last rest step of the K-th example: from the next step on nothing saved changes
        ctrl.run_regularly(f'done = done + (1 - done) * int(k % {steps_per_cycle} == 0) * int(example >= {args.samples})',
                           when='end')

    stim = b.TimedArray(images, dt=1 * ms)                   # stim(example * ms, i): pixel i of image `example`
    inp = b.NeuronGroup(n_in, '''
        example : 1 (linked)
        intensity : 1 (linked)
        active : 1 (linked)
        rate = stim(example * ms, i) / 8 * intensity * active * Hz : Hz
        ''', threshold='active > 0 and rand() < rate * dt' if args.complete_examples else 'rand() < rate * dt', name='inp')
    zero = np.zeros(n_in, dtype=int)
    inp.example = b.linked_var(ctrl, 'example', index=zero)
    inp.intensity = b.linked_var(ctrl, 'intensity', index=zero)
    inp.active = b.linked_var(ctrl, 'active', index=zero)

    exc = b.NeuronGroup(n, '''
        dv/dt = ((-65*mV - v) + ge * (0*mV - v) + gi * (-100*mV - v)) / (100*ms) : volt (unless refractory)
        dge/dt = -ge / (1*ms) : 1
        dgi/dt = -gi / (2*ms) : 1
        done : 1 (linked)
        ''' + ('dtheta/dt = -theta / (1e7*ms) * (1 - done) : volt' if learn else 'theta : volt'),
        threshold='v > -52*mV + theta - 20*mV', reset='v = -65*mV; theta += 0.05*mV' if learn else 'v = -65*mV',
        refractory=5 * ms, method='euler', name='exc')
    exc.done = b.linked_var(ctrl, 'done', index=np.zeros(n, dtype=int))
    exc.v = -105 * mV
    exc.theta = 20 * mV

    inh = b.NeuronGroup(n, '''
        dv/dt = ((-60*mV - v) + ge * (0*mV - v) + gi * (-85*mV - v)) / (10*ms) : volt (unless refractory)
        dge/dt = -ge / (1*ms) : 1
        dgi/dt = -gi / (2*ms) : 1
        ''', threshold='v > -40*mV', reset='v = -45*mV', refractory=2 * ms, method='euler', name='inh')
    inh.v = -100 * mV
    if args.clamp_v:
        # after the state updater (when='groups', order 0), before the threshold test
        exc.run_regularly('v = clip(v, -100*mV, 0*mV)', when='groups', order=1)
        inh.run_regularly('v = clip(v, -85*mV, 0*mV)', when='groups', order=1)

    if learn:
        model = '''
            w : 1
            post2before : 1
            dxpre/dt = -xpre / (20*ms) : 1 (event-driven)
            dpost1/dt = -post1 / (20*ms) : 1 (event-driven)
            dpost2/dt = -post2 / (40*ms) : 1 (event-driven)
            '''
        on_post = 'post2before = post2; w = clip(w + 0.01 * xpre * post2before, 0, 1); post1 = 1.; post2 = 1.'
        if arrival:
            # the conductance takes w before this arrival's depression
            on_pre = {'pre': 'ge_post += w; xpre = 1.; w = clip(w - 0.0001 * post1, 0, 1)'}
        else:
            on_pre = {'pre': 'xpre = 1.; w = clip(w - 0.0001 * post1, 0, 1)', 'transmit': 'ge_post += w'}
        xe = b.Synapses(inp, exc, model=model, on_pre=on_pre, on_post=on_post, name='xe')
    else:
        xe = b.Synapses(inp, exc, model='w : 1', on_pre={'transmit': 'ge_post += w'}, name='xe')
    delay_pathway = 'pre' if learn and arrival else 'transmit'
    rows, cols = np.meshgrid(np.arange(n_in), np.arange(n), indexing='ij')
    xe.connect(i=rows.ravel(), j=cols.ravel())
    w0 = (rng.random(n_in * n) + 0.01) * 0.3
    if not learn:
        w0 = (w0.reshape(n_in, n) * (78.0 / w0.reshape(n_in, n).sum(axis=0))).ravel()
    xe.w = w0
    getattr(xe, delay_pathway).delay = rng.integers(0, 21, n_in * n) * 0.5 * ms   # 0..10 ms in whole steps, as FSpiNN draws them

    ei = b.Synapses(exc, inh, on_pre='ge_post += 10.4', name='ei')
    ei.connect(j='i')
    ie = b.Synapses(inh, exc, on_pre='gi_post += 17.0', name='ie')
    ie.connect(condition='i != j')
    count = b.Synapses(exc, ctrl, on_pre='attempt_spikes_post += 1', name='count')
    count.connect(j='0')
    exc_spikes = b.SpikeMonitor(exc, record=False, name='exc_spikes')
    inp_spikes = b.SpikeMonitor(inp, record=False, name='inp_spikes')

    net = b.Network(ctrl, inp, exc, inh, xe, ei, ie, count, exc_spikes, inp_spikes)
    namespace = {'stim': stim, 'n_e': float(n)}
    if divergence_limit > 0:
        namespace['stop_if_diverged'] = guard
    if learn:
        namespace['normalize_input_weights'] = normalize
    net.run(cycles * 500 * ms, namespace=namespace)

    started = time.perf_counter()
    b.device.build(directory=args.workdir, compile=True, run=False, clean=True)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    try:
        b.device.run(args.workdir, with_output=False, run_args=[])
    except RuntimeError as e:
        raise SystemExit(f"the compiled run failed ({e}); exit code 3 with a 'diverged' line above is the divergence "
                         f"guard (--divergence-spikes {divergence_limit:g}), see --clamp-v")
    process_s = time.perf_counter() - started
    simulation_s = float(b.device._last_run_time)

    completed = int(ctrl.example[0])
    if args.complete_examples and completed < args.samples:
        raise SystemExit(f"only {completed} of {args.samples} examples completed in {cycles} cycles "
                         f"({int(ctrl.total_retries[0])} retries): give more with --max-cycles")
    report = {
        'brian2': b.__version__, 'mode': 'train' if learn else 'inference', 'stdp_pre_timing': args.stdp_pre_timing if learn else None,
        'clamp_v': args.clamp_v, 'divergence_spikes': divergence_limit,
        'neurons': n, 'seed': args.seed, 'cycles': cycles, 'completed_examples': completed,
        'retries': int(ctrl.total_retries[0]), 'exc_spikes': int(exc_spikes.num_spikes),
        'input_spikes': int(inp_spikes.num_spikes), 'compile_s': round(compile_s, 3),
        'process_s': round(process_s, 3), 'simulation_s': round(simulation_s, 3),
        'ms_per_completed_example': round(1000 * simulation_s / max(completed, 1), 3),
        'ms_per_presentation': round(1000 * simulation_s / cycles, 3),
        'mean_weight_column_sum': float(np.asarray(xe.w[:]).reshape(n_in, n).sum(axis=0).mean()),
    }
    if args.save_npz:
        _, theta_mv, delays = save_npz(args.save_npz, xe, exc, n_in, n, b.defaultclock.dt, delay_pathway)
        report.update({'npz': args.save_npz, 'theta_mean_mv': round(float(theta_mv.mean()), 4),
                       'theta_min_mv': round(float(theta_mv.min()), 4), 'theta_max_mv': round(float(theta_mv.max()), 4),
                       'delay_steps_mean': round(float(delays.mean()), 4), 'delay_steps_max': int(delays.max())})
    print(json.dumps(report))


if __name__ == '__main__':
    sys.exit(main())
