#!/usr/bin/python3
"""Optuna 3.1 samplers on the same replay table as the C# harness (issue #13), same accounting and metric.

Accounting (shared with Harness/Program.cs): a new candidate costs one training; a candidate over the memory budget
costs nothing (memory is analytic: the study skips it untrained) and is told to the sampler as infeasible (its
constraint value > 0, with the worst error and energy); every other proposal costs a training, a repeated one too
(as in a standalone Optuna study). Metric: hypervolume of the feasible results found within K trainings, objectives (error, memory,
train energy) divided by the reference point, over the table's hypervolume.

usage: /usr/bin/python3 bench_optuna.py SPACE.json TABLE.csv OUT.csv [--seeds 30] [--memory-budget BYTES|median]
       [--samplers tpe,motpe,nsga2,random] [--max-k 200] [--first-seed 0] [--seed-step 1]
Seeds first-seed, first-seed + seed-step, ... below --seeds: parallel streams split the seeds by starting at 0, 1, ...
with the same step (so a stop leaves the lowest seeds done). Rows are written per seed as it finishes; an existing
OUT.csv is kept and its finished (sampler, setting, seed) runs are skipped, so rerunning a stopped command resumes it.
"""
import argparse, csv, json, os, sys, time, warnings
from collections import defaultdict

import optuna
from optuna._hypervolume import WFG

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("space"); ap.add_argument("table"); ap.add_argument("out")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--memory-budget", default="none")
    ap.add_argument("--samplers", default="tpe,motpe,nsga2,random")
    ap.add_argument("--max-k", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--seed-step", type=int, default=1)
    a = ap.parse_args()

    space = json.load(open(a.space))
    dims = {k: v for k, v in space["parameters"].items() if isinstance(v, list) and len(v) > 1}
    fixed = {k: v for k, v in {**space["parameters"], **space.get("fixed", {})}.items() if k not in dims}
    rows = [r for r in csv.DictReader(open(a.table)) if r["status"] == "COMPLETE"]

    def norm(name, value):  # the table writes 120.0 / true; the space says 120.0 / True
        return str(value).lower()

    table = {}
    for r in rows:
        key = tuple(norm(k, r[k]) for k in dims)
        table[key] = (1 - float(r["accuracy"]), float(r["memory_bytes"]), float(r["train_energy_j"]))
    memories = sorted(v[1] for v in table.values())
    budget = None if a.memory_budget == "none" else (memories[len(memories) // 2 - 1] if a.memory_budget == "median" else float(a.memory_budget))
    ref = [1.0, budget if budget is not None else 1.1 * memories[-1], 1.1 * max(v[2] for v in table.values())]
    feasible = lambda m: budget is None or m <= budget
    normed = lambda v: [v[0] / ref[0], v[1] / ref[1], v[2] / ref[2]]
    hv = lambda pts: WFG().compute(__import__("numpy").array(pts), __import__("numpy").array([1.0, 1.0, 1.0])) if pts else 0.0
    true_hv = hv([normed(v) for v in table.values() if feasible(v[1]) and all(x < 1 for x in normed(v))])
    print(f"table {a.table}: {len(table)} points, budget {budget}, reference {ref}, table hypervolume {true_hv:.5f}", flush=True)
    setting = "no-budget" if budget is None else "memory-budget"
    checkpoints = [k for k in (25, 50, 100, 200) if k <= a.max_k]

    def constraints(trial):
        return [trial.user_attrs.get("violation", 0.0)]

    makers = {
        "tpe": lambda s: optuna.samplers.TPESampler(seed=s, constraints_func=constraints),
        "motpe": lambda s: optuna.samplers.MOTPESampler(seed=s),
        "nsga2": lambda s: optuna.samplers.NSGAIISampler(seed=s, constraints_func=constraints),
        "random": lambda s: optuna.samplers.RandomSampler(seed=s),
    }
    header = ["sampler", "setting", "seed", "k", "hv_ratio", "trainings", "proposals", "seconds"]
    done = defaultdict(set)   # (sampler, setting, seed) -> the checkpoints already in OUT
    if os.path.exists(a.out) and os.path.getsize(a.out) > 0:
        with open(a.out, newline="") as f:
            for r in csv.DictReader(f):
                done[(r["sampler"], r["setting"], int(r["seed"]))].add(int(r["k"]))
    out = open(a.out, "a", newline="")
    w = csv.writer(out)
    if not done:
        w.writerow(header)
    for name in a.samplers.split(","):
        means = {k: [] for k in checkpoints}
        for seed in range(a.first_seed, a.seeds, a.seed_step):
            if set(checkpoints) <= done[(f"optuna-{name}", setting, seed)]:
                print(f"optuna-{name} seed {seed}: already in {a.out}", flush=True)
                continue
            cpu = time.process_time()
            start = time.time()
            study = optuna.create_study(directions=["minimize"] * 3, sampler=makers[name](seed))
            found, cost, proposals = [], 0, 0
            while cost < a.max_k and proposals < 20 * a.max_k:
                proposals += 1
                trial = study.ask()
                key = tuple(norm(k, trial.suggest_categorical(k, v)) for k, v in dims.items())
                values = table[key]
                if not feasible(values[1]):
                    trial.set_user_attr("violation", values[1] / budget - 1)
                    study.tell(trial, [1.0, values[1], ref[2]])
                    continue
                trial.set_user_attr("violation", 0.0)
                cost += 1
                found.append((cost, normed(values)))
                study.tell(trial, list(values))
            seconds = time.time() - start
            cpu = time.process_time() - cpu
            for k in checkpoints:
                pts = [p for c, p in found if c <= k and all(x < 1 for x in p)]
                ratio = hv(pts) / true_hv
                means[k].append(ratio)
                w.writerow([f"optuna-{name}", setting, seed, k, repr(ratio), cost, proposals, f"{seconds:.4f}"])
            out.flush()
            print(f"optuna-{name} seed {seed}: " + "  ".join(f"K={k}: {means[k][-1]:.3f}" for k in checkpoints)
                  + f"  ({seconds:.1f} s wall, {cpu:.1f} s CPU)", flush=True)
        if means[checkpoints[0]]:
            print(f"optuna-{name:7s} " + "  ".join(f"K={k}: {sum(v) / len(v):.3f}" for k, v in means.items())
                  + f"  ({len(means[checkpoints[0]])} seeds this run)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
