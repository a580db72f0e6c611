#!/usr/bin/env bash
# Training ms per example of an OLDER commit and this build, alternating OLD, NEW for ROUNDS rounds at every point
# (the steady-state probe with `phases`, second half of the run, as floor.sh sizes it), then the median of each side and
# their ratio: on a loaded machine one alternation is noise, the median of several is less so.
# usage: experiments/speed/rounds.sh [OLD (default 64f81e3)] [MNIST_DIR] ; env EXAMPLES (default 200; below N = 1600
#        EXAMPLES x 1600 / N), SIZES (default "400 1600 4900"), POINTS (default "fspinn:Int8 fspinn:Float bindsnet:Float
#        bindsnet:Int8"), ROUNDS (default 3)
# writes experiments/speed/rounds_OLD_NEW.csv (every run) and prints the medians.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$(git -C "$root" rev-parse --short "${1:-64f81e3}")
new=$(git -C "$root" rev-parse --short HEAD)
export FSPINN_MNIST_DIR=${2:-$root/../shared/datasets/mnist}
base_examples=${EXAMPLES:-200}; rounds=${ROUNDS:-3}
sizes=${SIZES:-"400 1600 4900"}
points=${POINTS:-"fspinn:Int8 fspinn:Float bindsnet:Float bindsnet:Int8"}
work=$(mktemp -d /tmp/fspinn-rounds-XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/$old" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add -q --detach "$work/$old" "$old"
if ! grep -q '"phases"' "$work/$old/experiments/Benchmarks/SteadyStateProbe.cs"; then
  git -C "$work/$old" apply "$here/profile_hooks_64f81e3.patch"
fi
dotnet build "$work/$old/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
dotnet build "$root/experiments/Benchmarks" -c Release --nologo -v quiet >/dev/null
newdll="$root/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
olddll="$work/$old/experiments/Benchmarks/bin/Release/net10.0/FSpiNN.Benchmarks.dll"
csv="$here/rounds_${old}_${new}.csv"
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load at start:$(uptime | sed 's/.*load average://')"
echo "commit,preset,weights,neurons,round,load_1min,ms,cpu_ms,encoding_ms,neuron_ms,learning_ms,delivery_ms,normalisation_ms,exc_spikes" > "$csv"
for point in $points; do
  preset=${point%%:*}; weights=${point##*:}
  for n in $sizes; do
    examples=$((base_examples * (1600 > n ? 1600 : n) / n)); chunk=$((examples / 2))
    for round in $(seq "$rounds"); do
      for c in "$old" "$new"; do
        dll=$([ "$c" = "$old" ] && echo "$olddll" || echo "$newdll")
        out=$(dotnet "$dll" probe "$preset" "$n" "$weights" "$examples" "$chunk" phases)
        main=$(echo "$out" | grep "^train,$chunk," | cut -d, -f4,10)
        phases=$(echo "$out" | grep "^phases,train,$chunk," | cut -d, -f5-)
        spikes=$(echo "$out" | grep "^train,$chunk," | cut -d, -f5)
        echo "$c,$preset,$weights,$n,$round,$(cut -d' ' -f1 /proc/loadavg),$main,$phases,$spikes" >> "$csv"
      done
    done
  done
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
/usr/bin/python3 - "$csv" "$old" "$new" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
old, new = sys.argv[2], sys.argv[3]
keys = []
for r in rows:
    k = (r['preset'], r['weights'], r['neurons'])
    if k not in keys: keys.append(k)
cols = ['ms', 'cpu_ms', 'learning_ms', 'normalisation_ms']
print('| preset | weights | N | ' + ' | '.join(f'{c}: old → new (old / new)' for c in cols) + ' | runs |')
print('| --- | --- | ---: | ' + ' | '.join('---' for _ in cols) + ' | ---: |')
for k in keys:
    sel = lambda c: [r for r in rows if (r['preset'], r['weights'], r['neurons']) == k and r['commit'] == c]
    cells = []
    for col in cols:
        o = statistics.median(float(r[col]) for r in sel(old)); n = statistics.median(float(r[col]) for r in sel(new))
        cells.append(f'{o:.3f} → {n:.3f} ({o / n:.2f})' if n > 0 else f'{o:.3f} → {n:.3f}')
    print(f'| {k[0]} | {k[1]} | {k[2]} | ' + ' | '.join(cells) + f' | {len(sel(new))} |')
PY
