#!/usr/bin/env bash
# Accuracy experiment: trains, labels and tests one configuration with `fspinn train` on a full dataset and appends
# one row to experiments/accuracy/results.csv with the command, commit, wall time and accuracies.
#
# usage: experiments/accuracy/run.sh NAME DATA_DIR -- <fspinn train options without --data/--out>
# e.g.   experiments/accuracy/run.sh dc2015-n100 ../shared/datasets/mnist -- --network dc2015 --neurons 100 --epochs 1
#
# The binary is published once to a private folder so that rebuilding the repository during a long run cannot
# disturb it. Logs go to experiments/accuracy/logs/NAME.log; models to runs/ (not committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=$1; data=$2; shift 2
[ "${1:-}" = "--" ] && shift
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-$commit"
if [ ! -f "$bin/fspinn.dll" ]; then
  dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
fi
mkdir -p "$here/logs" "$root/runs"
log="$here/logs/$name.log"
start=$(date +%s)
cmd="fspinn train --data $data $* --out runs/$name.model"
echo "# $cmd (commit $commit, $(nproc) cores, started $(date -u +%FT%TZ))" > "$log"
dotnet "$bin/fspinn.dll" train --data "$data" "$@" --out "$root/runs/$name.model" >> "$log" 2>&1
end=$(date +%s)
acc=$(grep '^accuracy' "$log" | tail -1)
aa=$(echo "$acc" | sed -E 's/.*all-activity ([0-9.]+) %.*/\1/')
pw=$(echo "$acc" | sed -E 's/.*proportion-weighting ([0-9.]+) %.*/\1/')
tr=$(grep '^trained' "$log" | tail -1 | sed -E 's/trained ([0-9]+) examples in ([0-9.]+) s.*/\1,\2/')
ls=$(grep '^labelled in' "$log" | tail -1 | sed -E 's/labelled in ([0-9.]+) s.*/\1/' || true)
ts=$(grep '^tested' "$log" | tail -1 | sed -E 's/tested ([0-9]+) examples in ([0-9.]+) s.*/\2/' || true)
csv="$here/results.csv"
[ -f "$csv" ] || echo "name,command,commit,train_examples,train_seconds,total_seconds,accuracy_all_activity,accuracy_proportion,label_seconds,test_seconds" > "$csv"
echo "$name,\"$cmd\",$commit,$tr,$((end-start)),$aa,$pw,$ls,$ts" >> "$csv"
echo "$name: $acc"
