"""Benchmark the DNA back end on the reference models.

    python benchmarks/dna.py [--fanout 8] [--skip-mnist]

Times, each from the formal CRN:
  * translate + size + verify (Peppercorn + crnverifier, one check per shape) for the reduced
    IRIS, heart and virus CRNs and the reduced, fan-out limited mnist14 CRN;
  * gate-level simulation of reduced IRIS on all 150 examples (no leak, and leak 1e-9 /nM/s);
  * counts (complexes, strands, domains, nucleotides) of every CRN form.
Writes benchmarks/results/dna.json. Reference models are read from ../shared/reference/dmp.
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
from crn.reduce import limit_fanout, reduce_crn  # noqa: E402
from dsd.gatesim import gate_report  # noqa: E402
from dsd.schemes import make_scheme  # noqa: E402
from dsd.translate import form_counts, translate_sized  # noqa: E402
from dsd.verify import verify_crn  # noqa: E402
from nn.reference import load_reference_model  # noqa: E402

REFERENCE_DIR = ROOT.parent / "shared" / "reference" / "dmp"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fanout", type=int, default=8, help="fan-out limit for mnist14 (default 8)")
    parser.add_argument("--skip-mnist", action="store_true")
    args = parser.parse_args()
    scheme = make_scheme("soloveichik2010")
    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "models": {}}
    names = ["iris-icml", "heart", "virus"] + ([] if args.skip_mnist else ["mnist14"])
    for name in names:
        model = load_reference_model(REFERENCE_DIR / f"{name}.json")
        x = np.asarray(model.x)
        unreduced = compile_network(model.network)
        reduced = reduce_crn(unreduced)
        crn = limit_fanout(reduced, args.fanout) if name == "mnist14" else reduced
        t0 = time.perf_counter()
        system, _ = translate_sized(crn, scheme, x.min(axis=0), x.max(axis=0), examples=x)
        t_translate = time.perf_counter() - t0
        t0 = time.perf_counter()
        modules = verify_crn(crn, scheme)
        t_verify = time.perf_counter() - t0
        row = {
            "form": f"reduced, fan-out <= {args.fanout}" if name == "mnist14" else "reduced",
            "reactions": len(crn.reactions), **system.counts(),
            "translate_seconds": round(t_translate, 2), "verify_seconds": round(t_verify, 2),
            "shapes": len(modules), "verified": all(m.passed for m in modules),
        }
        if name != "mnist14":
            row["forms"] = form_counts({"unreduced": unreduced, "reduced": reduced}, scheme)
        if name == "iris-icml":
            net = model.network.forward(x)
            for leak in (0.0, 1e-9):
                report, _ = gate_report(crn, system, scheme, 10.0, x, net, leak_per_nM_s=leak, hours=48)
                row[f"gatesim_leak_{leak:g}"] = {k: report[k] for k in (
                    "examples", "argmax_match", "max_abs_error", "hours_to_converge", "readout_hours",
                    "readout_rule", "argmax_match_end", "seconds")}
        results["models"][name] = row
        print(f"{name:>10}: {row['reactions']} reactions, {row['complexes']} complexes, {row['strands']} strands, "
              f"{row['nucleotides']} nt; translate {t_translate:.1f} s, verify {row['shapes']} shapes "
              f"{'pass' if row['verified'] else 'FAIL'} in {t_verify:.1f} s", flush=True)
        for key in ("gatesim_leak_0", "gatesim_leak_1e-09"):
            if key in row:
                print(f"{'':>12}{key}: {row[key]}", flush=True)
    out = ROOT / "benchmarks" / "results" / "dna.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
