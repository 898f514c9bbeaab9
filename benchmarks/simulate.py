"""Benchmark the CRN simulator against the naive baseline and the previous simulator, with targets.

    python benchmarks/simulate.py [--naive-examples N] [--full-images N] [--repeat N] [--no-memory]

Cases (wall seconds, set-up included unless said; CPU seconds and the load average next to each):
  * IRIS (iris-icml) reduced CRN, all 150 examples, to t = 50 (target <= 0.3 s);
  * mnist14 reduced CRN, its 100 examples, to t = 200, in process;
  * mnist14 from the command line: ``dsd compile --reduce`` + ``dsd simulate --t-end 200``, two
    processes end to end, Python start-up included (target <= 5 s);
  * the paper's 196-512-512-10 shape with random +-1 weights: compile + reduce (target <= 2 s;
    it must give 1,024 bimolecular + 392 unimolecular reactions), and simulation to t = 200 per
    image (``simulate``'s own set-up included, compile + reduce not; target <= 1.2 s, argmax
    equal to the network); peak memory of that run measured by ``/usr/bin/time -v`` in a child
    process;
  * baselines: naive (scipy BDF with a dense finite-difference Jacobian, one example at a time;
    for mnist14 on the first N examples, scaled to 100) and the previous simulator (scipy BDF,
    sparse analytic Jacobian, natural-order SuperLU: ``engine="scipy"``) on the full network.
Each timed case runs ``--repeat`` times; the best and the median are reported (the machine is
shared). Writes benchmarks/results/simulate.json. Reference models: ../shared/reference/dmp.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crn.analysis import agreement  # noqa: E402
from crn.compile import compile_network  # noqa: E402
from crn.forms import formal_form  # noqa: E402
from crn.simulate import MassAction, encode_inputs, signal_values, simulate  # noqa: E402
from nn.network import Network  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "dmp"
RTOL, ATOL = 1e-6, 1e-9
FULL_DIMS = (196, 512, 512, 10)
TARGETS = {"iris_150_s": 0.3, "mnist14_cli_s": 5.0, "full_per_image_s": 1.2, "full_compile_reduce_s": 2.0}


def load(name: str):
    d = json.loads((REFERENCE / f"{name}.json").read_text())
    net = Network([np.array(w) for w in d["weights"]], [np.array(b) for b in d["biases"]])
    x = np.array([e["x"] for e in d["examples"]])
    return net, x, float(d["tmax"])


def full_network(seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    weights = [rng.choice([-1.0, 1.0], size=(a, b)) for a, b in zip(FULL_DIMS[:-1], FULL_DIMS[1:])]
    return Network(weights, [np.zeros(b) for b in FULL_DIMS[1:]])


def timed(fn, repeat: int, *, scale: float = 1.0, inner: str | None = None) -> dict:
    """Run ``fn`` ``repeat`` times: best and median seconds (wall times ``scale``, or the value's
    own ``inner`` entry), CPU seconds of this process and its children, the load before each run,
    and the last value."""
    seconds, cpus, loads, value = [], [], [], None
    for _ in range(repeat):
        loads.append(round(os.getloadavg()[0], 2))
        before, w = os.times(), time.perf_counter()
        value = fn()
        wall, after = time.perf_counter() - w, os.times()
        seconds.append(value[inner] if inner else wall * scale)
        cpus.append(sum(after[:4]) - sum(before[:4]))
    return {"seconds": min(seconds), "median_seconds": float(np.median(seconds)), "cpu_seconds_per_run": min(cpus),
            "load_1min": loads, "value": value}


def batched(net, x, t_end, **options):
    crn = formal_form(compile_network(net), reduce=True)
    result = simulate(crn, x, t_end=t_end, rtol=RTOL, atol=ATOL, n_points=51, keep_trajectories=False, **options)
    return agreement(result.outputs, net.forward(x))


def naive(net, x, t_end):
    """One solve_ivp per example, dense finite-difference Jacobian (scipy's default)."""
    from scipy.integrate import solve_ivp

    crn = formal_form(compile_network(net), reduce=True)
    kinetics = MassAction(crn)
    rhs, _ = kinetics.system(1)
    perm = np.array([crn.species.index(s) for s in kinetics.species])
    outputs = []
    for c0 in encode_inputs(crn, x):
        sol = solve_ivp(rhs, (0, t_end), c0[perm], method="BDF", rtol=RTOL, atol=ATOL)
        final = np.empty(len(perm))
        final[perm] = sol.y[:, -1]
        outputs.append(signal_values(crn, crn.outputs, final))
    return agreement(np.array(outputs), net.forward(x))


def cli_mnist14() -> dict:
    """``dsd compile --reduce`` then ``dsd simulate --t-end 200`` as a user runs them."""
    dsd = shutil.which("dsd") or str(Path(sys.executable).with_name("dsd"))
    model = REFERENCE / "mnist14.json"
    with tempfile.TemporaryDirectory() as tmp:
        crn_file, report = Path(tmp) / "crn.txt", Path(tmp) / "sim.json"
        subprocess.run([dsd, "compile", str(model), "--reduce", "--out", str(crn_file)], check=True,
                       capture_output=True)
        subprocess.run([dsd, "simulate", str(crn_file), "--model", str(model), "--t-end", "200", "--json",
                        str(report)], check=True, capture_output=True)
        out = json.loads(report.read_text())
    return {k: out[k] for k in ("examples", "argmax_match", "max_abs_error", "seconds")}


def full_compile_reduce() -> dict:
    net = full_network()
    start = time.perf_counter()
    compiled = compile_network(net)
    compiled_s = time.perf_counter() - start
    reduced = formal_form(compiled, reduce=True)
    s = reduced.stats()
    return {"compile_seconds": compiled_s, "reduce_seconds": time.perf_counter() - start - compiled_s,
            "bimolecular": s["bimolecular"], "unimolecular": s["unimolecular"], "species": s["species"]}


def full_simulate(n_images: int, engine: str = "auto", seed: int = 1) -> dict:
    """Simulate ``n_images`` random images (uniform in [0, 1], like pooled pixels) one by one."""
    net = full_network()
    crn = formal_form(compile_network(net), reduce=True)
    x = np.random.default_rng(seed).uniform(0.0, 1.0, size=(n_images, FULL_DIMS[0]))
    start = time.perf_counter()
    result = simulate(crn, x, t_end=200.0, rtol=RTOL, atol=ATOL, n_points=51, keep_trajectories=False,
                      engine=engine)
    seconds = time.perf_counter() - start
    return {"per_image_seconds": seconds / n_images, "images": n_images, "nfev": result.nfev,
            **agreement(result.outputs, net.forward(x))}


def full_memory(n_images: int) -> dict | None:
    """Peak resident memory of compile + reduce + simulating ``n_images`` (``/usr/bin/time -v``)."""
    if not Path("/usr/bin/time").exists():
        return None
    code = (f"import runpy; bench = runpy.run_path({str(Path(__file__).resolve())!r}, run_name='bench'); "
            f"print(bench['full_simulate']({n_images}))")
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
    return {"max_rss_MB": int(peak.group(1)) / 1024 if peak else None, "wall": wall.group(1) if wall else None,
            "images": n_images, "command": "/usr/bin/time -v python -c 'full_simulate(...)'"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-examples", type=int, default=10, help="mnist14 examples for the naive baseline")
    parser.add_argument("--full-images", type=int, default=5, help="images of the full network to simulate")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed case (best and median reported)")
    parser.add_argument("--no-memory", action="store_true", help="skip the /usr/bin/time -v child run")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        sys.exit(f"reference models not found in {REFERENCE}; nothing to benchmark")
    iris_net, iris_x, iris_t = load("iris-icml")
    mnist_net, mnist_x, mnist_t = load("mnist14")
    n = args.naive_examples
    rows = {}
    rows["iris reduced, 150 examples"] = timed(lambda: batched(iris_net, iris_x, iris_t), args.repeat)
    rows["iris reduced, 150 examples, naive"] = timed(lambda: naive(iris_net, iris_x, iris_t), 1)
    rows["mnist14 reduced, 100 examples"] = timed(lambda: batched(mnist_net, mnist_x, mnist_t), args.repeat)
    naive_mnist = timed(lambda: naive(mnist_net, mnist_x[:n], mnist_t), 1, scale=len(mnist_x) / n)
    rows[f"mnist14 reduced, naive on {n} examples, scaled to 100"] = naive_mnist
    rows["mnist14 CLI compile --reduce + simulate --t-end 200"] = timed(cli_mnist14, args.repeat)
    rows["full 196-512-512-10 compile + reduce"] = timed(full_compile_reduce, args.repeat)
    full = timed(lambda: full_simulate(args.full_images), args.repeat, inner="per_image_seconds")
    rows[f"full 196-512-512-10 reduced, {args.full_images} images, per image"] = full
    previous = timed(lambda: full_simulate(1, engine="scipy"), 1, inner="per_image_seconds")
    rows["full 196-512-512-10 reduced, previous simulator (engine=scipy), 1 image"] = previous
    memory = None if args.no_memory else full_memory(args.full_images)

    counts = rows["full 196-512-512-10 compile + reduce"]["value"]
    targets = {
        "iris_150_s": rows["iris reduced, 150 examples"]["seconds"],
        "mnist14_cli_s": rows["mnist14 CLI compile --reduce + simulate --t-end 200"]["seconds"],
        "full_per_image_s": full["seconds"],
        "full_compile_reduce_s": rows["full 196-512-512-10 compile + reduce"]["seconds"],
    }
    verdict = {k: {"measured": v, "target": TARGETS[k], "met": v <= TARGETS[k]} for k, v in targets.items()}
    verdict["full_counts"] = {"bimolecular": counts["bimolecular"], "unimolecular": counts["unimolecular"],
                              "met": (counts["bimolecular"], counts["unimolecular"]) == (1024, 392)}
    verdict["full_argmax"] = {"match": full["value"]["argmax_match"], "images": full["value"]["examples"],
                              "met": full["value"]["argmax_match"] == full["value"]["examples"]}
    speedups = {
        "iris_vs_naive": rows["iris reduced, 150 examples, naive"]["seconds"] / targets["iris_150_s"],
        "mnist14_vs_naive": naive_mnist["seconds"] / rows["mnist14 reduced, 100 examples"]["seconds"],
        "full_vs_previous": previous["seconds"] / full["seconds"],
    }
    print(f"{'case':72s} {'best s':>8s} {'median':>8s} {'cpu s':>7s}  load")
    for name, r in rows.items():
        print(f"{name:72s} {r['seconds']:8.3f} {r['median_seconds']:8.3f} {r['cpu_seconds_per_run']:7.2f}  "
              f"{','.join(map(str, r['load_1min']))}")
    for k, v in verdict.items():
        print(f"{k:24s} {'met' if v['met'] else 'NOT MET':8s} {v}")
    print("speed-up: " + ", ".join(f"{k} {v:.1f}x" for k, v in speedups.items()))
    if memory:
        print(f"full network peak memory: {memory['max_rss_MB']:.0f} MB ({memory['images']} images)")
    out = ROOT / "benchmarks" / "results" / "simulate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "targets": verdict, "speedup": speedups, "memory": memory,
                               "rtol": RTOL, "atol": ATOL,
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}},
                              indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
