#!/usr/bin/env bash
# Short retraining of the MNIST size sweep for the cost model (issue 14): baseline (bindsnet, I->E 120, float32) and
# fspinn at N = 100 ... 4900 on 2,000 training images (labelled on them), 1,000 test images, one core each; then
# baseline / FSpiNN ratios from the exact counts with experiments/cost/compare.sh, with the default profile and with
# every weight in DRAM.
# usage: experiments/cost/retrain_sizes.sh MNIST_DIR [SAMPLES]   (models and logs in runs/cost-SAMPLES/, not committed)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$1; samples=${2:-2000}
out="$root/runs/cost-$samples"; mkdir -p "$out"
bin="$root/src/Cli/bin/Release/net10.0/fspinn.dll"
[ -f "$bin" ] || dotnet build "$root/src/Cli" -c Release -v quiet --nologo >/dev/null
sizes="100 400 900 1600 2500 3600 4900"
for n in $sizes; do
  dotnet "$bin" train --network bindsnet --neurons $n --set w_inh_exc=120 --data "$data" --train-samples $samples \
    --label-samples $samples --test-samples 1000 --threads 1 --out "$out/bindsnet-n$n.model" > "$out/bindsnet-n$n.log"
  dotnet "$bin" train --network fspinn --neurons $n --data "$data" --train-samples $samples \
    --label-samples $samples --test-samples 1000 --threads 1 --out "$out/fspinn-n$n.model" > "$out/fspinn-n$n.log"
done
csv="$root/experiments/cost/ratios-retrained-$samples.csv"; dram="$root/experiments/cost/ratios-retrained-$samples-weights-in-dram.csv"
rm -f "$csv" "$dram"
for n in $sizes; do
  "$root/experiments/cost/compare.sh" "$out/bindsnet-n$n.model" "$out/fspinn-n$n.model" "$csv"
  PROFILE="$root/profiles/horowitz-45nm-weights-in-dram.json" "$root/experiments/cost/compare.sh" "$out/bindsnet-n$n.model" "$out/fspinn-n$n.model" "$dram"
done
