#!/usr/bin/env bash
# Builds the tabular benchmark: a grid study of space-mnist-1k.json (960 points) on full MNIST, one worker pinned to
# one core, post-training variants reusing their float training, every training kept in runs/search-bench-models.
# Resumable: rerun the same command after a stop and the stored study continues (finished trials are never rerun).
# Writes experiments/search-bench/table-mnist-1k.csv (the frontier.csv of the finished study) and build.log.
# usage: experiments/search-bench/build-table.sh [MNIST_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/datasets/mnist}
bin="$root/runs/bin-search-bench"
[ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
out=runs/search-bench-table
cd "$root"
start=$(date +%s)
taskset -c 1 dotnet "$bin/fspinn.dll" explore --space experiments/search-bench/space-mnist-1k.json --strategy grid \
  --workers 1 --data "$data" --store runs/search-bench-table.db --out "$out" --model-cache runs/search-bench-models \
  < /dev/null >> experiments/search-bench/build.log 2>&1
echo "build finished in $(( $(date +%s) - start )) s" >> experiments/search-bench/build.log
cp "$out/frontier.csv" experiments/search-bench/table-mnist-1k.csv
