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

from dsd.domains import Complex, DomainSystem
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
    lines = [f"#| {k}: {v}" for k, v in (header or {}).items()]
    if crn_text:
        lines += [f"#> {line}" for line in crn_text.rstrip("\n").splitlines()]
    lines.append(f"# Domains ({len(system.domains)})")
    lines += [f"length {d.name} = {d.length}  # {d.kind}" for d in system.domains.values()]
    lines.append(f"# Complexes ({len(system.complexes)})")
    for cx in system.complexes:
        conc = f" @initial {cx.conc_nM:.6g} nM" if cx.conc_nM > 0 else ""
        lines.append(f"{cx.name} = {cx.kernel}{conc}  # {cx.role}")
    return "\n".join(lines) + "\n"


def parse_pil(text: str, source: str = "<pil>", species_of_strands=None):
    """(system, header dict, embedded CRN text) from PIL text written by :func:`format_pil`.

    Complexes without a role comment are ``signal`` when ``species_of_strands`` recognises them,
    else ``fuel``. Gate/fuel/helper names ending in ``_r{i}`` (or ``_r{i}_{k}``) belong to formal reaction ``i``."""
    system = DomainSystem()
    header: dict[str, str] = {}
    crn_lines: list[str] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        try:
            if line.startswith("#|"):
                key, _, value = line[2:].partition(":")
                header[key.strip()] = value.strip()
            elif line.startswith("#>"):
                crn_lines.append(raw.split("#>", 1)[1][1:] if raw.split("#>", 1)[1].startswith(" ") else "")
            elif not line or line.startswith("#"):
                continue
            elif line.startswith("length "):
                m = _LENGTH.match(line)
                if not m:
                    raise ValueError(f"cannot read domain line {line!r}")
                system.add_domain(m.group(1), int(m.group(2)), m.group(3) or ("toehold" if int(m.group(2)) < 10 else "long"))
            else:
                m = _COMPLEX.match(line)
                if not m:
                    raise ValueError(f"cannot read complex line {line!r}")
                name, kernel, conc, role = m.groups()
                if role is None:
                    from dsd.domains import parse_kernel

                    strands = [list(s) for s in parse_kernel(kernel)]
                    role = "signal" if species_of_strands and species_of_strands(strands) else "fuel"
                cx = system.add(Complex(name, kernel.strip(), role, float(conc) if conc else 0.0))
                if role == "signal" and species_of_strands is not None:
                    species = species_of_strands([list(s) for s in cx.strands])
                    if species is not None:
                        system.species_of[name] = species
                r = _REACTION_OF.search(name)
                if role in ("gate", "fuel", "helper") and r:
                    system.reaction_of[name] = int(r.group(1))
        except ValueError as exc:
            raise PILSyntaxError(f"{source}:{no}: {exc}") from None
    return system, header, "\n".join(crn_lines) + ("\n" if crn_lines else "")


def pil_header(text: str) -> dict[str, str]:
    """Just the ``#| key: value`` header at the top of a PIL text (cheap for large files)."""
    header = {}
    for line in text.splitlines():
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
    ``# Complexes (N)`` counts."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not a PIL file")
    if not path.is_file():
        raise FileNotFoundError(f"PIL file not found: {path}")
    text = path.read_text()
    if not text.strip():
        raise ValueError(f"PIL file {path} is empty")
    return load_pil(text, str(path), scheme, need_scheme=need_scheme)


def load_pil(text: str, source: str = "<pil>", scheme: str | None = None, *, need_scheme: bool = True) -> PILFile:
    """:func:`read_pil` on text already read (``source`` names it in messages)."""
    header = pil_header(text)
    cut = bool(header) and not text.endswith("\n")
    if cut:
        text = text[: text.rfind("\n") + 1]
    sch = None
    if scheme is not None or "scheme" in header or need_scheme:
        try:
            sch = scheme_from_header(header, scheme)
        except ValueError as exc:
            if not cut:
                raise ValueError(f"{source}: {exc}") from None
            raise ValueError(f"{source}: {exc} (the file is truncated: {_truncation(text, None, cut)})") from None
    system, header, crn_text = parse_pil(text, source, sch.species_of_strands if sch else None)
    truncation = _truncation(text, system, cut) if header else None
    return PILFile(source, system, header, crn_text, sch, truncation)


def _truncation(text: str, system: DomainSystem | None, cut: bool) -> str | None:
    """Why a file written by :func:`format_pil` looks cut short, or None."""
    declared = {}
    for line in text.splitlines():
        m = _DECLARED.match(line.strip())
        if m:
            declared[m.group(1).lower()] = int(m.group(2))
    found = {"domains": len(system.domains) if system else 0, "complexes": len(system.complexes) if system else 0}
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
