#!/usr/bin/python3
"""Issue #15: collects the per-size inhibition sweeps from experiments/accuracy/logs/sweep-*.log into one CSV.

Each log is one `fspinn train --sweep-inhibition` run (see runs-headline-sweep.txt): one line per strength with the
held-out accuracy (images of the training set the sweep did not train on), then the final training with the chosen
strength and its test accuracy. Usage:
  experiments/headline/sweep_curves.py [--plot experiments/results/inhibition-sweeps.png] > experiments/results/inhibition-sweeps.csv
--plot also draws the curves: held-out accuracy against strength (log scale), one panel per network and dataset, one
line per run (N; a full-epoch sweep is marked "full"), the chosen strength circled.
--readme README.md also puts a table of the sweeps (the choice and its test accuracy against the strength the size
runs use, from experiments/accuracy/results.csv) between "<!-- sweeps:begin -->" and "<!-- sweeps:end -->" there.
"""
import csv, glob, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from claims import SIZE, accuracy, chosen_strength, read_runs, replace_block, set_values  # noqa: E402
logs = sorted(glob.glob(os.path.join(here, "..", "accuracy", "logs", "sweep-*.log")))
plot = sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None
readme = sys.argv[sys.argv.index("--readme") + 1] if "--readme" in sys.argv else None
table = []    # (dataset, network, N, full, grid, samples, chosen, held-out at chosen, test accuracy)
curves = {}   # (network, dataset) -> [(label, [(strength, held-out accuracy, chosen)])]
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["run", "network", "neurons", "dataset", "strength", "heldout_accuracy", "heldout_accuracy_proportion",
              "chosen", "test_accuracy", "commit"])
for path in logs:
    name = os.path.basename(path)[:-4]
    m = re.match(r"sweep-(\w+)-n(\d+)\w*-(\w+)", name)
    if not m:
        continue
    text = open(path, encoding="utf-8").read()
    commit = (re.search(r"\(commit (\w+)", text) or [None, ""])[1]
    points = re.findall(r"^sweep strength ([0-9.]+): held-out accuracy ([0-9.]+) % \(proportion ([0-9.]+) %\)", text, re.M)
    final = re.search(r"^accuracy all-activity ([0-9.]+) %", text, re.M)
    if not points:
        continue
    chosen = chosen_strength(path)  # the tool's choice, as its log states it
    if chosen is None:
        print(f"warning: {name}: no 'effective inhibition strength' line (the sweep has not finished); left out", file=sys.stderr)
        continue
    label = f"N = {m[2]}" + (" full" if "full" in name else "")
    curves.setdefault((m[1], m[3]), []).append((label, int(m[2]), [(float(s), float(a), float(s) == chosen) for s, a, _ in points]))
    table.append((m[3], m[1], int(m[2]), "full" in name, [float(x) for x, _, _ in points],
                  int((re.search(r"--sweep-samples (\d+)", text) or [None, "20000"])[1]), chosen,
                  next(float(a) for x, a, _ in points if float(x) == chosen), float(final[1]) if final else None))
    for s, a, p in points:
        out.writerow([name, m[1], m[2], m[3], s, a, p, "yes" if float(s) == chosen else "",
                      final[1] if final and float(s) == chosen else "", commit])

if plot:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = sorted(curves)
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for label, _, pts in sorted(curves[key], key=lambda c: (c[1], c[0])):
            pts.sort()
            line, = ax.plot([x for x, _, _ in pts], [y for _, y, _ in pts], marker=".", label=label)
            for x, y, chosen in pts:
                if chosen:
                    ax.plot([x], [y], marker="o", markersize=9, fillstyle="none", color=line.get_color())
        ax.set_xscale("log")
        ax.set_title(f"{key[0]}, {'MNIST' if key[1] == 'mnist' else 'Fashion-MNIST'}")
        ax.set_xlabel("inhibition strength (fspinn: lateral w_inh; bindsnet: I->E)")
        ax.set_ylabel("held-out accuracy, %")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(plot, dpi=110)

if readme:
    # the strength the size runs use: their --set, else the preset's (src/Snn/Config/NetworkPresets.cs: fspinn's
    # LateralInhibition 250; the bindsnet size runs all set I->E explicitly)
    PRESET_STRENGTH = {"fspinn": ("w_inh", 250.0), "bindsnet": ("w_inh_exc", 120.0)}
    size_runs = {}
    runs, _ = read_runs(os.path.join(here, "..", "accuracy", "results.csv"))   # each with its preset's θ arithmetic
    for name, row in runs.items():
        m = SIZE.match(name)
        if m and accuracy(row) is not None:
            size_runs[(m[1], int(m[2]), m[3])] = row  # a rerun (-r<k>) replaces its run
    names = {"mnist": "MNIST", "fashion": "Fashion-MNIST", "bindsnet": "baseline (I→E)", "fspinn": "FSpiNN (w_inh)"}
    lines = ["| dataset | network | N | sweep: trained / held out per strength | grid | chosen (held-out %) "
             "| test % at chosen | size runs' strength | test % there | chosen − size runs' |",
             "| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |"]
    tally = {False: [0, 0, 0], True: [0, 0, 0]}   # short / full: better, same, worse
    for data, net, n, full, grid, samples, chosen, heldout, test in sorted(table, key=lambda t: (t[0] != "mnist", t[1], t[2], t[3])):
        size = size_runs.get((net, n, data))
        in_use, size_acc, diff = None, None, None
        if size:
            option, default = PRESET_STRENGTH[net]
            in_use, size_acc = float(set_values(size["command"]).get(option, default)), accuracy(size)
        if size_acc is not None and test is not None:
            diff = test - size_acc
            tally[full][0 if diff > 0.005 else 2 if diff < -0.005 else 1] += 1
        held = samples // 10
        lines.append(f"| {names[data]} | {names[net]} | {n} | {'full' if full else 'short'}: {samples - held:,} / {held:,} "
                     f"| {', '.join(f'{g:g}' for g in grid)} | {chosen:g} ({heldout:.2f}) | {'' if test is None else f'{test:.2f}'} "
                     f"| {'' if in_use is None else f'{in_use:g}'} | {'' if size_acc is None else f'{size_acc:.2f}'} "
                     f"| {'' if diff is None else f'{diff:+.2f}'} |")
    for full in (False, True):
        b, same, w = tally[full]
        if b + same + w:
            lines.append(f"\n{'Full-epoch' if full else 'Short'} sweeps against the size runs' strength: better {b}, "
                         f"the same network or accuracy {same}, worse {w}.")
    block = "\n".join(lines) + "\n"
    replace_block(readme, block, marker="sweeps")
