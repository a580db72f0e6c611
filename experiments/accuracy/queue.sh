#!/usr/bin/env bash
# Runs the accuracy experiments one after another (each on one core), skipping those already in results.csv, so
# that a stopped session resumes where it stopped:  nohup experiments/accuracy/queue.sh [LIST] &
# LIST is a file of lines "NAME DATASET -- fspinn train options" (default: experiments/accuracy/runs-fspinn.txt).
# A line "@OTHER.txt" runs that list (in this folder) at that point.
# DATASET is a folder name under ../shared/datasets or an absolute path.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
list=${1:?usage: queue.sh LIST (e.g. experiments/accuracy/runs-fspinn.txt)}
while read -r name dataset rest; do
  [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
  if [ "${name:0:1}" = "@" ]; then "$0" "$here/${name:1}"; continue; fi   # @LIST: run that list here
  if [ -f "$here/results.csv" ] && grep -q "^$name," "$here/results.csv"; then
    echo "skip $name (already in results.csv)"; continue
  fi
  case "$dataset" in /*) data=$dataset ;; *) data="$root/../shared/datasets/$dataset" ;; esac
  # shellcheck disable=SC2086
  nice -n 5 "$here/run.sh" "$name" "$data" $rest < /dev/null || echo "FAILED $name"
done < "$list"
