#!/usr/bin/env bash
# Training and inference time per example of two builds, alternated (old, new, old, new, ...) so that the ratio holds on
# a loaded machine: fspinn 8-bit and bindsnet float32 at N = 1600, 400 examples of the embedded sample in chunks of 100,
# with the steady-state probe (docs/performance.md). OLD and NEW are Benchmarks build directories
# (dotnet build experiments/Benchmarks -c Release, then a copy of bin/Release/net10.0).
#   experiments/refactor-check/probe.sh OLD_DIR NEW_DIR OUT_DIR [ROUNDS]
# Prints the medians over rounds and steady-state chunks (examples 100-399) of the probe thread's CPU time and the wall
# time per example, and the largest bytes allocated per example in those chunks (must be 0).
set -euo pipefail
old=$1; new=$2; out=$3; rounds=${4:-3}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for cfg in "fspinn 1600 Int8" "bindsnet 1600 Float"; do
    name=${cfg// /-}
    nice -n 10 dotnet "$old/FSpiNN.Benchmarks.dll" probe $cfg 400 100 > "$out/$name.old.$r.csv"
    nice -n 10 dotnet "$new/FSpiNN.Benchmarks.dll" probe $cfg 400 100 > "$out/$name.new.$r.csv"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import csv, glob, statistics as st, sys
d = sys.argv[1]
for cfg in ['fspinn-1600-Int8', 'bindsnet-1600-Float']:
    for phase in ['train', 'infer']:
        cols = {}
        for b in ['old', 'new']:
            rows = [r for f in sorted(glob.glob(f'{d}/{cfg}.{b}.*.csv')) for r in csv.reader(open(f)) if r and r[0] == phase and int(r[1]) >= 100]
            cols[b] = ([float(r[9]) for r in rows], [float(r[3]) for r in rows], max(float(r[7]) for r in rows))
        (oc, ow, ob), (nc, nw, nb) = cols['old'], cols['new']
        print(f"{cfg} {phase}: CPU ms/example {st.median(oc):.3f} -> {st.median(nc):.3f} (new/old {st.median(nc)/st.median(oc):.3f}); "
              f"wall {st.median(ow):.3f} -> {st.median(nw):.3f} (new/old {st.median(nw)/st.median(ow):.3f}); "
              f"bytes/example {ob:.0f} -> {nb:.0f}; {len(oc)} chunks each")
PY
