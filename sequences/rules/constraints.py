"""The rule set as data: :class:`SequenceRules` (constraint values of a design, validated once,
errors naming the ``sequences.<field>`` of the spec), the GC window in bases
(:func:`gc_count_window`) and :func:`validate_system` (can a system's domains meet the rules at
all). Energies in kcal/mol, lengths in nt, GC as a fraction (0-1)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from dsd.domains import KINDS, DomainSystem
from sequences.codes import BASES


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
    long_max_weak_run_nt : int or None
        Longest allowed weak run *inside* a domain of ``gc_kinds`` (long and history) away from its
        ends (at least ``max_weak_run_nt``); a run touching a domain end, junctions and toeholds keep
        ``max_weak_run_nt``; None: ``max_weak_run_nt`` everywhere. The default 5, with the GC window
        30-43 % (5-6 C of 15) and the polish (``sequences.polish_steps``), is the low-crosstalk
        setting measured in ``sequences.design.crosstalk_notes``: crosstalk below 0.8x the shuffled
        rate, at the price of more A·T self-structure in long single strands (complex defects of
        single-stranded tails of 250 nt and more). The old rules: None with ``gc_max`` 0.60.
    gc_min, gc_max : float
        GC fraction window (0-1) for the kinds in ``gc_kinds`` (default 0.30-0.43, the low-crosstalk
        setting, see ``long_max_weak_run_nt``; the old default was 0.30-0.60).
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
    crosstalk_cutoff_kcal : float or None
        The search lowers Σ max(0, cutoff - ΔG) over ordered pairs of long/history domains (one bound
        to the other's complement; nearest-neighbour estimate, ``sequences.crosstalk``); None: off.
    crosstalk_max_rate : float
        Largest accepted fraction of ordered long/history pairs with ΔG(a + b*) below
        ``spurious_min_kcal`` (ViennaRNA MFE; the ``crosstalk_rate`` check).
    occlusion_max : float
        Largest accepted toehold occupancy ratio Σ [strand] / Kd (``sequences.occlusion``).
    occlusion_strands : str
        Which single strands the design keeps free of stray toehold copies as a rule
        (``toehold_copy``): ``"all"``, every strand that is or becomes single-stranded (what the
        ``toehold_occlusion`` check counts); ``"auto"``, all of them while the toeholds use at most
        half of their pool, else the strands of one-strand species (signals, helpers) only.
    fixed : mapping of str to str
        Domain name -> sequence (5'->3', ACGT) kept as given; the design reports its violations.
    """

    toehold_dG_target_kcal: float | None = None
    toehold_dG_tolerance_kcal: float = 0.5
    three_letter_kinds: tuple[str, ...] = KINDS
    max_run_nt: int = 3
    max_weak_run_nt: int = 3
    long_max_weak_run_nt: int | None = 5
    gc_min: float = 0.30
    gc_max: float = 0.43
    gc_kinds: tuple[str, ...] = ("long", "history")
    kmer_k: int | None = None
    kmer_min_k: int = 6
    kmer_max_load: float = 0.25
    strand_mfe_min_kcal: float = -2.0
    complex_defect_max: float = 0.05
    spurious_min_kcal: float = -8.0
    crosstalk_cutoff_kcal: float | None = -7.0
    crosstalk_max_rate: float = 0.10
    occlusion_max: float = 0.05
    occlusion_strands: str = "auto"
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
        integer("long_max_weak_run_nt", 1, allow_none=True)
        if self.long_max_weak_run_nt is not None and self.long_max_weak_run_nt < self.max_weak_run_nt:
            raise ValueError(f"sequences.long_max_weak_run_nt ({self.long_max_weak_run_nt}) must be at least "
                             f"sequences.max_weak_run_nt ({self.max_weak_run_nt})")
        integer("kmer_k", 2, allow_none=True)
        if self.kmer_k is not None and self.kmer_k > 31:
            raise ValueError(f"sequences.kmer_k must be <= 31, got {self.kmer_k}")
        integer("kmer_min_k", 2)
        number("kmer_max_load", 0.0, 1.0, strict=True)
        number("strand_mfe_min_kcal")
        number("complex_defect_max", 0.0, 1.0)
        number("spurious_min_kcal")
        if self.crosstalk_cutoff_kcal is not None:
            number("crosstalk_cutoff_kcal")
        number("crosstalk_max_rate", 0.0, 1.0)
        number("occlusion_max", 0.0)
        if self.occlusion_strands not in OCCLUSION_STRANDS:
            raise ValueError(f"sequences.occlusion_strands: expected one of {', '.join(OCCLUSION_STRANDS)}, "
                             f"got {self.occlusion_strands!r}")
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

    @property
    def long_weak_run_nt(self) -> int:
        """The weak-run limit inside long/history domains (``long_max_weak_run_nt`` or the strand-wide one)."""
        return self.max_weak_run_nt if self.long_max_weak_run_nt is None else self.long_max_weak_run_nt

    def fixed_upper(self) -> dict[str, str]:
        return {k: v.upper() for k, v in self.fixed.items()}


#: Values of ``SequenceRules.occlusion_strands``.
OCCLUSION_STRANDS = ("auto", "all")


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
