#!/usr/bin/env bash
# Issue #7 run 4: `fspinn explore` on full MNIST under memory budgets of 32 KiB, 128 KiB, 512 KiB, 2 MiB and 8 MiB.
# Default space spaces/budgets-mnist.json (bindsnet and fspinn, N 25-2500, 32/16/8/4-bit PTQ, 10,000 training samples
# per candidate); spaces/budgets-mnist-60k.json is the full-fidelity one (see below).
# Each budget is its own resumable study (runs/STORES-BUDGET.db): rerun this script after a stop and it continues.
# Writes experiments/results/RESULTS/BUDGET/{frontier.csv,frontier.png,explore.log} and one row per budget to
# experiments/results/RESULTS/budgets.csv (selected configuration, accuracy, memory, energy, completed vs skipped).
# usage: [SPACE=spaces/X.json RESULTS=name STORES=prefix MODEL_CACHE=dir] experiments/search/budgets.sh [MNIST_DIR] [BUDGET ...]
# Full fidelity (60k training images, trainings shared between the budgets):
#   SPACE=spaces/budgets-mnist-60k.json RESULTS=search-60k STORES=search-60k MODEL_CACHE=runs/model-cache experiments/search/budgets.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/datasets/mnist}; shift || true
budgets=("$@"); [ ${#budgets[@]} -gt 0 ] || budgets=(32KiB 128KiB 512KiB 2MiB 8MiB)
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-$commit"
[ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
space=${SPACE:-spaces/budgets-mnist.json}; results=${RESULTS:-search}; stores=${STORES:-search}
cache=${MODEL_CACHE:+--model-cache $MODEL_CACHE}
out="$root/experiments/results/$results"; mkdir -p "$out"
csv="$out/budgets.csv"
[ -f "$csv" ] || echo "budget,commit,seconds,trials,complete,skipped,failed,selected,accuracy,memory_bytes,train_energy_j,inference_energy_j,command" > "$csv"
for b in "${budgets[@]}"; do
  grep -q "^$b," "$csv" && { echo "skip $b (already in budgets.csv)"; continue; }
  dir="$out/$b"; mkdir -p "$dir"
  cmd="fspinn explore --space $space --strategy fspinn --memory-budget $b --data $data --store runs/$stores-$b.db --out experiments/results/$results/$b${cache:+ $cache}"
  start=$(date +%s)
  # shellcheck disable=SC2086
  (cd "$root" && nice -n 5 dotnet "$bin/fspinn.dll" explore --space "$space" --strategy fspinn --memory-budget "$b" \
     --data "$data" --store "runs/$stores-$b.db" --out "experiments/results/$results/$b" $cache) < /dev/null > "$dir/explore.log" 2>&1
  end=$(date +%s)
  python3 - "$dir" "$b" "$commit" "$((end-start))" "$cmd" >> "$csv" <<'PY'
import csv, re, sys
d, budget, commit, seconds, cmd = sys.argv[1:]
log = open(f"{d}/explore.log", encoding="utf-8").read()
rows = list(csv.DictReader(open(f"{d}/frontier.csv", encoding="utf-8")))
status = lambda s: sum(r["status"] == s for r in rows)
m = re.search(r"^recommended: trial (\d+)", log, re.M)
sel = next((r for r in rows if m and r["trial"] == m.group(1)), None)
desc = f"trial {sel['trial']} {sel['network']} N={sel['neurons']} {sel['bits']}-bit" if sel else "none feasible"
out = csv.writer(sys.stdout)
out.writerow([budget, commit, seconds, len(rows), status("COMPLETE"), status("SKIPPED"), status("FAILED"), desc,
              sel["accuracy"] if sel else "", sel["memory_bytes"] if sel else "", sel["train_energy_j"] if sel else "",
              sel["inference_energy_j"] if sel else "", cmd])
PY
  tail -1 "$csv"
done
