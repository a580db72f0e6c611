# Sourced by the speed scripts. probe_point DLL CHUNK ARGS...: runs `dotnet DLL probe ARGS...` (the steady-state probe
# of experiments/Benchmarks) and prints "train_ms,infer_ms,exc_spikes" of the chunk that starts at example CHUNK.
probe_point() {
  local dll=$1 chunk=$2 out
  shift 2
  out=$(dotnet "$dll" probe "$@")
  local train infer spikes
  train=$(echo "$out" | grep "^train,$chunk," | cut -d, -f4)
  infer=$(echo "$out" | grep "^infer,$chunk," | cut -d, -f4)
  spikes=$(echo "$out" | grep "^train,$chunk," | cut -d, -f5)
  echo "$train,$infer,$spikes"
}
