"""Benchmark the batched CRN simulator against a naive baseline on the reference models.

    python benchmarks/simulate.py [--naive-examples N]

Times (set-up included: compile, reduce, kinetics structure, integration):
  * IRIS (iris-icml) reduced CRN, all 150 examples, to t = 50;
  * mnist14 reduced CRN, its 100 examples, to t = 200;
  * the same with the naive baseline: scipy BDF with a dense finite-difference Jacobian, one
    example at a time (for mnist14 on the first N examples, scaled to 100 and labelled so).
Writes benchmarks/results/simulate.json. Reference models are read from ../shared/reference/dmp.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crn.analysis import agreement  # noqa: E402
from crn.compile import compile_network  # noqa: E402
from crn.reduce import reduce_crn  # noqa: E402
from crn.simulate import MassAction, encode_inputs, signal_values, simulate  # noqa: E402
from nn.network import Network  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "dmp"
RTOL, ATOL = 1e-6, 1e-9


def load(name: str):
    d = json.loads((REFERENCE / f"{name}.json").read_text())
    net = Network([np.array(w) for w in d["weights"]], [np.array(b) for b in d["biases"]])
    x = np.array([e["x"] for e in d["examples"]])
    return net, x, float(d["tmax"])


def batched(net, x, t_end):
    start = time.perf_counter()
    crn = reduce_crn(compile_network(net))
    result = simulate(crn, x, t_end=t_end, rtol=RTOL, atol=ATOL, n_points=51, keep_trajectories=False)
    seconds = time.perf_counter() - start
    return seconds, agreement(result.outputs, net.forward(x))


def naive(net, x, t_end):
    """One solve_ivp per example, dense finite-difference Jacobian (scipy's default)."""
    start = time.perf_counter()
    crn = reduce_crn(compile_network(net))
    rhs, _ = MassAction(crn).system(1)
    kinetics = MassAction(crn)
    perm = np.array([crn.species.index(s) for s in kinetics.species])
    outputs = []
    for c0 in encode_inputs(crn, x):
        sol = solve_ivp(rhs, (0, t_end), c0[perm], method="BDF", rtol=RTOL, atol=ATOL)
        final = np.empty(len(perm))
        final[perm] = sol.y[:, -1]
        outputs.append(signal_values(crn, crn.outputs, final))
    seconds = time.perf_counter() - start
    return seconds, agreement(np.array(outputs), net.forward(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-examples", type=int, default=10, help="mnist14 examples for the naive baseline")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        sys.exit(f"reference models not found in {REFERENCE}; nothing to benchmark")
    rows = []
    iris_net, iris_x, iris_t = load("iris-icml")
    mnist_net, mnist_x, mnist_t = load("mnist14")
    s, a = batched(iris_net, iris_x, iris_t)
    rows.append({"case": "iris reduced, 150 examples, batched", "seconds": s, **a})
    s_naive, a = naive(iris_net, iris_x, iris_t)
    rows.append({"case": "iris reduced, 150 examples, naive", "seconds": s_naive, **a})
    s2, a = batched(mnist_net, mnist_x, mnist_t)
    rows.append({"case": "mnist14 reduced, 100 examples, batched", "seconds": s2, **a})
    n = args.naive_examples
    s2_naive, a = naive(mnist_net, mnist_x[:n], mnist_t)
    rows.append({"case": f"mnist14 reduced, naive on {n} examples, scaled to 100",
                 "seconds": s2_naive * len(mnist_x) / n, "measured_seconds": s2_naive, **a})
    speedups = {"iris": s_naive / s, "mnist14": (s2_naive * len(mnist_x) / n) / s2}
    print(f"{'case':58s} {'seconds':>9s} {'argmax':>8s} {'max err':>9s}")
    for r in rows:
        print(f"{r['case']:58s} {r['seconds']:9.3f} {r['argmax_match']:>4d}/{r['examples']:<3d} {r['max_abs_error']:9.2e}")
    print(f"speed-up over naive: iris {speedups['iris']:.1f}x, mnist14 {speedups['mnist14']:.1f}x")
    out = ROOT / "benchmarks" / "results" / "simulate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "speedup": speedups, "rtol": RTOL, "atol": ATOL,
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
