"""Benchmark ``dsd build`` on the shipped protocols that need no user data.

    python benchmarks/build.py [--specs iris heart custom_crn digits]

For each spec: a cold build (``--force``: every stage runs) and a warm re-run (every cached stage
reused), each in a fresh process as a user would run them, into a temporary folder. Records the
wall time of both, the per-stage seconds of the cold build (from its build.json), which stages
the warm run reused and whether every check passed. Writes benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPECS = ("iris", "heart", "custom_crn")


def _run(spec: Path, out: Path, force: bool) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(spec), "--out", str(out)]
                          + (["--force"] if force else []), cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - t0, proc.returncode


def bench(name: str, work: Path) -> dict:
    spec = ROOT / "protocols" / f"{name}.yaml"
    out = work / name
    cold_s, cold_rc = _run(spec, out, force=True)
    cold = json.loads((out / "build.json").read_text())
    warm_s, warm_rc = _run(spec, out, force=False)
    warm = json.loads((out / "build.json").read_text())
    return {
        "cold_seconds": round(cold_s, 2),
        "warm_seconds": round(warm_s, 2),
        "exit_codes": [cold_rc, warm_rc],
        "stage_seconds": {k: round(v.get("seconds", 0.0), 3) for k, v in cold["stages"].items()},
        "reused_on_rerun": [k for k, v in warm["stages"].items() if v.get("reused")],
        "checks_pass": all(c["pass"] for c in cold["checks"]),
        "oligos": cold["stages"].get("order", {}).get("oligos"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", nargs="+", default=list(DEFAULT_SPECS), help="protocol names (protocols/NAME.yaml)")
    args = parser.parse_args()
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()}, "builds": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.specs:
            results["builds"][name] = r = bench(name, Path(tmp))
            print(f"{name:>12}: cold {r['cold_seconds']:7.1f} s, warm {r['warm_seconds']:5.1f} s, "
                  f"checks {'pass' if r['checks_pass'] else 'FAIL'}, reused {', '.join(r['reused_on_rerun'])}")
    dest = ROOT / "benchmarks" / "results" / "build.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {dest.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
