#!/usr/bin/env bash
# Training time of fspinn 8-bit N = 400 on the 1,000 images of the embedded sample, two builds alternated in one run
# (A B A B ...), so that the ratio holds on a loaded machine:  experiments/refactor-check/time.sh OLD_BIN NEW_BIN [ROUNDS]
set -euo pipefail
old=$1; new=$2; rounds=${3:-2}
tmp=$(mktemp -d)
secs() { nice -n 10 dotnet "$1/fspinn.dll" train --network fspinn --neurons 400 --bits 8 --train-samples 1000 --label-samples 1 \
           --test-samples 1 --threads 1 --seed 1 --out "$tmp/m.model" | sed -n 's/^trained .* in \([0-9.]*\) s .*/\1/p'; }
for r in $(seq 1 "$rounds"); do
  a=$(secs "$old"); b=$(secs "$new")
  echo "round $r: old $a s, new $b s, new/old $(/usr/bin/python3 -c "print(f'{$b/$a:.3f}')")"
done
rm -rf "$tmp"
