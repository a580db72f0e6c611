"""Trials per second of one measured run of the store benchmark (run.sh): trials finished at or after GO (the moment
every worker was ready and was told to start, epoch seconds), divided by the time from GO to the last of them.
Prints "COUNT,RATE".

usage: rate.py fspinn-sqlite FILE GO | fspinn-postgresql URL GO | optuna-sqlite FILE GO | optuna-postgresql URL GO
"""
import datetime
import sqlite3
import sys

kind, where, go = sys.argv[1], sys.argv[2], float(sys.argv[3])
if kind.endswith("postgresql"):
    import psycopg2
    table, column = ("fspinn_trials", "finished_utc") if kind.startswith("fspinn") else ("trials", "datetime_complete")
    # fspinn stores timestamptz; Optuna a timestamp without zone in the worker's local time (UTC on the bench machine)
    with psycopg2.connect(where) as c, c.cursor() as cur:
        cur.execute(f"SELECT extract(epoch FROM {column}) FROM {table} WHERE {column} IS NOT NULL")
        finished = [float(r[0]) for r in cur.fetchall()]
else:
    query = "SELECT finished_utc FROM trials" if kind.startswith("fspinn") else "SELECT datetime_complete FROM trials"
    rows = [r[0] for r in sqlite3.connect(where).execute(query) if r[0] is not None]
    finished = [datetime.datetime.fromisoformat(x[:26].rstrip("Z")).replace(tzinfo=datetime.timezone.utc).timestamp() for x in rows]
new = [t for t in finished if t >= go]
print(f"{len(new)},{len(new) / (max(new) - go):.1f}")
