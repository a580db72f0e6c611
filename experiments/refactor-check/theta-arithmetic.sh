#!/usr/bin/env bash
# θ's decay arithmetic (theta_decay_arithmetic, issue #15): checks that the bindsnet and fspinn presets, whose default is
# BindsNET's float32 step, train models bit-identical to the code before θ's decay was made exact (FLOAT_COMMIT,
# default 3a63711~1), and that dc2015, whose default stays exact, trains models bit-identical to EXACT_COMMIT (default
# 8c66e0a, the last commit before the parameter), and dc2015 given the float32 step to FLOAT_COMMIT too, and bindsnet and
# fspinn given the exact decay to EXACT_COMMIT (where every preset decayed θ exactly; the θ-exact ablation reruns of
# runs-theta-exact-fashion-s4-5.txt pass that option). Small models (N = 100, 300 training images of the embedded sample),
# exported to .npz; every array but the configuration is compared. Prints one line per model and ALL IDENTICAL or
# DIFFERENCES at the end.
#   experiments/refactor-check/theta-arithmetic.sh [FLOAT_COMMIT] [EXACT_COMMIT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
float_commit=${1:-3a63711~1}; exact_commit=${2:-8c66e0a}
tmp=$(mktemp -d /tmp/fspinn-theta-check.XXXX)
trap 'git -C "$root" worktree remove --force "$tmp/src-float" 2>/dev/null; git -C "$root" worktree remove --force "$tmp/src-exact" 2>/dev/null; rm -rf "$tmp"' EXIT
publish() { git -C "$root" worktree add -q "$tmp/src-$1" "$2" && dotnet publish "$tmp/src-$1/src/Cli" -c Release -o "$tmp/bin-$1" --nologo -v quiet >/dev/null; }
publish float "$float_commit"; publish exact "$exact_commit"
dotnet publish "$root/src/Cli" -c Release -o "$tmp/bin-now" --nologo -v quiet >/dev/null
train() {   # bin, out dir, name, options
  local bin=$1 out=$2 name=$3; shift 3; mkdir -p "$out"
  dotnet "$bin/fspinn.dll" train --neurons 100 --train-samples 300 --test-samples 100 --seed 7 --threads 1 --out "$out/$name.model" "$@" > "$out/$name.txt"
  dotnet "$bin/fspinn.dll" export --model "$out/$name.model" --npz "$out/$name.npz" > /dev/null
}
float_models=(bindsnet-f32 bindsnet-8-itq bindsnet-16-itq-u10 fspinn-f32 fspinn-8-itq fspinn-4-itq dc2015-f32-float32step)
options() {
  case $1 in
    bindsnet-f32) echo "--network bindsnet" ;;
    bindsnet-8-itq) echo "--network bindsnet --bits 8 --quantize itq --rounding sr" ;;
    bindsnet-16-itq-u10) echo "--network bindsnet --bits 16 --quantize itq --rounding tr --set update_interval=10" ;;
    fspinn-f32) echo "--network fspinn --quantize none --bits 32" ;;
    fspinn-8-itq) echo "--network fspinn" ;;
    fspinn-4-itq) echo "--network fspinn --bits 4 --quantize itq --rounding sr" ;;
    dc2015-f32) echo "--network dc2015" ;;
    dc2015-8-itq) echo "--network dc2015 --bits 8 --quantize itq --rounding sr" ;;
    # dc2015 given the float32 step: the old code's arithmetic for every preset (the option is new, so not passed to it)
    dc2015-f32-float32step) echo "--network dc2015" ;;
    # bindsnet and fspinn given the exact decay: the arithmetic of every preset at EXACT_COMMIT
    bindsnet-8-itq-exact) echo "--network bindsnet --bits 8 --quantize itq --rounding sr" ;;
    fspinn-8-itq-exact) echo "--network fspinn" ;;
  esac
}
exact_models=(dc2015-f32 dc2015-8-itq bindsnet-8-itq-exact fspinn-8-itq-exact)
# trains model M with the REF commit's build and with this tree's, which alone is given the arithmetic a -float32step or
# -exact suffix names (the option is newer than both commits)
compare() {   # REF M
  local ref=$1 m=$2 extra=()
  case $m in *-float32step) extra=(--set theta_decay_arithmetic=float32-step) ;; *-exact) extra=(--set theta_decay_arithmetic=exact) ;; esac
  # shellcheck disable=SC2046
  train "$tmp/bin-$ref" "$tmp/$ref" "$m" $(options "$m"); train "$tmp/bin-now" "$tmp/now" "$m" $(options "$m") "${extra[@]}"
}
for m in "${float_models[@]}"; do compare float "$m"; done
for m in "${exact_models[@]}"; do compare exact "$m"; done
/usr/bin/python3 - "$tmp" "${float_models[*]}" "${exact_models[*]}" <<'PY'
import sys, numpy as np
tmp, float_models, exact_models = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
pairs = [(m, "float") for m in float_models] + [(m, "exact") for m in exact_models]
bad = 0
for name, ref in pairs:
    a, b = np.load(f"{tmp}/{ref}/{name}.npz"), np.load(f"{tmp}/now/{name}.npz")
    keys = sorted(k for k in set(a.files) | set(b.files) if k != "config")
    diff = [k for k in keys if k not in a.files or k not in b.files or a[k].shape != b[k].shape or not np.array_equal(a[k], b[k])]
    bad += bool(diff)
    print(f"{name}: against the {ref} commit's build: " + ("identical (" + ", ".join(keys) + ")" if not diff else "DIFFERENT: " + ", ".join(diff)))
print("ALL IDENTICAL" if bad == 0 else f"DIFFERENCES in {bad} models")
sys.exit(1 if bad else 0)
PY
