#!/usr/bin/env bash
# Store benchmark: trials claimed and completed per second with a zero-cost evaluator, for fspinn's SQLite and
# PostgreSQL storages and Optuna 3.1's RDB storage on the same databases (an SQLite file; the same PostgreSQL server),
# with 1, 4 and 16 worker processes, when the study already holds 100 and 10,000 trials.
#
#   [SIZES="100 10000"] [WORKERS="1 4 16"] [TOOLS="fspinn-sqlite optuna-sqlite fspinn-postgresql optuna-postgresql"] \
#     experiments/store-bench/run.sh [OUT.csv] [WINDOW]
#
# Each configuration: the study is filled to STORED trials first (not timed; one filled copy per tool, backend and
# size, cloned per worker count: a file copy, or CREATE DATABASE ... TEMPLATE). Then W worker processes start, open
# the study and say they are ready; once all are, they are told to go at one moment GO, and run WINDOW more trials
# between them (each fspinn worker runs until the study's budget is used up, each Optuna worker WINDOW / W trials).
# Rate = trials finished after GO / (last finish - GO), read from the store: process start-up and imports are not
# timed, for either tool, nor is an fspinn worker's one-time read of the stored trials and replay of the strategy
# over them (done before it says ready, as an Optuna worker loads its study before; its time is the worker_load_s
# column: the slowest worker's). load_average: the 1-minute load average when the run ended (the machine is shared).
# Starts its own throwaway PostgreSQL server (as the postgres user when run as root) and removes it at the end.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo/experiments/store-bench/results.csv}"
window="${2:-2000}"                # trials measured per row: 125 per worker at 16 (a few per worker time start-up, not throughput)
sizes="${SIZES:-100 10000}"        # stored-trial counts to measure at
worker_counts="${WORKERS:-1 4 16}"
tools="${TOOLS:-fspinn-sqlite optuna-sqlite fspinn-postgresql optuna-postgresql}"
want() { [[ " $tools " == *" $1 "* ]]; }
cd "$repo"
here="$repo/experiments/store-bench"

sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! /usr/bin/python3 -c "import optuna, psycopg2" 2>/dev/null; then
  $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-optuna python3-psycopg2 >/dev/null
fi
tmp="$(mktemp -d /tmp/fspinn-store-bench.XXXX)"
# The worker is published ReadyToRun (precompiled: a new process does not JIT its claim path first) and runs without
# tiered compilation (its project file says why); README.md has what each did to the 16-worker rate
rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
dotnet publish tests/Dse.TestWorker -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$tmp/worker" -v q -nologo >/dev/null
worker="dotnet $tmp/worker/FSpiNN.Dse.TestWorker.dll"
mkdir "$tmp/run"
# shellcheck source=pg-server.sh
. "$here/pg-server.sh"
pg_server_start
clone_file() { rm -f "$2"*; for f in "$1"*; do cp "$f" "$2${f#"$1"}"; done; }

space=(--max-neurons 100000)  # 2 x 4000 x 3 = 24,000 candidates, more than 10,000 + WINDOW
fspinn() { $worker "$1" random "$total" 1 0 none "${space[@]}" "${@:2}"; }
optuna_() { /usr/bin/python3 "$here/optuna_bench.py" "$@"; }

# Starts W workers ("$@" i READY GO), waits until every one is ready, then tells them all to go; sets $go.
go_run() {
  local workers=$1; shift
  rm -f "$tmp"/run/*; local pids=()
  for i in $(seq "$workers"); do "$@" "$tmp/run/ready.$i" "$tmp/run/go" & pids+=($!); done   # run.sh itself runs at nice 10
  while [ "$(find "$tmp/run" -name 'ready.*' | wc -l)" -lt "$workers" ]; do
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || [ "$(find "$tmp/run" -name 'ready.*' | wc -l)" -ge "$workers" ] \
      || { echo "a worker ended before it was ready; stopping" >&2; kill "${pids[@]}" 2>/dev/null; exit 1; }; done
    sleep 0.05
  done
  go=$(date +%s.%N); touch "$tmp/run/go"
  wait "${pids[@]}"
  # the slowest worker's one-time read of the stored trials before it said ready (fspinn; Optuna workers write nothing)
  load_s=$(cat "$tmp"/run/ready.* | sort -g | tail -1); load_s=${load_s:-}
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
}
fspinn_worker() { fspinn "$1" --lease-ms 60000 --ready-file "$2" --go-file "$3" >/dev/null; }
optuna_worker() { optuna_ work "$1" bench "$per" "$2" "$3"; }

echo "storage,stored_trials,workers,trials_measured,trials_per_s,window,worker_load_s,load_average" > "$out"
for stored in $sizes; do
  total=$((stored + window))
  # filled studies (fspinn definition: random strategy, seed 1, budget STORED + WINDOW; Optuna: random sampler)
  if want fspinn-sqlite || want fspinn-postgresql; then
    fspinn "$tmp/fill-$stored.db" --stop-after "$stored" >/dev/null
    psql_ -c "CREATE DATABASE fill_$stored" >/dev/null
    fspinn "$(url fill_$stored)" --copy-from "$tmp/fill-$stored.db" >/dev/null   # the same trials, one transaction
  fi
  # Optuna: one transaction through its ORM models (optuna_bench.py fill; add_trials took too long at 10,000)
  for url_ in "sqlite:///$tmp/optuna-fill-$stored.db" "$(url optuna_fill_$stored)"; do
    want optuna-sqlite || want optuna-postgresql || continue
    [[ $url_ == postgresql* ]] && psql_ -c "CREATE DATABASE optuna_fill_$stored" >/dev/null
    optuna_ fill "$url_" bench "$stored"
  done
  for workers in $worker_counts; do
    per=$(( (window + workers - 1) / workers ))
    if want fspinn-sqlite; then
      clone_file "$tmp/fill-$stored.db" "$tmp/s.db"
      go_run "$workers" fspinn_worker "$tmp/s.db"
      echo "fspinn-sqlite,$stored,$workers,$(/usr/bin/python3 "$here/rate.py" fspinn-sqlite "$tmp/s.db" "$go"),$window,$load_s,$load_avg" | tee -a "$out"
    fi
    if want optuna-sqlite; then
      clone_file "$tmp/optuna-fill-$stored.db" "$tmp/o.db"
      go_run "$workers" optuna_worker "sqlite:///$tmp/o.db"
      echo "optuna-3.1-rdb-sqlite,$stored,$workers,$(/usr/bin/python3 "$here/rate.py" optuna-sqlite "$tmp/o.db" "$go"),$window,$load_s,$load_avg" | tee -a "$out"
    fi
    if want fspinn-postgresql; then
      db="run_${stored}_$workers"; psql_ -c "CREATE DATABASE $db TEMPLATE fill_$stored" >/dev/null
      go_run "$workers" fspinn_worker "$(url $db)"
      echo "fspinn-postgresql,$stored,$workers,$(/usr/bin/python3 "$here/rate.py" fspinn-postgresql "$(url $db)" "$go"),$window,$load_s,$load_avg" | tee -a "$out"
    fi
    if want optuna-postgresql; then
      db="optuna_${stored}_$workers"; psql_ -c "CREATE DATABASE $db TEMPLATE optuna_fill_$stored" >/dev/null
      go_run "$workers" optuna_worker "$(url $db)"
      echo "optuna-3.1-rdb-postgresql,$stored,$workers,$(/usr/bin/python3 "$here/rate.py" optuna-postgresql "$(url $db)" "$go"),$window,$load_s,$load_avg" | tee -a "$out"
    fi
  done
done
