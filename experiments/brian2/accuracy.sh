#!/usr/bin/env bash
# Accuracy of a Diehl & Cook network trained in Brian2 (an independent simulator) and labelled and tested with fspinn:
# the simulator ablation of our dc2015 runs (experiments/accuracy, runs-dc2015-fidelity.txt / runs-dc2015-seeds.txt).
#
# usage: experiments/brian2/accuracy.sh MNIST_DIR N SEED [SAMPLES]
#   env TIMING      STDP's pre-synaptic timing on delayed synapses, arrival (default, the dc2015 preset's) or emission
#       CLAMP_V=1   clip v after each Euler step as FSpiNN does (dc2015_brian2.py --clamp-v; name suffix -clampv)
#       MAX_CYCLES  presentation cycles given to Brian2 for the SAMPLES examples (default 2 x SAMPLES + 100)
#       THREADS     threads of labelling and testing (default 1; results do not depend on it)
#       RESULTS_CSV row goes to this file instead of experiments/brian2/results/accuracy.csv (e.g. to try the script)
#
# 1. dc2015_brian2.py --complete-examples trains N excitatory neurons in Brian2 2.5.1 C++ standalone (one core, Debian
#    python3-brian, installed with apt if missing) on the first SAMPLES MNIST training images in dataset order, one
#    pass, with the preset's protocol (350 ms + 150 ms rest, retries, normalisation before each presentation, 0-10 ms
#    input delays), and saves X_to_Ae, theta and delays to runs/brian2/NAME.npz.
# 2. `fspinn import --npz runs/brian2/NAME.npz --network dc2015 --label-samples SAMPLES --seed SEED` labels the neurons
#    with our code on the same SAMPLES training images (what `fspinn train` does by default; all 60,000 in a full run,
#    as our dc2015 rows in experiments/accuracy/results.csv), and `fspinn test` classifies all 10,000 test images
#    (dc2015 preset: 150 ms rest between examples, state carried over, as in our runs).
# 3. appends one row to experiments/brian2/results/accuracy.csv. brian2_train_seconds is the wall time of the whole
#    Brian2 step (code generation, C++ compilation, the run including the idle cycles after the last example, and
#    reading the arrays back); brian2_simulation_seconds the compiled run alone. Logs (Brian2's JSON line, import and
#    test output, test JSON report) go to experiments/brian2/results/logs/NAME.*.
# Brian2's forward Euler without FSpiNN's clamp of v can diverge (N = 400, seed 3 did within 1,000 images): the
# compiled run then stops at the first presentation with more than 20 N excitatory spikes and the script fails
# (dc2015_brian2.py --divergence-spikes); CLAMP_V=1 integrates as our simulator does.
# The fspinn binary is published once per commit into runs/bin-COMMIT (shared with experiments/accuracy/run.sh).
set -euo pipefail
# The body is one function, read whole before it runs: bash reads a script as it goes, so a file rewritten during a
# long run (an edit, a merge) would otherwise run other lines (it happened once: the Brian2 step ran twice).
main() {
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
usage() { echo "usage: $0 MNIST_DIR N SEED [SAMPLES]   (env CLAMP_V=0|1, TIMING=arrival|emission, MAX_CYCLES, THREADS, RESULTS_CSV)" >&2; exit 2; }
[ $# -ge 3 ] && [ $# -le 4 ] || usage
mnist=$(cd "$1" && pwd); n=$2; seed=$3; samples=${4:-60000}
timing=${TIMING:-arrival}
threads=${THREADS:-1}
for v in "$n" "$seed" "$samples" "$threads"; do [[ "$v" =~ ^[0-9]+$ ]] || usage; done
[ "$n" -ge 1 ] && [ "$samples" -ge 1 ] && [ "$samples" -le 60000 ] || { echo "N must be >= 1 and SAMPLES 1..60000" >&2; exit 2; }
case "$timing" in arrival|emission) ;; *) echo "TIMING must be arrival or emission, got '$timing'" >&2; exit 2 ;; esac
extra_args=()
[ -n "${MAX_CYCLES:-}" ] && extra_args=(--max-cycles "$MAX_CYCLES")
clamp=${CLAMP_V:-0}
clamp_flag=""
case "$clamp" in 0) ;; 1) extra_args+=(--clamp-v); clamp_flag=" --clamp-v" ;; *) echo "CLAMP_V must be 0 or 1, got '$clamp'" >&2; exit 2 ;; esac

if ! /usr/bin/python3 -c "import brian2" 2>/dev/null; then
  apt-get install -y python3-brian >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-brian >/dev/null; }
fi
brian_version=$(/usr/bin/python3 -W ignore -c "import brian2; print(brian2.__version__)" 2>/dev/null | tail -1)
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-$commit"
mkdir -p "$root/runs/brian2" "$here/results/logs"
( flock 9; [ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null ) 9> "$root/runs/.publish.lock"

name="brian2-dc2015-n$n-s$seed-k$samples"
[ "$timing" = arrival ] || name="$name-$timing"
[ "$clamp" = 0 ] || name="$name-clampv"
npz="$root/runs/brian2/$name.npz"
model="$root/runs/brian2/$name.model"
log="$here/results/logs/$name.log"
work=$(mktemp -d /tmp/fspinn-brian2-acc-XXXXXX)
trap 'rm -rf "$work"' EXIT
exec > >(tee "$log") 2>&1

echo "# $name: Brian2 $brian_version trains, fspinn (commit $commit) labels and tests; $(nproc) cores, load$(uptime | sed 's/.*load average://'), started $(date -u +%FT%TZ)"
train_cmd="dc2015_brian2.py --mnist $mnist --neurons $n --samples $samples --seed $seed --stdp-pre-timing $timing --complete-examples${MAX_CYCLES:+ --max-cycles $MAX_CYCLES}${clamp_flag} --save-npz runs/brian2/$name.npz"
echo "\$ $train_cmd"
start=$(date +%s.%N)
json=$(/usr/bin/python3 -W ignore "$here/dc2015_brian2.py" --mnist "$mnist" --neurons "$n" --samples "$samples" --seed "$seed" \
       --stdp-pre-timing "$timing" --complete-examples "${extra_args[@]}" --workdir "$work/b2" --save-npz "$npz" 2>"$work/brian2.err" | tail -1) \
  || { cat "$work/brian2.err"; exit 1; }
train_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
echo "brian2: $json"
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$json" "$1"; }
sim_s=$(field simulation_s); compile_s=$(field compile_s); retries=$(field retries); completed=$(field completed_examples)
[ "$completed" = "$samples" ] || { echo "Brian2 completed $completed examples, expected $samples" >&2; exit 1; }

import_cmd="fspinn import --npz runs/brian2/$name.npz --network dc2015 --data $mnist --label-samples $samples --seed $seed --threads $threads --out runs/brian2/$name.model"
test_cmd="fspinn test --model runs/brian2/$name.model --data $mnist --threads $threads"
echo "\$ $import_cmd"
dotnet "$bin/fspinn.dll" import --npz "$npz" --network dc2015 --data "$mnist" --label-samples "$samples" --seed "$seed" \
  --threads "$threads" --out "$model" | { grep -v '^label: ' || true; }
echo "\$ $test_cmd"
dotnet "$bin/fspinn.dll" test --model "$model" --data "$mnist" --threads "$threads" --json "$here/results/logs/$name.test.json" \
  | { grep -v '^test: ' || true; }
IFS='|' read -r aa pw < <(/usr/bin/python3 - "$here/results/logs/$name.test.json" <<'PY'
import json, sys
from decimal import Decimal, ROUND_HALF_UP
test = json.load(open(sys.argv[1]))["test"]
def percent(x): return str((Decimal(x) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
print(percent(test["accuracy_all_activity"]) + "|" + percent(test["accuracy_proportion"]))
PY
)
csv="${RESULTS_CSV:-$here/results/accuracy.csv}"
[ -f "$csv" ] || echo "name,neurons,seed,samples,stdp_pre_timing,clamp_v,brian2_version,commit,brian2_train_seconds,brian2_simulation_seconds,brian2_compile_seconds,brian2_retries,accuracy_all_activity,accuracy_proportion,command" > "$csv"
echo "$name,$n,$seed,$samples,$timing,$clamp,$brian_version,$commit,$train_s,$sim_s,$compile_s,$retries,$aa,$pw,\"$train_cmd; $import_cmd; $test_cmd\"" >> "$csv"
echo "$name: accuracy all-activity $aa %  proportion-weighting $pw %  (Brian2 training ${train_s} s, of which compiled run ${sim_s} s, compile ${compile_s} s; $retries retries)"
}
main "$@"
