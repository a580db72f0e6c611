# Sourced by the store-bench scripts (run.sh, profile.sh, lock-chain-pgbench.sh): one throwaway PostgreSQL server.
#   pg_server_start [SERVER OPTIONS...]   e.g. pg_server_start -c shared_preload_libraries=pg_stat_statements
# needs $tmp (a folder the caller made, deleted with the server at exit) and starts the newest installed server
# (Debian's postgresql-15 here) from a fresh initdb in $tmp/pg/data, trust authentication, on a free loopback port,
# as the postgres user when run as root (the server refuses root). Defines bin and port; as_pg runs a command as the
# server's user, psql_ runs psql on it (unaligned, tuples only), url DATABASE prints its connection URL.
pg_server_start() {
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  mkdir -p "$tmp/pg"; chmod 755 "$tmp"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$tmp/pg"; fi
  port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  as_pg "$bin/initdb" -D "$tmp/pg/data" -A trust -U postgres --no-sync >/dev/null
  as_pg "$bin/pg_ctl" -D "$tmp/pg/data" -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c max_connections=200 $*" \
    -l "$tmp/pg/log" -w start >/dev/null
  trap 'as_pg "$bin/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_() { psql -h 127.0.0.1 -p "$port" -U postgres -At "$@"; }
url() { echo "postgresql://postgres@127.0.0.1:$port/$1"; }
