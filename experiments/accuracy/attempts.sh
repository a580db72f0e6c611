# Sourced by run.sh and park.sh, so that both count a run's time the same way.
# seconds_so_far RUNS_DIR NAME prints the training seconds of NAME's attempts so far: those recorded before the current
# attempt (RUNS_DIR/NAME.seconds-before), plus the current, stopped attempt's from its start (NAME.started) to its last
# checkpoint or finished sweep point (the newer of NAME.ckpt and NAME.ckpt.sweep); what came after that is trained again.
seconds_so_far() {
  local runs=$1 name=$2 seconds last attempt
  seconds=$(cat "$runs/$name.seconds-before" 2>/dev/null || echo 0)
  if [ -f "$runs/$name.started" ]; then
    last=$( (stat -c %Y "$runs/$name.ckpt" "$runs/$name.ckpt.sweep" 2>/dev/null || true) | sort -n | tail -1)
    attempt=$(( ${last:-0} - $(cat "$runs/$name.started") ))
    [ "$attempt" -gt 0 ] && seconds=$(( seconds + attempt ))
  fi
  echo "$seconds"
}
