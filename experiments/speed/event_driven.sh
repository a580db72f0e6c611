#!/usr/bin/env bash
# Steady-state ms per example, event-driven path vs the unoptimised reference path of the same build (bit-identical
# results, tests/Snn.Tests/Simulation/ReferencePathTests.cs), one after the other, one core, real MNIST: the probe trains
# on the first EXAMPLES images then infers them, and the last chunk of each phase is reported (first-tier JIT code and
# growing buffers are in the first chunk).
# usage: experiments/speed/event_driven.sh [MNIST_DIR] ; env EXAMPLES (default 400), SIZES (default "400 1600")
# writes experiments/speed/event_driven.csv (committed) and prints the same rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export FSPINN_MNIST_DIR=${1:-$root/../shared/datasets/mnist}
examples=${EXAMPLES:-400}
chunk=$((examples / 2))
sizes=${SIZES:-"400 1600"}
csv="$here/event_driven.csv"
commit=$(git -C "$root" rev-parse --short HEAD)
dotnet build "$root/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
source "$here/probe_point.sh"
dll="$root/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
echo "preset,neurons,weights,path,train_ms_per_example,infer_ms_per_example,exc_spikes_per_train_example,load_1min,commit" | tee "$csv"
for preset in dc2015 bindsnet fspinn; do
  for n in $sizes; do
    for weights in Float Int8; do
      for path in reference event-driven; do
        point=$(probe_point "$dll" "$chunk" "$preset" "$n" "$weights" "$examples" "$chunk" $([ "$path" = reference ] && echo reference))
        echo "$preset,$n,$weights,$path,$point,$(cut -d' ' -f1 /proc/loadavg),$commit" | tee -a "$csv"
      done
    done
  done
done
