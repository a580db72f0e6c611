#!/usr/bin/env bash
# Parks the checkpoints of unfinished accuracy runs in the repository, so that a run longer than a session resumes in
# the next one (a session's machine keeps only the repository). run.sh restores a parked checkpoint when its own
# runs/NAME.ckpt is missing and deletes it when the run finishes.
#   experiments/accuracy/park.sh [RUNS_DIR]      (default: the repository's runs/; e.g. a worktree's runs/ folder)
# Writes experiments/accuracy/checkpoints/NAME.ckpt.gz (the training checkpoint), NAME.ckpt.sweep (the finished points
# of an inhibition sweep) and NAME.seconds (the seconds of the attempts so far, each counted from its start to its last
# checkpoint or sweep point, as run.sh counts them). Commit them afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=attempts.sh
. "$here/attempts.sh"
runs=${1:-$(cd "$here/../.." && pwd)/runs}
mkdir -p "$here/checkpoints"
shopt -s nullglob
declare -A parked   # a run with both files is met twice: parked once
for state in "$runs"/*.ckpt "$runs"/*.ckpt.sweep; do
  name=$(basename "$state"); name=${name%.sweep}; name=${name%.ckpt}
  [ -n "${parked[$name]:-}" ] && continue; parked[$name]=1
  ckpt="$runs/$name.ckpt"; sweep="$ckpt.sweep"
  seconds=$(seconds_so_far "$runs" "$name")
  rm -f "$here/checkpoints/$name.ckpt.gz" "$here/checkpoints/$name.ckpt.sweep"
  [ -f "$ckpt" ] && gzip -c "$ckpt" > "$here/checkpoints/$name.ckpt.gz.tmp" && mv "$here/checkpoints/$name.ckpt.gz.tmp" "$here/checkpoints/$name.ckpt.gz"
  [ -f "$sweep" ] && cp "$sweep" "$here/checkpoints/$name.ckpt.sweep"
  echo "$seconds" > "$here/checkpoints/$name.seconds"
  echo "parked $name ($(du -ch "$here/checkpoints/$name".ckpt* | tail -1 | cut -f1), $seconds s so far)"
done
