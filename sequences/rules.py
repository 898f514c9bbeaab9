"""Sequence rules: the constraints a domain-sequence design must meet, as named objects.

Each rule (nuad style) scores a design and explains every violation: what failed, where (a domain,
or a domain junction in a named strand) and by how much. Rules see the design as a
:class:`DomainTable` (every domain's sequence as a row of 2-bit codes) and answer three questions:

* ``penalties(table)`` — one non-negative number per domain (0 = the domain satisfies the rule),
  computed for all domains at once with numpy, in time linear in the total domain length;
* ``domain_penalty(table, i, codes)`` — the same number for domain ``i`` if it had ``codes``
  (the local search asks this for one candidate at a time);
* ``violations(table)`` — :class:`Violation` records a person can read.

The rules (defaults from DESIGN §5, all overridable through :class:`SequenceRules`):

=================  ==================================================================================
``three_letter``   domains as they appear on signal strands use A, C, T only (their complements then
                   use A, G, T), so single strands have almost no secondary structure
``max_run``        inside a domain: no run of 4 identical bases, and no run of 4 weak bases (A/T).
                   With three letters A·T is the only pair a strand can make with itself, so the
                   weak-run limit caps any helix inside an A/C/T or A/G/T strand at 3 bp (without it,
                   IRIS helper strands had A/T hairpins with ensemble defects up to 0.27)
``junction_run``   ... nor across the junction of two adjacent domains on any strand
``gc_window``      GC fraction 30-60 % for long and history domains. Toeholds are exempt: their
                   binding strength is what GC stands in for, and ``toehold_dG`` sets it directly
                   (6-nt three-letter toeholds in the window have 1-3 C; 1 C would fail 30 %)
``toehold_dG``     toehold duplex ΔG (MFE of the toehold + its complement, 1 M standard state;
                   ViennaRNA DNA parameters, 25 °C, 1 M Na+ unless the backend says otherwise) within
                   target ± 0.5 kcal/mol; target = the median over all toeholds of that length in the
                   domain alphabet (DESIGN §5: -6.3 kcal/mol for 6 nt, A/C/T; measured -6.27)
``toehold_reuse``  each toehold sequence serves at most ``ceil(toeholds / pool)`` toehold domains,
                   i.e. 1 (all distinct) whenever the pool of admissible toeholds is large enough
``unique_kmer``    no k-mer shared by two different domains, or by a domain and another domain's
                   complement, found with a k-mer index (code -> owners) in O(total length)
=================  ==================================================================================

Choosing k (``unique_kmer``). The three-letter 6-mers free of the runs above number 468 (of 729);
203 domains of 15 nt hold 2030 6-mers, so "no shared 6-mer" cannot hold beyond ~30 such domains.
:func:`choose_kmer_k` takes the smallest ``k >= kmer_min_k`` (6) whose *admissible* k-mer space
(:func:`admissible_kmers`) is at least ``1 / kmer_max_load`` (4) times the number of k-mers the
domains hold, so a randomised search finds a solution quickly: a few reactions keep k = 6, IRIS
(263 domains) gets k = 9, mnist14 (197,251 domains) k = 14. What a molecular programmer reads
off is "two different domains share at most k - 1 consecutive bases, on either strand". The
design also reports ``k_safe``, the k up to which such shared stretches stay weaker than the
spurious-binding threshold (about 6 bp at -8 kcal/mol); a larger k is an advisory row of the
check table, not a failure: in these schemes a long domain's complement sits in a duplex, so
shared stretches act only after a toehold has bound. Toeholds take part in the k-mer rule only
while ``k <= toehold length``; ``toehold_reuse`` keeps them apart beyond that. Reusing a toehold
sequence (mnist14 has 54,960 toeholds, the 6-nt pool 196 sequences) costs speed through toehold
occlusion, not correctness: branch migration needs the long domain that follows (Qian & Winfree
2011 use one universal toehold for every seesaw gate).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dsd.domains import KINDS, DomainSystem

BASES = "ACGT"
#: The three-letter alphabet of domains on signal strands (DESIGN §5).
THREE_LETTER = "ACT"
_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    _CODE[ord(_b)] = _i
    _CODE[ord(_b.lower())] = _i
_LETTERS = np.frombuffer(BASES.encode(), dtype=np.uint8)
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
TOEHOLD, LONG, HISTORY = (KIND_CODE[k] for k in ("toehold", "long", "history"))


# --- sequences as 2-bit codes (A0 C1 G2 T3; complement = 3 - code) ------------------------------


def encode(seq: str) -> np.ndarray:
    """Codes of a DNA sequence (A0 C1 G2 T3).

    >>> encode("ACGT").tolist()
    [0, 1, 2, 3]
    """
    codes = _CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]
    if (codes == 255).any():
        raise ValueError(f"sequence {seq!r} has letters other than A, C, G, T")
    return codes


def decode(codes: np.ndarray) -> str:
    """The sequence of a code array."""
    return _LETTERS[np.asarray(codes, dtype=np.intp)].tobytes().decode("ascii")


def revcomp(seq: str) -> str:
    """Reverse complement (5'->3') of a DNA sequence.

    >>> revcomp("AACGT")
    'ACGTT'
    """
    return seq[::-1].translate(str.maketrans("ACGTacgt", "TGCAtgca"))


def revcomp_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement along the last axis."""
    return (3 - codes[..., ::-1]).astype(np.uint8)


def kmer_codes(block: np.ndarray, k: int) -> np.ndarray:
    """Integer codes of every k-mer of each row of ``block`` (n x L) -> (n x L-k+1), int64 (k <= 31)."""
    block = np.atleast_2d(block)
    n, length = block.shape
    width = length - k + 1
    if width <= 0:
        return np.zeros((n, 0), dtype=np.int64)
    out = np.zeros((n, width), dtype=np.int64)
    for j in range(k):
        out = (out << 2) | block[:, j : j + width].astype(np.int64)
    return out


def kmer_string(code: int, k: int) -> str:
    """The k-mer a code stands for."""
    return "".join(BASES[(int(code) >> (2 * (k - 1 - j))) & 3] for j in range(k))


def run_starts(block: np.ndarray, run_nt: int) -> np.ndarray:
    """Per row: how many windows of ``run_nt`` identical bases it has (0 = no such run)."""
    block = np.atleast_2d(block)
    if block.shape[1] < run_nt:
        return np.zeros(block.shape[0], dtype=np.int64)
    same = block[:, 1:] == block[:, :-1]
    width = block.shape[1] - run_nt + 1
    window = np.ones((block.shape[0], width), dtype=bool)
    for j in range(run_nt - 1):
        window &= same[:, j : j + width]
    return window.sum(axis=1)


def weak_run_starts(block: np.ndarray, run_nt: int) -> np.ndarray:
    """Per row: how many windows of ``run_nt`` consecutive weak bases (A or T) it has."""
    block = np.atleast_2d(block)
    if block.shape[1] < run_nt:
        return np.zeros(block.shape[0], dtype=np.int64)
    weak = (block == 0) | (block == 3)
    width = block.shape[1] - run_nt + 1
    window = np.ones((block.shape[0], width), dtype=bool)
    for j in range(run_nt):
        window &= weak[:, j : j + width]
    return window.sum(axis=1)


def local_ok(block: np.ndarray, max_run_nt: int, max_weak_run_nt: int) -> np.ndarray:
    """Rows free of identical-base runs longer than ``max_run_nt`` and weak runs longer than
    ``max_weak_run_nt``."""
    return (run_starts(block, max_run_nt + 1) == 0) & (weak_run_starts(block, max_weak_run_nt + 1) == 0)


# --- the rule set as data ------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceRules:
    """Constraint values of a sequence design (DESIGN §5 defaults). Energies in kcal/mol.

    Parameters
    ----------
    toehold_dG_target_kcal : float or None
        Centre of the toehold duplex ΔG window; None = the median over all toeholds of that
        length in the domain alphabet under the design's backend (-6.3 for 6-nt A/C/T, ViennaRNA).
    toehold_dG_tolerance_kcal : float
        Half-width of the window.
    three_letter_kinds : tuple of str
        Domain kinds written in A, C, T only (as they appear on signal strands).
    max_run_nt : int
        Longest allowed homopolymer run (3: "no run of 4"), inside domains and across junctions.
    max_weak_run_nt : int
        Longest allowed run of weak bases (A/T), inside domains and across junctions. With three
        letters A·T is the only pair a strand can form with itself, so 3 caps any helix inside an
        A/C/T (or A/G/T) strand at 3 bp; 3-letter strands without it fold into A/T hairpins
        (measured: 36-nt helper strands with ensemble defect up to 0.27).
    gc_min, gc_max : float
        GC fraction window (0-1) for the kinds in ``gc_kinds``.
    kmer_k : int or None
        k of the unique-k-mer rule; None = :func:`choose_kmer_k` from the system size.
    kmer_min_k, kmer_max_load : int, float
        Smallest k considered, and the largest ratio (k-mers held) / (k-mer space) accepted.
    strand_mfe_min_kcal : float
        Every single strand's MFE ΔG must be at least this.
    complex_defect_max : float
        Every gate/fuel/helper complex's normalised ensemble defect must be at most this.
    spurious_min_kcal : float
        Every pair of strands not designed to bind must have an association ΔG at least this.
    fixed : mapping of str to str
        Domain name -> sequence (5'->3', ACGT) kept as given; the design reports its violations.
    """

    toehold_dG_target_kcal: float | None = None
    toehold_dG_tolerance_kcal: float = 0.5
    three_letter_kinds: tuple[str, ...] = KINDS
    max_run_nt: int = 3
    max_weak_run_nt: int = 3
    gc_min: float = 0.30
    gc_max: float = 0.60
    gc_kinds: tuple[str, ...] = ("long", "history")
    kmer_k: int | None = None
    kmer_min_k: int = 6
    kmer_max_load: float = 0.25
    strand_mfe_min_kcal: float = -2.0
    complex_defect_max: float = 0.05
    spurious_min_kcal: float = -8.0
    fixed: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def number(name: str, lo: float | None = None, hi: float | None = None, strict: bool = False) -> float:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"sequences.{name} must be a finite number, got {value!r}")
            if lo is not None and (value <= lo if strict else value < lo):
                raise ValueError(f"sequences.{name} must be {'>' if strict else '>='} {lo}, got {value}")
            if hi is not None and value > hi:
                raise ValueError(f"sequences.{name} must be <= {hi}, got {value}")
            return value

        def integer(name: str, lo: int, allow_none: bool = False) -> None:
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"sequences.{name} must be an integer >= {lo}, got {value!r}")

        if self.toehold_dG_target_kcal is not None:
            number("toehold_dG_target_kcal", hi=0.0)
        number("toehold_dG_tolerance_kcal", 0.0, strict=True)
        number("gc_min", 0.0, 1.0)
        number("gc_max", 0.0, 1.0)
        if self.gc_min > self.gc_max:
            raise ValueError(f"sequences.gc_min ({self.gc_min}) must not exceed sequences.gc_max ({self.gc_max})")
        integer("max_run_nt", 1)
        integer("max_weak_run_nt", 1)
        integer("kmer_k", 2, allow_none=True)
        if self.kmer_k is not None and self.kmer_k > 31:
            raise ValueError(f"sequences.kmer_k must be <= 31, got {self.kmer_k}")
        integer("kmer_min_k", 2)
        number("kmer_max_load", 0.0, 1.0, strict=True)
        number("strand_mfe_min_kcal")
        number("complex_defect_max", 0.0, 1.0)
        number("spurious_min_kcal")
        for name in ("three_letter_kinds", "gc_kinds"):
            kinds = getattr(self, name)
            if isinstance(kinds, str) or not all(k in KINDS for k in kinds):
                raise ValueError(f"sequences.{name} must list kinds among {KINDS}, got {kinds!r}")
        if not isinstance(self.fixed, Mapping):
            raise ValueError(f"sequences.fixed must map domain names to sequences, got {type(self.fixed).__name__}")
        for name, seq in self.fixed.items():
            if not isinstance(seq, str) or not seq:
                raise ValueError(f"sequences.fixed[{name!r}] must be a non-empty sequence, got {seq!r}")
            bad = sorted(set(seq.upper()) - set(BASES))
            if bad:
                raise ValueError(
                    f"sequences.fixed[{name!r}] has letters {''.join(bad)!r}; sequences use A, C, G, T only"
                )

    @classmethod
    def from_dict(cls, raw: Mapping | None) -> "SequenceRules":
        """Rules from a spec's ``sequences:`` section (unknown keys name themselves in the error)."""
        raw = dict(raw or {})
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"sequences: unknown key(s) {unknown}; known: {sorted(cls.__dataclass_fields__)}")
        for name in ("three_letter_kinds", "gc_kinds"):
            if name in raw and isinstance(raw[name], list):
                raw[name] = tuple(raw[name])
        return cls(**raw)

    def fixed_upper(self) -> dict[str, str]:
        return {k: v.upper() for k, v in self.fixed.items()}


def gc_count_window(rules: SequenceRules, length: int) -> tuple[int, int]:
    """Smallest and largest number of G+C a domain of ``length`` nt may hold."""
    lo = math.ceil(rules.gc_min * length - 1e-9)
    hi = math.floor(rules.gc_max * length + 1e-9)
    return lo, hi


def validate_system(system: DomainSystem, rules: SequenceRules) -> None:
    """Check that ``rules`` can be met by ``system``'s domains; raise ValueError naming the field."""
    if not system.domains:
        raise ValueError("system.domains is empty: nothing to design")
    toeholds = [d for d in system.domains.values() if d.kind == "toehold"]
    # branch-migration domains must outlast toeholds; history domains are never displaced, so any
    # length serves (dsd.history_nt)
    longs = [d for d in system.domains.values() if d.kind == "long"]
    if toeholds and longs:
        t = max(toeholds, key=lambda d: d.length)
        s = min(longs, key=lambda d: d.length)
        if t.length >= s.length:
            raise ValueError(
                f"Domain.length: toehold {t.name} ({t.length} nt) must be shorter than every long "
                f"domain; {s.name} is {s.length} nt"
            )
    for d in system.domains.values():
        if d.kind in rules.gc_kinds:
            lo, hi = gc_count_window(rules, d.length)
            if lo > hi:
                raise ValueError(
                    f"sequences.gc_min/sequences.gc_max: no {d.length}-nt domain ({d.name}) has a GC fraction in "
                    f"[{rules.gc_min}, {rules.gc_max}] (would need {lo}..{hi} G+C)"
                )
    for name, seq in rules.fixed.items():
        dom = system.domains.get(name)
        if dom is None:
            raise ValueError(f"sequences.fixed[{name!r}]: the system has no domain {name!r}")
        if len(seq) != dom.length:
            raise ValueError(f"sequences.fixed[{name!r}] has {len(seq)} nt but domain {name} is {dom.length} nt")


# --- the design as arrays ------------------------------------------------------------------------


class DomainTable:
    """Every domain's sequence as 2-bit codes, grouped in one matrix per domain length.

    Domain ``i`` (in ``system.domains`` order) is row ``row[i]`` of ``blocks[length[i]]``;
    ``ids[length]`` lists the domains of each block. ``strands`` holds the system's distinct
    strands as tuples of ``(domain index, is_complement)``, 5'->3'.
    """

    def __init__(self, system: DomainSystem) -> None:
        domains = list(system.domains.values())
        self.names = [d.name for d in domains]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.kind = np.array([KIND_CODE[d.kind] for d in domains], dtype=np.int8)
        self.length = np.array([d.length for d in domains], dtype=np.int64)
        self.fixed = np.zeros(len(domains), dtype=bool)
        self.row = np.zeros(len(domains), dtype=np.int64)
        self.ids: dict[int, np.ndarray] = {}
        self.blocks: dict[int, np.ndarray] = {}
        for length in sorted(set(self.length.tolist())):
            ids = np.flatnonzero(self.length == length)
            self.ids[length] = ids
            self.row[ids] = np.arange(len(ids))
            self.blocks[length] = np.zeros((len(ids), length), dtype=np.uint8)
        self.strand_names: list[str] = []
        self.strands: list[tuple[tuple[int, bool], ...]] = []
        seen: dict[tuple[str, ...], None] = {}
        for cx in system.complexes:
            for k, s in enumerate(cx.strands):
                if s in seen:
                    continue
                seen[s] = None
                self.strand_names.append(cx.name if len(cx.strands) == 1 else f"{cx.name}_s{k + 1}")
                self.strands.append(tuple((self.index[d.rstrip("*")], d.endswith("*")) for d in s))

    def __len__(self) -> int:
        return len(self.names)

    def get(self, i: int) -> np.ndarray:
        return self.blocks[int(self.length[i])][self.row[i]]

    def set(self, i: int, codes: np.ndarray) -> None:
        self.blocks[int(self.length[i])][self.row[i]] = codes

    def sequence(self, i: int) -> str:
        return decode(self.get(i))

    def sequences(self) -> dict[str, str]:
        return {name: self.sequence(i) for i, name in enumerate(self.names)}

    def copy_codes(self) -> dict[int, np.ndarray]:
        return {length: block.copy() for length, block in self.blocks.items()}

    def per_domain(self, per_block: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        """Apply ``per_block(block, ids) -> values`` to every block and scatter to domain order."""
        out = np.zeros(len(self), dtype=float)
        for length, block in self.blocks.items():
            ids = self.ids[length]
            out[ids] = per_block(block, ids)
        return out


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, on what (a domain, a junction in a strand), what exactly, and by
    how much (``excess`` in ``unit``)."""

    rule: str
    subject: str
    detail: str
    excess: float
    unit: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail} (by {self.excess:g} {self.unit})"


class Rule:
    """Base of the sequence rules; see the module docstring for the protocol."""

    name = "rule"
    unit = ""

    def bind(self, table: DomainTable) -> None:
        """Precompute whatever depends only on the system (called once per design)."""

    def penalties(self, table: DomainTable) -> np.ndarray:
        raise NotImplementedError

    def blame(self, table: DomainTable) -> np.ndarray:
        """Domains a repair round should redraw (by default every violating one)."""
        return self.penalties(table) > 0

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        raise NotImplementedError

    def start_incremental(self, table: DomainTable) -> None:
        """Build the structures ``domain_penalty`` and ``update`` need (before the local search)."""

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        """Domain ``i`` changed from ``old`` to ``new`` (already written into the table)."""

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        """Domains whose penalty may change when domain ``i`` changes."""
        return set()

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        """Positions of domain ``i`` involved in its violations of this rule (where to mutate)."""
        return set()

    def violations(self, table: DomainTable) -> list[Violation]:
        raise NotImplementedError


class _LocalRule(Rule):
    """A rule that looks at one domain's sequence only."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = tuple(kinds)
        self._applies = np.zeros(0, dtype=bool)

    def bind(self, table: DomainTable) -> None:
        self._applies = np.isin(table.kind, [KIND_CODE[k] for k in self.kinds])

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def penalties(self, table: DomainTable) -> np.ndarray:
        return table.per_domain(lambda block, ids: self.block_penalty(block) * self._applies[ids])

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        return float(self.block_penalty(codes[None, :])[0]) if self._applies[i] else 0.0

    def explain(self, seq: str) -> str:
        raise NotImplementedError

    def violations(self, table: DomainTable) -> list[Violation]:
        pen = self.penalties(table)
        return [Violation(self.name, table.names[i], self.explain(table.sequence(i)), float(pen[i]), self.unit)
                for i in np.flatnonzero(pen > 0)]


class ThreeLetterCode(_LocalRule):
    """Domains of the given kinds use A, C, T only (as written on signal strands)."""

    name = "three_letter"
    unit = "G"

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        return (block == 2).sum(axis=1).astype(float)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        return {p for p, b in enumerate(table.sequence(i)) if b == "G"} if self._applies[i] else set()

    def explain(self, seq: str) -> str:
        return f"{seq} has G at {[i for i, b in enumerate(seq) if b == 'G']} (A/C/T only)"


class MaxRun(_LocalRule):
    """No run of ``max_run_nt + 1`` identical bases, nor of ``max_weak_run_nt + 1`` weak bases (A/T),
    inside a domain. Penalty: number of such windows."""

    name = "max_run"
    unit = "runs"

    def __init__(self, max_run_nt: int, max_weak_run_nt: int, kinds: Sequence[str] = KINDS) -> None:
        super().__init__(kinds)
        self.run_nt = max_run_nt + 1
        self.weak_nt = max_weak_run_nt + 1

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        return (run_starts(block, self.run_nt) + weak_run_starts(block, self.weak_nt)).astype(float)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self._applies[i]:
            return set()
        seq = table.sequence(i)
        out: set[int] = set()
        for n, test in ((self.run_nt, lambda w: len(set(w)) == 1), (self.weak_nt, lambda w: set(w) <= set("AT"))):
            for a in range(len(seq) - n + 1):
                if test(seq[a : a + n]):
                    out.update(range(a, a + n))
        return out

    def explain(self, seq: str) -> str:
        runs = [i for i in range(len(seq) - self.run_nt + 1) if len(set(seq[i : i + self.run_nt])) == 1]
        weak = [i for i in range(len(seq) - self.weak_nt + 1) if set(seq[i : i + self.weak_nt]) <= set("AT")]
        parts = []
        if runs:
            parts.append(f"a run of {self.run_nt} identical bases at {runs}")
        if weak:
            parts.append(f"a run of {self.weak_nt} A/T at {weak}")
        return f"{seq} has " + " and ".join(parts)


class GCWindow(_LocalRule):
    """GC fraction within [gc_min, gc_max] for the given kinds; penalty = bases outside the window."""

    name = "gc_window"
    unit = "nt"

    def __init__(self, rules: SequenceRules) -> None:
        super().__init__(rules.gc_kinds)
        self.rules = rules

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        lo, hi = gc_count_window(self.rules, block.shape[1])
        gc = ((block == 1) | (block == 2)).sum(axis=1)
        return (np.maximum(lo - gc, 0) + np.maximum(gc - hi, 0)).astype(float)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        return set(range(int(table.length[i]))) if self.domain_penalty(table, i, table.get(i)) else set()

    def explain(self, seq: str) -> str:
        gc = sum(b in "GC" for b in seq) / len(seq)
        return f"{seq} has GC {gc:.0%}, outside {self.rules.gc_min:.0%}-{self.rules.gc_max:.0%}"


class ToeholdEnergy(Rule):
    """Toehold duplex ΔG within ``target ± tolerance``; ``energy(seq)`` gives the ΔG in kcal/mol.

    Penalty: 1 + excess / tolerance for a toehold outside the window (so any miss counts as one
    violation and bigger misses count more), 0 inside.
    """

    name = "toehold_dG"
    unit = "kcal/mol"

    def __init__(self, targets: Mapping[int, float], tolerance: float, energy: Callable[[str], float]) -> None:
        self.targets = dict(targets)
        self.tolerance = tolerance
        self.energy = energy
        self.cache: dict[str, float] = {}

    def dG(self, seq: str) -> float:
        if seq not in self.cache:
            self.cache[seq] = self.energy(seq)
        return self.cache[seq]

    def excess(self, seq: str) -> float:
        return max(0.0, abs(self.dG(seq) - self.targets[len(seq)]) - self.tolerance)

    def _penalty(self, seq: str) -> float:
        e = self.excess(seq)
        return 1.0 + e / self.tolerance if e > 0 else 0.0

    def penalties(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table))
        for seq, members in toehold_groups(table):
            out[members] = self._penalty(seq)
        return out

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        return self._penalty(decode(codes)) if table.kind[i] == TOEHOLD else 0.0

    def violations(self, table: DomainTable) -> list[Violation]:
        out = []
        for seq, members in toehold_groups(table):
            e = self.excess(seq)
            if e > 0:
                t = self.targets[len(seq)]
                for i in members.tolist():
                    out.append(Violation(self.name, table.names[i], f"{seq} duplex ΔG {self.dG(seq):.2f}, window "
                                         f"{t - self.tolerance:.2f}..{t + self.tolerance:.2f}", e, self.unit))
        return out


def toehold_groups(table: DomainTable) -> Iterator[tuple[str, np.ndarray]]:
    """(sequence, toehold domain ids) for every distinct toehold sequence, via integer keys."""
    for length, block in table.blocks.items():
        ids = table.ids[length]
        take = table.kind[ids] == TOEHOLD
        if not take.any() or length > 31:
            if take.any():  # too long for one int64 key: fall back to strings
                groups: dict[str, list[int]] = {}
                for i in ids[take].tolist():
                    groups.setdefault(table.sequence(i), []).append(i)
                yield from ((seq, np.array(m)) for seq, m in groups.items())
            continue
        ids, sub = ids[take], block[take]
        keys = kmer_codes(sub, length)[:, 0]
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
        for g, members in enumerate(np.split(ids[order], bounds)):
            yield decode(sub[first[g]]), members


def _priority(table: DomainTable) -> np.ndarray:
    """Who keeps a contested k-mer or toehold: fixed domains, then toeholds, then the first listed."""
    rank = np.where(table.fixed, 0, np.where(table.kind == TOEHOLD, 1, 2))
    return rank * len(table) + np.arange(len(table))


class ToeholdReuse(Rule):
    """Each toehold sequence serves at most ``max_uses[length]`` toehold domains."""

    name = "toehold_reuse"
    unit = "uses"

    def __init__(self, max_uses: Mapping[int, int]) -> None:
        self.max_uses = dict(max_uses)
        self.members: dict[str, set[int]] = {}

    def _groups(self, table: DomainTable) -> dict[str, list[int]]:
        return {seq: members.tolist() for seq, members in toehold_groups(table)}

    def _excess(self, seq: str, uses: int) -> int:
        return max(0, uses - self.max_uses.get(len(seq), 1))

    def penalties(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table))
        for seq, members in self._groups(table).items():
            over = self._excess(seq, len(members))
            if over:
                out[members] = over / len(members)
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table), dtype=bool)
        prio = _priority(table)
        for seq, members in self._groups(table).items():
            keep = self.max_uses.get(len(seq), 1)
            if len(members) > keep:
                ordered = sorted(members, key=lambda i: prio[i])
                out[ordered[keep:]] = True
        return out

    def start_incremental(self, table: DomainTable) -> None:
        self.members = {seq: set(m) for seq, m in self._groups(table).items()}

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        if table.kind[i] != TOEHOLD:
            return 0.0
        seq = decode(codes)
        holders = self.members.get(seq, set())
        uses = len(holders) + (0 if i in holders else 1)
        over = self._excess(seq, uses)
        return over / uses if over else 0.0

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        if table.kind[i] != TOEHOLD:
            return
        a, b = decode(old), decode(new)
        self.members[a].discard(i)
        self.members.setdefault(b, set()).add(i)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        if table.kind[i] != TOEHOLD:
            return set()
        return (self.members.get(decode(old), set()) | self.members.get(decode(new), set())) - {i}

    def violations(self, table: DomainTable) -> list[Violation]:
        out = []
        for seq, members in self._groups(table).items():
            over = self._excess(seq, len(members))
            if over:
                names = [table.names[i] for i in members]
                out.append(Violation(self.name, ",".join(names), f"toehold {seq} serves {len(members)} toeholds, "
                                     f"at most {self.max_uses.get(len(seq), 1)} allowed", over, self.unit))
        return out


class JunctionRun(Rule):
    """No run of ``max_run_nt + 1`` identical bases, nor of ``max_weak_run_nt + 1`` weak bases, across
    the junction of two adjacent domains on any strand (a complement domain reads as its reverse
    complement)."""

    name = "junction_run"
    unit = "runs"

    def __init__(self, max_run_nt: int, max_weak_run_nt: int) -> None:
        self.run_nt = max_run_nt + 1
        self.weak_nt = max_weak_run_nt + 1
        self.side = max(max_run_nt, max_weak_run_nt)  # bases of each domain a crossing run can reach

    def bind(self, table: DomainTable) -> None:
        found: dict[tuple[int, bool, int, bool], int] = {}
        for s, strand in enumerate(table.strands):
            for (a, ac), (b, bc) in zip(strand, strand[1:]):
                found.setdefault((a, ac, b, bc), s)
        keys = np.array(list(found), dtype=np.int64).reshape(-1, 4)
        self.left, self.left_comp = keys[:, 0], keys[:, 1].astype(bool)
        self.right, self.right_comp = keys[:, 2], keys[:, 3].astype(bool)
        self.example = np.array(list(found.values()), dtype=np.int64)
        short = np.flatnonzero(table.length < self.side)
        usable = ~(np.isin(self.left, short) | np.isin(self.right, short))
        for name in ("left", "left_comp", "right", "right_comp", "example"):
            setattr(self, name, getattr(self, name)[usable])
        self.touching: dict[int, list[int]] = {}
        for j, (a, b) in enumerate(zip(self.left.tolist(), self.right.tolist())):
            self.touching.setdefault(a, []).append(j)
            if b != a:
                self.touching.setdefault(b, []).append(j)

    def _ends(self, table: DomainTable) -> tuple[np.ndarray, np.ndarray]:
        """First and last ``side`` codes of every domain."""
        head = np.zeros((len(table), self.side), dtype=np.uint8)
        tail = np.zeros((len(table), self.side), dtype=np.uint8)
        for length, block in table.blocks.items():
            if length >= self.side:
                ids = table.ids[length]
                head[ids] = block[:, : self.side]
                tail[ids] = block[:, length - self.side :]
        return head, tail

    def _oriented(self, head, tail, comp):
        """(5' end, 3' end) of each domain as it reads on the strand (complement: reverse complement)."""
        five = np.where(comp[:, None], revcomp_codes(tail), head)
        three = np.where(comp[:, None], revcomp_codes(head), tail)
        return five, three

    def _runs(self, left_three: np.ndarray, right_five: np.ndarray) -> np.ndarray:
        window = np.concatenate([left_three, right_five], axis=1)
        weak = (window == 0) | (window == 3)
        count = np.zeros(window.shape[0], dtype=np.int64)
        for start in range(max(0, self.side - self.run_nt + 1), self.side):  # windows crossing the junction
            seg = window[:, start : start + self.run_nt]
            count += (seg == seg[:, :1]).all(axis=1)
        for start in range(max(0, self.side - self.weak_nt + 1), self.side):
            count += weak[:, start : start + self.weak_nt].all(axis=1)
        return count

    def junction_runs(self, table: DomainTable) -> np.ndarray:
        head, tail = self._ends(table)
        _, l3 = self._oriented(head[self.left], tail[self.left], self.left_comp)
        r5, _ = self._oriented(head[self.right], tail[self.right], self.right_comp)
        return self._runs(l3, r5)

    def penalties(self, table: DomainTable) -> np.ndarray:
        runs = self.junction_runs(table).astype(float)
        out = np.zeros(len(table))
        np.add.at(out, self.left, runs)
        np.add.at(out, self.right, np.where(self.left == self.right, 0.0, runs))
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        bad = self.junction_runs(table) > 0
        prio = _priority(table)
        pick = np.where(prio[self.left] > prio[self.right], self.left, self.right)
        out = np.zeros(len(table), dtype=bool)
        out[pick[bad]] = True
        return out

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        js = self.touching.get(i)
        if not js:
            return 0.0
        js = np.asarray(js)
        left_head, left_tail = self._ends_of(table, self.left[js], i, codes)
        right_head, right_tail = self._ends_of(table, self.right[js], i, codes)
        _, l3 = self._oriented(left_head, left_tail, self.left_comp[js])
        r5, _ = self._oriented(right_head, right_tail, self.right_comp[js])
        return float(self._runs(l3, r5).sum())

    def _ends_of(self, table: DomainTable, ids: np.ndarray, i: int, codes: np.ndarray):
        heads = np.stack([codes[: self.side] if d == i else table.get(d)[: self.side] for d in ids.tolist()])
        tails = np.stack([codes[-self.side :] if d == i else table.get(d)[-self.side :] for d in ids.tolist()])
        return heads, tails

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self.domain_penalty(table, i, table.get(i)):
            return set()
        n = int(table.length[i])
        return set(range(self.side)) | set(range(n - self.side, n))

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        js = self.touching.get(i, [])
        return {int(d) for j in js for d in (self.left[j], self.right[j])} - {i}

    def violations(self, table: DomainTable) -> list[Violation]:
        runs = self.junction_runs(table)
        out = []
        head, tail = self._ends(table)
        for j in np.flatnonzero(runs):
            a, b = int(self.left[j]), int(self.right[j])
            sa = table.names[a] + ("*" if self.left_comp[j] else "")
            sb = table.names[b] + ("*" if self.right_comp[j] else "")
            _, l3 = self._oriented(head[[a]], tail[[a]], self.left_comp[[j]])
            r5, _ = self._oriented(head[[b]], tail[[b]], self.right_comp[[j]])
            out.append(Violation(self.name, f"{sa}|{sb}", f"{decode(l3[0])}|{decode(r5[0])} in strand "
                                 f"{table.strand_names[self.example[j]]} has a run of {self.run_nt} identical "
                                 f"or {self.weak_nt} A/T bases",
                                 float(runs[j]), self.unit))
        return out


class UniqueKmers(Rule):
    """No k-mer in two different domains, nor in a domain and another domain's complement.

    The k-mer index maps each k-mer code to the domains holding it (``+``: as written, ``-``: in
    its reverse complement). Vectorised, it is one sort of all k-mer codes; incrementally, a dict.
    A domain's penalty is the number of its k-mers (either strand) that some other domain also holds.
    """

    name = "unique_kmer"
    unit = "k-mers"

    def __init__(self, k: int, kinds: Sequence[str] = KINDS) -> None:
        self.k = k
        self.kinds = tuple(kinds)
        self.index: dict[int, list[int]] = {}

    def bind(self, table: DomainTable) -> None:
        self._applies = np.isin(table.kind, [KIND_CODE[k] for k in self.kinds]) & (table.length >= self.k)

    def _entries(self, table: DomainTable) -> tuple[np.ndarray, np.ndarray]:
        """All (code, owner) pairs, both strands of every participating domain."""
        codes, owners = [], []
        for length, block in table.blocks.items():
            ids = table.ids[length]
            take = self._applies[ids]
            if length < self.k or not take.any():
                continue
            sub, ids = block[take], ids[take]
            for b in (sub, revcomp_codes(sub)):
                km = kmer_codes(b, self.k)
                codes.append(km.ravel())
                owners.append(np.repeat(ids, km.shape[1]))
        if not codes:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(codes), np.concatenate(owners)

    def _conflicts(self, table: DomainTable):
        """(code, owner) pairs deduplicated and sorted, with a mask of codes held by >1 domain."""
        codes, owners = self._entries(table)
        if len(codes) == 0:
            return codes, owners, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
        order = np.lexsort((owners, codes))
        codes, owners = codes[order], owners[order]
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = (codes[1:] != codes[:-1]) | (owners[1:] != owners[:-1])
        entry_count = np.bincount(np.cumsum(keep) - 1)  # how often each (code, owner) occurs
        codes, owners = codes[keep], owners[keep]
        start = np.ones(len(codes), dtype=bool)
        start[1:] = codes[1:] != codes[:-1]
        group = np.cumsum(start) - 1
        size = np.bincount(group)
        shared = size[group] > 1
        return codes, owners, shared, entry_count

    def penalties(self, table: DomainTable) -> np.ndarray:
        codes, owners, shared, count = self._conflicts(table)
        out = np.zeros(len(table))
        if len(codes):
            np.add.at(out, owners[shared], count[shared])
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        codes, owners, shared, _ = self._conflicts(table)
        out = np.zeros(len(table), dtype=bool)
        if not shared.any():
            return out
        prio = _priority(table)[owners]
        start = np.ones(len(codes), dtype=bool)
        start[1:] = codes[1:] != codes[:-1]
        group = np.cumsum(start) - 1
        best = np.full(group[-1] + 1, np.iinfo(np.int64).max)
        np.minimum.at(best, group, prio)
        out[owners[shared & (prio != best[group])]] = True
        return out

    def _codes_of(self, codes: np.ndarray) -> np.ndarray:
        return np.concatenate([kmer_codes(codes[None, :], self.k)[0],
                               kmer_codes(revcomp_codes(codes)[None, :], self.k)[0]])

    def start_incremental(self, table: DomainTable) -> None:
        codes, owners = self._entries(table)
        index: dict[int, list[int]] = {}
        for c, o in zip(codes.tolist(), owners.tolist()):
            index.setdefault(c, []).append(o)
        self.index = index

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        if not self._applies[i]:
            return 0.0
        n = 0
        for c in self._codes_of(codes).tolist():
            if any(o != i for o in self.index.get(c, ())):
                n += 1
        return float(n)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self._applies[i]:
            return set()
        n = int(table.length[i])
        width = n - self.k + 1
        out: set[int] = set()
        for j, c in enumerate(self._codes_of(table.get(i)).tolist()):
            if any(o != i for o in self.index.get(c, ())):
                start = j if j < width else n - self.k - (j - width)  # reverse-complement k-mer j
                out.update(range(start, start + self.k))
        return out

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        if not self._applies[i]:
            return
        for c in self._codes_of(old).tolist():
            owners = self.index[c]
            owners.remove(i)
            if not owners:
                del self.index[c]
        for c in self._codes_of(new).tolist():
            self.index.setdefault(c, []).append(i)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        if not self._applies[i]:
            return set()
        out: set[int] = set()
        for c in np.concatenate([self._codes_of(old), self._codes_of(new)]).tolist():
            out.update(self.index.get(c, ()))
        out.discard(i)
        return out

    def violations(self, table: DomainTable) -> list[Violation]:
        codes, owners, shared, _ = self._conflicts(table)
        out = []
        seen: set[tuple[int, ...]] = set()
        idx = np.flatnonzero(shared)
        if len(idx) == 0:
            return out
        bounds = np.flatnonzero(np.diff(codes[idx])) + 1
        for grp in np.split(idx, bounds):
            code = int(codes[grp[0]])
            holders = tuple(sorted(set(owners[grp].tolist())))
            kmer = kmer_string(code, self.k)
            key = holders
            if key in seen:  # the same pair shows up again through the reverse complement
                continue
            seen.add(key)
            where = []
            for o in holders:
                strand = "+" if kmer in table.sequence(o) else "-"
                where.append(f"{table.names[o]}({strand})")
            out.append(Violation(self.name, ",".join(table.names[o] for o in holders),
                                 f"{self.k}-mer {kmer} held by {' and '.join(where)}",
                                 float(len(holders) - 1), self.unit))
        return out


def admissible_kmers(k: int, alphabet: str, max_run_nt: int, max_weak_run_nt: int) -> int:
    """Number of k-mers over ``alphabet`` with no identical-base run longer than ``max_run_nt`` and
    no A/T run longer than ``max_weak_run_nt`` (dynamic programming over the run lengths).

    >>> admissible_kmers(4, "ACT", 3, 3)   # 81 words minus AAAA, TTTT, CCCC and 14 other A/T words
    64
    """
    weak = {b: b in "AT" for b in alphabet}
    states: dict[tuple[str, int, int], int] = {(b, 1, int(weak[b])): 1 for b in alphabet}
    for _ in range(k - 1):
        nxt: dict[tuple[str, int, int], int] = {}
        for (last, run, wrun), n in states.items():
            for b in alphabet:
                r = run + 1 if b == last else 1
                w = wrun + 1 if weak[b] else 0
                if r <= max_run_nt and w <= max_weak_run_nt:
                    key = (b, r, w)
                    nxt[key] = nxt.get(key, 0) + n
        states = nxt
    return sum(n for (_, r, w), n in states.items() if r <= max_run_nt and w <= max_weak_run_nt)


def kmer_demand(lengths: Sequence[int], k: int) -> int:
    """Number of k-mers (one strand) that domains of these lengths hold."""
    return int(sum(max(0, n - k + 1) for n in lengths))


def choose_kmer_k(lengths: Sequence[int], alphabet: str = THREE_LETTER, min_k: int = 6, max_load: float = 0.25,
                  max_run_nt: int = 3, max_weak_run_nt: int = 3) -> int:
    """Smallest ``k >= min_k`` whose admissible k-mer space (:func:`admissible_kmers`) is at least
    ``1 / max_load`` times the number of k-mers the domains hold.

    >>> choose_kmer_k([15] * 203 + [6] * 60)   # IRIS: 203 long/history domains + 60 toeholds
    9
    >>> choose_kmer_k([15] * 10)
    6
    """
    for k in range(min_k, 32):
        if kmer_demand(lengths, k) <= max_load * admissible_kmers(k, alphabet, max_run_nt, max_weak_run_nt):
            return k
    return 31
