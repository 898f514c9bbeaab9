"""What to order from an oligo vendor: the bulk order (``order.csv``) and the plate layout
(``plates.csv``, ``plates.xlsx``) of a build's strands (DESIGN §6).

The input is the strands table of a design (``strands.csv``: one row per strand of every complex,
``<complex>_s<k>`` for a strand of a multi-strand complex). What is ordered is one oligo per
distinct sequence: a strand that appears in several complexes, or two strands that happen to have
the same sequence (in ``soloveichik2010`` the backward strand ``B_r<i>`` of a bimolecular reaction
is the first strand of its gate ``L_r<i>``), are one oligo; :attr:`OrderRow.strands` lists every
strand an oligo stands for.

Choices, all in :class:`OrderOptions`:

- Scale from length, IDT's limits: 25 nmol for 15-60 nt, 100 nmol up to 90 nt, 4 nmol Ultramer
  up to 200 nt. A longer strand cannot be made as one oligo; it still gets a row (so the order is
  complete), a note, and an entry in :func:`order_warnings` (shorten it, e.g. with a fan-out limit).
- Purification: synthesis couples ~99 % per nucleotide, so a desalted n-mer is ~0.99^n full
  length: 76 % at 27 nt, 67 % at 40 nt, 55 % at 60 nt. A truncated strand inside a gate, fuel or
  helper complex makes a complex that leaks or releases a defective output, so gate/fuel/helper
  strands longer than 40 nt (where a third or more of a crude prep is truncated) are PAGE purified;
  shorter ones, and signal strands (used single-stranded, at a measured concentration), are
  desalted (``STD``). Any strand over 90 nt is PAGE purified whatever its role (vendors' advice
  for unmodified oligos over ~80-100 nt).
- Modifications (dyes, quenchers: the reporter strands of :mod:`dsd.wetlab.reporters`) are written inline
  in the vendor's codes between slashes, e.g. ``/56-FAM/ACGT.../`` or ``...ACGT/3IABkFQ/``; a
  sequence is A, C, G, T and such codes only, and lengths count bases only. A labelled strand is
  HPLC purified (the vendors' advice for dye-labelled oligos: HPLC separates the labelled full-length
  strand from unlabelled and truncated ones, which would read as background) and made at 100 nmol
  at least (some dyes are offered only from 100 nmol, and HPLC recovers a fraction of a small
  synthesis; check the vendor's catalogue for each dye).
- Names: at most 30 characters (IDT's limit), unique; a longer name keeps a readable prefix and
  ends in ``_`` + 6 hex digits of a hash of the full name, so the same strand always gets the same
  short name.

Plates: 96 (A1..H12) or 384 (A1..P24) wells, filled column-major (A1, B1, ..., H1, A2, ...) by
default or row-major, as many plates (``Plate 1``, ``Plate 2``, ...) as needed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

ORDER_HEADER = ("Name", "Sequence", "Scale", "Purification")
PLATES_HEADER = ("Plate", "Well Position", "Name", "Sequence")
PLATE_SHEET_HEADER = ("Well Position", "Name", "Sequence")
PLATE_SHAPES = {96: (8, 12), 384: (16, 24)}  # wells -> (rows, columns)
_SEQUENCE = re.compile(r"(?:[ACGT]|/[A-Za-z0-9_.+-]+/)*\Z")  # bases and inline /modification/ codes
_MODIFICATION = re.compile(r"/[A-Za-z0-9_.+-]+/")


def bases(sequence: str) -> str:
    """The bases of a sequence written with inline modification codes.

    >>> bases("/56-FAM/ACGT/3IABkFQ/")
    'ACGT'
    """
    return _MODIFICATION.sub("", sequence)


def modifications(sequence: str) -> tuple[str, ...]:
    """The inline modification codes of a sequence, 5'->3'.

    >>> modifications("/56-FAM/ACGT/3IABkFQ/")
    ('/56-FAM/', '/3IABkFQ/')
    """
    return tuple(_MODIFICATION.findall(sequence))


@dataclass(frozen=True)
class StrandEntry:
    """One row of a strands table: a strand (5'->3', bases and inline modification codes such as
    ``/56-FAM/``) of one complex, and that complex's role and concentration in the tube (nM; 0 when
    it is not added, e.g. an input signal)."""

    name: str
    sequence: str
    role: str
    domains: tuple[str, ...]
    complex: str
    concentration_nM: float

    @property
    def length_nt(self) -> int:
        return len(bases(self.sequence))


@dataclass(frozen=True)
class OrderOptions:
    """How strands become oligos in an order and wells on plates.

    scales : ``(max_nt, code)`` pairs by increasing length: a strand gets the first code whose
        ``max_nt`` is at least its length (IDT codes ``25nm``, ``100nm``, ``250nm``, ``1um``,
        ``4nmU``/``20nmU`` Ultramer). Longer than the last: the last code, a note and a warning.
    page_roles, page_above_nt : strands of these roles longer than this many nt are PAGE purified.
    page_any_above_nt : any strand longer than this is PAGE purified (None: no such rule).
    page_code, standard_code : the vendor's purification codes.
    labelled_code : purification of a strand with a modification (dye, quencher): HPLC.
    labelled_min_scale : smallest scale code for such a strand (one of ``scales``' codes; None: by
        length like any strand).
    max_name_chars : longest oligo name (IDT: 30).
    name_prefix : put before every name (e.g. ``iris_``), so orders of several builds do not clash.
    plate_wells : 96 or 384. plate_fill : ``column`` (A1, B1, ...) or ``row`` (A1, A2, ...).
    plate_name : plates are called ``f"{plate_name} {k}"`` (k from 1).
    """

    scales: tuple[tuple[int, str], ...] = ((60, "25nm"), (90, "100nm"), (200, "4nmU"))
    page_roles: tuple[str, ...] = ("gate", "fuel", "helper")
    page_above_nt: int = 40
    page_any_above_nt: int | None = 90
    page_code: str = "PAGE"
    standard_code: str = "STD"
    labelled_code: str = "HPLC"
    labelled_min_scale: str | None = "100nm"
    max_name_chars: int = 30
    name_prefix: str = ""
    plate_wells: int = 96
    plate_fill: str = "column"
    plate_name: str = "Plate"

    def __post_init__(self) -> None:
        if not self.scales:
            raise ValueError("order scales: need at least one (max_nt, code) pair")
        limits = [int(n) for n, _ in self.scales]
        if limits != sorted(limits) or len(set(limits)) != len(limits) or limits[0] < 1:
            raise ValueError(f"order scales: max_nt must be positive and increasing, got {limits}")
        if self.page_above_nt < 0:
            raise ValueError(f"order page_above_nt must be >= 0, got {self.page_above_nt}")
        if self.max_name_chars < 12:
            raise ValueError(f"order max_name_chars must be >= 12 (room for a hash), got {self.max_name_chars}")
        if len(self.name_prefix) > self.max_name_chars - 8:
            raise ValueError(f"order name_prefix {self.name_prefix!r} is too long for "
                             f"{self.max_name_chars}-character names")
        if self.plate_wells not in PLATE_SHAPES:
            raise ValueError(f"order plate_wells must be one of {sorted(PLATE_SHAPES)}, got {self.plate_wells}")
        if self.plate_fill not in ("column", "row"):
            raise ValueError(f"order plate_fill must be 'column' or 'row', got {self.plate_fill!r}")
        codes = [code for _, code in self.scales]
        if self.labelled_min_scale is not None and self.labelled_min_scale not in codes:
            raise ValueError(f"order labelled_min_scale must be one of the scale codes {codes}, "
                             f"got {self.labelled_min_scale!r}")

    def scale(self, length_nt: int, labelled: bool = False) -> str:
        codes = [code for _, code in self.scales]
        k = next((i for i, (max_nt, _) in enumerate(self.scales) if length_nt <= max_nt), len(codes) - 1)
        if labelled and self.labelled_min_scale is not None:
            k = max(k, codes.index(self.labelled_min_scale))
        return codes[k]

    def purification(self, length_nt: int, roles: Iterable[str], labelled: bool = False) -> str:
        if labelled:
            return self.labelled_code
        if self.page_any_above_nt is not None and length_nt > self.page_any_above_nt:
            return self.page_code
        if length_nt > self.page_above_nt and any(r in self.page_roles for r in roles):
            return self.page_code
        return self.standard_code


@dataclass(frozen=True)
class OrderRow:
    """One oligo to order; ``strands`` are the strands (names in the strands table) it stands for,
    ``roles`` their roles, ``note`` what a reader of the order should know (shared, renamed, too long)."""

    name: str
    sequence: str
    scale: str
    purification: str
    strands: tuple[str, ...]
    roles: tuple[str, ...]
    note: str = ""

    @property
    def length_nt(self) -> int:
        return len(bases(self.sequence))


@dataclass(frozen=True)
class Well:
    """One oligo in one well: ``plate`` (``Plate 1``), ``position`` (``A1``), name and sequence."""

    plate: str
    position: str
    name: str
    sequence: str


# --- strands in -----------------------------------------------------------------------------


def _field(item: Any, key: str) -> Any:
    return item[key] if isinstance(item, Mapping) else getattr(item, key)


def strand_entries(strands: Iterable[Any]) -> list[StrandEntry]:
    """:class:`StrandEntry` rows from strands-table rows: mappings with the ``strands.csv`` columns
    (``name, sequence, role, domains, complex, concentration_nM``; ``domains`` space-separated) or
    objects with those attributes (``sequences.design.StrandRecord``). Sequences are validated:
    A, C, G, T and inline ``/modification/`` codes only, at least one base (ValueError naming the
    strand); names must be unique."""
    out: list[StrandEntry] = []
    seen: set[str] = set()
    for item in strands:
        if isinstance(item, StrandEntry):
            entry = item
        else:
            domains = _field(item, "domains")
            if isinstance(domains, str):
                domains = domains.split()
            entry = StrandEntry(str(_field(item, "name")), str(_field(item, "sequence")).strip(),
                                str(_field(item, "role")), tuple(domains), str(_field(item, "complex")),
                                float(_field(item, "concentration_nM") or 0.0))
        if not (_SEQUENCE.match(entry.sequence) and bases(entry.sequence)):
            bad = sorted(set(bases(entry.sequence)) - set("ACGT")) or ["(no bases)"]
            raise ValueError(f"strand {entry.name}: sequence must be A, C, G, T (and /modification/ codes) only; "
                             f"found {''.join(bad)!r}")
        if entry.name in seen:
            raise ValueError(f"strand {entry.name} appears twice in the strands table")
        seen.add(entry.name)
        out.append(entry)
    return out


def parse_strands_csv(text: str) -> list[StrandEntry]:
    """The rows of a ``strands.csv`` text (see :func:`strand_entries`)."""
    return strand_entries(csv.DictReader(io.StringIO(text)))


# --- the order ------------------------------------------------------------------------------


def short_name(name: str, max_chars: int = 30, digits: int = 6) -> str:
    """``name`` itself when it fits in ``max_chars``, else a readable prefix + ``_`` + the first
    ``digits`` hex digits of its SHA-1 (stable: the same name always shortens the same way).

    >>> short_name("T_r12_s3", 30)
    'T_r12_s3'
    >>> len(short_name("a_very_long_strand_name_from_a_big_network_s17", 30))
    30
    """
    if len(name) <= max_chars:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:digits]
    return f"{name[:max_chars - digits - 1]}_{digest}"


def order_rows(strands: Iterable[Any], options: OrderOptions | None = None) -> list[OrderRow]:
    """One :class:`OrderRow` per distinct sequence of ``strands`` (in first-seen order), named after
    the first strand with that sequence (plus ``options.name_prefix``, shortened to
    ``options.max_name_chars``), with scale and purification from ``options``."""
    options = options or OrderOptions()
    groups: dict[str, list[StrandEntry]] = {}
    for entry in strand_entries(strands):
        groups.setdefault(entry.sequence, []).append(entry)

    fulls = [options.name_prefix + entries[0].name for entries in groups.values()]
    taken = {full for full in fulls if len(full) <= options.max_name_chars}  # names kept as they are
    rows = []
    for full, (sequence, entries) in zip(fulls, groups.items()):
        name = full
        if len(full) > options.max_name_chars:
            name, digits = short_name(full, options.max_name_chars), 6
            while name in taken:  # a shortened name that clashes: a longer hash (rare)
                digits += 2
                if digits > min(16, options.max_name_chars - 4):
                    raise ValueError(f"cannot give strand {entries[0].name} a unique name of "
                                     f"<= {options.max_name_chars} characters")
                name = short_name(full, options.max_name_chars, digits)
            taken.add(name)
        roles = tuple(dict.fromkeys(e.role for e in entries))
        notes = []
        if len(entries) > 1:
            notes.append("one oligo for strands " + ", ".join(e.name for e in entries) + " (same sequence)")
        if name != full:
            notes.append(f"short for {full}")
        limit, n_bases, labelled = options.scales[-1][0], entries[0].length_nt, bool(modifications(sequence))
        if n_bases > limit:
            notes.append(f"{n_bases} nt: longer than the {limit}-nt limit of scale {options.scales[-1][1]}")
        if labelled:
            notes.append("labelled " + " ".join(modifications(sequence)))
        rows.append(OrderRow(name, sequence, options.scale(n_bases, labelled),
                             options.purification(n_bases, roles, labelled),
                             tuple(e.name for e in entries), roles, "; ".join(notes)))
    return rows


def order_csv(rows: Iterable[OrderRow]) -> str:
    """``Name,Sequence,Scale,Purification`` (the vendor's bulk-input columns), one line per oligo."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ORDER_HEADER)
    writer.writerows((r.name, r.sequence, r.scale, r.purification) for r in rows)
    return buf.getvalue()


def oligo_of(rows: Iterable[OrderRow]) -> dict[str, str]:
    """Strand name (strands table) -> name of the oligo that supplies it."""
    return {strand: r.name for r in rows for strand in r.strands}


def order_warnings(rows: Iterable[OrderRow], options: OrderOptions | None = None) -> list[str]:
    """What cannot be ordered as is: strands longer than the longest scale's limit (they cannot be
    synthesised as one oligo; a smaller fan-out, ``crn.fanout_limit``, shortens gate strands)."""
    options = options or OrderOptions()
    limit, code = options.scales[-1]
    return [f"oligo {r.name} ({', '.join(r.strands)}) is {r.length_nt} nt, longer than the {limit}-nt limit "
            f"of scale {code}: it cannot be synthesised as one oligo" for r in rows if r.length_nt > limit]


# --- plates ---------------------------------------------------------------------------------


def well_positions(wells: int = 96, fill: str = "column") -> list[str]:
    """Every well of a plate in filling order: column-major ``A1, B1, ..., H1, A2, ...`` or
    row-major ``A1, A2, ..., A12, B1, ...``."""
    if wells not in PLATE_SHAPES:
        raise ValueError(f"plate wells must be one of {sorted(PLATE_SHAPES)}, got {wells}")
    n_rows, n_cols = PLATE_SHAPES[wells]
    letters = [chr(ord("A") + i) for i in range(n_rows)]
    if fill == "column":
        return [f"{r}{c}" for c in range(1, n_cols + 1) for r in letters]
    if fill == "row":
        return [f"{r}{c}" for r in letters for c in range(1, n_cols + 1)]
    raise ValueError(f"plate fill must be 'column' or 'row', got {fill!r}")


def plates(rows: Iterable[OrderRow], options: OrderOptions | None = None) -> list[Well]:
    """The oligos of ``rows`` in wells, in order, one plate after another as each fills up."""
    options = options or OrderOptions()
    positions = well_positions(options.plate_wells, options.plate_fill)
    return [Well(f"{options.plate_name} {k // len(positions) + 1}", positions[k % len(positions)], r.name, r.sequence)
            for k, r in enumerate(rows)]


def plates_csv(wells: Iterable[Well]) -> str:
    """``Plate,Well Position,Name,Sequence``, one line per well."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(PLATES_HEADER)
    writer.writerows((w.plate, w.position, w.name, w.sequence) for w in wells)
    return buf.getvalue()


def write_plates_xlsx(path: str | os.PathLike, wells: Iterable[Well]) -> Path:
    """Write the plate upload workbook: one sheet per plate (named after it), headers
    ``Well Position, Name, Sequence``. Atomic: written beside ``path``, then renamed over it."""
    from openpyxl import Workbook

    path = Path(path)
    by_plate: dict[str, list[Well]] = {}
    for w in wells:
        by_plate.setdefault(w.plate, []).append(w)
    book = Workbook()
    book.remove(book.active)
    for plate, plate_wells in (by_plate or {"Plate 1": []}).items():
        sheet = book.create_sheet(title=plate[:31])  # Excel's limit on sheet names
        sheet.append(PLATE_SHEET_HEADER)
        for w in plate_wells:
            sheet.append((w.position, w.name, w.sequence))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
