#!/usr/bin/env bash
# Labelling/testing on 1 thread vs 2 threads, same model and data, one after the other (whole-process wall time of
# `fspinn test`, minus a 10-example run for start-up and loading). Appends to experiments/speed/two_cores.csv.
# usage: experiments/speed/two_cores.sh MODEL DATA_DIR [TEST_SAMPLES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$1; data=$2; samples=${3:-10000}
bin="$root/src/Cli/bin/Release/net10.0/fspinn.dll"
[ -f "$bin" ] || dotnet build "$root/src/Cli" -c Release -v quiet --nologo >/dev/null
wall() { local s e; s=$(date +%s.%N); dotnet "$bin" test --model "$model" --data "$data" --test-samples "$1" --threads "$2" > "/tmp/two_cores.$2.$1.txt"; e=$(date +%s.%N); echo "$e - $s" | bc; }
base=$(wall 10 1)
t1=$(wall "$samples" 1)
t2=$(wall "$samples" 2)
acc1=$(grep '^accuracy' "/tmp/two_cores.1.$samples.txt"); acc2=$(grep '^accuracy' "/tmp/two_cores.2.$samples.txt")
[ "$acc1" = "$acc2" ] || echo "WARNING: accuracy differs between 1 and 2 threads" >&2
speedup=$(echo "scale=3; ($t1 - $base) / ($t2 - $base)" | bc)
csv="$root/experiments/speed/two_cores.csv"
[ -f "$csv" ] || echo "model,test_samples,commit,load_1min,startup_s,one_thread_s,two_threads_s,speedup,same_accuracy" > "$csv"
load=$(cut -d' ' -f1 /proc/loadavg)
echo "$(basename "$model"),$samples,$(git -C "$root" rev-parse --short HEAD),$load,$base,$t1,$t2,$speedup,$([ "$acc1" = "$acc2" ] && echo yes || echo no)" >> "$csv"
echo "$(basename "$model"): 1 thread $t1 s, 2 threads $t2 s, start-up $base s -> speed-up $speedup (load $load)"
