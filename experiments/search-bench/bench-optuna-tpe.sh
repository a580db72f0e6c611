#!/usr/bin/env bash
# Optuna's TPESampler (multi-objective) and MOTPESampler to K = 200 on a table, both settings, one seed at a time in
# the order tpe/none, tpe/median, motpe/none, motpe/median, so that a stop leaves the four with (nearly) the same seeds.
# Each 200-trial run costs 50-100 s of CPU (measured on the 960-point table), so the seeds are split over STREAMS
# parallel streams: stream i runs seeds i, i + STREAMS, ... below SEEDS. Rows go to
# results/optuna-TAG-SETTING-SAMPLER-sSTREAM.csv as each seed finishes; a rerun skips the seeds already there.
# usage: experiments/search-bench/bench-optuna-tpe.sh TAG SPACE TABLE STREAM STREAMS SEEDS   (run it at the niceness wanted)
set -euo pipefail
cd "$(dirname "$0")"
tag=$1 space=$2 table=$3 stream=$4 streams=$5 seeds=$6
for ((seed = stream; seed < seeds; seed += streams)); do
  for sampler in tpe motpe; do
    for b in none median; do
      /usr/bin/python3 bench_optuna.py "$space" "$table" "results/optuna-$tag-$b-$sampler-s$stream.csv" --samplers $sampler \
        --memory-budget $b --first-seed $seed --seeds $((seed + 1)) >> "results/optuna-$tag-$b-$sampler-s$stream.log" 2>&1
    done
  done
done
