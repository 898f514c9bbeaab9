"""Time the exhaustive spurious screen (sequences.screen) on a finished build's strands.

    python benchmarks/screen.py [--build /tmp/screen-iris] [--workers 2] [--threshold -8]
                                [--exact] [--compare] [--dask N] [--json FILE] [--toehold-g POS] [--whole]

Reads the build's strands.csv and domains.csv (and the conditions from build.json's spec), makes
the screen's strand list as ``sequences.checks.screen_rows`` does (distinct strands by domain list;
free: the strand of a one-strand complex or a strand without complement domains; the others masked
to their exposed domains from system.pil, ``sequences.exposure``, unless ``--whole``) and times
``run_screen`` (wall seconds, ``time.perf_counter``, and CPU seconds of this process and the local
pool's workers, which is what a loaded machine does not distort):
  * default: with the threshold, pairs whose proven bounds decide the verdict are not folded;
  * ``--exact``: every pair folded (no bound), as before the bound existed;
  * ``--compare``: both, and checks that every pair folded in the first run has the same energy
    as in the exact run, every unfolded pair's bounds bracket its exact energy, and the verdicts,
    the rows a check lists (the 50 worst failing) and the worst are the same;
  * ``--dask N``: the folds on a local Dask cluster of N workers (crn.tasks), the cluster started
    beforehand (its start-up is not timed).
Prints (and with --json writes) the timings, the 1-minute load average before and after, pairs,
pairs skipped, pairs failing.

``--toehold-g POS`` makes base POS of every toehold G first (and its complement's base C): the
one-G toeholds, simulated on a finished design.

Measured 2026-12-02 (2 workers on 2 cores shared with other jobs, load 8-12, so wall seconds are
~2-4x what an idle machine gives; CPU seconds are the comparable figure). Reduced IRIS (the
tests/sequences/test_design_iris.py fixture: ``dsd compile iris-icml.json --reduce``, ``dsd
translate --model``, ``dsd design --backend viennarna``; 229 strands, 197 free, 25,807 pairs):
  * ``--compare``: bounds 107 s wall / 51 CPU s (19,502 passed and 6,151 failed on their bounds,
    154 folded); every pair folded 263 s / 122 CPU s; identical verdicts (6,280 failing), listed
    rows, worst (-147.97 kcal/mol) and folded energies; no bound on the wrong side.
  * ``--toehold-g 3 --compare``: bounds 124 s / 69 CPU s (16,841 passed, 6,052 failed, 2,914
    folded); every pair 314 s / 122 CPU s; identical (6,328 failing, worst -133.25).
Shipped IRIS (/work/ref/iris-merged, 65,682 pairs): bounds 196 s / 54 CPU s (35,810 passed,
28,889 failed, 983 folded; 29,729 failing, worst -53.06 kcal/mol: the figures of the
every-pair run recorded here before); with ``--toehold-g 3``: 91 s / 58 CPU s (load 6-8; 30,681
passed, 27,458 failed, 7,543 folded; 29,251 failing, worst -48.32).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sequences.screen import ScreenStrand, run_screen  # noqa: E402
from sequences.thermo import Conditions, na_equivalent_M  # noqa: E402


def _revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def toehold_g(build: Path, position: int) -> dict[str, str]:
    """Strand sequences (name -> 5'->3') with base ``position`` (1-based) of every toehold domain
    made G (its complement's mirrored base C), rebuilt from domains.csv: the one-G toeholds."""
    dom = {r["name"]: r for r in csv.DictReader(open(build / "domains.csv"))}
    seqs = {}
    for name, r in dom.items():
        s = r["sequence"]
        if r["kind"] == "toehold" and 1 <= position <= len(s):
            s = s[:position - 1] + "G" + s[position:]
        seqs[name], seqs[name + "*"] = s, _revcomp(s)
    out = {}
    for r in csv.DictReader(open(build / "strands.csv")):
        orig = "".join(_revcomp(dom[d[:-1]]["sequence"]) if d.endswith("*") else dom[d]["sequence"]
                       for d in r["domains"].split())
        if orig != r["sequence"]:
            raise SystemExit(f"--toehold-g: strand {r['name']} is not the concatenation of its domains")
        out[r["name"]] = "".join(seqs[d] for d in r["domains"].split())
    return out


def load_build(build: Path, toehold_g_at: int | None = None, whole: bool = False
               ) -> tuple[list[ScreenStrand], dict[str, int], float, float]:
    """The screen's strands, domain lengths (nt), temperature (°C) and Na+-equivalent (M) of a build
    (with ``toehold_g_at``, the sequences of :func:`toehold_g`). Complement strands are masked to
    their exposed domains (``sequences.exposure``) from the build's system.pil (or its parent
    folder's, for a ``dsd design`` folder) unless ``whole``."""
    lengths = {r["name"]: int(r["length"]) for r in csv.DictReader(open(build / "domains.csv"))}
    rows = list(csv.DictReader(open(build / "strands.csv")))
    if toehold_g_at is not None:
        new = toehold_g(build, toehold_g_at)
        for r in rows:
            r["sequence"] = new[r["name"]]
    per_complex: dict[str, int] = {}
    for r in rows:
        per_complex[r["complex"]] = per_complex.get(r["complex"], 0) + 1
    seen: dict[tuple[str, ...], list] = {}
    for r in rows:
        doms = tuple(r["domains"].split())
        entry = seen.setdefault(doms, [r["name"], r["sequence"], doms, False])
        if per_complex[r["complex"]] == 1 or not any(d.endswith("*") for d in doms):
            entry[3] = True
    spec = (json.loads((build / "build.json").read_text()).get("spec") or {}) if (build / "build.json").is_file() else {}
    seq = spec.get("sequences") or {}  # a `dsd design` folder has no build.json: 25 °C, 1 M Na+
    cond = Conditions(temperature_C=float(seq.get("temperature_C", 25.0)), na_M=float(seq.get("na_M", 1.0)),
                      mg_M=float(seq.get("mg_M", 0.0)))
    pil = next((p for p in (build / "system.pil", build.parent / "system.pil") if p.is_file()), None)
    if pil is not None and not whole:  # complement strands by their exposed domains, as the checks do
        from dsd.pil import parse_pil
        from sequences.exposure import exposed_domains, exposed_sequence

        system = parse_pil(pil.read_text())[0]
        exposed = exposed_domains(system)
        for v in seen.values():
            if not v[3]:
                v[1] = exposed_sequence(v[2], v[1], system, exposed)
    return [ScreenStrand(*v) for v in seen.values()], lengths, cond.temperature_C, na_equivalent_M(cond)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the local pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("/tmp/screen-iris"))
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--threshold", type=float, default=-8.0)
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--whole", action="store_true", help="complement strands whole (not masked to their exposed domains)")
    ap.add_argument("--dask", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--toehold-g", type=int, default=None, metavar="POS",
                    help="make base POS (1-based) of every toehold G first (the one-G toeholds)")
    args = ap.parse_args()
    strands, lengths, temp, na = load_build(args.build, args.toehold_g, args.whole)
    compute = None
    if args.dask:
        from crn.tasks import Compute, dask_client

        compute = Compute(workers=args.dask, progress=False)
        dask_client(compute)
    out: dict = {"build": str(args.build), "strands": len(strands), "free": sum(s.free for s in strands),
                 "temperature_C": temp, "na_M": na, "workers": args.workers, "dask": args.dask,
           "toehold_g": args.toehold_g}
    runs = {}
    for mode in (["bound", "exact"] if args.compare else ["exact" if args.exact else "bound"]):
        load0 = os.getloadavg()[0]
        cpu0 = _cpu()
        t = time.perf_counter()
        res = run_screen(strands, lengths, temp, na, args.workers,
                         threshold_kcal=None if mode == "exact" else args.threshold, compute=compute)
        runs[mode] = res
        out[mode] = {"seconds": round(time.perf_counter() - t, 2), "cpu_seconds": round(_cpu() - cpu0, 2),
                     "load_before": round(load0, 2),
                     "load_after": round(os.getloadavg()[0], 2), "pairs": len(res.pairs),
                     "passed_on_bound": res.skipped, "failed_on_bound": res.failed_on_bound,
                     "folded": int(np.sum(~np.isnan(res.dG_kcal))),
                     "failing": int(np.sum(res.failing if mode == "bound" else res.dG_kcal < args.threshold)),
                     "worst_kcal": float(np.nanmin(res.dG_kcal)) if len(res.pairs) else None}
        print(mode, out[mode], flush=True)
    if args.compare:
        b, e = runs["bound"], runs["exact"]
        folded = ~np.isnan(b.dG_kcal)
        skipped = ~folded
        k = min(int(np.sum(e.dG_kcal < args.threshold)), 50)
        out["compare"] = {
            "upper_violations": int(np.sum(b.upper_kcal[skipped] < e.dG_kcal[skipped] - 1e-9)),
            "same_verdicts": bool(np.array_equal(b.failing, e.dG_kcal < args.threshold)),
            "same_listed_rows": bool(np.array_equal(np.argsort(b.dG_kcal, kind="stable")[:k],
                                                    np.argsort(e.dG_kcal, kind="stable")[:k])),
            "max_abs_diff_folded_kcal": float(np.max(np.abs(b.dG_kcal[folded] - e.dG_kcal[folded]), initial=0.0)),
            "bound_violations": int(np.sum(b.bound_kcal[skipped] > e.dG_kcal[skipped] + 1e-9)),
            "passed_below_threshold": int(np.sum(e.dG_kcal[skipped & ~b.failing] < args.threshold)),
            "exact_range_of_skipped_kcal": [float(np.min(e.dG_kcal[skipped], initial=0.0)),
                                            float(np.max(e.dG_kcal[skipped], initial=0.0))],
            "bound_range_of_skipped_kcal": [float(np.min(b.bound_kcal[skipped], initial=0.0)),
                                            float(np.max(b.bound_kcal[skipped], initial=0.0))],
                        "same_worst": bool(np.nanmin(b.dG_kcal) == np.min(e.dG_kcal)),
        }
        print("compare", out["compare"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
