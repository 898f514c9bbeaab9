"""Read and write a DomainSystem as PIL (Peppercorn's input language), readable by Peppercorn
and Nuskell.

What we write is plain PIL (``length`` lines, ``name = kernel [@initial C nM]`` lines) plus
comments that Peppercorn ignores and we read back: each domain's kind and each complex's role
after ``#``, and a header of ``#| key: value`` lines (scheme, options, unit_nM) followed by the
formal CRN it implements as ``#> `` lines, so a ``system.pil`` is self-contained.

:func:`read_pil` is the one way to load such a file: it returns a :class:`PILFile` (system,
header, scheme, embedded CRN) and notices a file cut short (``# Domains (N)`` / ``# Complexes (N)``
counts not met, no complexes, last line cut mid-way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dsd.domains import KINDS, ROLES, Complex, Domain, DomainSystem, parse_kernel
from dsd.schemes import make_scheme

_LENGTH = re.compile(r"length\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*(?:#\s*(\w+))?\s*\Z")
_COMPLEX = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^@#]+?)\s*(?:@\s*initial\s+([0-9.eE+-]+)\s*nM)?\s*"
                      r"(?:#\s*(\w+))?\s*\Z")
_REACTION_OF = re.compile(r"_r(\d+)(?:_\d+)?\Z")
_DECLARED = re.compile(r"#\s*(Domains|Complexes)\s*\((\d+)\)\s*\Z")


class PILSyntaxError(ValueError):
    """A line of a PIL file we cannot read (the message names file and line)."""


def format_pil(system: DomainSystem, header: dict[str, str] | None = None, crn_text: str | None = None) -> str:
    """PIL text: one ``length`` line per domain, one line per complex (``@initial C nM`` when C > 0)."""
    return "".join(pil_lines(system, header, crn_text))


def pil_lines(system: DomainSystem, header: dict[str, str] | None = None, crn_text: str | None = None):
    """The lines of :func:`format_pil`'s text, each ending in a newline, one at a time."""
    for k, v in (header or {}).items():
        yield f"#| {k}: {v}\n"
    if crn_text:
        for line in crn_text.rstrip("\n").splitlines():
            yield f"#> {line}\n"
    yield f"# Domains ({len(system.domains)})\n"
    for d in system.domains.values():
        yield f"length {d.name} = {d.length}  # {d.kind}\n"
    yield f"# Complexes ({len(system.complexes)})\n"
    for cx in system.complexes:
        if cx.conc_nM > 0:
            yield f"{cx.name} = {cx.kernel} @initial {cx.conc_nM:.6g} nM  # {cx.role}\n"
        else:
            yield f"{cx.name} = {cx.kernel}  # {cx.role}\n"


def write_pil(path: str | Path, system: DomainSystem, header: dict[str, str] | None = None,
              crn_text: str | None = None) -> Path:
    """Write :func:`format_pil`'s text to ``path`` line by line through a buffer (never the
    whole text in memory), atomically: a reader never sees half a file, and a failure leaves the
    previous file as it was."""
    from crn.atomic import atomic_write_chunks

    return atomic_write_chunks(path, (line.encode("utf-8") for line in pil_lines(system, header, crn_text)))


def parse_pil(text: str, source: str = "<pil>", species_of_strands=None):
    """(system, header dict, embedded CRN text) from PIL text written by :func:`format_pil`.

    Complexes without a role comment are ``signal`` when ``species_of_strands`` recognises them,
    else ``fuel``. Gate/fuel/helper names ending in ``_r{i}`` (or ``_r{i}_{k}``) belong to formal reaction ``i``."""
    system, header, crn_text, _ = _parse_lines(text.splitlines(), source, species_of_strands)
    return system, header, crn_text


def pil_records(lines, source: str = "<pil>"):
    """The meaningful lines of a PIL text, one record each, as ``(line no, what, *fields)``:
    ``header`` (key, value), ``crn`` (line), ``declared`` ("domains" | "complexes", N), ``domain``
    (name, nt, kind) and ``complex`` (name, kernel, nM, role or None). A line it cannot read is a
    :class:`PILSyntaxError` naming ``source`` and the line. ``lines`` may keep their newline."""
    for no, raw in enumerate(lines, 1):
        if raw.endswith("\n"):
            raw = raw[:-1]
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            if line.startswith("#|"):
                key, _, value = line[2:].partition(":")
                yield no, "header", key.strip(), value.strip()
            elif line.startswith("#>"):
                rest = raw.split("#>", 1)[1]
                yield no, "crn", rest[1:] if rest.startswith(" ") else ""
            else:
                m = _DECLARED.match(line)
                if m:
                    yield no, "declared", m.group(1).lower(), int(m.group(2))
        elif line.startswith("length "):
            parts = line.split()  # the layout format_pil writes, read without a regex
            if len(parts) == 6 and parts[2] == "=" and parts[4] == "#" and parts[3].isdigit():
                yield no, "domain", parts[1], int(parts[3]), parts[5]
            else:
                m = _LENGTH.match(line)
                if not m:
                    raise PILSyntaxError(f"{source}:{no}: cannot read domain line {line!r}")
                nt = int(m.group(2))
                yield no, "domain", m.group(1), nt, m.group(3) or ("toehold" if nt < 10 else "long")
        else:
            fast = _complex_line(line)
            if fast is not None:
                yield no, "complex", *fast
                continue
            m = _COMPLEX.match(line)
            if not m:
                raise PILSyntaxError(f"{source}:{no}: cannot read complex line {line!r}")
            name, kernel, conc, role = m.groups()
            try:
                nM = float(conc) if conc else 0.0
            except ValueError:
                raise PILSyntaxError(f"{source}:{no}: cannot read the concentration {conc!r}") from None
            yield no, "complex", name, kernel.strip(), nM, role


def _complex_line(line: str):
    """(name, kernel, nM, role) of a complex line in the layout format_pil writes, read without
    the regex (slow on long kernels), or None for anything else (the regex reads it then)."""
    name, eq, rest = line.partition(" = ")
    body, sep, role = rest.rpartition("  # ")
    if not (eq and sep and role in ROLES and name.isascii() and name.isidentifier()):
        return None
    kernel, at, conc = body.partition(" @initial ")
    if at:
        if not conc.endswith(" nM") or conc[:-3].strip(_NUMBER_CHARS) or not conc[:-3]:
            return None
        try:
            nM = float(conc[:-3])
        except ValueError:
            return None
    else:
        nM = 0.0
    if not kernel or "@" in kernel or "#" in kernel or kernel != kernel.strip():
        return None
    return name, kernel, nM, role


_NUMBER_CHARS = "0123456789.eE+-"


def reaction_of_name(name: str, role: str) -> int | None:
    """The formal reaction a gate, fuel or helper named ``..._r{i}`` (or ``..._r{i}_{k}``) belongs to."""
    r = _REACTION_OF.search(name) if role in ("gate", "fuel", "helper") else None
    return int(r.group(1)) if r else None


def _parse_lines(lines, source: str, species_of_strands):
    """:func:`parse_pil` over an iterable of lines (with or without their newline), plus the
    ``# Domains (N)`` / ``# Complexes (N)`` counts the text declares."""
    system = DomainSystem()
    domains, complexes, species_of, reaction_of = system.domains, system.complexes, system.species_of, system.reaction_of
    header: dict[str, str] = {}
    crn_lines: list[str] = []
    declared: dict[str, int] = {}
    for no, what, *fields in pil_records(lines, source):
        try:
            if what == "domain":
                name, nt, kind = fields
                old = domains.get(name)
                if old is None and name.isascii() and name.isidentifier() and kind in KINDS and nt >= 1:
                    domains[name] = Domain.unchecked(name, nt, kind)
                elif old is None or old.length != nt or old.kind != kind:
                    system.add_domain(name, nt, kind)  # a bad domain or a clash: its ValueError
            elif what == "complex":
                name, kernel, nM, role = fields
                strands = parse_kernel(kernel)  # checked, not kept: a large file stays small in memory
                used = {d.rstrip("*") for s in strands for d in s}
                if not used <= domains.keys():
                    raise ValueError(f"complex {name} uses undefined domains {sorted(used - domains.keys())}")
                species = None
                if species_of_strands is not None and (role is None or role == "signal"):
                    species = species_of_strands([list(s) for s in strands])
                if role is None:
                    role = "signal" if species is not None else "fuel"
                if role not in ROLES or nM < 0:
                    Complex(name, kernel, role, nM)  # raises the ValueError naming what is wrong
                complexes.append(Complex.unchecked(name, kernel, role, nM))
                if role == "signal" and species is not None:
                    species_of[name] = species
                r = reaction_of_name(name, role)
                if r is not None:
                    reaction_of[name] = r
            elif what == "header":
                header[fields[0]] = fields[1]
            elif what == "crn":
                crn_lines.append(fields[0])
            else:
                declared[fields[0]] = fields[1]
        except ValueError as exc:
            raise PILSyntaxError(f"{source}:{no}: {exc}") from None
    return system, header, "\n".join(crn_lines) + ("\n" if crn_lines else ""), declared


def pil_header(text: str) -> dict[str, str]:
    """Just the ``#| key: value`` header at the top of a PIL text (cheap for large files)."""
    return _header_of(text.splitlines())


def _header_of(lines) -> dict[str, str]:
    header = {}
    for line in lines:
        if not line.startswith("#|"):
            break
        key, _, value = line[2:].partition(":")
        header[key.strip()] = value.strip()
    return header


@dataclass(frozen=True)
class PILFile:
    """A PIL file as :func:`read_pil` loaded it.

    ``truncation`` says why the file looks cut short (None when it looks whole); ``scheme`` is the
    scheme named in its header (or given), None when neither names one."""

    source: str
    system: DomainSystem
    header: dict[str, str] = field(default_factory=dict)
    crn_text: str = ""
    scheme: object | None = None
    truncation: str | None = None

    @property
    def crn(self):
        """The embedded formal CRN (``#>`` lines) as a CRN; a ValueError when there is none."""
        from crn.textformat import parse_crn

        if not self.crn_text.strip():
            why = f"it is truncated ({self.truncation})" if self.truncation else "write it with dsd translate"
            raise ValueError(f"{self.source} embeds no formal CRN (#> lines): {why}")
        return parse_crn(self.crn_text, f"{self.source} (embedded CRN)")


def read_pil(path: str | Path, scheme: str | None = None, *, need_scheme: bool = True) -> PILFile:
    """Load a PIL file: ``scheme`` overrides the one its header names (a ValueError when neither
    names one and ``need_scheme``); signal complexes are recognised with the scheme.

    A missing file is a FileNotFoundError, a folder or an empty file a ValueError, both naming the
    path. A last line cut mid-way (no final newline in a file with our ``#|`` header) is dropped
    before parsing and reported in ``truncation``, as are unmet ``# Domains (N)`` /
    ``# Complexes (N)`` counts. The file is read line by line (never whole)."""
    header, cut = _peek(path)
    with open(path) as fh:
        return _load(_drop_last(fh) if cut else fh, str(path), header, cut, scheme, need_scheme)


def open_pil(path: str | Path, scheme: str | None = None):
    """(header, scheme, cut, lines) for a PIL file read as a stream: the checks and errors of
    :func:`read_pil`, the scheme it would use, whether the last line is cut mid-way, and a
    generator of its lines (without a cut last line) for :func:`pil_records`."""
    header, cut = _peek(path)
    try:
        sch = scheme_from_header(header, scheme)
    except ValueError as exc:
        if not cut:
            raise ValueError(f"{path}: {exc}") from None
        with open(path) as fh:
            declared = {m.group(1).lower(): int(m.group(2)) for m in map(_DECLARED.match, map(str.strip, fh)) if m}
        raise ValueError(f"{path}: {exc} (the file is truncated: {_truncation(declared, {}, cut)})") from None

    def lines():
        with open(path) as fh:
            yield from (_drop_last(fh) if cut else fh)

    return header, sch, cut, lines()


def _peek(path: str | Path) -> tuple[dict[str, str], bool]:
    """(header, last line cut mid-way) of a PIL file, checking that it is a non-empty file."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not a PIL file")
    if not path.is_file():
        raise FileNotFoundError(f"PIL file not found: {path}")
    with open(path) as fh:
        if not any(line.strip() for line in fh):
            raise ValueError(f"PIL file {path} is empty")
        fh.seek(0)
        header = _header_of(line.rstrip("\n") for line in fh)
    with open(path, "rb") as fh:
        fh.seek(-1, 2)
        cut = bool(header) and fh.read(1) != b"\n"
    return header, cut


def _drop_last(lines):
    """Every line but the last."""
    previous = None
    for line in lines:
        if previous is not None:
            yield previous
        previous = line


def load_pil(text: str, source: str = "<pil>", scheme: str | None = None, *, need_scheme: bool = True) -> PILFile:
    """:func:`read_pil` on text already read (``source`` names it in messages)."""
    header = pil_header(text)
    cut = bool(header) and not text.endswith("\n")
    if cut:
        text = text[: text.rfind("\n") + 1]
    return _load(text.splitlines(), source, header, cut, scheme, need_scheme)


def _load(lines, source: str, header: dict[str, str], cut: bool, scheme: str | None, need_scheme: bool) -> PILFile:
    sch = None
    if scheme is not None or "scheme" in header or need_scheme:
        try:
            sch = scheme_from_header(header, scheme)
        except ValueError as exc:
            if not cut:
                raise ValueError(f"{source}: {exc}") from None
            declared = {m.group(1).lower(): int(m.group(2)) for m in map(_DECLARED.match, map(str.strip, lines)) if m}
            raise ValueError(f"{source}: {exc} (the file is truncated: {_truncation(declared, {}, cut)})") from None
    system, header, crn_text, declared = _parse_lines(lines, source, sch.species_of_strands if sch else None)
    found = {"domains": len(system.domains), "complexes": len(system.complexes)}
    truncation = _truncation(declared, found, cut) if header else None
    return PILFile(source, system, header, crn_text, sch, truncation)


def _truncation(declared: dict[str, int], found: dict[str, int], cut: bool) -> str | None:
    """Why a file written by :func:`format_pil` looks cut short (its ``declared`` counts of domains
    and complexes unmet by those ``found``, no complexes, the last line ``cut``), or None."""
    found = {"domains": found.get("domains", 0), "complexes": found.get("complexes", 0)}
    why = []
    if not found["complexes"] and "complexes" not in declared:
        why.append("no complexes" if found["domains"] or "domains" in declared else "no domains or complexes")
    for what, n in declared.items():
        if found[what] != n:
            why.append(f"{found[what]} of the {n} {what} it declares")
    if cut:
        why.append("the last line is cut mid-way")
    return "; ".join(why) or None


def scheme_header(scheme, sizing=None) -> dict[str, str]:
    """The ``#| key: value`` header a system.pil carries: the scheme, its domain lengths and, when
    sized, ``unit_nM`` (nM per formal unit), the safety factor and, for a CRN sized from its formal
    simulation, the ``horizon`` (formal time units) it was simulated for."""
    header = {"scheme": scheme.name, "toehold_nt": str(scheme.toehold_nt), "long_nt": str(scheme.long_nt),
              "history_nt": str(scheme.history_nt)}
    if sizing is not None:
        header.update({"unit_nM": f"{sizing.unit_nM:g}", "safety": f"{sizing.safety:g}"})
        if getattr(sizing, "horizon", None) is not None:  # sized from the formal simulation (dsd.sizing)
            header["horizon"] = f"{sizing.horizon:g}"
    return header


def scheme_from_header(header: dict[str, str], name: str | None = None):
    """The scheme a ``system.pil`` was written with (``name`` overrides its header)."""
    name = name or header.get("scheme")
    if name is None:
        raise ValueError("the PIL file names no scheme (no '#| scheme:' line, which dsd translate writes; dsd verify "
                         "also takes --scheme)")
    return make_scheme(name, **{k: int(header[k]) for k in ("toehold_nt", "long_nt", "history_nt") if k in header})
