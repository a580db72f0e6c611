#!/usr/bin/python3
"""The floor model's arithmetic (experiments/speed/floor.sh).

kernels RESULTS_DIR      BenchmarkDotNet report CSVs -> kernel,neurons,bits,ns_per_op (one op: a row of N added; a
                         potentiation column; one weight of a dense row update; one weight normalised; one neuron-step;
                         one image encoded)
table KERNELS RUNS       per-phase floor of every probe run from its own work counts, and our time against it (markdown)
"""
import csv, glob, os, sys
from collections import defaultdict

ROWS = 784  # MNIST inputs: rows of the weight matrix

def nanoseconds(text):
    value, unit = text.replace(',', '').split()
    return float(value) * {'ns': 1, 'us': 1e3, 'μs': 1e3, 'ms': 1e6, 's': 1e9}[unit]

def kernels(directory):
    out = csv.writer(sys.stdout)
    out.writerow(['kernel', 'neurons', 'bits', 'ns_per_op'])
    for path in sorted(glob.glob(os.path.join(directory, '*Floor*-report.csv'))):
        for row in csv.DictReader(open(path)):
            n = int(row['N'])
            bits = int(row.get('Bits') or 32)
            # the fastest iteration: a floor is the best the machine does; the mean also holds other jobs' time slices
            mean = nanoseconds(row['Min'] if row.get('Min') else row['Mean'])
            per = {'RowAdd': 1, 'ColumnUpdate': 1, 'DenseRowUpdate': n, 'Normalise': ROWS * n, 'NeuronUpdate': n, 'EncodeImage': 1}[row['Method']]
            out.writerow([row['Method'], n, bits, f'{mean / per:.5g}'])

PHASES = ['encoding', 'delivery', 'neuron', 'learning', 'normalisation']

def floors(k, run):
    """Per-phase floor in ms of one run row (per example) from kernel times k[(kernel, N, bits)] in ns."""
    n, bits = int(run['neurons']), int(run['weight_bits'])
    bits = 32 if bits == 32 else 16 if bits == 16 else 8
    g = lambda name, b=bits: k[(name, n, b)]
    row_adds, steps = float(run['row_adds']), float(run['neuron_steps'])
    spikes, writes = float(run['exc_spikes']), float(run['stdp_weight_writes'])
    potentiation = spikes * ROWS if writes > 0 else 0.0
    depression = max(0.0, writes - potentiation)
    f = {
        'encoding': g('EncodeImage', 32) if ('EncodeImage', n, 32) in k else 0.0,
        'delivery': row_adds * g('RowAdd'),
        'neuron': steps * g('NeuronUpdate', 32),
        'learning': (spikes * g('ColumnUpdate') if writes > 0 else 0.0) + depression * g('DenseRowUpdate'),
        'normalisation': float(run['normalised_weights']) * g('Normalise'),
    }
    return {p: v / 1e6 for p, v in f.items()}

def table(kernel_path, runs_path):
    k = {}
    for row in csv.DictReader(open(kernel_path)):
        k[(row['kernel'], int(row['neurons']), int(row['bits']))] = float(row['ns_per_op'])
    runs = list(csv.DictReader(open(runs_path)))
    commits = []
    for r in runs:
        if r['threads'] == '1' and r['commit'] not in commits: commits.append(r['commit'])
    old, new = commits[0], commits[-1]
    by = {(r['commit'], r['threads'], r['preset'], r['weights'], r['neurons'], r['phase']): r for r in runs}
    keys = sorted({(r['preset'], r['weights'], int(r['neurons'])) for r in runs}, key=lambda x: (x[0], x[1], x[2]))
    ours = lambda r, p: float(r[{'neuron': 'neuron_ms'}.get(p, p + '_ms')])
    print(f'Per example, ms (wall, steady state, last half of the probe run); old = {old}, new = {new}; floor = this run\'s work counts x the kernel times of floor_kernels.csv.\n')
    print('Totals also give the CPU time of the probe thread (old CPU / new CPU), less disturbed by other jobs than wall time.\n')
    print('| preset | weights | N | phase | old | new | floor | new / floor | old / new | new, 2 threads | 1 / 2 threads |')
    print('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for preset, weights, n in keys:
        for phase in ['train', 'infer']:
            o = by.get((old, '1', preset, weights, str(n), phase))
            w = by.get((new, '1', preset, weights, str(n), phase))
            t2 = by.get((new, '2', preset, weights, str(n), phase))
            if w is None: continue
            fl = floors(k, w)
            parts = PHASES if phase == 'train' else ['encoding', 'delivery', 'neuron']
            for p in parts:
                if phase == 'infer' and p == 'learning': continue
                f = fl[p]
                if f == 0 and ours(w, p) < 0.005: continue
                ov = ours(o, p) if o else float('nan')
                print(f'| {preset} | {weights} | {n} | {phase}: {p} | {ov:.3f} | {ours(w, p):.3f} | {f:.3f} | {ratio(ours(w, p), f)} | {ratio(ov, ours(w, p))} | | |')
            total = sum(fl[p] for p in parts)
            ot = float(o['ms']) if o else float('nan')
            nt = float(w['ms'])
            t2v = float(t2['ms']) if t2 else float('nan')
            oc = float(o['cpu_ms']) if o else float('nan')
            nc = float(w['cpu_ms'])
            print(f'| **{preset}** | **{weights}** | **{n}** | **{phase} total** | **{ot:.3f}** | **{nt:.3f}** | **{total:.3f}** | **{ratio(nt, total)}** | **{ratio(ot, nt)}** | {t2v:.3f} | {ratio(nt, t2v)} |')
            print(f'| {preset} | {weights} | {n} | {phase} total, CPU | {oc:.3f} | {nc:.3f} | {total:.3f} | {ratio(nc, total)} | {ratio(oc, nc)} | | |')

def ratio(a, b):
    return f'{a / b:.2f}' if b and b == b and a == a and b > 0 else ''

if __name__ == '__main__':
    if sys.argv[1] == 'kernels': kernels(sys.argv[2])
    else: table(sys.argv[2], sys.argv[3])
