"""Writing a design: ``domains.csv``, ``strands.csv`` and ``checks.csv`` (DESIGN §6), atomically.

Each file is written to a temporary file in the target folder and renamed over the old one, so a
reader sees either the previous complete file or the new one, never a half-written file.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from crn.atomic import atomic_write_text

DOMAINS_HEADER = ("name", "kind", "length", "sequence")
STRANDS_HEADER = ("name", "sequence", "length", "role", "domains", "complex", "concentration_nM")
CHECKS_HEADER = ("check", "subject", "value", "threshold", "pass")




def _csv(header, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def domains_csv(design) -> str:
    """``name,kind,length,sequence``, one row per domain in the system's order."""
    rows = [(d.name, d.kind, d.length, design.sequences[d.name]) for d in design.system.domains.values()]
    return _csv(DOMAINS_HEADER, rows)


def strands_csv(design) -> str:
    """``name,sequence,length,role,domains,complex,concentration_nM``; sequences 5'->3', domains
    space-separated (``x*`` = complement)."""
    return strands_table(design.strand_records())


def strands_table(records, length_of=lambda r: len(r.sequence)) -> str:
    """Strand records (``name, sequence, role, domains, complex, concentration_nM`` attributes) in the
    columns of ``strands.csv``; ``length_of`` counts a record's nucleotides (e.g. without inline
    modification codes)."""
    rows = [(r.name, r.sequence, length_of(r), r.role, " ".join(r.domains), r.complex, _num(float(r.concentration_nM)))
            for r in records]
    return _csv(STRANDS_HEADER, rows)


def checks_csv(design) -> str:
    """``check,subject,value,threshold,pass`` (pass is true/false)."""
    rows = [(c.check, c.subject, _num(float(c.value)), _num(float(c.threshold)), "true" if c.passed else "false")
            for c in design.checks]
    return _csv(CHECKS_HEADER, rows)


def write_design(design, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``domains.csv``, ``strands.csv`` and ``checks.csv`` of ``design`` into ``out_dir``."""
    out_dir = Path(out_dir)
    texts = {"domains.csv": domains_csv(design), "strands.csv": strands_csv(design), "checks.csv": checks_csv(design)}
    return {name: atomic_write_text(out_dir / name, text) for name, text in texts.items()}
