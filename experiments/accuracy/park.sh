#!/usr/bin/env bash
# Parks the checkpoints of unfinished accuracy runs in the repository, so that a run longer than a session resumes in
# the next one (a session's machine keeps only the repository). run.sh restores a parked checkpoint when its own
# runs/NAME.ckpt is missing and deletes it when the run finishes.
#   experiments/accuracy/park.sh [RUNS_DIR]      (default: the repository's runs/; e.g. a worktree's runs/ folder)
# Writes experiments/accuracy/checkpoints/NAME.ckpt.gz and NAME.seconds (the training seconds of the attempts so far,
# each counted from its start to its last checkpoint, as run.sh counts them). Commit them afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-$(cd "$here/../.." && pwd)/runs}
mkdir -p "$here/checkpoints"
shopt -s nullglob
for ckpt in "$runs"/*.ckpt; do
  name=$(basename "$ckpt" .ckpt)
  seconds=$(cat "$runs/$name.seconds-before" 2>/dev/null || echo 0)
  if [ -f "$runs/$name.started" ]; then
    attempt=$(( $(stat -c %Y "$ckpt") - $(cat "$runs/$name.started") ))
    [ "$attempt" -gt 0 ] && seconds=$(( seconds + attempt ))
  fi
  gzip -c "$ckpt" > "$here/checkpoints/$name.ckpt.gz.tmp" && mv "$here/checkpoints/$name.ckpt.gz.tmp" "$here/checkpoints/$name.ckpt.gz"
  echo "$seconds" > "$here/checkpoints/$name.seconds"
  echo "parked $name ($(du -h "$here/checkpoints/$name.ckpt.gz" | cut -f1), $seconds s of training so far)"
done
