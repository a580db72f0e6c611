#!/usr/bin/env bash
# Profile of fspinn's PostgreSQL storage at W workers (README.md, "Run 8"): one throwaway PostgreSQL 15 server with
# pg_stat_statements and WAL timing, a study filled to 100 trials, then for each source tree in turn (alternated,
# REPS times) W test workers started and told to go as in run.sh, with the CPU of the workers and of the server after
# GO (cpu_sampler.py), pg_stat_statements (calls, rows, total time per statement) and pg_stat_wal (WAL flushes and
# their time) of that run. Root only (the server runs as the postgres user).
#
#   [REPS=1] [WORKERS=16] [WINDOW=2000] [PERF=1] [SERVER_OPTIONS='-c NAME=VALUE ...'] \
#     experiments/store-bench/profile.sh OUTDIR [ENV=VALUE@]TREE...
#
# TREE: a source tree of this repository (its tests/Dse.TestWorker is published ReadyToRun, as run.sh does);
# ENV=VALUE@TREE runs that tree's workers with one environment variable set. PERF=1 also records `perf record -a -g`
# of each run (set DOTNET_PerfMapEnabled=1 for the names of JIT-compiled .NET code). SERVER_OPTIONS are passed to
# the server (e.g. '-c synchronous_commit=off', to see what the WAL flushes cost). Prints one line per run:
# trials, rate, CPU seconds after GO (server, workers, machine); OUTDIR/LABEL.{cpu,pgss,wal} hold the details.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir=$1; shift; trees=("$@")
reps=${REPS:-1}; window=${WINDOW:-2000}; workers=${WORKERS:-16}; stored=100
mkdir -p "$outdir"
tmp="$(mktemp -d /tmp/fspinn-store-profile.XXXX)"; mkdir "$tmp/run"
# shellcheck source=pg-server.sh
. "$here/pg-server.sh"
pg_server_start -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c track_io_timing=on -c track_wal_io_timing=on ${SERVER_OPTIONS:-}
total=$((stored + window))
rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
for i in "${!trees[@]}"; do
  (cd "${trees[$i]#*@}" && dotnet publish tests/Dse.TestWorker -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$tmp/worker$i" -v q -nologo >/dev/null)
done
first="dotnet $tmp/worker0/FSpiNN.Dse.TestWorker.dll"
$first "$tmp/fill.db" random "$total" 1 0 none --max-neurons 100000 --stop-after $stored >/dev/null
psql_ -c "CREATE DATABASE fill" >/dev/null
$first "$(url fill)" random "$total" 1 0 none --max-neurons 100000 --copy-from "$tmp/fill.db" >/dev/null
for rep in $(seq "$reps"); do
  for i in "${!trees[@]}"; do
    t=${trees[$i]}; label="r$rep-t$i"; envs=""; [[ "$t" == *@* ]] && envs="${t%@*}"
    db="run_${rep}_$i"; psql_ -c "CREATE DATABASE $db TEMPLATE fill" >/dev/null
    psql_ -d "$db" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
    rm -f "$tmp"/run/*; pids=()
    for k in $(seq "$workers"); do
      env $envs dotnet "$tmp/worker$i/FSpiNN.Dse.TestWorker.dll" "$(url $db)" random "$total" 1 0 none --max-neurons 100000 --lease-ms 60000 \
        --ready-file "$tmp/run/ready.$k" --go-file "$tmp/run/go" >/dev/null 2>"$outdir/$label.err.$k" & pids+=($!)
    done
    while [ "$(find "$tmp/run" -name 'ready.*' | wc -l)" -lt "$workers" ]; do sleep 0.05; done
    psql_ -d "$db" -c "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')" >/dev/null
    /usr/bin/python3 "$here/cpu_sampler.py" "$tmp/run/go" "$tmp/run/stop" "$outdir/$label.cpu" & sampler=$!
    sleep 0.3
    if [ -n "${PERF:-}" ]; then perf record -F 499 -a -g -o "$outdir/$label.perf" 2>/dev/null & perf=$!; sleep 0.5; fi
    go=$(date +%s.%N); touch "$tmp/run/go"
    wait "${pids[@]}"
    touch "$tmp/run/stop"; wait $sampler
    if [ -n "${PERF:-}" ]; then kill -INT $perf; wait $perf || true; fi
    rate=$(/usr/bin/python3 "$here/rate.py" fspinn-postgresql "$(url $db)" "$go")
    psql_ -d "$db" -F $'\t' -c "SELECT calls, rows, round(total_exec_time::numeric, 1), left(regexp_replace(query, '\s+', ' ', 'g'), 160) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$db') ORDER BY total_exec_time DESC" > "$outdir/$label.pgss"
    psql_ -d "$db" -c "SELECT 'wal_sync', wal_sync, round(wal_sync_time::numeric, 1), 'wal_write', wal_write, round(wal_write_time::numeric, 1) FROM pg_stat_wal" > "$outdir/$label.wal"
    echo "$label $t trials,rate=$rate $(tr '\n' ' ' < "$outdir/$label.cpu")"
  done
done
