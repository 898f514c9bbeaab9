"""Writing a design: ``domains.csv``, ``strands.csv``, ``checks.csv`` and ``occlusion.csv`` (DESIGN §6),
atomically.

Columns (other tools read them by name):

* ``domains.csv`` — ``name,kind,length,sequence,gc,dG_kcal``: ``gc`` the G+C fraction (0-1);
  ``dG_kcal`` the toehold duplex ΔG (toehold + complement, kcal/mol; ViennaRNA DNA parameters,
  Mathews 2004, 25 °C, 1 M Na+ unless the design's backend says otherwise), empty for other kinds;
* ``occlusion.csv`` — ``site,toehold,strand,Kd_M``: a single strand (its order name) carrying
  toehold ``toehold``'s sequence away from its own copy, at 0-based position ``site``, and the
  dissociation constant (M) of that site with 3-nt flanks binding the toehold's complement
  (``sequences.occlusion``).

Each file is written to a temporary file in the target folder and renamed over the old one, so a
reader sees either the previous complete file or the new one, never a half-written file.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from crn.atomic import atomic_write_text

DOMAINS_HEADER = ("name", "kind", "length", "sequence", "gc", "dG_kcal")
OCCLUSION_HEADER = ("site", "toehold", "strand", "Kd_M")
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
    """``name,kind,length,sequence,gc,dG_kcal``, one row per domain in the system's order."""
    rows = []
    for d in design.system.domains.values():
        seq = design.sequences[d.name]
        gc = sum(b in "GC" for b in seq) / len(seq)
        dG = design.toehold_dG.get(d.name) if d.kind == "toehold" else None
        rows.append((d.name, d.kind, d.length, seq, f"{gc:.4g}", "" if dG is None else f"{dG:.3f}"))
    return _csv(DOMAINS_HEADER, rows)


def occlusion_csv(design) -> str:
    """``site,toehold,strand,Kd_M``, one row per stray toehold site (strongest first)."""
    sites = sorted(design.occlusion, key=lambda s: (s.Kd_M, s.toehold, s.strand, s.site))
    return _csv(OCCLUSION_HEADER, [(s.site, s.toehold, s.strand, f"{s.Kd_M:.4g}") for s in sites])


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
    """Write ``domains.csv``, ``strands.csv``, ``checks.csv`` and ``occlusion.csv`` of ``design`` into ``out_dir``."""
    out_dir = Path(out_dir)
    texts = {"domains.csv": domains_csv(design), "strands.csv": strands_csv(design), "checks.csv": checks_csv(design),
             "occlusion.csv": occlusion_csv(design)}
    return {name: atomic_write_text(out_dir / name, text) for name, text in texts.items()}
