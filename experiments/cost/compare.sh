#!/usr/bin/env bash
# Memory and energy of trained models from their exact recorded counts (fspinn cost --from-run), and the ratios
# baseline / candidate, in event-driven and dense (every matrix entry every step, GPU-like) execution.
# usage: [PROFILE=profile.json] experiments/cost/compare.sh BASELINE.model CANDIDATE.model [OUT.csv]
# The models come from experiments/accuracy (runs/NAME.model); the CSV is committed with the command and commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=$1; cand=$2; out=${3:-$root/experiments/cost/ratios.csv}
bin="$root/src/Cli/bin/Release/net10.0/fspinn.dll"
[ -f "$bin" ] || dotnet build "$root/src/Cli" -c Release -v quiet --nologo >/dev/null
tmp=$(mktemp -d)
for exe in event dense; do
  dotnet "$bin" cost --from-run "$base" --execution $exe ${PROFILE:+--profile "$PROFILE"} --csv "$tmp/base-$exe.csv" > /dev/null
  dotnet "$bin" cost --from-run "$cand" --execution $exe ${PROFILE:+--profile "$PROFILE"} --csv "$tmp/cand-$exe.csv" > /dev/null
done
python3 - "$tmp" "$base" "$cand" "$out" "$(git -C "$root" rev-parse --short HEAD)" "${PROFILE:-default (horowitz-45nm)}" <<'PY'
import csv, os, sys
tmp, base, cand, out, commit, profile = sys.argv[1:]
def rows(path):
    return {(r["section"], r["item"], r["phase"], r["quantity"]): float(r["value"]) for r in csv.DictReader(open(path))}
lines = []
for exe in ("event", "dense"):
    b, c = rows(f"{tmp}/base-{exe}.csv"), rows(f"{tmp}/cand-{exe}.csv")
    for key, label in [(("memory", "total", "inference", "bytes"), "memory inference bytes"),
                       (("memory", "total", "training", "bytes"), "memory training bytes"),
                       (("energy", "total", "training", "per example"), "training energy J/example"),
                       (("energy", "total", "inference", "per example"), "inference energy J/example")]:
        if exe == "dense" and key[0] == "memory":
            continue
        lines.append({"execution": exe, "quantity": label, "baseline": b[key], "candidate": c[key], "ratio": b[key] / c[key]})
new = not os.path.exists(out)
with open(out, "a", newline="") as f:
    w = csv.DictWriter(f, ["baseline_model", "candidate_model", "commit", "profile", "execution", "quantity", "baseline", "candidate", "ratio"])
    if new: w.writeheader()
    for l in lines:
        w.writerow({"baseline_model": os.path.basename(base), "candidate_model": os.path.basename(cand), "commit": commit, "profile": os.path.basename(profile), **l})
for l in lines:
    print(f'{l["execution"]:6} {l["quantity"]:28} baseline {l["baseline"]:.4g}  candidate {l["candidate"]:.4g}  ratio {l["ratio"]:.2f}x')
PY
rm -rf "$tmp"
