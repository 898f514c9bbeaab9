"""Calibration table: for every reaction shape of the reduced IRIS and heart reference systems
(fan-out 4), in both schemes, the time to 90 % of the products in the project's gate model and in
Peppercorn's condensed network of the same gates (25 C, A/C/T toeholds at -6.3 kcal/mol), and their
ratio (the tests require 1/1.25 <= ratio <= 1.25).

    python benchmarks/calibration.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crn.compile import compile_network  # noqa: E402
from crn.forms import formal_form  # noqa: E402
from dsd.calibration import calibrate, reaction_shapes  # noqa: E402
from dsd.schemes import get_scheme  # noqa: E402
from nn.reference import load_reference_model  # noqa: E402

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "dmp"


def shapes() -> list:
    seen = {}
    for name in ("iris-icml", "heart"):
        path = REFERENCE_DIR / f"{name}.json"
        if not path.is_file():
            print(f"skip {name}: {path} not found")
            continue
        crn = formal_form(compile_network(load_reference_model(path).network), reduce=True, fanout_limit=4)
        for r in reaction_shapes(crn):
            seen.setdefault(calibrate_key(r), r)
    return list(seen.values())


def calibrate_key(r):
    from dsd.verify import shape_of

    return shape_of(r)


def main() -> None:
    print(f"{'scheme':16s} {'shape':28s} {'t90 ours (min)':>15s} {'t90 Peppercorn':>15s} {'ratio':>7s}")
    for scheme in ("soloveichik2010", "cardelli2011_NM"):
        sch = get_scheme(scheme)
        for r in shapes():
            c = calibrate(r, sch)
            print(f"{scheme:16s} {c['shape']:28s} {c['t90_s'] / 60:15.2f} {c['t90_peppercorn_s'] / 60:15.2f} "
                  f"{c['ratio']:7.3f}")


if __name__ == "__main__":
    main()
