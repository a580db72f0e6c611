#!/usr/bin/env bash
# Accuracy experiment: trains, labels and tests one configuration with `fspinn train` on a full dataset and appends
# one row to experiments/accuracy/results.csv with the command, commit, wall time and accuracies.
#
# usage: experiments/accuracy/run.sh NAME DATA_DIR -- <fspinn train options without --data/--out>
# e.g.   experiments/accuracy/run.sh dc2015-n100 ../shared/datasets/mnist -- --network dc2015 --neurons 100 --epochs 1
#
# The binary is published once to a private folder so that rebuilding the repository during a long run cannot
# disturb it. Logs go to experiments/accuracy/logs/NAME.log, the run's JSON report (docs/json.md) to
# experiments/accuracy/logs/NAME.json; models to runs/ (not committed). The CSV row is read from the JSON report.
# RESULTS_CSV=FILE appends the row to FILE instead of experiments/accuracy/results.csv (e.g. to try the script).
#
# Every run trains with `--checkpoint runs/NAME.ckpt` (saved every 10 minutes of training), so the same command after
# a stop resumes the training where its last checkpoint left it (docs: README, `fspinn train --checkpoint`). The
# times of the row then add up the attempts: each stopped attempt counts from its start to its last checkpoint (what
# came after that is trained again), noted in the log, which each attempt appends to. A run longer than a session is
# carried to the next one by park.sh, which commits its checkpoint under experiments/accuracy/checkpoints/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=attempts.sh
. "$here/attempts.sh"
name=$1; data=$2; shift 2
[ "${1:-}" = "--" ] && shift
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-$commit"
mkdir -p "$here/logs" "$root/runs"
# one publish per commit, also when two queues start a run at the same moment
( flock 9; [ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null ) 9> "$root/runs/.publish.lock"
log="$here/logs/$name.log"
json="$here/logs/$name.json"
ckpt="$root/runs/$name.ckpt"; started_file="$root/runs/$name.started"; before_file="$root/runs/$name.seconds-before"
sweep="$ckpt.sweep"   # the finished points of an inhibition sweep (train --sweep-inhibition --checkpoint)
# A checkpoint or sweep progress parked by park.sh at the end of an earlier session (committed, since a session's
# machine keeps only the repository) is restored here, with the training seconds of the attempts before it.
parked="$here/checkpoints/$name"
if [ ! -f "$ckpt" ] && [ ! -f "$sweep" ] && [ -f "$parked.seconds" ]; then
  [ -f "$parked.ckpt.gz" ] && gunzip -c "$parked.ckpt.gz" > "$ckpt.restoring" && mv "$ckpt.restoring" "$ckpt"
  [ -f "$parked.ckpt.sweep" ] && cp "$parked.ckpt.sweep" "$sweep"
  cp "$parked.seconds" "$before_file"; rm -f "$started_file"
  echo "# restored the state of $name parked by park.sh in $here/checkpoints" >> "$log"
fi
start=$(date +%s)
before=0
if [ -f "$ckpt" ] || [ -f "$sweep" ]; then
  # the stopped attempt ran from its start to its last checkpoint or finished sweep point
  before=$(seconds_so_far "$root/runs" "$name"); echo "$before" > "$before_file"
  echo "# resumed from $ckpt / $sweep: $before s in earlier attempts (each up to its last checkpoint or sweep point)" >> "$log"
else
  rm -f "$before_file"; : > "$log"
fi
echo "$start" > "$started_file"
cmd="fspinn train --data $data $* --out runs/$name.model --checkpoint runs/$name.ckpt"
echo "# $cmd (commit $commit, $(nproc) cores, started $(date -u +%FT%TZ))" >> "$log"
dotnet "$bin/fspinn.dll" train --data "$data" "$@" --out "$root/runs/$name.model" --checkpoint "$ckpt" --json "$json" >> "$log" 2>&1
end=$(date +%s)
rm -f "$started_file" "$before_file" "$parked.ckpt.gz" "$parked.ckpt.sweep" "$parked.seconds"
# train_examples,train_seconds / accuracies in percent / label and test seconds, formatted as the console prints them
# (F1 seconds, P2 percentages: the exact value rounded half away from zero); empty when the data has no test set
IFS='|' read -r tr aa pw ls ts < <(/usr/bin/python3 - "$json" "$before" <<'PY'
import json, sys
from decimal import Decimal, ROUND_HALF_UP
report = json.load(open(sys.argv[1]))
report["training"]["seconds"] += int(sys.argv[2])  # earlier attempts of a resumed run
def fixed(x, places): return str(Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
def percent(x): return fixed(Decimal(x) * 100, 2)
test = report["test"]
print("|".join([
    f'{report["training"]["examples"]},{fixed(report["training"]["seconds"], 1)}',
    percent(test["accuracy_all_activity"]) if test else "",
    percent(test["accuracy_proportion"]) if test else "",
    fixed(report["labelling"]["seconds"], 1),
    fixed(test["seconds"], 1) if test else ""]))
PY
)
csv="${RESULTS_CSV:-$here/results.csv}"
[ -f "$csv" ] || echo "name,command,commit,train_examples,train_seconds,total_seconds,accuracy_all_activity,accuracy_proportion,label_seconds,test_seconds" > "$csv"
echo "$name,\"$cmd\",$commit,$tr,$((end-start+before)),$aa,$pw,$ls,$ts" >> "$csv"
echo "$name: accuracy all-activity ${aa:--} %  proportion-weighting ${pw:--} %"
