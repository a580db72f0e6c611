#!/usr/bin/env bash
# Builds a tabular benchmark: a grid study of experiments/search-bench/space-mnist-1k-NAME.json on full MNIST, one
# worker at nice ${NICE:-10} (training on one thread, labelling and testing on every core), post-training variants reusing
# their float training, every training kept in runs/search-bench-models (shared by every table).
# Resumable: rerun the same command after a stop and the stored study continues (finished trials are never rerun).
# Writes experiments/search-bench/table-mnist-1k-NAME.csv (the frontier.csv of the finished study) and build-NAME.log
# (one line per trial, then the wall time).
# usage: [NICE=N] experiments/search-bench/build-table.sh [NAME (default n25-900)] [MNIST_DIR]
#   NICE: the build's niceness (default 10; 5 gives it the background trainings' share of a loaded machine).
#   n25-900: the 1,280-point N = 25/100/400/900 table; n25-100 was built by the 960-point space-mnist-1k.json
#   (its N = 25/100 part; the earlier version of this script, git history).
set -euo pipefail
name=${1:-n25-900}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${2:-$root/../shared/datasets/mnist}
bin="$root/runs/bin-search-bench"
[ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
out=runs/search-bench-table-$name
log=experiments/search-bench/build-$name.log
cd "$root"
start=$(date +%s)
nice -n "${NICE:-10}" dotnet "$bin/fspinn.dll" explore --space "experiments/search-bench/space-mnist-1k-$name.json" --strategy grid \
  --workers 1 --data "$data" --store "runs/search-bench-table-$name.db" --out "$out" --model-cache runs/search-bench-models \
  < /dev/null >> "$log" 2>&1
echo "build (this run) finished in $(( $(date +%s) - start )) s wall" >> "$log"
cp "$out/frontier.csv" "experiments/search-bench/table-mnist-1k-$name.csv"
