#!/usr/bin/env bash
# Exports a bindsnet and an fspinn network (N = 100, trained on the embedded MNIST sample) to .npz and NIR and checks
# both files with Debian's NumPy and h5py (experiments/interop/verify.py). Output: experiments/interop/results.txt.
# Needs: apt-get install -y python3-h5py python3-numpy (Debian's /usr/bin/python3, not a pyenv one).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=experiments/interop/results.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/Cli -c Release -v quiet -nologo >/dev/null
fspinn=src/Cli/bin/Release/net10.0/fspinn
{
  echo "# experiments/interop/run.sh at commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# h5py $(/usr/bin/python3 -c 'import h5py; print(h5py.__version__)'), numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
  for network in bindsnet fspinn; do
    echo
    echo "\$ fspinn train --network $network --neurons 100 --out $network.model"
    "$fspinn" train --network "$network" --neurons 100 --out "$work/$network.model" | grep -E '^(network|accuracy)'
    echo "\$ fspinn export --model $network.model --npz $network.npz --nir $network.nir"
    "$fspinn" export --model "$work/$network.model" --npz "$work/$network.npz" --nir "$work/$network.nir"
    echo "\$ fspinn import --npz $network.npz --out $network-imported.model && fspinn test --model $network-imported.model"
    "$fspinn" import --npz "$work/$network.npz" --out "$work/$network-imported.model" | grep -v '^model written'
    "$fspinn" test --model "$work/$network-imported.model" | grep '^accuracy'
    ls -l "$work/$network.npz" "$work/$network.nir" | awk '{print $5, $NF}' | sed "s|$work/||"
    /usr/bin/python3 experiments/interop/verify.py "$network" "$work/$network.npz" "$work/$network.nir" data/mnist-sample
  done
  echo
  echo "== BindsNET layout written by numpy: only the arrays a BindsNET user saves (float64 weights, no labels, no config)"
  /usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
work = sys.argv[1]
z = np.load(f"{work}/bindsnet.npz")
np.savez(f"{work}/from-numpy.npz", X_to_Ae=z["X_to_Ae"].astype(np.float64), theta=z["theta"],
         Ae_to_Ai=z["Ae_to_Ai"], Ai_to_Ae=z["Ai_to_Ae"])
print("numpy.savez from-numpy.npz: " + ", ".join(f"{k} {v.dtype}{v.shape}" for k, v in np.load(f"{work}/from-numpy.npz").items()))
PY
  echo "\$ fspinn import --npz from-numpy.npz --network bindsnet --out from-numpy.model && fspinn test --model from-numpy.model"
  "$fspinn" import --npz "$work/from-numpy.npz" --network bindsnet --out "$work/from-numpy.model" | grep -v '^model written'
  "$fspinn" test --model "$work/from-numpy.model" | grep '^accuracy'
  echo "(the bindsnet model above, labelled on the same 1,000 images with the same seed: its accuracy line must be the same)"
} | sed "s|$work/||g" | tee "$out"
