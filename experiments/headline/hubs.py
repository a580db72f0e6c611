#!/usr/bin/python3
"""Issue #15: how concentrated a trained network's responses are, the symptom of the one-class collapses at N = 4900.

For each model exported with `fspinn export --model RUN.model --npz DIR/RUN.npz` (the run's name as the file name),
reads the per-class mean responses of labelling (`rates`, N x 10), the labels (`assignments`) and θ, and writes one
CSV row: the share of all labelling spikes fired by the 10 most active neurons, the neurons that never responded
(unassigned), the class most of the top-10 carry, θ's median, and the run's accuracy and commit from results.csv.
A collapsed network answers most test images with one class because a few broadly tuned neurons fire for nearly
every input; a healthy one spreads its responses.

Usage: experiments/headline/hubs.py [--results experiments/accuracy/results.csv] NPZ... > CSV
"""
import argparse, csv, os, sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(here, "..", "accuracy", "results.csv"))
    ap.add_argument("npz", nargs="+")
    args = ap.parse_args()
    with open(args.results, newline="", encoding="utf-8") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["run", "commit", "accuracy_all_activity", "neurons", "top10_spike_share", "unassigned_neurons",
                  "top10_majority_class", "top10_majority_count", "theta_median_mv"])
    for path in args.npz:
        run = os.path.splitext(os.path.basename(path))[0]
        d = np.load(path)
        rates, labels, theta = d["rates"], d["assignments"], d["theta"]
        total = rates.sum(axis=1)
        top = np.argsort(total)[-10:]
        classes = np.bincount(labels[top][labels[top] >= 0], minlength=10)
        row = rows.get(run, {})
        out.writerow([run, row.get("commit", ""), row.get("accuracy_all_activity", ""), len(theta),
                      f"{total[top].sum() / total.sum():.3f}", int((labels < 0).sum()), int(classes.argmax()),
                      int(classes.max()), f"{float(np.median(theta)):.2f}"])


if __name__ == "__main__":
    main()
