"""The domain-level model of a DNA strand-displacement system.

Domains are named stretches of sequence (``toehold``, ``long`` or ``history``) with a length in
nucleotides; ``x*`` is the complement of ``x``. A strand is a 5'->3' list of domain names. A
complex is written in kernel notation (``a( b c + ) d*``: ``a(`` opens a duplex closed by the
matching ``)``, which stands for ``a*`` on the later strand; ``+`` separates strands) and tagged
with its role: ``signal | fuel | gate | helper | waste | reporter``. Plain objects, no registries.
"""

from __future__ import annotations

import re
from functools import cached_property
from dataclasses import dataclass, field

KINDS = ("toehold", "long", "history")
ROLES = ("signal", "fuel", "gate", "helper", "waste", "reporter")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain: ``name`` (no ``*``), ``length`` in nt, ``kind`` toehold | long | history."""

    name: str
    length: int
    kind: str

    def __post_init__(self) -> None:
        if not (self.name.isascii() and self.name.isidentifier()):  # NAME, without a regex
            raise ValueError(f"domain name {self.name!r} must match [A-Za-z_][A-Za-z0-9_]*")
        if self.kind not in KINDS:
            raise ValueError(f"domain {self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.length < 1:
            raise ValueError(f"domain {self.name}: length must be >= 1 nt, got {self.length}")

    @classmethod
    def unchecked(cls, name: str, length: int, kind: str) -> "Domain":
        """A Domain made without the checks, for a name, length and kind known to be valid."""
        d = object.__new__(cls)
        object.__setattr__(d, "name", name)
        object.__setattr__(d, "length", length)
        object.__setattr__(d, "kind", kind)
        return d


def complement(name: str) -> str:
    """``x`` <-> ``x*``."""
    return name[:-1] if name.endswith("*") else name + "*"


def strand_name(complex_name: str, k: int, n_strands: int) -> str:
    """The order name of strand ``k`` (0-based) of a complex with ``n_strands`` strands: the
    complex's own name for a one-strand complex, else ``<complex>_s<k+1>``.

    >>> strand_name("G_r3", 1, 3), strand_name("S_X0p", 0, 1)
    ('G_r3_s2', 'S_X0p')
    """
    return complex_name if n_strands == 1 else f"{complex_name}_s{k + 1}"


def parse_kernel(kernel: str) -> tuple[tuple[str, ...], ...]:
    """The strands (5'->3' domain names, ``*`` for complements) of a kernel-notation complex.

    >>> parse_kernel("a( b c + ) d*")
    (('a', 'b', 'c'), ('a*', 'd*'))
    """
    strand: list[str] = []
    strands = [strand]
    stack: list[str] = []
    for token in kernel.replace("(", "( ").split():
        if token == "+":
            strand = []
            strands.append(strand)
        elif token == ")":
            if not stack:
                raise ValueError(f"unbalanced ')' in kernel {kernel!r}")
            name = stack.pop()
            strand.append(name[:-1] if name[-1] == "*" else name + "*")
        elif token[-1] == "(":
            name = token[:-1]
            stack.append(name)
            strand.append(name)
        else:
            strand.append(token)
    if stack:
        raise ValueError(f"unclosed '(' in kernel {kernel!r}")
    if not all(strands):
        raise ValueError(f"empty strand in kernel {kernel!r}")
    return tuple(map(tuple, strands))


@dataclass(frozen=True)
class Complex:
    """A complex in kernel notation, its role and its initial concentration in nM (0: none added)."""

    name: str
    kernel: str
    role: str
    conc_nM: float = 0.0

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"complex {self.name}: role must be one of {ROLES}, got {self.role!r}")
        if self.conc_nM < 0:
            raise ValueError(f"complex {self.name}: negative concentration {self.conc_nM} nM")
        parse_kernel(self.kernel)

    @classmethod
    def unchecked(cls, name: str, kernel: str, role: str, conc_nM: float = 0.0) -> "Complex":
        """A complex built without parsing its kernel: for kernels known to parse (a renaming of
        a scheme's checked kernel, or one read back unchanged). Its strands are parsed when
        first asked for."""
        cx = object.__new__(cls)
        d = cx.__dict__
        d["name"], d["kernel"], d["role"], d["conc_nM"] = name, kernel, role, conc_nM
        return cx

    @cached_property
    def strands(self) -> tuple[tuple[str, ...], ...]:
        return parse_kernel(self.kernel)

    @property
    def strand_names(self) -> tuple[str, ...]:
        """Each strand's order name (:func:`strand_name`)."""
        return tuple(strand_name(self.name, k, len(self.strands)) for k in range(len(self.strands)))


@dataclass
class DomainSystem:
    """Domains, and the complexes a tube starts with (fuels, gates, helpers, signals).

    ``species_of`` maps each signal complex to the formal species it stands for; ``reaction_of``
    maps each gate, fuel and helper complex to the index of the formal reaction it implements.
    """

    domains: dict[str, Domain] = field(default_factory=dict)
    complexes: list[Complex] = field(default_factory=list)
    species_of: dict[str, str] = field(default_factory=dict)
    reaction_of: dict[str, int] = field(default_factory=dict)

    def with_concentrations(self, conc_nM: dict[str, float]) -> "DomainSystem":
        """A copy whose complexes named in ``conc_nM`` get that initial concentration (nM)."""
        complexes = []
        for c in self.complexes:
            conc = float(conc_nM.get(c.name, c.conc_nM))
            if conc < 0:
                raise ValueError(f"complex {c.name}: negative concentration {conc} nM")
            complexes.append(Complex.unchecked(c.name, c.kernel, c.role, conc))  # same kernel: parsed before
        copy = DomainSystem(dict(self.domains), complexes, dict(self.species_of), dict(self.reaction_of))
        if self._remembered() is not None:  # same kernels and roles: same strands
            copy.remember_counts(self._remembered(), self.remembered_strand_kinds())
        return copy

    def remember_counts(self, counts: dict[str, int], strand_kinds: list | None = None) -> None:
        """Keep :meth:`counts` (and ``strand_kinds``, see :func:`dsd.translate.strand_kinds`) as its
        maker computed them (e.g. translate, from its templates); they are forgotten as soon as the
        complexes or domains change size or are replaced."""
        self._counts = (self._shape(), dict(counts))
        self._strand_kinds = None if strand_kinds is None else list(strand_kinds)

    def remembered_strand_kinds(self) -> list | None:
        """The ``strand_kinds`` given to :meth:`remember_counts`, while the counts are remembered."""
        kinds = getattr(self, "_strand_kinds", None) if self._remembered() is not None else None
        return None if kinds is None else list(kinds)

    def _shape(self) -> tuple:
        return self.complexes, len(self.complexes), self.domains, len(self.domains)

    def _remembered(self) -> dict[str, int] | None:
        kept = getattr(self, "_counts", None)
        if kept is None:
            return None
        (complexes, n_complexes, domains, n_domains), counts = kept
        if complexes is self.complexes and domains is self.domains and (n_complexes, n_domains) == (
                len(complexes), len(domains)):
            return dict(counts)
        self._counts = None  # the system changed: count it afresh from now on
        return None

    def add_domain(self, name: str, length: int, kind: str) -> str:
        old = self.domains.get(name)
        if old is not None and (old.length, old.kind) != (length, kind):
            raise ValueError(f"domain {name} redefined as {kind} {length} nt (was {old.kind} {old.length} nt)")
        self.domains[name] = Domain(name, length, kind)
        return name

    def add(self, cx: Complex) -> Complex:
        unknown = {d.rstrip("*") for s in cx.strands for d in s if d.rstrip("*") not in self.domains}
        if unknown:
            raise ValueError(f"complex {cx.name} uses undefined domains {sorted(unknown)}")
        self.complexes.append(cx)
        return cx

    def strands(self) -> list[tuple[str, ...]]:
        """Distinct strands (as domain tuples), in first-seen order."""
        seen: dict[tuple[str, ...], None] = {}
        for cx in self.complexes:
            for s in _strands_of(cx):
                seen.setdefault(s)
        return list(seen)

    def strand_length(self, strand) -> int:
        """Length in nt of a strand given as domain names (``x*`` counts as ``x``)."""
        return sum(self.domains[d.rstrip("*")].length for d in strand)

    def oligos(self) -> list[tuple[Complex, int, tuple[str, ...]]]:
        """Every strand of every complex, in the system's order, as ``(complex, index in it, domains)``:
        the rows of ``strands.csv`` (a strand shared by two complexes is ordered twice)."""
        return [(cx, k, tuple(strand)) for cx in self.complexes for k, strand in enumerate(cx.strands)]

    def oligo_counts(self) -> dict[str, int]:
        """``strands`` (rows of ``strands.csv``) and ``nucleotides`` (their total length, nt)."""
        rows = self.oligos()
        return {"strands": len(rows), "nucleotides": sum(self.strand_length(s) for _, _, s in rows)}

    def counts(self) -> dict[str, int]:
        """What there is to order and design: complexes, distinct strands, distinct domains used,
        and nucleotides (sum of domain lengths over distinct strands)."""
        remembered = self._remembered()
        if remembered is not None:
            return remembered
        # distinct strands are keyed by their text (one string each, not a tuple of names), and
        # kernels not parsed yet are parsed here without keeping the result: a system of a
        # million strands then costs a set of strings, not every strand's domain names twice
        seen: set[str] = set()
        used: set[str] = set()
        nucleotides = 0
        length = {name: d.length for name, d in self.domains.items()}
        for cx in self.complexes:
            for strand in _strands_of(cx):
                key = " ".join(strand)
                if key in seen:
                    continue
                seen.add(key)
                for d in strand:
                    base = d[:-1] if d[-1] == "*" else d
                    used.add(base)
                    nucleotides += length[base]
        return {"complexes": len(self.complexes), "strands": len(seen), "domains": len(used),
                "nucleotides": nucleotides}


def _strands_of(cx: Complex) -> tuple[tuple[str, ...], ...]:
    """``cx.strands``, parsed afresh (and not kept) when the complex has not parsed them yet."""
    cached = cx.__dict__.get("strands")
    return cached if cached is not None else parse_kernel(cx.kernel)
