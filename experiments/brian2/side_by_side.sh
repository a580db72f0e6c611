#!/usr/bin/env bash
# Side-by-side speed: Brian2 2.5.1 C++ standalone (Debian python3-brian) vs `fspinn train`, Diehl & Cook network as our
# dc2015 preset, one core each, one after the other in one run. Training: the same first K MNIST training images.
# Inference (learning off): Brian2 runs D&C's test mode (350 ms + 150 ms rest, retries, fixed theta) on the first K
# training images with its random initial weights normalised once; fspinn classifies the first K test images with the
# model it just trained (350 ms from the reset state, retries, no rest: its inference protocol).
#
# usage: experiments/brian2/side_by_side.sh [MNIST_DIR] ; env K (images, default 500), SIZES (default "100 400 1600"),
#        TIMING (STDP's pre-synaptic timing on delayed synapses, emission or arrival, default emission: the committed
#        side_by_side-k*.csv were taken with emission on both sides; passed to both simulators, docs/model.md)
# writes experiments/brian2/results/side_by_side-kK.csv and side_by_side-kK.log (console output), both committed.
# Brian2 time = the compiled program's network run (compilation excluded) / completed examples; ours = the
# "trained K examples in X s (R ex/s)" and "tested K examples in X s (R ex/s)" lines of `fspinn train` (data loading
# excluded): 1000 / R. Ratio = Brian2 / ours (> 1: we are faster).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mnist=${1:-$root/../shared/datasets/mnist}
k=${K:-500}
timing=${TIMING:-emission}
sizes=${SIZES:-"100 400 1600"}
out="$here/results"
mkdir -p "$out"
log="$out/side_by_side-k$k.log"
csv="$out/side_by_side-k$k.csv"
exec > >(tee "$log") 2>&1

if ! /usr/bin/python3 -c "import brian2" 2>/dev/null; then
  apt-get install -y python3-brian >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-brian >/dev/null; }
fi
brian_version=$(/usr/bin/python3 -W ignore -c "import brian2; print(brian2.__version__)" 2>/dev/null | tail -1)
commit=$(git -C "$root" rev-parse --short HEAD)
bin="$root/runs/bin-perf-$commit"
[ -f "$bin/fspinn.dll" ] || dotnet publish "$root/src/Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
work=$(mktemp -d /tmp/fspinn-brian2-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "# side-by-side dc2015 training, K=$k images of $mnist, Brian2 $brian_version C++ standalone vs fspinn (commit $commit), stdp_pre_timing=$timing"
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load at start:$(uptime | sed 's/.*load average://')"
echo "neurons,images,brian2_version,brian2_completed_examples,brian2_retries,brian2_exc_spikes,brian2_compile_s,brian2_simulation_s,brian2_ms_per_example,fspinn_commit,fspinn_examples,fspinn_retries,fspinn_train_s,fspinn_ms_per_example,ratio_brian2_over_fspinn,brian2_infer_completed_examples,brian2_infer_ms_per_example,fspinn_infer_ms_per_example,infer_ratio_brian2_over_fspinn,load_1min" > "$csv"
for n in $sizes; do
  echo "## N=$n"
  json=$(/usr/bin/python3 -W ignore "$here/dc2015_brian2.py" --mnist "$mnist" --neurons "$n" --samples "$k" --workdir "$work/b2-$n" --stdp-pre-timing "$timing" 2>/dev/null | tail -1)
  echo "brian2: $json"
  field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$json" "$1"; }
  b_done=$(field completed_examples); b_retries=$(field retries); b_spikes=$(field exc_spikes)
  b_compile=$(field compile_s); b_sim=$(field simulation_s); b_ms=$(field ms_per_completed_example)
  json=$(/usr/bin/python3 -W ignore "$here/dc2015_brian2.py" --mnist "$mnist" --neurons "$n" --samples "$k" --workdir "$work/b2i-$n" --inference 2>/dev/null | tail -1)
  echo "brian2 inference: $json"
  bi_done=$(field completed_examples); bi_ms=$(field ms_per_completed_example)
  cmd="fspinn train --network dc2015 --neurons $n --data $mnist --train-samples $k --label-samples 1 --test-samples $k --threads 1 --set stdp_pre_timing=$timing"
  echo "ours: $cmd"
  output=$(dotnet "$bin/fspinn.dll" train --network dc2015 --neurons "$n" --data "$mnist" --train-samples "$k" \
         --label-samples 1 --test-samples "$k" --threads 1 --set stdp_pre_timing="$timing" --out "$work/dc2015-$n.model" 2>&1)
  ours=$(echo "$output" | grep '^trained')
  tested=$(echo "$output" | grep '^tested')
  echo "ours: $ours"
  echo "ours: $tested"
  fi_ms=$(echo "$tested" | sed -E 's/.*\(([0-9.]+) ex\/s\).*/\1/' | awk '{ printf "%.3f", 1000 / $1 }')
  iratio=$(awk -v b="$bi_ms" -v f="$fi_ms" 'BEGIN { printf "%.2f", b / f }')
  f_examples=$(echo "$ours" | sed -E 's/trained ([0-9]+) examples.*/\1/')
  f_s=$(echo "$ours" | sed -E 's/.* in ([0-9.]+) s .*/\1/')
  f_retries=$(echo "$ours" | sed -E 's/.*retries ([0-9]+).*/\1/')
  # from the ex/s figure (one decimal) rather than the seconds (0.1 s resolution)
  f_rate=$(echo "$ours" | sed -E 's/.*\(([0-9.]+) ex\/s\).*/\1/')
  f_ms=$(awk -v r="$f_rate" 'BEGIN { printf "%.3f", 1000 / r }')
  ratio=$(awk -v b="$b_ms" -v f="$f_ms" 'BEGIN { printf "%.2f", b / f }')
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "N=$n: training Brian2 $b_ms ms/example ($b_done examples completed, $b_retries retries, compile ${b_compile} s excluded), fspinn $f_ms ms/example ($f_examples examples, $f_retries retries): Brian2/fspinn = $ratio; inference Brian2 $bi_ms, fspinn $fi_ms ms/example: $iratio (load $load)"
  echo "$n,$k,$brian_version,$b_done,$b_retries,$b_spikes,$b_compile,$b_sim,$b_ms,$commit,$f_examples,$f_retries,$f_s,$f_ms,$ratio,$bi_done,$bi_ms,$fi_ms,$iratio,$load" >> "$csv"
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
cat "$csv"
