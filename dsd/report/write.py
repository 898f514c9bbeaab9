"""``write_report``: read a build folder, draw its sections, write one self-contained
``report.html`` atomically (DESIGN §6)."""

from __future__ import annotations

import time
from pathlib import Path

from crn.atomic import atomic_write_text
from dsd.report.budget import section_budget
from dsd.report.dna_size import section_dna_size
from dsd.report.html import page
from dsd.report.read import read_build
from dsd.report.numbers import CONFIDENCE_KINDS
from dsd.report.sections import (section_agreement, section_checks, section_confidence,
                                 section_counts, section_network, section_order, section_sequences,
                                 section_trajectories, section_verification)
from dsd.wetlab.pricing import price_table_with_defaults


def write_report(build_dir: Path, out: Path | None = None, *, examples_to_plot: int = 3,
                 price_table: dict | None = None, confidence: str = "margin", shown_path: str | None = None) -> Path:
    """Write ``report.html`` for the build in ``build_dir`` (default ``build_dir/report.html``).

    Parameters
    ----------
    build_dir : a build folder (``dsd build`` output); anything else raises
        :class:`~dsd.report.read.NotABuildError` and writes nothing.
    out : where to write the HTML (atomically).
    examples_to_plot : at most this many of the examples whose trajectories the build wrote are drawn.
    price_table : overrides of ``dsd.wetlab.pricing.DEFAULT_PRICE_TABLE`` for the order estimate.
    confidence : ``margin`` or ``softmax`` (see :func:`~dsd.report.sections.network_confidence`).
    shown_path : the build folder as the report names it (default ``build_dir``; ``dsd build``
        writes the report in a temporary folder that is renamed when the build succeeds).

    Returns the path written.
    """
    build_dir = Path(build_dir)
    if examples_to_plot < 0:
        raise ValueError(f"examples_to_plot must be >= 0, got {examples_to_plot}")
    if confidence not in CONFIDENCE_KINDS:
        raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_KINDS)}, got {confidence!r}")
    prices = price_table_with_defaults(price_table)
    start = time.perf_counter()
    b = read_build(build_dir)
    out = Path(out) if out is not None else build_dir / "report.html"
    sections = [
        section_network(b),
        *section_budget(b),  # only builds with a budget: section
        section_counts(b),
        section_agreement(b),
        section_trajectories(b, examples_to_plot),
        section_confidence(b, confidence),
        section_verification(b),
        section_sequences(b),
        section_order(b, prices),
        section_dna_size(b, prices),
        section_checks(b),
    ]
    meta = [f"build folder {shown_path or b.path}", f"spec hash {b.build.get('spec_hash')}"]
    versions = b.build.get("versions") or {}
    if versions:
        meta.append("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    seconds = time.perf_counter() - start
    footer = f"Report written by dsd.report in total {seconds:.2f} s."
    atomic_write_text(out, page(b.build.get("name") or b.path.name, meta, sections, footer))
    return out
