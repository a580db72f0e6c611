#!/usr/bin/env bash
# Steady-state ms per example of two commits of the simulator, one after the other on the same machine in one run:
# the steady-state probe (experiments/Benchmarks, `probe PRESET N Float|Int8 EXAMPLES CHUNK`) of each commit, built in
# a temporary worktree, alternating OLD and NEW for every point; the last chunk of each phase is reported.
# usage: experiments/speed/compare_commits.sh OLD NEW [MNIST_DIR] ; env EXAMPLES (default 400), SIZES (default "400 1600")
# writes experiments/speed/compare_OLD_NEW.csv (commit it with the run) and prints the same rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$(git -C "$root" rev-parse --short "$1"); new=$(git -C "$root" rev-parse --short "$2")
export FSPINN_MNIST_DIR=${3:-$root/../shared/datasets/mnist}
examples=${EXAMPLES:-400}
chunk=$((examples / 2))
sizes=${SIZES:-"400 1600"}
work=$(mktemp -d /tmp/fspinn-compare-XXXXXX)
trap 'for c in "$old" "$new"; do git -C "$root" worktree remove --force "$work/$c" 2>/dev/null || true; done; rm -rf "$work"' EXIT
for c in "$old" "$new"; do
  git -C "$root" worktree add -q --detach "$work/$c" "$c"
  dotnet build "$work/$c/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
done
csv="$here/compare_${old}_${new}.csv"
source "$here/probe_point.sh"
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), data $FSPINN_MNIST_DIR, load at start:$(uptime | sed 's/.*load average://')"
echo "preset,neurons,weights,commit,train_ms_per_example,infer_ms_per_example,exc_spikes_per_train_example,load_1min" | tee "$csv"
for preset in dc2015 bindsnet fspinn; do
  for n in $sizes; do
    for weights in Float Int8; do
      for c in "$old" "$new"; do
        point=$(probe_point "$work/$c/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll" "$chunk" "$preset" "$n" "$weights" "$examples" "$chunk")
        echo "$preset,$n,$weights,$c,$point,$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$csv"
      done
    done
  done
done
