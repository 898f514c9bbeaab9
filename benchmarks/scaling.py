"""Scaling of batch simulation over Dask workers: 1,000 mnist14 images in process, on 1 and on 2
local workers (``crn.tasks.Compute``).

    python benchmarks/scaling.py [--images 1000] [--repeat 3] [--workers 1 2]

The images: the 100 mnist14 reference test images (../shared/reference/dmp/mnist14.json) and 9
copies of each with seeded Gaussian pixel noise (sigma 0.05 x the pixels' standard deviation), so
that no two examples are equal. The reduced CRN (540 species) is simulated to t = 200 (the paper's
tmax) with rtol 1e-6, atol 1e-9; crn.tasks.task_slices cuts 1,000 images into 9 tasks of 111-112.

For each place: the wall seconds of ``simulate`` (best and median of ``--repeat`` runs), the CPU
seconds the workers spent (os.times on every worker, before and after), the 1-minute load average
before each run; for the clusters also their start-up (not in the timed runs: a warm-up run on
100 images goes first, so the workers have imported the simulator). Every run's outputs, final
state and counters must equal the in-process run's exactly. Speed-up = best 1-worker / best
2-worker seconds. Writes benchmarks/results/scaling.json.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crn.compile import compile_network  # noqa: E402
from crn.forms import formal_form  # noqa: E402
from crn.simulate import simulate  # noqa: E402
from crn.tasks import Compute, close_clusters, dask_client, task_slices  # noqa: E402
from nn.network import Network  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "dmp"
T_END, RTOL, ATOL = 200.0, 1e-6, 1e-9
TARGET_SPEEDUP = 1.6


def images(n: int, seed: int = 0) -> tuple[Network, np.ndarray]:
    """The mnist14 network and ``n`` images (the reference ones, then seeded noisy copies)."""
    d = json.loads((REFERENCE / "mnist14.json").read_text())
    net = Network([np.array(w) for w in d["weights"]], [np.array(b) for b in d["biases"]])
    x = np.array([e["x"] for e in d["examples"]])
    rng = np.random.default_rng(seed)
    copies = [x] + [x + rng.normal(0.0, 0.05 * x.std(), x.shape) for _ in range(-(-n // len(x)) - 1)]
    return net, np.concatenate(copies)[:n]


def worker_cpu(compute: Compute) -> float:
    """CPU seconds (user + system) used so far by this process, or by every worker of ``compute``."""
    if compute.in_process:
        t = os.times()
        return t.user + t.system
    return sum(t[0] + t[1] for t in dask_client(compute).run(os.times).values())


def run(crn, x, compute: Compute, repeat: int, reference=None) -> dict:
    seconds, cpus, loads, result = [], [], [], None
    for _ in range(repeat):
        loads.append(round(os.getloadavg()[0], 2))
        cpu, start = worker_cpu(compute), time.perf_counter()
        result = simulate(crn, x, t_end=T_END, rtol=RTOL, atol=ATOL, keep_trajectories=False, compute=compute)
        seconds.append(time.perf_counter() - start)
        cpus.append(worker_cpu(compute) - cpu)
        if reference is not None:
            same = all(np.array_equal(getattr(result, k), getattr(reference, k))
                       for k in ("outputs", "final", "output_trajectories", "t"))
            same &= (result.nfev, result.nlu, result.min_concentration) == (
                reference.nfev, reference.nlu, reference.min_concentration)
            if not same:
                raise SystemExit(f"workers={compute.workers}: results differ from the in-process run")
    return {"seconds": min(seconds), "median_seconds": float(np.median(seconds)), "cpu_seconds": min(cpus),
            "load_1min": loads, "result": result}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    net, x = images(args.images)
    crn = formal_form(compile_network(net), reduce=True)
    tasks = len(task_slices(len(x), len(crn.species)))
    print(f"mnist14 reduced: {len(crn.species)} species, {len(crn.reactions)} reactions; {len(x)} images in "
          f"{tasks} tasks; {os.cpu_count()} CPUs; t_end {T_END:g}")
    rows = {"in process": run(crn, x, Compute(progress=False), args.repeat)}
    reference = rows["in process"]["result"]
    startup = {}
    for n in args.workers:
        compute = Compute(workers=n, progress=False)
        start = time.perf_counter()
        dask_client(compute)
        startup[n] = time.perf_counter() - start
        simulate(crn, x[:100], t_end=T_END, keep_trajectories=False, compute=compute)  # warm-up: imports
        rows[f"{n} worker{'s' if n > 1 else ''}"] = run(crn, x, compute, args.repeat, reference)
        close_clusters()
    print(f"{'place':12s} {'best s':>8s} {'median s':>9s} {'CPU s':>7s}  load (1 min) before each run")
    for name, r in rows.items():
        print(f"{name:12s} {r['seconds']:8.2f} {r['median_seconds']:9.2f} {r['cpu_seconds']:7.2f}  "
              f"{', '.join(map(str, r['load_1min']))}")
    print("cluster start-up (not timed above): " + ", ".join(f"{n} worker(s) {s:.1f} s" for n, s in startup.items()))
    print("results equal to the in-process run (np.array_equal): yes")
    speedup = None
    if "1 worker" in rows and "2 workers" in rows:
        speedup = rows["1 worker"]["seconds"] / rows["2 workers"]["seconds"]
        print(f"speed-up 2 workers vs 1: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x); "
              f"vs in process: {rows['in process']['seconds'] / rows['2 workers']['seconds']:.2f}x")
        if speedup < TARGET_SPEEDUP:
            load = min(rows["2 workers"]["load_1min"])
            print(f"below target: the load average was {load:g} on {os.cpu_count()} CPUs during the 2-worker runs"
                  + (" (the machine is shared: two workers do not get two free cores; re-run when it is quiet)"
                     if load > 1.0 else ""))
    out = ROOT / "benchmarks" / "results" / "scaling.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"images": len(x), "tasks": tasks, "t_end": T_END,
                               "rows": {k: {kk: vv for kk, vv in v.items() if kk != "result"} for k, v in rows.items()},
                               "startup_seconds": startup, "speedup_2_vs_1": speedup,
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
