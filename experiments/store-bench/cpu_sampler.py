"""CPU used after GO by the store benchmark's test workers and by the PostgreSQL server's processes (profile.sh).

usage: cpu_sampler.py GO_FILE STOP_FILE OUT
Waits for GO_FILE, reads utime and stime of every test-worker (`FSpiNN.Dse.TestWorker` in its command line) and
postgres process from /proc, then every 50 ms until STOP_FILE exists (a process's last reading before it exits
counts; workers started after GO are ignored), and writes per group: user and system CPU seconds after GO; and the
machine's user, system, idle and iowait seconds over the same time (/proc/stat). Processes that end within 50 ms of
their last reading lose that much: the numbers are a little low, alike for every variant measured.
"""
import os
import sys
import time

go_file, stop_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
tick = os.sysconf("SC_CLK_TCK")


def processes():
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if not (name.startswith("postgres") or name.startswith("dotnet") or name.startswith("FSpiNN")):
                continue
            command = open(f"/proc/{pid}/cmdline").read()
        except OSError:
            continue
        group = "worker" if "FSpiNN.Dse.TestWorker" in command else "server" if name.startswith("postgres") else None
        if group:
            fields = stat[stat.rindex(")") + 2:].split()
            found[int(pid)] = (group, int(fields[11]), int(fields[12]))
    return found


def machine():
    return [int(x) for x in open("/proc/stat").readline().split()[1:]]


while not os.path.exists(go_file):
    time.sleep(0.005)
start, machine_start, clock = processes(), machine(), time.time()
last = dict(start)
while not os.path.exists(stop_file):
    time.sleep(0.05)
    last.update(processes())
machine_end, wall = machine(), time.time() - clock
totals = {}
for pid, (group, user, system) in last.items():
    if pid not in start and group == "worker":
        continue
    user0, system0 = start[pid][1:] if pid in start else (0, 0)
    t = totals.setdefault(group, [0, 0])
    t[0] += user - user0
    t[1] += system - system0
d = [b - a for a, b in zip(machine_start, machine_end)]
with open(out, "w") as f:
    for group, (user, system) in sorted(totals.items()):
        f.write(f"{group} user {user / tick:.2f} sys {system / tick:.2f}\n")
    f.write(f"machine user {(d[0] + d[1]) / tick:.2f} sys {(d[2] + d[5] + d[6]) / tick:.2f} idle {d[3] / tick:.2f} "
            f"iowait {d[4] / tick:.2f} wall {wall:.2f}\n")
