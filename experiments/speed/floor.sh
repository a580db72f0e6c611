#!/usr/bin/env bash
# The floor model (docs/performance.md): per-kernel throughputs measured by BenchmarkDotNet (FloorKernelBenchmarks,
# FloorStepBenchmarks) and, in the same run, the steady-state probe with `phases` of this build and of an OLDER commit
# (built in a temporary worktree; experiments/speed/profile_hooks_64f81e3.patch adds the phase timer to a build that
# lacks it), alternating point by point, plus this build on 2 threads. floor_table.py multiplies each run's own work
# counts by the kernel throughputs to get a per-phase floor and prints our time against it.
# usage: experiments/speed/floor.sh [OLD (default 64f81e3)] [MNIST_DIR] ; env EXAMPLES (default 200: the second half is
#        reported; below N = 1600 the run is longer, EXAMPLES x 1600 / N, see below), SIZES (default "400 1600 4900"),
#        POINTS (default "fspinn:Int8 fspinn:Float bindsnet:Float bindsnet:Int8"),
#        KERNELS=0 to reuse experiments/speed/floor_kernels.csv (the kernels are measured at SIZES only),
#        TWO_THREADS=0 to skip the runs of this build on 2 threads (meaningless on a loaded machine)
# The first half of a run is the warm-up: the JIT's tiers (tier 0, instrumented, optimised) take a few hundred examples
# at N = 400 (experiments/speed/warmup.sh), more than 100, so smaller networks run more examples to report a steady state.
# Sized for about 7 minutes on an idle 2-core machine with SIZES="1600 4900" (an estimate from the probe and kernel counts).
# writes experiments/speed/floor_kernels.csv, floor_runs.csv and floor.md (commit them with the run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$(git -C "$root" rev-parse --short "${1:-64f81e3}")
new=$(git -C "$root" rev-parse --short HEAD)
export FSPINN_MNIST_DIR=${2:-$root/../shared/datasets/mnist}
base_examples=${EXAMPLES:-200}
sizes=${SIZES:-"400 1600 4900"}
points=${POINTS:-"fspinn:Int8 fspinn:Float bindsnet:Float bindsnet:Int8"}
work=$(mktemp -d /tmp/fspinn-floor-XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/$old" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add -q --detach "$work/$old" "$old"
if ! grep -q '"phases"' "$work/$old/experiments/Benchmarks/SteadyStateProbe.cs"; then
  git -C "$work/$old" apply "$here/profile_hooks_64f81e3.patch"
fi
dotnet build "$work/$old/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
dotnet build "$root/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
newdll="$root/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
olddll="$work/$old/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load at start:$(uptime | sed 's/.*load average://')"
if [ "${KERNELS:-1}" != 0 ]; then
  (cd "$work" && FLOOR_SIZES="$sizes" dotnet "$newdll" --filter '*FloorKernelBenchmarks*' '*FloorStepBenchmarks*' --artifacts "$work/bdn" >"$work/bdn.log" 2>&1)
  /usr/bin/python3 "$here/floor_table.py" kernels "$work/bdn/results" > "$here/floor_kernels.csv"
  echo "# kernels measured at $new, load now:$(uptime | sed 's/.*load average://')"
fi
runs="$here/floor_runs.csv"
echo "commit,preset,weights,neurons,threads,load_1min,phase,ms,cpu_ms,encoding_ms,neuron_ms,learning_ms,delivery_ms,normalisation_ms,row_adds,row_width,weight_bits,neuron_steps,time_steps,stdp_weight_writes,normalised_weights,exc_spikes" > "$runs"
probe() { # commit dll threads preset n weights
  local out load examples chunk
  examples=$((base_examples * (1600 > $5 ? 1600 : $5) / $5)); chunk=$((examples / 2))
  if [ "$3" = 1 ]; then out=$(dotnet "$2" probe "$4" "$5" "$6" "$examples" "$chunk" phases)
  else out=$(dotnet "$2" probe "$4" "$5" "$6" "$examples" "$chunk" phases "threads=$3"); fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  for phase in train infer; do
    local main phases work
    main=$(echo "$out" | grep "^$phase,$chunk," | cut -d, -f4,10)
    phases=$(echo "$out" | grep "^phases,$phase,$chunk," | cut -d, -f5-)
    work=$(echo "$out" | grep "^work,$phase,$chunk," | cut -d, -f5-)
    echo "$1,$4,$6,$5,$3,$load,$phase,$main,$phases,$work" | tee -a "$runs"
  done
}
for point in $points; do
  preset=${point%%:*}; weights=${point##*:}
  for n in $sizes; do
    probe "$old" "$olddll" 1 "$preset" "$n" "$weights"
    probe "$new" "$newdll" 1 "$preset" "$n" "$weights"
    if [ "${TWO_THREADS:-1}" != 0 ]; then probe "$new" "$newdll" 2 "$preset" "$n" "$weights"; fi
  done
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
/usr/bin/python3 "$here/floor_table.py" table "$here/floor_kernels.csv" "$runs" | tee "$here/floor.md"
