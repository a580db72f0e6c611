#!/usr/bin/python3
"""Mean and standard deviation of the normalised hypervolume per sampler, setting and K (results/*.csv of the harness
and bench_optuna.py), written to results/summary-TAG.csv, and a plot of hypervolume against trainings per setting.
usage: /usr/bin/python3 summarize.py TAG results/ours-TAG-none.csv results/optuna-TAG-none.csv [NAME=FILE.csv] ...
NAME=FILE.csv reports every run of that file under the sampler name NAME (tpe-conditional: the harness's tpe on the
conditional space)."""
import csv, statistics, sys
from collections import defaultdict
import matplotlib
import matplotlib.ticker
matplotlib.use("Agg")
import matplotlib.pyplot as plt

tag, files = sys.argv[1], sys.argv[2:]
runs, seen = defaultdict(list), set()
for f in files:
    label, _, f = f.rpartition("=")
    for r in csv.DictReader(open(f)):
        if label:
            r["sampler"] = label
        run = (r["setting"], r["sampler"], r["seed"], r["k"])   # a run in two files (same seed) counts once
        if run in seen:
            continue
        seen.add(run)
        runs[(r["setting"], r["sampler"], int(r["k"]))].append(float(r["hv_ratio"]))
with open(f"results/summary-{tag}.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["setting", "sampler", "k", "seeds", "mean_hv_ratio", "sd_hv_ratio"])
    for (setting, sampler, k), v in sorted(runs.items()):
        w.writerow([setting, sampler, k, len(v), f"{statistics.mean(v):.4f}", f"{statistics.stdev(v) if len(v) > 1 else 0:.4f}"])
settings = sorted({s for s, _, _ in runs})
fig, axes = plt.subplots(1, len(settings), figsize=(6 * len(settings), 4.5), squeeze=False)
for ax, setting in zip(axes[0], settings):
    for sampler in sorted({m for s, m, _ in runs if s == setting}):
        ks = sorted(k for s, m, k in runs if s == setting and m == sampler)
        means = [statistics.mean(runs[(setting, sampler, k)]) for k in ks]
        sds = [statistics.stdev(runs[(setting, sampler, k)]) if len(runs[(setting, sampler, k)]) > 1 else 0 for k in ks]
        counts = sorted({len(runs[(setting, sampler, k)]) for k in ks}, reverse=True)
        ax.errorbar(ks, means, yerr=sds, marker="o", capsize=3, label=f"{sampler} ({'/'.join(map(str, counts))} seeds)",
                    linestyle="--" if sampler.startswith("optuna") else "-")
    ax.set_xscale("log"); ax.set_xticks([25, 50, 100, 200]); ax.set_xticklabels(["25", "50", "100", "200"])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())   # no 3x10^1 labels between the K ticks
    ax.set_xlabel("trainings (K)"); ax.set_ylabel("hypervolume / table hypervolume")
    ax.set_title(f"{tag}: {setting}"); ax.grid(alpha=0.3); ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(f"results/hypervolume-{tag}.png", dpi=110)
print(open(f"results/summary-{tag}.csv").read())

# the same numbers as a markdown table per setting: mean (sd) per K, "-" where a sampler was not run to that K
order = ["tpe", "tpe-nomem", "tpe-conditional", "tpe-halving", "halving", "nsga2", "random", "optuna-tpe", "optuna-motpe", "optuna-nsga2", "optuna-random"]
with open(f"results/summary-{tag}.md", "w") as md:
    for setting in ["no-budget", "memory-budget"]:
        md.write(f"\n{setting}:\n\n| sampler | seeds | K=25 | K=50 | K=100 | K=200 |\n| --- | --- | --- | --- | --- | --- |\n")
        for sampler in order:
            cells = []
            for k in (25, 50, 100, 200):
                v = runs.get((setting, sampler, k))
                cells.append(f"{statistics.mean(v):.3f} ({statistics.stdev(v) if len(v) > 1 else 0:.3f})" if v else "-")
            if any(c != "-" for c in cells):
                counts = [str(len(runs[(setting, sampler, k)])) for k in (25, 50, 100, 200) if (setting, sampler, k) in runs]
                seeds = counts[0] if len(set(counts)) == 1 else "/".join(counts)   # per K when they differ
                md.write(f"| {sampler} | {seeds} | " + " | ".join(cells) + " |\n")

# the goal's test: the default (tpe) against the best Optuna mean at each K, with Welch's 95 % interval of the
# difference of the means (seeds are independent runs, not paired across samplers)
from scipy import stats

with open(f"results/summary-{tag}.md", "a") as md:
    md.write("\ntpe against the best Optuna sampler's mean (difference of means, Welch 95 % interval):\n\n"
             "| setting | K | tpe (seeds) | best Optuna (seeds) | difference | 95 % interval |\n| --- | --- | --- | --- | --- | --- |\n")
    for setting in ["no-budget", "memory-budget"]:
        for k in (25, 50, 100, 200):
            ours = runs.get((setting, "tpe", k))
            theirs = [(statistics.mean(v), m, v) for (s, m, kk), v in runs.items() if s == setting and kk == k and m.startswith("optuna")]
            if not ours or not theirs:
                continue
            best_mean, best, v = max(theirs)
            diff = statistics.mean(ours) - best_mean
            if len(ours) > 1 and len(v) > 1:
                a, b = statistics.variance(ours) / len(ours), statistics.variance(v) / len(v)
                if a + b > 0:
                    df = (a + b) ** 2 / (a * a / (len(ours) - 1) + b * b / (len(v) - 1))   # Welch-Satterthwaite
                    half = stats.t.ppf(0.975, df) * (a + b) ** 0.5
                    interval = f"{diff - half:+.3f} .. {diff + half:+.3f}"
                else:
                    interval = "exact (no spread)"
            else:
                interval = "- (one seed)"
            md.write(f"| {setting} | {k} | {statistics.mean(ours):.3f} ({len(ours)}) | {best} {best_mean:.3f} ({len(v)}) | {diff:+.3f} | {interval} |\n")
