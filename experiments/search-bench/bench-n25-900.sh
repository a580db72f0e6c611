#!/usr/bin/env bash
# The search benchmark on the N = 25-900 table (issue #13), both settings (no budget; the table's median memory):
#   ours: the in-process harness, 30 seeds, K <= 200 (random, nsga2, halving, tpe, tpe-halving, and tpe without its
#         exact-memory term), and tpe on the same table read through its conditional space;
#   Optuna 3.1: random and NSGA-II with 30 seeds, TPE and MOTPE with SEEDS seeds (default 10; each 200-trial run is
#         about 80 s of CPU), the four TPE/MOTPE streams in parallel;
# then results/summary-n1280.{csv,md} and results/hypervolume-n1280.png. Everything at nice 10.
# usage: experiments/search-bench/bench-n25-900.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")"
seeds=${1:-10}
space=space-mnist-1k-n25-900.json
table=table-mnist-1k-n25-900.csv
harness=Harness/bin/Release/net10.0/FSpiNN.SearchBench.dll
dotnet build Harness -c Release --nologo -v quiet >/dev/null
pids=()
for b in none median; do
  nice -n 10 /usr/bin/python3 bench_optuna.py $space $table results/optuna-n1280-$b-tpe.csv --seeds "$seeds" --samplers tpe --memory-budget $b > results/optuna-n1280-$b-tpe.log 2>&1 & pids+=($!)
  nice -n 10 /usr/bin/python3 bench_optuna.py $space $table results/optuna-n1280-$b-motpe.csv --seeds "$seeds" --samplers motpe --memory-budget $b > results/optuna-n1280-$b-motpe.log 2>&1 & pids+=($!)
done
for b in none median; do
  nice -n 10 dotnet $harness $space $table results/ours-n1280-$b.csv --seeds 30 --memory-budget $b \
    --strategies random,nsga2,halving,tpe,tpe-halving,tpe-nomem > results/ours-n1280-$b.log
  nice -n 10 dotnet $harness space-mnist-1k-n25-900-conditional.json $table results/ours-conditional-n1280-$b.csv --seeds 30 \
    --memory-budget $b --strategies tpe > results/ours-conditional-n1280-$b.log
  sed -i 's/^tpe,/tpe-conditional,/' results/ours-conditional-n1280-$b.csv
  nice -n 10 /usr/bin/python3 bench_optuna.py $space $table results/optuna-n1280-$b-random-nsga2.csv --seeds 30 \
    --samplers random,nsga2 --memory-budget $b > results/optuna-n1280-$b-random-nsga2.log 2>&1
done
wait "${pids[@]}"
/usr/bin/python3 summarize.py n1280 results/ours-n1280-*.csv results/ours-conditional-n1280-*.csv results/optuna-n1280-*.csv
