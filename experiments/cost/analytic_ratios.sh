#!/usr/bin/env bash
# Baseline (bindsnet, float32) / FSpiNN (fspinn preset, 8-bit) ratios from the analytic activity estimate
# (fspinn cost, no training), at every size of the sweep, in event-driven and dense execution, with inhibition stored as
# simulated (one value per projection) and as the paper's dense N×N matrix.
# usage: [PROFILE=profile.json] experiments/cost/analytic_ratios.sh [OUT.csv]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/experiments/cost/analytic-ratios.csv}
bin="$root/src/Cli/bin/Release/net10.0/fspinn.dll"
[ -f "$bin" ] || dotnet build "$root/src/Cli" -c Release -v quiet --nologo >/dev/null
tmp=$(mktemp -d)
for n in 100 400 900 1600 2500 3600 4900; do
  for exe in event dense; do
    for inh in scalar dense; do
      for net in bindsnet fspinn; do
        dotnet "$bin" cost --network $net --neurons $n --execution $exe --inhibition-storage $inh ${PROFILE:+--profile "$PROFILE"} \
          --csv "$tmp/$net-$n-$exe-$inh.csv" > /dev/null
      done
    done
  done
done
/usr/bin/python3 - "$tmp" "$out" "$(git -C "$root" rev-parse --short HEAD)" "${PROFILE:-default (horowitz-45nm)}" <<'PY'
import csv, os, sys
tmp, out, commit, profile = sys.argv[1:]
def rows(path):
    return {(r["section"], r["item"], r["phase"], r["quantity"]): float(r["value"]) for r in csv.DictReader(open(path))}
keys = {"memory": ("memory", "total", "inference", "bytes"), "train": ("energy", "total", "training", "per example"),
        "infer": ("energy", "total", "inference", "per example")}
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["commit", "profile", "neurons", "execution", "inhibition_storage", "memory_ratio", "train_energy_ratio", "inference_energy_ratio",
                "baseline_train_j", "fspinn_train_j", "baseline_infer_j", "fspinn_infer_j"])
    for n in (100, 400, 900, 1600, 2500, 3600, 4900):
        for exe in ("event", "dense"):
            for inh in ("scalar", "dense"):
                b, c = rows(f"{tmp}/bindsnet-{n}-{exe}-{inh}.csv"), rows(f"{tmp}/fspinn-{n}-{exe}-{inh}.csv")
                r = {k: b[v] / c[v] for k, v in keys.items()}
                w.writerow([commit, os.path.basename(profile), n, exe, inh, f'{r["memory"]:.3f}', f'{r["train"]:.3f}', f'{r["infer"]:.3f}',
                            f'{b[keys["train"]]:.4g}', f'{c[keys["train"]]:.4g}', f'{b[keys["infer"]]:.4g}', f'{c[keys["infer"]]:.4g}'])
                print(f'N={n:5} {exe:5} inhibition {inh:6}  memory {r["memory"]:6.2f}x  train {r["train"]:7.2f}x  inference {r["infer"]:7.2f}x')
PY
rm -rf "$tmp"
