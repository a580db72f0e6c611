#!/usr/bin/env bash
# Store benchmark: trials claimed and completed per second with a zero-cost evaluator, for fspinn's SQLite and
# PostgreSQL storages and Optuna 3.1's RDB storage on the same PostgreSQL server, with 1, 4 and 16 worker processes,
# when the study already holds 100 and 10,000 trials.
#
#   [SIZES="100 10000"] experiments/store-bench/run.sh [OUT.csv] [WINDOW]
#
# Each configuration: the study is filled to STORED trials first (not timed; one filled copy per backend and size,
# cloned per worker count: a file copy, or CREATE DATABASE ... TEMPLATE), then W worker processes start together
# and run WINDOW (default 400) more trials. Rate = (WINDOW - 1) / (last - first completion time among those trials),
# read from the store, so process start-up and the replay of the stored trials are not counted.
# Starts its own throwaway PostgreSQL server (as the postgres user when run as root) and removes it at the end.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo/experiments/store-bench/results.csv}"
window="${2:-400}"
sizes="${SIZES:-100 10000}"   # stored-trial counts to measure at
cd "$repo"

sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! /usr/bin/python3 -c "import optuna, psycopg2" 2>/dev/null; then
  $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-optuna python3-psycopg2 >/dev/null
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dotnet build tests/Dse.TestWorker -c Release -v q -nologo >/dev/null
worker="dotnet $repo/tests/Dse.TestWorker/bin/Release/net10.0/FSpiNN.Dse.TestWorker.dll"

tmp="$(mktemp -d /tmp/fspinn-store-bench.XXXX)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp"
port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg "$bin/initdb" -D "$tmp/data" -A trust -U postgres --no-sync >/dev/null
as_pg "$bin/pg_ctl" -D "$tmp/data" -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=200" -l "$tmp/log" -w start >/dev/null
trap 'as_pg "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
psql_() { psql -h 127.0.0.1 -p "$port" -U postgres -At "$@"; }
url() { echo "postgresql://postgres@127.0.0.1:$port/$1"; }

space=(--max-neurons 50000)   # 2 x 2000 x 3 = 12,000 candidates, more than 10,000 + WINDOW
rate_fspinn_pg() { psql_ -d "$1" -c "SELECT round((count(*) - 1) / extract(epoch FROM max(finished_utc) - min(finished_utc)), 1) FROM fspinn_trials WHERE number >= $2"; }
rate_fspinn_sqlite() { /usr/bin/python3 - "$1" "$2" <<'PY'
import sqlite3, sys, datetime
rows = [r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT finished_utc FROM trials WHERE number >= ?", (int(sys.argv[2]),))]
t = sorted(datetime.datetime.fromisoformat(x[:26].rstrip("Z")) for x in rows)
print(round((len(t) - 1) / (t[-1] - t[0]).total_seconds(), 1))
PY
}
rate_optuna() { psql_ -d "$1" -c "SELECT round((count(*) - 1) / extract(epoch FROM max(datetime_complete) - min(datetime_complete)), 1) FROM trials WHERE number >= $2 AND state = 'COMPLETE'"; }

echo "storage,stored_trials,workers,trials_per_s,window" > "$out"
for stored in $sizes; do
  total=$((stored + window))
  # filled studies, one per backend (definition: random strategy, seed 1, budget STORED + WINDOW)
  $worker "$tmp/fill-$stored.db" random "$total" 1 0 none "${space[@]}" --stop-after "$stored" >/dev/null
  psql_ -c "CREATE DATABASE fill_$stored" >/dev/null
  $worker "$(url fill_$stored)" random "$total" 1 0 none "${space[@]}" --stop-after "$stored" >/dev/null
  psql_ -c "CREATE DATABASE optuna_fill_$stored" >/dev/null
  /usr/bin/python3 experiments/store-bench/optuna_bench.py fill "$(url optuna_fill_$stored)" bench "$stored"
  for workers in 1 4 16; do
    per=$(( (window + workers - 1) / workers ))
    # fspinn SQLite
    rm -f "$tmp"/s.db*; for f in "$tmp/fill-$stored.db"*; do cp "$f" "$tmp/s.db${f#$tmp/fill-$stored.db}"; done
    pids=(); for i in $(seq "$workers"); do $worker "$tmp/s.db" random "$total" 1 0 none "${space[@]}" --lease-ms 60000 >/dev/null & pids+=($!); done; wait "${pids[@]}"
    echo "fspinn-sqlite,$stored,$workers,$(rate_fspinn_sqlite "$tmp/s.db" "$stored"),$window" | tee -a "$out"
    # fspinn PostgreSQL
    db="run_${stored}_$workers"; psql_ -c "CREATE DATABASE $db TEMPLATE fill_$stored" >/dev/null
    pids=(); for i in $(seq "$workers"); do $worker "$(url $db)" random "$total" 1 0 none "${space[@]}" --lease-ms 60000 >/dev/null & pids+=($!); done; wait "${pids[@]}"
    echo "fspinn-postgresql,$stored,$workers,$(rate_fspinn_pg "$db" "$stored"),$window" | tee -a "$out"
    # Optuna RDB on the same server
    db="optuna_${stored}_$workers"; psql_ -c "CREATE DATABASE $db TEMPLATE optuna_fill_$stored" >/dev/null
    pids=(); for i in $(seq "$workers"); do /usr/bin/python3 experiments/store-bench/optuna_bench.py work "$(url $db)" bench "$per" & pids+=($!); done; wait "${pids[@]}"
    echo "optuna-3.1-rdb-postgresql,$stored,$workers,$(rate_optuna "$db" "$stored"),$window" | tee -a "$out"
  done
done
