"""Benchmark sequence design (issue 11 item 5) on the reference systems.

    python benchmarks/design.py [--skip-mnist] [--fanout 8] [--seed 0]

For each system, the design the build runs (``dsd.pipeline.design.design_system`` with the default
``sequences:`` section, ViennaRNA): wall and CPU seconds, this process's peak memory after it
(each system in its own subprocess, so the peaks do not mix), the size (domains, strands,
nucleotides) and the check rows a lab reads first: crosstalk rate (with what it covered), worst
toehold occupancy, the spurious screen's pair count, and which checks failed.

* ``iris-icml`` — the reduced IRIS reference system, sized from its examples (what
  ``dsd compile --reduce``, ``dsd translate --model``, ``dsd design`` do; the system of
  tests/sequences/test_design_iris.py);
* ``mnist14`` — the reduced mnist14 reference network, fan-out limited (default 8), sized from
  its 100 stored images.

Writes benchmarks/results/design.json. Reference models are read from ../shared/reference/dmp.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT.parent / "shared" / "reference" / "dmp"
RESULTS = ROOT / "benchmarks" / "results" / "design.json"


def one(name: str, fanout: int, seed: int) -> dict:
    """Translate and design one reference system in this process; the row of the results."""
    import numpy as np

    from crn.compile import compile_network
    from crn.reduce import limit_fanout, reduce_crn
    from dsd.pipeline.design import design_report, design_system
    from dsd.schemes import make_scheme
    from dsd.translate import translate_sized
    from nn.reference import load_reference_model

    model = load_reference_model(REFERENCE_DIR / f"{name}.json")
    x = np.asarray(model.x)
    crn = reduce_crn(compile_network(model.network))
    if name == "mnist14":
        crn = limit_fanout(crn, fanout)
    system, _ = translate_sized(crn, make_scheme("soloveichik2010"), x.min(axis=0), x.max(axis=0), examples=x)
    t0, c0 = time.perf_counter(), time.process_time()
    design = design_system(system, seed=seed)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    report = design_report(design)
    rows = {c.check: c for c in design.checks}
    occlusion = [c.value for c in design.checks if c.check == "toehold_occlusion"]
    counts = system.counts()
    return {
        "system": f"{name} reduced" + (f", fan-out <= {fanout}" if name == "mnist14" else ""),
        "domains": counts["domains"], "strands": counts["strands"], "nucleotides": counts["nucleotides"],
        "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
        "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "crosstalk_rate": rows["crosstalk_rate"].value if "crosstalk_rate" in rows else None,
        "crosstalk_covered": rows["crosstalk_rate"].subject if "crosstalk_rate" in rows else None,
        "worst_occupancy": max(occlusion) if occlusion else None,
        "screen_pairs": rows["spurious_screen"].value if "spurious_screen" in rows else None,
        "passed": report["passed"], "failures": report["failures"], "advisories": report["advisories"],
        "stats_seconds": {k: v for k, v in design.stats.items() if "seconds" in k},
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--fanout", type=int, default=8, help="fan-out limit for mnist14 (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: design this system, print JSON
    args = parser.parse_args()
    if args.one:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(one(args.one, args.fanout, args.seed)))
        return
    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "systems": {}}
    for name in ["iris-icml"] + ([] if args.skip_mnist else ["mnist14"]):
        proc = subprocess.run([sys.executable, __file__, "--one", name, "--fanout", str(args.fanout),
                               "--seed", str(args.seed)], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"{name}: design failed:\n{proc.stderr[-2000:]}")
        row = results["systems"][name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:>10}: {row['domains']} domains, {row['strands']} strands, {row['nucleotides']} nt; "
              f"design + checks {row['seconds']} s wall ({row['cpu_seconds']} s CPU), peak {row['peak_gb']} GB; "
              f"crosstalk {row['crosstalk_rate']} ({row['crosstalk_covered']}); worst occupancy "
              f"{row['worst_occupancy']}; screen pairs {row['screen_pairs']}; failures {row['failures']} "
              f"(load {row['load_1min']})", flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"-> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
