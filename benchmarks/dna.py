"""Benchmark the DNA back end on the reference models.

    python benchmarks/dna.py [--fanout 8] [--skip-mnist] [--full | --full-only]

Times, each from the formal CRN:
  * translate + size + verify (Peppercorn + crnverifier, one check per shape) for the reduced
    IRIS, heart and virus CRNs and the reduced, fan-out limited mnist14 CRN;
  * gate-level simulation of reduced IRIS on all 150 examples (no leak, and leak 1e-9 /nM/s);
  * counts (complexes, strands, domains, nucleotides) of every CRN form;
  * with --full: the paper's 196-512-512-10 shape with random +-1 weights, unreduced, fan-out
    limited: translate (sized for inputs in [0, 1]), its DNA size, write system.pil, verify it (streamed:
    dsd.verify.verify_pil), each timed separately, with this process's peak memory after each.
    The CLI equivalent (for /usr/bin/time -v) is printed.
Writes benchmarks/results/dna.json. Reference models are read from ../shared/reference/dmp.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
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
FULL_DIMS = (196, 512, 512, 10)


def _peak_gb() -> float:
    """This process's peak resident memory so far (GB; Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3)


def full_network_dna(fanout: int) -> dict:
    """Translate, write and verify the unreduced 196-512-512-10 network (random +-1 weights, seed 0)."""
    from crn.forms import formal_form
    from crn.textformat import format_crn
    from dsd.pil import scheme_header, write_pil
    from dsd.translate import system_summary
    from dsd.verify import verify_pil
    from dsd.wetlab.feasibility import dna_size
    from nn.network import Network

    rng = np.random.default_rng(0)
    net = Network([rng.choice([-1.0, 1.0], size=(a, b)) for a, b in zip(FULL_DIMS[:-1], FULL_DIMS[1:])],
                  [np.zeros(b) for b in FULL_DIMS[1:]])
    crn = formal_form(compile_network(net), fanout_limit=fanout)
    scheme = make_scheme("soloveichik2010")
    row: dict = {"form": f"unreduced, fan-out <= {fanout}", "reactions": len(crn.reactions)}
    with tempfile.TemporaryDirectory() as tmp:
        pil = Path(tmp) / "system.pil"
        t0, c0 = time.perf_counter(), time.process_time()
        system, sizing = translate_sized(crn, scheme, 0.0, 1.0)
        row.update(system_summary(system, sizing))
        row.update(translate_seconds=round(time.perf_counter() - t0, 2), translate_cpu_seconds=round(
            time.process_time() - c0, 2), translate_peak_gb=_peak_gb())
        t0 = time.perf_counter()
        size = dna_size(system)  # what dsd translate prints after translating (strands, nt, cost, sentence)
        row.update(dna_size_seconds=round(time.perf_counter() - t0, 2), order_cost=round(size["cost"]))
        t0, c0 = time.perf_counter(), time.process_time()
        write_pil(pil, system, scheme_header(scheme, sizing), format_crn(crn))
        row.update(write_seconds=round(time.perf_counter() - t0, 2), write_cpu_seconds=round(
            time.process_time() - c0, 2), write_peak_gb=_peak_gb(), pil_bytes=pil.stat().st_size)
        del system
        t0, c0 = time.perf_counter(), time.process_time()
        _, modules = verify_pil(pil, crn)
        row.update(verify_seconds=round(time.perf_counter() - t0, 2), verify_cpu_seconds=round(
            time.process_time() - c0, 2), verify_peak_gb=_peak_gb())
    row.update(shapes=len(modules), verified=all(m.passed for m in modules),
               covered=sum(len(m.reactions) for m in modules), load_1min=round(os.getloadavg()[0], 2))
    row.pop("sizing", None)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fanout", type=int, default=8, help="fan-out limit for mnist14 (default 8)")
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--full", action="store_true", help="also the unreduced 196-512-512-10 network")
    parser.add_argument("--full-only", action="store_true", help="only the unreduced 196-512-512-10 network")
    args = parser.parse_args()
    scheme = make_scheme("soloveichik2010")
    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "models": {}}
    names = [] if args.full_only else ["iris-icml", "heart", "virus"] + ([] if args.skip_mnist else ["mnist14"])
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
    if args.full or args.full_only:
        row = results["models"]["full-196-512-512-10"] = full_network_dna(args.fanout)
        print(f"full 196-512-512-10 ({row['form']}): {row['reactions']} reactions, {row['complexes']} complexes, "
              f"{row['strands']} strands, {row['nucleotides']} nt; wall (CPU) seconds: translate "
              f"{row['translate_seconds']} ({row['translate_cpu_seconds']}), write {row['write_seconds']} "
              f"({row['write_cpu_seconds']}; {row['pil_bytes'] / 1e6:.0f} MB), verify {row['shapes']} shapes "
              f"{'pass' if row['verified'] else 'FAIL'} {row['verify_seconds']} ({row['verify_cpu_seconds']}); "
              f"peak {row['verify_peak_gb']} GB (load {row['load_1min']})", flush=True)
        print("  CLI: dsd translate crn.txt --out system.pil --input-range 0 1; dsd verify system.pil --crn crn.txt "
              "(each under /usr/bin/time -v)")
    out = ROOT / "benchmarks" / "results" / ("dna_full.json" if args.full_only else "dna.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
