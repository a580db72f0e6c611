#!/usr/bin/env bash
# The JIT warm-up of the steady-state probe: ms per training example in chunks of CHUNK examples from the first one, for
# an OLDER commit (built in a temporary worktree) and this build, alternating, at each point. Shows how many examples a
# probe must discard before it reports a steady state (floor.sh, compare_commits.sh report the second half of a run).
# usage: experiments/speed/warmup.sh [OLD (default 64f81e3)] [MNIST_DIR] ; env POINTS (default "fspinn:400:Float
#        fspinn:400:Int8 bindsnet:400:Float bindsnet:400:Int8"), EXAMPLES (default 400), CHUNK (default 25), ROUNDS (default 1)
# writes experiments/speed/warmup.csv: commit, point, first example of the chunk, wall and CPU ms per example, load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$(git -C "$root" rev-parse --short "${1:-64f81e3}")
new=$(git -C "$root" rev-parse --short HEAD)
export FSPINN_MNIST_DIR=${2:-$root/../shared/datasets/mnist}
examples=${EXAMPLES:-400}; chunk=${CHUNK:-25}; rounds=${ROUNDS:-1}
points=${POINTS:-"fspinn:400:Float fspinn:400:Int8 bindsnet:400:Float bindsnet:400:Int8"}
work=$(mktemp -d /tmp/fspinn-warmup-XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/$old" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add -q --detach "$work/$old" "$old"
if ! grep -q '"phases"' "$work/$old/experiments/Benchmarks/SteadyStateProbe.cs"; then
  git -C "$work/$old" apply "$here/profile_hooks_64f81e3.patch"   # the probe's CPU-time column (as floor.sh)
fi
dotnet build "$work/$old/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
dotnet build "$root/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
newdll="$root/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
olddll="$work/$old/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
csv="$here/warmup.csv"
echo "# $(nproc) cores, load at start:$(uptime | sed 's/.*load average://')"
echo "commit,preset,neurons,weights,round,first_example,ms,cpu_ms,load_1min" > "$csv"
for point in $points; do
  IFS=: read -r preset n weights <<< "$point"
  for round in $(seq "$rounds"); do
    for c in "$old" "$new"; do
      dll=$([ "$c" = "$old" ] && echo "$olddll" || echo "$newdll")
      out=$(dotnet "$dll" probe "$preset" "$n" "$weights" "$examples" "$chunk")
      load=$(cut -d' ' -f1 /proc/loadavg)
      echo "$out" | grep '^train,' | cut -d, -f2,4,10 | sed "s/^/$c,$preset,$n,$weights,$round,/; s/$/,$load/" >> "$csv"
      echo "$c $preset $n $weights: cpu ms per example by chunk: $(grep "^$c,$preset,$n,$weights,$round," "$csv" | cut -d, -f8 | tr '\n' ' ')"
    done
  done
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
