#!/usr/bin/env bash
# How fast can PostgreSQL itself hand one row lock around, with a commit (a WAL flush) per pass? pgbench (a C client:
# almost no client CPU) on a throwaway server, 1 and 16 clients, 10 s each, two transaction shapes (README.md, run 8):
#   one:  one statement per transaction that bumps a counter row (locking it) and inserts a row numbered from it, as
#         fspinn's finish does, and as a claim that held the lock for no client turn would;
#   turn: BEGIN, SELECT … FOR UPDATE of the row, a read, an insert, the counter bump, COMMIT, each its own round trip,
#         as a claim that decides between its read and its writes (fspinn's today) does.
# Root only (the server runs as the postgres user). Prints pgbench's transactions per second.
set -euo pipefail
tmp="$(mktemp -d /tmp/fspinn-lock-chain.XXXX)"
# shellcheck source=pg-server.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg-server.sh"
pg_server_start
psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE TABLE studies (id int PRIMARY KEY, seq bigint); INSERT INTO studies VALUES (1, 0);
  CREATE TABLE trials (seq bigint PRIMARY KEY, x text); CREATE SEQUENCE s START 1000000000;"
cat > "$tmp/one.sql" <<'SQL'
WITH s AS (UPDATE studies SET seq = seq + 1 WHERE id = 1 RETURNING seq) INSERT INTO trials SELECT s.seq, repeat('x', 600) FROM s;
SQL
cat > "$tmp/turn.sql" <<'SQL'
BEGIN;
SELECT seq FROM studies WHERE id = 1 FOR UPDATE;
SELECT count(*) FROM trials WHERE seq > 0 AND seq < 20;
INSERT INTO trials SELECT nextval('s'), repeat('x', 600);
UPDATE studies SET seq = seq + 1 WHERE id = 1;
COMMIT;
SQL
chmod 644 "$tmp"/*.sql
for shape in one turn; do
  for clients in 1 16; do
    tps=$("$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c "$clients" -j 2 -T 10 -f "$tmp/$shape.sql" postgres 2>/dev/null | grep -E '^tps' | sed 's/ (without.*//')
    echo "$shape clients=$clients: $tps"
  done
done
