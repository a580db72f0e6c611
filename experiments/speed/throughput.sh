#!/usr/bin/env bash
# Whole-process throughput of `fspinn train` / `fspinn test` on real MNIST: training examples/s on one core, testing
# examples/s on one core and on two (--threads 1 vs --threads 2, measured one after the other in the same run).
#
# usage: experiments/speed/throughput.sh [MNIST_DIR] ; env TRAIN (default 2000), TEST (default 2000),
#        PRESETS (default "dc2015 bindsnet fspinn"), SIZES (default "100 400 1600"); TRAIN_<preset>_<N> overrides TRAIN
#        for one point (default TRAIN_dc2015_1600=200: until commit 1667e9e clamped v, dc2015 N=1600 turned into runaway firing after
#        about 250 training examples, ~100,000 spikes and ~320 ms per example, see docs/performance.md).
# writes experiments/speed/throughput.csv (committed) and prints the same rows.
# test_*_cpu_s: user CPU seconds of the pass (minus those of the 8-example run); cores_available: see below.
# Train rate: the "trained K examples in X s (R ex/s)" line (data loading excluded). Test rate: wall time of
# `fspinn test --test-samples TEST` minus the wall time of the same command with --test-samples 8 (process start,
# dataset and model loading), so it counts the classification pass only. Labelling runs the same inference pass
# (Protocol.RunInference) as testing, so the testing speed-up is the labelling speed-up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mnist=${1:-$root/../shared/datasets/mnist}
train=${TRAIN:-2000}
test=${TEST:-2000}
presets=${PRESETS:-"dc2015 bindsnet fspinn"}
sizes=${SIZES:-"100 400 1600"}
csv="$here/throughput.csv"
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-perf-$commit"
[ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
work=$(mktemp -d /tmp/fspinn-speed-XXXXXX)
trap 'rm -rf "$work"' EXIT
fspinn() { dotnet "$bin/fspinn.dll" "$@"; }
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# How many cores this process actually gets right now: CPU seconds of two busy loops run for 2 s of wall time, / 2 s.
# On a shared machine this bounds any 2-thread speed-up; it is recorded next to each row.
cores_available() {
  /usr/bin/time -f "%e %U" -o "$work/cal" bash -c 'timeout 2 sh -c "while :; do :; done" & timeout 2 sh -c "while :; do :; done"; wait' || true
  awk '{ printf "%.2f", $2 / $1 }' "$work/cal"
}
# wall and user CPU seconds of a command: sets $wall and $cpu, output in $work/out
timed() { /usr/bin/time -f "%e %U" -o "$work/t" "$@" > "$work/out"; read -r wall cpu < "$work/t"; }

echo "# fspinn throughput, commit $commit, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), data $mnist"
echo "# load at start:$(uptime | sed 's/.*load average://')"
echo "preset,neurons,weights,train_examples,train_retries,train_s,train_ex_per_s_1t,test_examples,test_overhead_s,test_1t_s,test_2t_s,test_ex_per_s_1t,test_ex_per_s_2t,speedup_2t_over_1t,test_1t_cpu_s,test_2t_cpu_s,cores_available,accuracy_all_activity,load_1min,commit" | tee "$csv"
for preset in $presets; do
  for n in $sizes; do
    model="$work/$preset-$n.model"
    override="TRAIN_${preset}_${n}"
    k=${!override:-$train}
    [ "$preset-$n" = "dc2015-1600" ] && k=${!override:-200}
    # one thread: --threads also splits the training of networks of 1024+ neurons (experiments/speed/floor.sh measures that)
    out=$(fspinn train --network "$preset" --neurons "$n" --data "$mnist" --train-samples "$k" --label-samples "$k" \
          --test-samples 8 --threads 1 --out "$model" 2>&1)
    line=$(echo "$out" | grep '^trained')
    weights=$(echo "$out" | grep '^network' | sed -E 's/.*weights ([^,]+( \([^)]*\))?), data.*/\1/' | cut -d' ' -f1)
    t_rate=$(echo "$line" | sed -E 's/.*\(([0-9.]+) ex\/s\).*/\1/')
    t_s=$(echo "$line" | sed -E 's/.* in ([0-9.]+) s .*/\1/')
    t_retries=$(echo "$line" | sed -E 's/.*retries ([0-9]+).*/\1/')
    timed dotnet "$bin/fspinn.dll" test --model "$model" --data "$mnist" --test-samples 8 --threads 1
    overhead=$wall; overhead_cpu=$cpu
    cores=$(cores_available)
    timed dotnet "$bin/fspinn.dll" test --model "$model" --data "$mnist" --test-samples "$test" --threads 1
    t1=$wall; c1=$(awk -v c="$cpu" -v o="$overhead_cpu" 'BEGIN { printf "%.2f", c - o }'); res1=$(cat "$work/out")
    timed dotnet "$bin/fspinn.dll" test --model "$model" --data "$mnist" --test-samples "$test" --threads 2
    t2=$wall; c2=$(awk -v c="$cpu" -v o="$overhead_cpu" 'BEGIN { printf "%.2f", c - o }'); res2=$(cat "$work/out")
    acc1=$(echo "$res1" | grep '^accuracy' | sed -E 's/.*all-activity ([0-9.]+) %.*/\1/')
    acc2=$(echo "$res2" | grep '^accuracy' | sed -E 's/.*all-activity ([0-9.]+) %.*/\1/')
    [ "$acc1" = "$acc2" ] || echo "warning: $preset N=$n accuracy differs between 1 and 2 threads ($acc1 vs $acc2)" >&2
    row=$(awk -v o="$overhead" -v t1="$t1" -v t2="$t2" -v k="$test" 'BEGIN {
      p1 = t1 - o; p2 = t2 - o; printf "%.1f,%.1f,%.2f", k / p1, k / p2, p1 / p2 }')
    echo "$preset,$n,$weights,$k,$t_retries,$t_s,$t_rate,$test,$overhead,$t1,$t2,$row,$c1,$c2,$cores,$acc1,$(cut -d' ' -f1 /proc/loadavg),$commit" | tee -a "$csv"
  done
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
