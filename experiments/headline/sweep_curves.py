#!/usr/bin/python3
"""Issue #15: collects the per-size inhibition sweeps from experiments/accuracy/logs/sweep-*.log into one CSV.

Each log is one `fspinn train --sweep-inhibition` run (see runs-headline-sweep.txt): one line per strength with the
held-out accuracy (images of the training set the sweep did not train on), then the final training with the chosen
strength and its test accuracy. Usage: experiments/headline/sweep_curves.py > experiments/results/inhibition-sweeps.csv
"""
import csv, glob, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
logs = sorted(glob.glob(os.path.join(here, "..", "accuracy", "logs", "sweep-*.log")))
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
    for s, a, p in points:
        out.writerow([name, m[1], m[2], m[3], s, a, p, "yes" if float(s) == chosen else "",
                      final[1] if final and float(s) == chosen else "", commit])
