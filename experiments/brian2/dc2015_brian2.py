#!/usr/bin/env python3
"""Diehl & Cook (2015) training in Brian2 C++ standalone, set up as FSpiNN's `dc2015` preset (docs/model.md), timed.

Usage: dc2015_brian2.py --mnist DIR --neurons N --samples K --workdir DIR [--seed S] [--inference]

Trains on the first K MNIST training images (dataset order), one core, and prints one line of JSON with the wall time
of the compiled simulation (compilation excluded), the examples completed, the retries and the spikes.

The whole protocol runs inside the compiled program, because C++ standalone cannot return to Python between examples:
  * a one-neuron controller group counts steps; each presentation cycle is 350 ms input + 150 ms rest (1000 steps of
    0.5 ms). At the first rest step it checks the excitatory spike count of the presentation: fewer than 5 (and fewer
    than 20 retries so far) -> the same image again at one intensity step more (+31.875 Hz at a full pixel); otherwise
    the next image at intensity 2 (63.75 Hz).
  * input neurons fire with probability rate*dt per step (Bernoulli, as Brian's PoissonGroup); the rate is
    image[example, i] / 8 * intensity Hz during the 350 ms and 0 during the rest.
  * column normalisation to 78 before every presentation (every 500 ms, retries included) is a small C++ function
    called from a run_regularly of the controller; it loops over the 784 x N weights once, as D&C's numpy code does.
  * STDP (minimal triplet rule of D&C's code) on the input synapses; the pre-synaptic term and trace act at emission
    (pathway `pre`, no delay) and the conductance at arrival (pathway `transmit`, delay 0-10 ms in whole steps), which
    is what FSpiNN does (docs/model.md, "STDP with input delays").
With --inference the same protocol runs with learning off, as D&C's test mode: no STDP, theta fixed at its initial
20 mV, no normalisation; the random initial weights are normalised once (columns to 78) before the run.
Because the run length is fixed in advance (K cycles of 500 ms), a retry uses up one cycle: the run presents K times and
completes K minus the retries examples; time per example is wall time / completed examples.
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


NORMALIZE_CPP = r'''
double normalize_input_weights(double n_post, double target)
{
    // synapse k = row * N + column (connect(i=..., j=...) with i-major arrays); columns sum to `target` afterwards
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mnist', required=True)
    ap.add_argument('--neurons', type=int, required=True)
    ap.add_argument('--samples', type=int, required=True)
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--inference', action='store_true', help='learning off (no STDP, fixed theta, no normalisation)')
    args = ap.parse_args()
    learn = not args.inference

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

    normalize = b.Function(lambda n_post, target: 0.0, arg_units=[1, 1], return_unit=1, stateless=False)
    normalize.implementations.add_implementation('cpp', NORMALIZE_CPP, name='normalize_input_weights')

    ctrl = b.NeuronGroup(1, '''
        k : integer
        example : 1
        intensity : 1
        active : 1
        attempt_spikes : 1
        retries : 1
        total_retries : 1
        dummy : 1
        ''', name='ctrl')
    ctrl.intensity = 2
    if learn:
        ctrl.run_regularly('dummy = normalize_input_weights(n_e, 78.0)', dt=500 * ms, when='start', order=-1)
    ctrl.run_regularly(f'''
        cycle = k % {steps_per_cycle}
        at_start = int(cycle == 0)
        at_end = int(cycle == {presentation_steps})
        retry = at_end * int(attempt_spikes < 5) * int(retries < 20)
        advance = at_end - retry
        intensity = intensity + retry - advance * (intensity - 2)
        retries = (retries + retry) * (1 - advance)
        total_retries = total_retries + retry
        example = example + advance
        attempt_spikes = attempt_spikes * (1 - at_start)
        active = int(cycle < {presentation_steps})
        k = k + 1
        ''', when='start', order=0)

    stim = b.TimedArray(images, dt=1 * ms)                   # stim(example * ms, i): pixel i of image `example`
    inp = b.NeuronGroup(n_in, '''
        example : 1 (linked)
        intensity : 1 (linked)
        active : 1 (linked)
        rate = stim(example * ms, i) / 8 * intensity * active * Hz : Hz
        ''', threshold='rand() < rate * dt', name='inp')
    zero = np.zeros(n_in, dtype=int)
    inp.example = b.linked_var(ctrl, 'example', index=zero)
    inp.intensity = b.linked_var(ctrl, 'intensity', index=zero)
    inp.active = b.linked_var(ctrl, 'active', index=zero)

    exc = b.NeuronGroup(n, '''
        dv/dt = ((-65*mV - v) + ge * (0*mV - v) + gi * (-100*mV - v)) / (100*ms) : volt (unless refractory)
        dge/dt = -ge / (1*ms) : 1
        dgi/dt = -gi / (2*ms) : 1
        ''' + ('dtheta/dt = -theta / (1e7*ms) : volt' if learn else 'theta : volt'),
        threshold='v > -52*mV + theta - 20*mV', reset='v = -65*mV; theta += 0.05*mV' if learn else 'v = -65*mV',
        refractory=5 * ms, method='euler', name='exc')
    exc.v = -105 * mV
    exc.theta = 20 * mV

    inh = b.NeuronGroup(n, '''
        dv/dt = ((-60*mV - v) + ge * (0*mV - v) + gi * (-85*mV - v)) / (10*ms) : volt (unless refractory)
        dge/dt = -ge / (1*ms) : 1
        dgi/dt = -gi / (2*ms) : 1
        ''', threshold='v > -40*mV', reset='v = -45*mV', refractory=2 * ms, method='euler', name='inh')
    inh.v = -100 * mV

    if learn:
        xe = b.Synapses(inp, exc, model='''
            w : 1
            post2before : 1
            dxpre/dt = -xpre / (20*ms) : 1 (event-driven)
            dpost1/dt = -post1 / (20*ms) : 1 (event-driven)
            dpost2/dt = -post2 / (40*ms) : 1 (event-driven)
            ''',
            on_pre={'pre': 'xpre = 1.; w = clip(w - 0.0001 * post1, 0, 1)',
                    'transmit': 'ge_post += w'},
            on_post='post2before = post2; w = clip(w + 0.01 * xpre * post2before, 0, 1); post1 = 1.; post2 = 1.',
            name='xe')
    else:
        xe = b.Synapses(inp, exc, model='w : 1', on_pre={'transmit': 'ge_post += w'}, name='xe')
    rows, cols = np.meshgrid(np.arange(n_in), np.arange(n), indexing='ij')
    xe.connect(i=rows.ravel(), j=cols.ravel())
    w0 = (rng.random(n_in * n) + 0.01) * 0.3
    if not learn:
        w0 = (w0.reshape(n_in, n) * (78.0 / w0.reshape(n_in, n).sum(axis=0))).ravel()
    xe.w = w0
    xe.transmit.delay = rng.integers(0, 21, n_in * n) * 0.5 * ms   # 0..10 ms in whole steps, as FSpiNN draws them

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
    if learn:
        namespace['normalize_input_weights'] = normalize
    net.run(args.samples * 500 * ms, namespace=namespace)

    started = time.perf_counter()
    b.device.build(directory=args.workdir, compile=True, run=False, clean=True)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    b.device.run(args.workdir, with_output=False, run_args=[])
    process_s = time.perf_counter() - started
    simulation_s = float(b.device._last_run_time)

    completed = int(ctrl.example[0])
    print(json.dumps({
        'brian2': b.__version__, 'mode': 'train' if learn else 'inference', 'neurons': n, 'cycles': args.samples, 'completed_examples': completed,
        'retries': int(ctrl.total_retries[0]), 'exc_spikes': int(exc_spikes.num_spikes),
        'input_spikes': int(inp_spikes.num_spikes), 'compile_s': round(compile_s, 3),
        'process_s': round(process_s, 3), 'simulation_s': round(simulation_s, 3),
        'ms_per_completed_example': round(1000 * simulation_s / max(completed, 1), 3),
        'ms_per_presentation': round(1000 * simulation_s / args.samples, 3),
        'mean_weight_column_sum': float(np.asarray(xe.w[:]).reshape(n_in, n).sum(axis=0).mean()),
    }))


if __name__ == '__main__':
    sys.exit(main())
