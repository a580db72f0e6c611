#!/usr/bin/python3
"""Issue #15: the paper's accuracy claims against ours, over seeds, from experiments/accuracy/results.csv.

Reads the accuracy runs (the last row of a name wins) of three kinds, recognised by name (a suffix -r<k> marks a rerun
of the same run with newer code, e.g. size-fspinn-n400-mnist-r2: it stands for the name without the suffix and, being
appended later, replaces it):
  size-<net>-n<N>-<dataset>           one pass, seed 1 (no --seed option: the CLI default)
  seed-<net>-n<N>-<dataset>-s<k>      one pass, seed k (runs-headline-seeds-*.txt)
  passes-<net>-n<N>-<dataset>-e<k>    k passes, seed 1 (its one-pass point is the size- row)
  dc2015-n<N>-...                     Diehl & Cook reproduction runs (passes from --epochs); NAME-s<k> is seed k
                                      of the run NAME (seed 1), and each such group gets mean and CI over seeds
  sweep-<net>-n<N>full-<dataset>      a full-epoch inhibition sweep (runs-headline-sweep.txt): its final network,
                                      trained on all 60,000 images with the strength S the sweep chose (read from
                                      its log, "effective inhibition strength S"), is seed 1 at the swept strength
  swept-<net>-n<N>-<dataset>-winh<S>-s<k>   seed k at that swept strength (runs-headline-swept-seeds.txt, -fullsweep.txt)
with <net> bindsnet (the baseline) or fspinn and <dataset> mnist or fashion. The seed is taken from the command's
--seed (1 without it) and must agree with the name. Accuracy is the all-activity rule throughout.
Every group and claim says how its runs' θ decayed (column theta_decay, docs/model.md "Threshold adaptation"): in
float32 at every step (every preset before 3a63711, and bindsnet/fspinn since theta_decay_arithmetic exists: BindsNET's
arithmetic) or exactly (every preset from 3a63711 until that parameter, and dc2015 since: Brian2's), "(not the
preset's)" when that is not the preset's arithmetic now, "mixed" when the runs differ: then the seeds are not
replicates of one simulator. Of the rows of a name the last one with its preset's arithmetic wins; a name that also
has a row with the other arithmetic gives the θ ablation (theta-decay-arithmetic.csv, and the N = 4900 claims rows
"θ's decay exact").

Statistics: per (network, N, dataset) the mean, sample sd and 95 % Student-t CI over seeds (one-pass runs only); a
group with one seed has no CI. FSpiNN − baseline is paired by seed: both networks of one seed see the same initial
weight draw, the same input spike trains and the same example order, so the per-seed difference removes that shared
variation; its CI is the Student-t CI of the paired differences (n − 1 degrees of freedom). The unpaired (Welch) CI
is written too. "No accuracy loss" holds when the paired CI does not lie entirely below zero.

Writes, under experiments/results/:
  accuracy-groups.csv      every group: seeds, mean, sd, CI
  headline-claims.csv      paper's claim vs ours (paper figures: ../shared/docs/model-reference.md, cited per row)
  headline-claims.md       the same as a markdown table, for the README
  accuracy-vs-n.png        accuracy vs N, both networks and datasets, mean ± 95 % CI (single seeds as plain points)
  theta-decay-arithmetic.csv   every run that exists with both θ decay arithmetics (float32 step, exact): accuracy
                           and training retries of each (the README's theta:begin/end block gets it as a table)
  accuracy-vs-passes.csv/.png   accuracy vs passes over the training set, for every (network, N, dataset) with a
                           passes- row (its one-pass point is the size- row)
With --readme README.md the claims table also replaces the lines between "<!-- claims:begin -->" and
"<!-- claims:end -->" there.
Usage: experiments/headline/claims.py [--results CSV] [--out DIR] [--readme README.md]
"""
import argparse, csv, functools, math, os, re, shlex, subprocess, sys
from collections import defaultdict

import numpy as np
from scipy import stats

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))

NETWORKS = ("bindsnet", "fspinn")
DATASETS = ("mnist", "fashion")
HEADLINE_SIZES = (400, 1600, 4900)
NAMES = {"bindsnet": "baseline", "fspinn": "FSpiNN", "mnist": "MNIST", "fashion": "Fashion-MNIST"}

# The papers' figures, with where they are written down.
REFERENCE = "../shared/docs/model-reference.md"
FSPINN_CLAIM = ("no accuracy loss at N = 4900 (MNIST and Fashion-MNIST)", f"{REFERENCE} C.10 (FSpiNN paper, [C] S5)")
DC2015 = {  # N: (accuracy %, passes D&C used)
    100: (82.9, "1"), 400: (87.0, "3"), 1600: (91.9, "7"), 6400: (95.0, "15"),
}
DC2015_SOURCE = f"{REFERENCE} A.10 (accuracies), A.7 (passes: 1/3/7/15, low confidence)"

SWEEP_FULL = re.compile(r"^sweep-(bindsnet|fspinn)-n(\d+)full-(mnist|fashion)$")
SWEPT = re.compile(r"^swept-(bindsnet|fspinn)-n(\d+)-(mnist|fashion)-winh(\d+)-s(\d+)$")
STRENGTH_OPTION = {"fspinn": "w_inh", "bindsnet": "w_inh_exc"}  # the --set parameter a sweep varies, per network
SIZE = re.compile(r"^size-(bindsnet|fspinn)-n(\d+)-(mnist|fashion)$")
SEED = re.compile(r"^seed-(bindsnet|fspinn)-n(\d+)-(mnist|fashion)-s(\d+)$")
PASSES = re.compile(r"^passes-(bindsnet|fspinn)-n(\d+)-(mnist|fashion)-e(\d+)$")
DC = re.compile(r"^dc2015-n(\d+)\b")
DC_SEED = re.compile(r"^(dc2015-.+)-s(\d+)$")


# θ's decay arithmetic (docs/model.md, "Threshold adaptation"): every preset multiplied θ by its decay in float32 at
# every step until THETA_EXACT_COMMIT, decayed it exactly from there, and since the parameter theta_decay_arithmetic
# (found by content, not by hash) each preset uses its reference simulator's arithmetic unless a run --set it.
THETA_EXACT_COMMIT = "3a63711"
THETA_PARAMETER = "theta_decay_arithmetic"
PRESET_ARITHMETIC = {"dc2015": "exact", "bindsnet": "float32 step", "fspinn": "float32 step"}
ARITHMETIC_OF_CHOICE = {"exact": "exact", "float32-step": "float32 step"}


@functools.lru_cache(maxsize=None)
def is_ancestor(ancestor, commit):
    """True when commit contains ancestor, False when not, None when git cannot tell."""
    if not commit:
        return None
    found = subprocess.run(["git", "-C", root, "merge-base", "--is-ancestor", ancestor, commit], capture_output=True)
    return {0: True, 1: False}.get(found.returncode)


@functools.lru_cache(maxsize=None)
def has_theta_parameter(commit):
    """True when the commit's parameter table has theta_decay_arithmetic (None when git cannot tell)."""
    found = subprocess.run(["git", "-C", root, "show", f"{commit}:src/Snn/Config/ParameterTable.cs"], capture_output=True, text=True)
    return None if found.returncode else THETA_PARAMETER in found.stdout


def network_of(row):
    return option(row.get("command", ""), "--network", "fspinn")


def theta_arithmetic(row):
    """How a run's θ decayed: 'float32 step', 'exact', or None (unknown commit)."""
    commit = row.get("commit", "")
    exact_era = is_ancestor(THETA_EXACT_COMMIT, commit)
    if exact_era is not True:
        return None if exact_era is None else "float32 step"
    if not has_theta_parameter(commit):
        return "exact"
    chosen = set_values(row.get("command", "")).get(THETA_PARAMETER)
    return ARITHMETIC_OF_CHOICE.get(chosen) if chosen else PRESET_ARITHMETIC.get(network_of(row))


def is_preset_arithmetic(row):
    return theta_arithmetic(row) == PRESET_ARITHMETIC.get(network_of(row))


def theta_decay(rows):
    """How the runs' θ decayed: 'float32 step' or 'exact', with "(not the preset's)" when that is not their preset's
    arithmetic now; 'mixed' when the runs differ, so that their seeds are not replicates of one simulator."""
    kinds = {theta_arithmetic(row) for row in rows}
    if not kinds:
        return ""
    if len(kinds) > 1:
        return "mixed"
    kind = kinds.pop()
    if kind is None:
        return "unknown"
    return kind if all(is_preset_arithmetic(row) for row in rows) else f"{kind} (not the preset's)"


def option(command, name, default=None):
    words = shlex.split(command)
    for k, w in enumerate(words[:-1]):
        if w == name:
            return words[k + 1]
    return default


RERUN = re.compile(r"-r\d+$")


def read_runs(path):
    """{name: row}: of the rows of a name (reruns included), the last whose θ arithmetic is its preset's (failing
    that, for the Diehl & Cook runs only, the last row: their older variants were never rerun); and {name: row} of the
    last row with the other arithmetic (the ablation)."""
    history = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            row["run"] = row["name"]  # as recorded (the model file's name)
            row["name"] = RERUN.sub("", row["name"])
            history[row["name"]].append(row)
    runs, other = {}, {}
    for name, rows in history.items():
        preset = [r for r in rows if is_preset_arithmetic(r)]
        chosen = preset[-1] if preset else rows[-1] if DC.match(name) else None
        if chosen is not None:
            runs[name] = chosen
        # the arithmetic of the chosen row (without one: the preset's); the last row of the other is the ablation's
        kept = theta_arithmetic(chosen) if chosen else PRESET_ARITHMETIC.get(network_of(rows[-1]))
        others = [r for r in rows if theta_arithmetic(r) not in (None, kept)]
        if others:
            other[name] = others[-1]
    return runs, other


def accuracy(row):
    try:
        return float(row["accuracy_all_activity"])
    except (KeyError, ValueError):
        return None


def summary(values):
    """n, mean, sd, CI low, CI high (sd and CI None with fewer than two values)."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n == 0:
        return 0, None, None, None, None
    mean = float(v.mean())
    if n < 2:
        return n, mean, None, None, None
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def welch(a, b):
    """95 % CI of mean(b) − mean(a), unpaired with unequal variances (None below two values each)."""
    if len(a) < 2 or len(b) < 2:
        return None, None
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        d = float(b.mean() - a.mean())
        return d, d
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    d = float(b.mean() - a.mean())
    return d - half, d + half


def verdict(n, low, high):
    if n == 0:
        return "no pair yet"
    if low is None:
        return "one seed: no CI"
    if high < 0:
        return "FSpiNN lower (CI below 0)"
    if low > 0:
        return "FSpiNN higher (CI above 0)"
    return "no significant difference (CI contains 0)"


def fmt(x, digits=2):
    return "" if x is None else f"{x:.{digits}f}"


def collect(runs):
    """{(net, N, dataset): {seed: (accuracy, name)}} for one-pass runs; {(net, N, dataset): {passes: [(acc, name)]}}."""
    seeds = defaultdict(dict)
    passes = defaultdict(lambda: defaultdict(list))
    problems = []
    for name, row in runs.items():
        acc = accuracy(row)
        if acc is None:
            continue
        command = row.get("command", "")
        seed = int(option(command, "--seed", "1"))
        epochs = int(option(command, "--epochs", "1"))
        m = SIZE.match(name) or SEED.match(name)
        if m:
            key = (m[1], int(m[2]), m[3])
            named_seed = int(m[4]) if m.re is SEED else 1
            if named_seed != seed or epochs != 1:
                problems.append(f"{name}: named seed {named_seed}, one pass, but its command has --seed {seed} --epochs {epochs}; left out")
                continue
            if seed in seeds[key]:
                problems.append(f"{name}: seed {seed} of {key} already given by {seeds[key][seed][1]}; left out")
                continue
            seeds[key][seed] = (acc, row["run"])
            if seed == 1:
                passes[key][1].append((acc, row["run"]))
            continue
        m = PASSES.match(name)
        if m:
            if seed != 1 or epochs != int(m[4]):
                problems.append(f"{name}: named e{m[4]} seed 1, but its command has --epochs {epochs} --seed {seed}; left out")
                continue
            passes[(m[1], int(m[2]), m[3])][epochs].append((acc, row["run"]))
    return seeds, passes, problems


def set_values(command):
    """The --set NAME=VALUE pairs of a command, as a dict."""
    words = shlex.split(command)
    pairs = (words[k + 1].split("=", 1) for k in range(len(words) - 1) if words[k] == "--set")
    return {p[0]: p[1] for p in pairs if len(p) == 2}


def swept_options(command, net):
    """A run's options without seed, paths, threads, the sweep options and the swept strength: a full-epoch sweep's
    final training and the seeds at its choice must agree on everything else to be replicates."""
    words, kept, k = shlex.split(command), [], 0
    while k < len(words):
        if words[k] == "--sweep-inhibition":
            k += 1
        elif words[k] == "--set" and k + 1 < len(words) and words[k + 1].split("=")[0] == STRENGTH_OPTION[net]:
            k += 2
        else:
            kept.append(words[k])
            k += 1
    return options_without(shlex.join(kept), dropped=SWEPT_DROPPED)


def chosen_strength(log_path):
    """The strength a sweep chose, from its log's "effective inhibition strength S" line (None without it)."""
    try:
        text = open(log_path, encoding="utf-8").read()
    except OSError:
        return None
    found = re.findall(r"^effective inhibition strength ([0-9.]+)\s*$", text, re.M)
    return float(found[-1]) if found else None


def collect_swept(runs, logs):
    """{(net, N, dataset): (strength, {seed: (accuracy, run)})}: each network at its full-epoch sweep's choice.
    Seed 1 is the sweep's own final training; swept- rows add seeds, and must name the sweep's strength, set it, and
    otherwise share the sweep's options."""
    groups, problems = {}, []
    for name, row in runs.items():
        m, acc = SWEEP_FULL.match(name), accuracy(row)
        if not m or acc is None:
            continue
        strength = chosen_strength(os.path.join(logs, row["run"] + ".log"))
        if strength is None:
            problems.append(f"{name}: its log {row['run']}.log has no 'effective inhibition strength' line; left out")
            continue
        groups[(m[1], int(m[2]), m[3])] = (strength, {int(option(row["command"], "--seed", "1")): (acc, row["run"])})
    for name, row in sorted(runs.items()):
        m, acc = SWEPT.match(name), accuracy(row)
        if not m or acc is None:
            continue
        net, key, named_strength, named_seed = m[1], (m[1], int(m[2]), m[3]), float(m[4]), int(m[5])
        if key not in groups:
            problems.append(f"{name}: no full-epoch sweep sweep-{net}-n{m[2]}full-{m[3]} in the results; left out")
            continue
        strength, by_seed = groups[key]
        command = row["command"]
        seed, epochs = int(option(command, "--seed", "1")), int(option(command, "--epochs", "1"))
        set_strength = set_values(command).get(STRENGTH_OPTION[net])
        sweep_run = by_seed[min(by_seed)][1]
        if named_strength != strength or set_strength is None or float(set_strength) != strength:
            problems.append(f"{name}: named strength {m[4]} and --set {STRENGTH_OPTION[net]}={set_strength}, but the sweep chose {strength:g}; left out")
        elif seed != named_seed or epochs != 1:
            problems.append(f"{name}: named seed {named_seed}, one pass, but its command has --seed {seed} --epochs {epochs}; left out")
        elif seed in by_seed:
            problems.append(f"{name}: seed {seed} at the swept strength already given by {by_seed[seed][1]}; left out")
        elif (mine := swept_options(command, net)) != (sweeps := swept_options(ROW_OF_RUN[sweep_run]["command"], net)):
            problems.append(f"{name}: options differ from its sweep's ({mine!r} against {sweeps!r}); left out")
        else:
            by_seed[seed] = (acc, row["run"])
    return groups, problems


def paired_claim(claim, data, n, base, ours, claimed, base_label, ours_label):
    """A claims row for FSpiNN − baseline paired by seed; base and ours are {seed: (accuracy, run)}."""
    paired = sorted(set(base) & set(ours))
    count, mean, sd, low, high = summary([ours[s][0] - base[s][0] for s in paired])
    wl, wh = welch([v for v, _ in base.values()], [v for v, _ in ours.values()])
    b, f = summary([v for v, _ in base.values()]), summary([v for v, _ in ours.values()])
    return {
        "theta_decay": theta_decay([ROW_OF_RUN[run] for _, run in list(base.values()) + list(ours.values())]),
        "claim": claim, "dataset": data, "neurons": n, "passes": "1",
        "paper": "0 (no loss)" if claimed else "not claimed",
        "paper_source": FSPINN_CLAIM[1] if claimed else "",
        "ours": fmt(mean), "unit": "points", "ci95_low": fmt(low), "ci95_high": fmt(high), "n": count,
        "verdict": verdict(count, low, high) if claimed or count else "no pair yet",
        "detail": (f"{base_label} {fmt(b[1])} ± {fmt(b[2])} %, {ours_label} {fmt(f[1])} ± {fmt(f[2])} % (mean ± sd); "
                   f"seeds paired: {' '.join(map(str, paired)) or 'none'}; unpaired Welch CI [{fmt(wl)}, {fmt(wh)}]")
                  if base and ours else "missing runs",
    }


REPLICATE_DROPPED = ("--data", "--out", "--seed", "--threads", "--epochs", "--checkpoint", "--checkpoint-minutes")
# a swept seed's --epochs is checked on its own (one pass), so that a sweep with other passes still differs
SWEPT_DROPPED = tuple(o for o in REPLICATE_DROPPED if o != "--epochs") + ("--sweep-samples", "--sweep-values")


def options_without(command, dropped=REPLICATE_DROPPED):
    words = shlex.split(command)[2:]  # without "fspinn train"
    kept, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in dropped:
            skip = True
            continue
        kept.append(w)
    return " ".join(kept)


def option_variants(runs, run_names):
    """The distinct option sets (seed, paths and threads left out) of the runs named as recorded (reruns included):
    more than one means they are not replicates of one configuration."""
    return {options_without(ROW_OF_RUN[name]["command"]) for name in run_names}


def theta_pairs(runs, other, logs):
    """Rows [name, float32-step run, commit, %, retries, exact run, commit, %, retries, exact − float32 step, preset's
    arithmetic] for every run that exists with both θ arithmetics: the measured effect of that arithmetic alone (the
    reruns differ in nothing else; experiments/refactor-check/theta-arithmetic.sh). Retries are those of training, from
    the runs' logs."""
    def retries(run):
        try:
            text = open(os.path.join(logs, run + ".log"), encoding="utf-8").read()
        except OSError:
            return ""
        found = re.findall(r"^trained \d+ examples in .*retries (\d+)\s*$", text, re.M)
        return found[-1] if found else ""

    rows = []
    for name in sorted(other):
        by_kind = {theta_arithmetic(r): r for r in (runs.get(name), other[name]) if r is not None}
        f, e = by_kind.get("float32 step"), by_kind.get("exact")
        if f is None or e is None:
            continue
        a, b = accuracy(e), accuracy(f)
        rows.append([name, f["run"], f["commit"], fmt(b), retries(f["run"]), e["run"], e["commit"], fmt(a), retries(e["run"]),
                     f"{a - b:+.2f}" if a is not None and b is not None else "", PRESET_ARITHMETIC.get(network_of(f), "")])
    return rows


def theta_table(rows):
    lines = ["| run | θ decay float32 step: % (training retries) | θ decay exact: % (training retries) | exact − float32 step, points | preset's arithmetic |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r[0]} | {r[3]} ({r[4] or '?'}) | {r[7]} ({r[8] or '?'}) | {r[9]} | {r[10]} |")
    return "\n".join(lines) + "\n"


ROW_OF_RUN = {}  # every row read by its run as recorded (reruns by their own name), for a claim's θ decay


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(root, "experiments", "accuracy", "results.csv"))
    ap.add_argument("--out", default=os.path.join(root, "experiments", "results"))
    ap.add_argument("--logs", help="the runs' logs (default: logs/ next to the results CSV), for the strengths sweeps chose")
    ap.add_argument("--readme", help="markdown file whose claims block (between the claims:begin/end comments) gets the table")
    args = ap.parse_args()
    runs, other = read_runs(args.results)
    ROW_OF_RUN.update({row["run"]: row for row in list(runs.values()) + list(other.values())})
    seeds, passes, problems = collect(runs)
    # the ablation: one-pass groups of the runs rerun with the other θ arithmetic (θ exact for bindsnet and fspinn)
    seeds_other, _, _ = collect(other)
    swept, swept_problems = collect_swept(runs, args.logs or os.path.join(os.path.dirname(os.path.abspath(args.results)), "logs"))
    problems += swept_problems
    os.makedirs(args.out, exist_ok=True)

    # every group's rows must differ only in seed (and paths, threads): otherwise they are not replicates
    for key, by_seed in seeds.items():
        variants = option_variants(runs, [name for _, name in by_seed.values()])
        if len(variants) > 1:
            problems.append(f"{key}: the seeds' runs differ in options: {sorted(variants)}")

    # 1. groups: the one-pass runs at the strength in use, those at a full-epoch sweep's strength, then the θ ablation
    group_rows = []
    stats_of, swept_stats, other_stats = {}, {}, {}
    for inhibition, groups, stats_into in (("in use", {k: (None, v) for k, v in seeds.items()}, stats_of),
                                           ("swept", swept, swept_stats),
                                           ("in use; the other θ arithmetic (ablation)",
                                            {k: (None, v) for k, v in seeds_other.items()}, other_stats)):
        for (net, n, data) in sorted(groups, key=lambda k: (k[2], k[0], k[1])):
            strength, by_seed = groups[(net, n, data)]
            values = [by_seed[s][0] for s in sorted(by_seed)]
            count, mean, sd, low, high = summary(values)
            stats_into[(net, n, data)] = (count, mean, sd, low, high)
            group_rows.append([data, net, n, inhibition if strength is None else f"swept {strength:g}", count,
                               " ".join(str(s) for s in sorted(by_seed)), " ".join(f"{v:.2f}" for v in values),
                               fmt(mean), fmt(sd), fmt(low), fmt(high), "" if count > 1 else "one seed: no CI",
                               theta_decay([ROW_OF_RUN[by_seed[s][1]] for s in by_seed]),
                               " ".join(by_seed[s][1] for s in sorted(by_seed))])
    write_csv(os.path.join(args.out, "accuracy-groups.csv"),
              ["dataset", "network", "neurons", "inhibition", "seeds", "seed_list", "accuracies", "mean", "sd",
               "ci95_low", "ci95_high", "note", "theta_decay", "runs"],
              group_rows)

    # 2. claims: FSpiNN − baseline (paired by seed) at the headline sizes, then Diehl & Cook
    claims = []
    for data in DATASETS:
        for n in HEADLINE_SIZES:
            claims.append(paired_claim(f"FSpiNN − baseline accuracy, {NAMES[data]}, N = {n}", data, n,
                                       seeds.get(("bindsnet", n, data), {}), seeds.get(("fspinn", n, data), {}),
                                       n == 4900, "baseline", "FSpiNN"))
        # the θ ablation: the same pairs with θ's decay exact where the presets decay it in float32 steps (BindsNET)
        for n in HEADLINE_SIZES:
            base, ours = seeds_other.get(("bindsnet", n, data), {}), seeds_other.get(("fspinn", n, data), {})
            if base and ours:
                claims.append(paired_claim(f"FSpiNN − baseline accuracy, {NAMES[data]}, N = {n}, θ's decay exact in both "
                                           f"(ablation)", data, n, base, ours, n == 4900, "baseline", "FSpiNN"))
        # with FSpiNN at its full-epoch sweep's strength: against the baseline at its own sweep's choice, and at the
        # strength the size runs use (whichever of the two is better for the baseline is the fair comparison)
        for n in sorted({k[1] for k in swept if k[2] == data}):
            if ("fspinn", n, data) not in swept:
                continue
            s_ours, ours = swept[("fspinn", n, data)]
            if ("bindsnet", n, data) in swept:
                s_base, base = swept[("bindsnet", n, data)]
                claims.append(paired_claim(
                    f"FSpiNN − baseline accuracy, {NAMES[data]}, N = {n}, each at its full-epoch swept inhibition "
                    f"(FSpiNN w_inh {s_ours:g}, baseline I→E {s_base:g})", data, n, base, ours, n == 4900,
                    f"baseline at I→E {s_base:g}", f"FSpiNN at w_inh {s_ours:g}"))
            base = seeds.get(("bindsnet", n, data), {})
            if base:
                in_use = set_values(ROW_OF_RUN[base[min(base)][1]]["command"]).get(STRENGTH_OPTION["bindsnet"], "preset's")
                claims.append(paired_claim(
                    f"FSpiNN − baseline accuracy, {NAMES[data]}, N = {n}, FSpiNN at its full-epoch swept w_inh "
                    f"{s_ours:g}, baseline at the size runs' I→E {in_use}", data, n, base, ours, n == 4900,
                    f"baseline at I→E {in_use}", f"FSpiNN at w_inh {s_ours:g}"))
    # Diehl & Cook runs: a name ending in -s<k> is seed k of the run named without it (seed 1), e.g.
    # dc2015-n400-e1-fidelity-s2 (runs-dc2015-seeds.txt); each group gets mean and CI over its seeds
    dc_groups = defaultdict(dict)  # base name: {seed: (accuracy, name in runs)}
    for name in runs:
        acc = accuracy(runs[name])
        if not DC.match(name) or acc is None:
            continue
        m = DC_SEED.match(name)
        base, named_seed = (m[1], int(m[2])) if m else (name, 1)
        seed = int(option(runs[name]["command"], "--seed", "1"))
        if seed != named_seed:
            problems.append(f"{name}: named seed {named_seed}, but its command has --seed {seed}; left out")
            continue
        dc_groups[base][seed] = (acc, name)
    for base in sorted(dc_groups, key=lambda b: (int(DC.match(b)[1]), b)):
        by_seed = dc_groups[base]
        rows = [runs[by_seed[k][1]] for k in sorted(by_seed)]
        if len(option_variants(runs, [row["run"] for row in rows])) > 1:
            problems.append(f"{base}: the seeds' runs differ in options; left out")
            continue
        count, mean, sd, low, high = summary([by_seed[k][0] for k in sorted(by_seed)])
        n = int(DC.match(base)[1])
        epochs = option(rows[0]["command"], "--epochs", "1")
        paper, paper_passes = DC2015.get(n, (None, None))
        if not paper:
            judged = ""
        elif count == 1:
            judged = f"{mean - paper:+.2f} points, one seed"
        else:
            judged = (f"{mean - paper:+.2f} points (mean of {count} seeds); the paper's figure is "
                      f"{'inside' if low <= paper <= high else 'outside'} the CI")
        claims.append({
            "theta_decay": theta_decay(rows),
            "claim": f"Diehl & Cook accuracy, MNIST, N = {n} ({base})",
            "dataset": "mnist", "neurons": n, "passes": epochs,
            "paper": f"{paper} % after {paper_passes} pass{'' if paper_passes == '1' else 'es'}" if paper else "not reported",
            "paper_source": DC2015_SOURCE if paper else "",
            "ours": fmt(mean), "unit": "%", "ci95_low": fmt(low), "ci95_high": fmt(high), "n": count,
            "verdict": judged,
            "detail": "; ".join(f"seed {k}: {fmt(by_seed[k][0])} % ({row['run']}, commit {row.get('commit', '')}, "
                                f"{row.get('train_seconds', '')} s training)" for k, row in zip(sorted(by_seed), rows))
                      + (f"; sd {fmt(sd)}" if sd is not None else ""),
        })
    header = ["claim", "dataset", "neurons", "passes", "paper", "paper_source", "ours", "unit", "ci95_low", "ci95_high",
              "n", "verdict", "theta_decay", "detail"]
    write_csv(os.path.join(args.out, "headline-claims.csv"), header, [[c[h] for h in header] for c in claims])
    table = markdown_table(os.path.join(args.out, "headline-claims.csv"))
    with open(os.path.join(args.out, "headline-claims.md"), "w", encoding="utf-8") as f:
        f.write(table)
    if args.readme:
        replace_block(args.readme, table)

    # 2b. what θ's decay arithmetic alone changed, per run that exists with both
    logs = args.logs or os.path.join(os.path.dirname(os.path.abspath(args.results)), "logs")
    pairs = theta_pairs(runs, other, logs)
    write_csv(os.path.join(args.out, "theta-decay-arithmetic.csv"),
              ["run", "float32_step_run", "float32_step_commit", "float32_step_accuracy", "float32_step_train_retries",
               "exact_run", "exact_commit", "exact_accuracy", "exact_train_retries", "exact_minus_float32_step_points",
               "preset_arithmetic"], pairs)
    if args.readme:
        replace_block(args.readme, theta_table(pairs), marker="theta")

    # 3. passes
    pass_rows = []
    for key in sorted(passes, key=lambda k: (k[2], k[0], k[1])):
        net, n, data = key
        if len(passes[key]) < 2:
            continue  # a one-pass run alone is a point of accuracy-groups.csv, not a curve
        for p in sorted(passes[key]):
            for acc, name in passes[key][p]:
                pass_rows.append([data, net, n, p, f"{acc:.2f}", name])
    write_csv(os.path.join(args.out, "accuracy-vs-passes.csv"), ["dataset", "network", "neurons", "passes", "accuracy_all_activity", "run"], pass_rows)

    plot_vs_n(seeds, stats_of, swept, swept_stats, os.path.join(args.out, "accuracy-vs-n.png"))
    plot_vs_passes(passes, os.path.join(args.out, "accuracy-vs-passes.png"))
    for p in problems:
        print("warning:", p, file=sys.stderr)
    print(f"{len(group_rows)} groups, {len(claims)} claims, {len(pass_rows)} pass points -> {args.out}")


def markdown_table(csv_path):
    """The claims CSV as a markdown table (what the README shows)."""
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = ["| claim | passes | paper | ours | 95 % CI | seeds | verdict | θ decay |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        ours = f"{r['ours']} {r['unit']}" if r["ours"] else "—"
        ci = f"[{r['ci95_low']}, {r['ci95_high']}]" if r["ci95_low"] else "—"
        lines.append(f"| {r['claim']} | {r['passes']} | {r['paper']} | {ours} | {ci} | {r['n']} | {r['verdict']} | {r['theta_decay']} |")
    return "\n".join(lines) + "\n"


def replace_block(path, block, marker="claims"):
    """Puts the block between the MARKER:begin and MARKER:end comments of a markdown file (refuses without them)."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    text = open(path, encoding="utf-8").read()
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise SystemExit(f"{path}: needs exactly one '{begin}' line before one '{end}' line to hold the {marker} table")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{head}{begin}\n{block}{end}{tail}")


def plot_vs_n(seeds, stats_of, swept, swept_stats, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=False)
    colours = {"bindsnet": "tab:blue", "fspinn": "tab:red"}
    for ax, data in zip(axes, DATASETS):
        for k, net in enumerate(NETWORKS):
            keys = sorted(n for (nt, n, d) in seeds if nt == net and d == data)
            if not keys:
                continue
            shift = 1.0 + (0.02 if k else -0.02)  # side by side on the log axis
            xs = np.array(keys, float) * shift
            means = [stats_of[(net, n, data)][1] for n in keys]
            ax.plot(xs, means, "-", color=colours[net], label=f"{NAMES[net]} (mean over seeds)")
            for x, n in zip(xs, keys):
                count, mean, sd, low, high = stats_of[(net, n, data)]
                for v, _ in seeds[(net, n, data)].values():
                    ax.plot(x, v, ".", color=colours[net], alpha=0.45, markersize=5)
                if low is not None:
                    ax.errorbar(x, mean, yerr=[[mean - low], [high - mean]], fmt="o", color=colours[net], capsize=4, markersize=6)
                else:
                    ax.plot(x, mean, "o", mfc="white", color=colours[net], markersize=6)
            for n in sorted(n for (nt, n, d) in swept if nt == net and d == data):
                # at the full-epoch sweep's strength: a diamond beside the size runs' point
                count, mean, sd, low, high = swept_stats[(net, n, data)]
                x = n * shift * (1.05 if k else 0.95)
                strength = swept[(net, n, data)][0]
                yerr = [[mean - low], [high - mean]] if low is not None else None
                ax.errorbar(x, mean, yerr=yerr, fmt="D", color=colours[net], mfc="white" if low is None else colours[net],
                            capsize=4, markersize=6, label=f"{NAMES[net]} at its full-epoch swept strength ({strength:g}), N = {n}")
        ax.set_xscale("log")
        ns = sorted({n for (_, n, d) in seeds if d == data})
        ax.set_xticks(ns)
        ax.set_xticklabels([str(n) for n in ns])
        ax.minorticks_off()
        ax.set_xlabel("excitatory neurons N")
        ax.set_ylabel("test accuracy, all-activity (%)")
        ax.set_title(f"{NAMES[data]}: filled = mean ± 95 % CI over seeds, open = one seed, dots = runs", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("Accuracy vs network size, one pass (baseline: bindsnet preset; FSpiNN: fspinn preset)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_vs_passes(passes, path):
    """One panel per dataset; a line per (network, N) that has runs of at least two training lengths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = {"bindsnet": "tab:blue", "fspinn": "tab:red"}
    markers = {1600: "o", 4900: "s"}
    for ax, data in zip(axes, DATASETS):
        lines = 0
        for (net, n, d) in sorted(passes, key=lambda k: (k[0], k[1])):
            if d != data or len(passes[(net, n, d)]) < 2:
                continue
            points = sorted((p, float(np.mean([a for a, _ in v]))) for p, v in passes[(net, n, d)].items())
            ax.plot([p for p, _ in points], [a for _, a in points], "-", marker=markers.get(n, "^"), color=colours[net],
                    label=f"{NAMES[net]} N = {n}")
            lines += 1
        if lines == 0:
            ax.text(0.5, 0.5, "no run with more than one pass yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_xlim(0.5, 3.5)
        else:
            ax.legend(fontsize=8)
        ax.set_xlabel("passes over the 60,000 training images")
        ax.set_ylabel("test accuracy, all-activity (%)")
        ax.set_title(f"{NAMES[data]} (seed 1; one pass = the size- run)", fontsize=10)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    fig.suptitle("Accuracy vs training length")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
