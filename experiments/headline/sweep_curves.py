#!/usr/bin/python3
"""Issue #15: collects the per-size inhibition sweeps from experiments/accuracy/logs/sweep-*.log into one CSV.

Each log is one `fspinn train --sweep-inhibition` run (see runs-headline-sweep.txt): one line per strength with the
held-out accuracy (images of the training set the sweep did not train on), then the final training with the chosen
strength and its test accuracy. Usage:
  experiments/headline/sweep_curves.py [--plot experiments/results/inhibition-sweeps.png] > experiments/results/inhibition-sweeps.csv
--plot also draws the curves: held-out accuracy against strength (log scale), one panel per network and dataset, one
line per run (N; a full-epoch sweep is marked "full"), the chosen strength circled.
"""
import csv, glob, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
logs = sorted(glob.glob(os.path.join(here, "..", "accuracy", "logs", "sweep-*.log")))
plot = sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None
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
    best = max(float(a) for _, a, _ in points)
    # the tool's rule: most accurate, ties within 0.1 point go to the weaker inhibition
    chosen = min(float(s) for s, a, _ in points if float(a) >= best - 0.1)
    label = f"N = {m[2]}" + (" full" if "full" in name else "")
    curves.setdefault((m[1], m[3]), []).append((label, int(m[2]), [(float(s), float(a), float(s) == chosen) for s, a, _ in points]))
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
