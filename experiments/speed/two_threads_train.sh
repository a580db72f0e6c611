#!/usr/bin/env bash
# Training one network on 1 thread vs 2 threads (`fspinn train --threads T`), same data and seed, alternating
# T = 1, 2, 1, 2, ...: the training time the CLI prints, the whole-process wall time and the process CPU time
# (user + sys), and `cmp` of the two models (they must be byte-identical). Appends to experiments/speed/two_threads_train.csv.
# (two_cores.sh compares labelling/testing, which runs one simulator per thread.)
# usage: experiments/speed/two_threads_train.sh [DATA_DIR (default ../shared/datasets/mnist)]
#        env SIZES (default "1600 4900"), PRESETS (default "fspinn:8 bindsnet:32", preset:bits), SAMPLES (training
#        examples, default 4000), ROUNDS (alternations, default 2)
# Sized for about 5 minutes on an idle 2-core machine with the defaults (an estimate from single-thread probe times).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/datasets/mnist}
sizes=${SIZES:-"1600 4900"}
presets=${PRESETS:-"fspinn:8 bindsnet:32"}
samples=${SAMPLES:-4000}
rounds=${ROUNDS:-2}
bin="$root/src/Cli/bin/Release/net10.0/fspinn.dll"
dotnet build "$root/src/Cli" -c Release -v quiet --nologo >/dev/null
work=$(mktemp -d /tmp/fspinn-two-cores-XXXXXX)
trap 'rm -rf "$work"' EXIT
csv="$root/experiments/speed/two_threads_train.csv"
[ -f "$csv" ] || echo "commit,preset,bits,neurons,train_samples,threads,round,load_1min,train_s,process_wall_s,process_cpu_s,model_identical_to_1_thread" > "$csv"
commit=$(git -C "$root" rev-parse --short HEAD)
echo "# $(nproc) cores, load at start:$(uptime | sed 's/.*load average://')"
for point in $presets; do
  preset=${point%%:*}; bits=${point##*:}
  bitsarg=(); [ "$bits" != 32 ] && bitsarg=(--bits "$bits")
  for n in $sizes; do
    for round in $(seq 1 "$rounds"); do
      for threads in 1 2; do
        model="$work/$preset-$n-$bits-t$threads-r$round.model"
        log="$work/$preset-$n-$threads-$round.log"
        /usr/bin/time -f "%e %U %S" -o "$log.time" dotnet "$bin" train --network "$preset" --neurons "$n" "${bitsarg[@]}" \
          --data "$data" --train-samples "$samples" --label-samples 500 --test-samples 200 --threads "$threads" --out "$model" > "$log"
        train=$(grep -o 'trained [0-9]* examples in [0-9.]* s' "$log" | awk '{print $5}')
        read -r wall user sys < "$log.time"
        cpu=$(echo "$user + $sys" | bc)
        same=n/a
        if [ "$threads" = 2 ]; then
          cmp -s "$work/$preset-$n-$bits-t1-r$round.model" "$model" && same=yes || same=NO
        fi
        load=$(cut -d' ' -f1 /proc/loadavg)
        echo "$commit,$preset,$bits,$n,$samples,$threads,$round,$load,$train,$wall,$cpu,$same" | tee -a "$csv"
      done
    done
  done
done
echo "# load at end:$(uptime | sed 's/.*load average://')"
