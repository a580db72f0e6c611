#!/usr/bin/env bash
# Bit-identity check for refactorings (issue #18): trains small models of every preset and precision, prices them and
# runs a small search, all with one build, into OUT; with REF, compares every file against that earlier run.
#   experiments/refactor-check/check.sh BIN_DIR OUT_DIR [REF_DIR]
# BIN_DIR holds a published fspinn.dll (dotnet publish src/Cli -c Release -o BIN_DIR). Models are compared with cmp;
# console outputs (cmp too) after replacing the directory names and removing the lines that carry wall times; frontier.csv without its timing columns.
# Data: the embedded 1,000/200 MNIST sample (no --data), so the check needs nothing outside the repo.
set -euo pipefail
bin=$1; out=$2; ref=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
run() { nice -n 10 dotnet "$bin/fspinn.dll" "$@"; }
# for comparison: the output directory's name replaced, and the lines that carry wall times dropped
# ("in 1.2 s", "(12.3 ex/s)", the explore progress line "[6/6 4.9 s] ...", and a pass's progress lines before its end,
# "train: 160/200", which redirected output prints every 10 s, so only on a slow or loaded machine)
normalised() {
  sed "s#$2#OUT#g" "$1" | grep -v -E '[0-9] s( |$|\)|\]|;)|ex/s|elapsed|seconds' \
    | awk '!(/^[a-z]+: [0-9]+\/[0-9]+$/ && split($2, n, "/") == 2 && n[1] != n[2])' || true
}

n=${N:-100}
train() {   # name, then train options
  local name=$1; shift
  [[ -f "$out/$name.model" ]] && return
  run train --neurons "$n" --train-samples 200 --test-samples 100 --seed 7 --threads 1 --out "$out/$name.model" "$@" > "$out/$name.train.txt"
}
train dc2015-f32      --network dc2015
train dc2015-8-itq    --network dc2015 --bits 8 --quantize itq --rounding sr
train dc2015-8-ptq    --network dc2015 --bits 8 --quantize ptq --rounding rn
train bindsnet-f32    --network bindsnet
train bindsnet-8-ptq  --network bindsnet --bits 8 --quantize ptq --rounding rn
train bindsnet-8-itq  --network bindsnet --bits 8 --quantize itq --rounding sr
train bindsnet-16-itq-u10 --network bindsnet --bits 16 --quantize itq --rounding tr --set update_interval=10
train fspinn-f32      --network fspinn --quantize none --bits 32
train fspinn-8-itq    --network fspinn
train fspinn-8-ptq    --network fspinn --bits 8 --quantize ptq --rounding rn
train fspinn-4-itq    --network fspinn --bits 4 --quantize itq --rounding sr
train fspinn-12-itq-eta --network fspinn --bits 12 --quantize itq --rounding rn --set eta_pre=0.0001 --set adaptive_potentiation=false

for m in "$out"/*.model; do
  b=$(basename "$m" .model)
  for ex in event dense; do
    run cost --from-run "$m" --execution $ex > "$out/$b.cost-$ex.txt"
  done
done
for net in dc2015 bindsnet fspinn; do
  for bits in 32 8; do
    for ex in event dense; do
      q=$([[ $bits == 32 ]] && echo none || echo itq)
      run cost --network $net --neurons 400 --bits $bits --quantize $q --execution $ex > "$out/analytic-$net-$bits-$ex.txt"
    done
  done
done

if [[ ! -f "$out/explore/frontier.csv" ]]; then
  rm -rf "$out/explore"
  run explore --space "$here/space.json" --strategy grid --seed 3 --workers 1 --out "$out/explore" > "$out/explore.txt"
fi
# frontier.csv without timing columns (names containing seconds/time)
/usr/bin/python3 - "$out/explore/frontier.csv" "$out/frontier-untimed.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
keep = [i for i, h in enumerate(rows[0]) if not any(k in h for k in ("seconds", "time", "elapsed", "created", "finished", "started"))]
with open(sys.argv[2], "w", newline='') as f:
    w = csv.writer(f)
    for r in rows: w.writerow([r[i] for i in keep if i < len(r)])
PY

if [[ -n "$ref" ]]; then
  fail=0
  for f in "$ref"/*.model "$ref"/*.txt "$ref"/frontier-untimed.csv; do
    b=$(basename "$f")
    case $b in
      *.model|*.csv) same=$(cmp -s "$f" "$out/$b" && echo y || echo n) ;;
      *) same=$(cmp -s <(normalised "$f" "$ref") <(normalised "$out/$b" "$out") && echo y || echo n) ;;
    esac
    if [[ $same == y ]]; then echo "same    $b"; else echo "DIFFERS $b"; fail=1; fi
  done
  [[ $fail == 0 ]] && echo "ALL IDENTICAL" || { echo "SOME DIFFER"; exit 1; }
fi
