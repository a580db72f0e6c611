#!/usr/bin/env bash
# The search benchmark on the complete N = 25-900 table (1,280 points; issue #13), both settings (no budget; the
# table's median memory):
#   ours: the in-process harness, 30 seeds, K <= 200 (tpe, random, nsga2, tpe without its exact-memory term, halving,
#         tpe-halving), and tpe on the same table read through its conditional space (tpe-conditional);
#   Optuna 3.1: random and NSGA-II with 30 seeds; TPE and MOTPE with SEEDS seeds (default 10; each 200-trial run costs
#         50-100 s of CPU) split over STREAMS parallel streams (bench-optuna-tpe.sh, default 2);
# then results/summary-n1280.{csv,md} and results/hypervolume-n1280.png. Everything at nice NICE (default 10).
# Every step appends per-seed rows and skips the seeds already in its CSV, so rerunning a stopped run resumes it.
# usage: [NICE=10] experiments/search-bench/bench-n25-900.sh [SEEDS] [STREAMS]
set -euo pipefail
cd "$(dirname "$0")"
seeds=${1:-10} streams=${2:-2} nice=${NICE:-10}
space=space-mnist-1k-n25-900.json
table=table-mnist-1k-n25-900.csv
harness=Harness/bin/Release/net10.0/FSpiNN.SearchBench.dll
# the harness's and bench_optuna.py's "median": the (n/2)-th smallest memory of the table's rows (= its grid points)
median=$(/usr/bin/python3 -c "import csv; m = sorted(float(r['memory_bytes']) for r in csv.DictReader(open('$table'))); print(repr(m[len(m) // 2 - 1]))")
dotnet build Harness -c Release --nologo -v quiet >/dev/null
pids=()
for ((s = 0; s < streams; s++)); do
  nice -n "$nice" ./bench-optuna-tpe.sh n1280 $space $table $s "$streams" "$seeds" & pids+=($!)
done
for b in none median; do
  nice -n "$nice" dotnet $harness $space $table results/ours-n1280-$b.csv --seeds 30 --memory-budget $b \
    --strategies tpe,random,nsga2,tpe-nomem,halving,tpe-halving >> results/ours-n1280-$b.log
  # the same budget as the grid space's: "median" of the conditional space would be the median of its 816 candidates
  nice -n "$nice" dotnet $harness space-mnist-1k-n25-900-conditional.json $table results/ours-conditional-n1280-$b.csv \
    --seeds 30 --memory-budget "$([ $b = none ] && echo none || echo "$median")" --strategies tpe >> results/ours-conditional-n1280-$b.log
  nice -n "$nice" /usr/bin/python3 bench_optuna.py $space $table results/optuna-n1280-$b-random-nsga2.csv --seeds 30 \
    --samplers random,nsga2 --memory-budget $b >> results/optuna-n1280-$b-random-nsga2.log 2>&1
done
wait "${pids[@]}"
/usr/bin/python3 summarize.py n1280 results/ours-n1280-*.csv results/optuna-n1280-*.csv \
  tpe-conditional=results/ours-conditional-n1280-none.csv tpe-conditional=results/ours-conditional-n1280-median.csv
