#!/usr/bin/python3
"""Checks fspinn's exports with the reference readers' own libraries: NumPy for the .npz, h5py for the NIR graph.

Usage: verify.py MODEL_NAME NPZ NIR SAMPLE_DIR
  NPZ, NIR     files written by `fspinn export`
  SAMPLE_DIR   data/mnist-sample (the embedded MNIST sample's gzipped IDX files)

The .npz is read with plain numpy.load (allow_pickle=False, as a stranger to fspinn would). The NIR file is walked
with h5py the way NIR's reader (nir.read) does: root "version", graph under "node", one group per node with a
"type" and the fields that type requires, "edges" as (E, 2) strings. Then the graph is run in NumPy as a NIR reader
would discretise it (forward Euler at the metadata's dt, spikes 0/1 per step, recurrent edges one step late, Poisson
input at max_input_rate * pixel / 255 for presentation_s), and its output spikes classified with the exported labels.
Prints one line per check; exits 1 if a check fails.
"""
import gzip
import json
import sys

import h5py
import numpy as np

failures = 0


def check(ok, what):
    global failures
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures += 1


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


name, npz_path, nir_path, sample = sys.argv[1:5]
print(f"== {name}")

# ---- .npz with plain numpy ----
z = np.load(npz_path, allow_pickle=False)
print("npz arrays: " + ", ".join(f"{k} {z[k].dtype}{z[k].shape}" for k in z.files))
w = z["X_to_Ae"]
n = w.shape[1]
check(w.dtype == np.float32 and w.shape == (784, n), f"X_to_Ae is float32 (784, {n})")
check(z["theta"].shape == (n,) and z["theta"].dtype == np.float32, "theta is float32 (N,)")
config = json.loads(z["config"].item())
check(config["format"] == "fspinn-npz" and config["neurons"] == n, "config is JSON naming the format and N")
params = config["parameters"]
if params["inhibition"] == "layer":
    check(np.array_equal(z["Ae_to_Ai"], np.eye(n, dtype=np.float32) * np.float32(params["w_exc_inh"])), "Ae_to_Ai = w_exc_inh * I")
    check(np.array_equal(z["Ai_to_Ae"], -np.float32(params["w_inh_exc"]) * (1 - np.eye(n, dtype=np.float32))), "Ai_to_Ae = -w_inh_exc * (1 - I)")
else:
    check(np.array_equal(z["Ae_to_Ae"], -np.float32(params["w_inh"]) * (1 - np.eye(n, dtype=np.float32))), "Ae_to_Ae = -w_inh * (1 - I)")
assignments = z["assignments"]
check(assignments.dtype == np.int64 and assignments.min() >= -1 and assignments.max() <= 9, "assignments int64 in -1..9")
check(z["rates"].shape == (n, 10), "rates (N, 10)")
check(np.array_equal(np.where(z["rates"].max(axis=1) > 0, z["rates"].argmax(axis=1), -1), assignments),
      "assignments = argmax of rates (-1 where silent)")

# ---- NIR with h5py, as nir.read walks it ----
REQUIRED = {"Input": ["shape"], "Output": ["shape"], "Linear": ["weight"], "Affine": ["weight", "bias"],
            "LIF": ["tau", "r", "v_leak", "v_threshold", "v_reset"]}
f = h5py.File(nir_path, "r")
check(f["version"][()].decode("utf8").startswith("1."), f"version {f['version'][()].decode('utf8')}")
g = f["node"]
check(g["type"][()] == b"NIRGraph", "node/type = NIRGraph")
nodes = {}
for key, node in g["nodes"].items():
    kind = node["type"][()].decode("utf8")
    missing = [field for field in REQUIRED.get(kind, ["?"]) if field not in node]
    check(kind in REQUIRED and not missing, f"node {key}: {kind} with {', '.join(REQUIRED.get(kind, []))}")
    nodes[key] = (kind, {k: node[k][()] for k in node if k != "type"})
edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in g["edges"][()]]
print("edges: " + ", ".join(f"{a}->{b}" for a, b in edges))
check(all(a in nodes and b in nodes for a, b in edges), "every edge joins two nodes")


def out_size(key):
    kind, p = nodes[key]
    return int(p["shape"][0]) if kind in ("Input", "Output") else p["weight"].shape[0] if kind in ("Linear", "Affine") else p["tau"].shape[0]


def in_size(key):
    kind, p = nodes[key]
    return int(p["shape"][0]) if kind in ("Input", "Output") else p["weight"].shape[1] if kind in ("Linear", "Affine") else p["tau"].shape[0]


check(all(out_size(a) == in_size(b) for a, b in edges), "sizes agree along every edge (NIR's type check)")
for key, (kind, p) in nodes.items():
    if kind == "LIF":
        check(all(p[k].shape == p["tau"].shape for k in REQUIRED["LIF"]), f"{key}: LIF parameters all of shape {p['tau'].shape}")
meta = {k: g["metadata"][k][()] for k in g["metadata"]}
dt = float(meta["dt"])
print(f"metadata: dt {dt} s, presentation {float(meta['presentation_s'])} s, rate {float(meta['max_input_rate_hz'])} Hz, weights {meta['weights'].decode()}")
check(np.array_equal(nodes["input_weights"][1]["weight"], w.T), "NIR input weights = X_to_Ae transposed")
check(np.allclose(nodes["exc"][1]["v_threshold"], np.float32(params["exc_threshold"]) - np.float32(params["theta_offset"]) + z["theta"]),
      "exc thresholds = threshold - offset + theta")

# ---- run the NIR graph in NumPy on the 200 sample test images ----
images = idx(f"{sample}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float64)
labels = idx(f"{sample}/t10k-labels-idx1-ubyte.gz")
rng = np.random.default_rng(1)
steps = int(round(float(meta["presentation_s"]) / dt))
p_spike = images / 255.0 * float(meta["max_input_rate_hz"]) * dt
lifs = [k for k, (kind, _) in nodes.items() if kind == "LIF"]
v = {k: np.tile(nodes[k][1]["v_leak"].astype(np.float64), (len(images), 1)) for k in lifs}
spikes = {k: np.zeros_like(v[k]) for k in lifs}
counts = np.zeros((len(images), n))
incoming = {k: [a for a, b in edges if b == k] for k in nodes}


def source_of(linear):
    return [a for a, b in edges if b == linear][0]


for t in range(steps):
    x = (rng.random(images.shape) < p_spike).astype(np.float64)
    previous = {k: s.copy() for k, s in spikes.items()}
    for k in lifs:
        _, p = nodes[k]
        current = np.zeros_like(v[k])
        for linear in incoming[k]:
            pre = source_of(linear)
            s = x if nodes[pre][0] == "Input" else previous[pre]
            current += s @ nodes[linear][1]["weight"].astype(np.float64).T
        v[k] += dt / p["tau"] * (p["v_leak"] - v[k] + p["r"] * current)
        fired = v[k] > p["v_threshold"]
        v[k][fired] = np.broadcast_to(p["v_reset"], v[k].shape)[fired]
        spikes[k] = fired.astype(np.float64)
    counts += spikes["exc"]
classes = meta["class_of_output"]
scores = np.stack([counts[:, classes == c].mean(axis=1) if (classes == c).any() else np.zeros(len(images)) for c in range(10)], axis=1)
predicted = scores.argmax(axis=1)
accuracy = (predicted == labels).mean()
print(f"NumPy run of the NIR graph, 200 sample test images: accuracy {100 * accuracy:.2f} %, "
      f"mean output spikes per image {counts.sum(axis=1).mean():.2f}")
check(accuracy > 0.1, "the NIR graph classifies above chance (10 %)")
sys.exit(1 if failures else 0)
