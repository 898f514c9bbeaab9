"""Thermodynamic backends for DNA complexes: the interface, its conventions and input checks.

A backend answers questions about one *complex*: an ordered list of DNA strands (5'->3', letters
``ACGT``) whose ensemble holds every connected, unpseudoknotted secondary structure. Structures are
dot-paren strings with ``+`` between strands, e.g. ``"((((+))))"``.

Conventions every backend follows, so that numbers compare across backends
---------------------------------------------------------------------------
* **Standard state 1 M.** A complex of ``L`` strands carries ``L - 1`` strand-association
  (duplex-initiation) terms at the 1 M standard state. ViennaRNA's ``DuplexInit`` already is one;
  NUPACK's association penalty is in mole-fraction units and is converted by adding
  ``RT ln(55.14)`` per extra strand (55.14 M = molarity of water; DESIGN §5). Hence
  :meth:`ThermoBackend.duplex_dG` is the standard free energy of ``a + b -> a·b`` and
  ``K = exp(-duplex_dG / RT)`` is the association constant in 1/M.
* **Unstructured strands are the zero of energy;** a strand's own folding is part of its ensemble.
* **Same-species strands are indistinguishable** (NUPACK's convention, Dirks et al. 2007, SIAM Rev
  49:65): a complex whose strand list maps onto itself under an ``R``-fold rotation has
  ``G = Gbar + RT ln R``, and a structure with an ``R(s)``-fold rotational symmetry has energy
  ``dGbar(s) + RT ln R(s)``. So ``duplex_dG(a, a)`` is the homodimer's true association free
  energy. Base-pair probabilities and ensemble defects are over distinct strands (as NUPACK's).
* A structure outside the model (a non-Watson-Crick pair, G·T included, or a hairpin loop of fewer
  than 3 nt) has energy ``+inf`` and probability 0. A complex with no connected structure at all
  has ``pfunc = +inf``; its MFE energy is ``+inf`` and its ensemble defect is 1.

Salt: ``Conditions`` carries Na+ and Mg2+ in molar. NUPACK models both; ViennaRNA models only a
monovalent salt, so its backend folds ``mg_M`` into a sodium-equivalent concentration with
:func:`na_equivalent_M`.

Pick a backend with :func:`get_backend`; NUPACK 4 is used when it can be imported (it is licensed
from nupack.org and never a dependency), ViennaRNA with DNA parameters otherwise.

Examples
--------
>>> from sequences.thermo import get_backend
>>> backend = get_backend("viennarna", Conditions(temperature_C=25.0))
>>> structure, dG_kcal = backend.mfe(["GCATCGAT", "ATCGATGC"])
>>> structure, round(dG_kcal, 1)
('((((((((+))))))))', -11.2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: Molar gas constant in kcal/(mol K), the value ViennaRNA uses.
GAS_CONSTANT_KCAL = 1.98717e-3
#: Molarity of water (M); converts mole-fraction association energies to the 1 M standard state.
WATER_MOLARITY = 55.14
#: Coefficient of the sodium-equivalence rule ``[Na+]eq = [Na+] + 3.3 sqrt([Mg2+])`` (molar).
MG_NA_EQUIVALENCE = 3.3
#: Smallest hairpin loop (unpaired nt) both backends allow.
MIN_HAIRPIN_NT = 3

BACKEND_NAMES = ("auto", "viennarna", "nupack")
_DNA = frozenset("ACGT")
_WATSON_CRICK = frozenset({("A", "T"), ("T", "A"), ("C", "G"), ("G", "C")})


@dataclass(frozen=True)
class Conditions:
    """Physical conditions of a calculation.

    Parameters
    ----------
    temperature_C : float
        Temperature in °C, 0-100.
    na_M : float
        Monovalent cation concentration (Na+, K+, ...) in mol/L, > 0.
    mg_M : float
        Mg2+ concentration in mol/L, >= 0.
    """

    temperature_C: float = 25.0
    na_M: float = 1.0
    mg_M: float = 0.0

    def __post_init__(self) -> None:
        for name in ("temperature_C", "na_M", "mg_M"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"Conditions.{name} must be a finite number, got {value!r}")
        if not 0.0 <= self.temperature_C <= 100.0:
            raise ValueError(f"Conditions.temperature_C must be within 0-100 °C, got {self.temperature_C}")
        if self.na_M <= 0.0:
            raise ValueError(f"Conditions.na_M must be > 0 (mol/L), got {self.na_M}")
        if self.mg_M < 0.0:
            raise ValueError(f"Conditions.mg_M must be >= 0 (mol/L), got {self.mg_M}")

    @property
    def kT_kcal(self) -> float:
        """RT in kcal/mol."""
        return GAS_CONSTANT_KCAL * (self.temperature_C + 273.15)


def na_equivalent_M(conditions: Conditions) -> float:
    """Sodium concentration (M) that stabilises DNA duplexes as much as ``conditions``' Na+ and Mg2+.

    Uses the empirical rule ``[Na+]eq = [Na+] + 3.3 sqrt([Mg2+])`` (molar) of Peyret (2000, PhD
    thesis, Wayne State University; the Mg2+ treatment NUPACK's DNA parameters also cite), as
    applied by the DINAMelt/UNAFold servers. It is an approximation: Owczarzy et al. (2008,
    Biochemistry 47:5336) show that Mg2+ and Na+ effects do not reduce to one equivalent
    concentration over all ratios; their correction acts on melting temperatures, not on loop free
    energies, so it does not fit a nearest-neighbour folding model.

    >>> round(na_equivalent_M(Conditions(na_M=0.05, mg_M=0.0125)), 4)
    0.419
    """
    return conditions.na_M + MG_NA_EQUIVALENCE * math.sqrt(conditions.mg_M)


@runtime_checkable
class ThermoBackend(Protocol):
    """What the sequence designer asks of a thermodynamic model. Energies in kcal/mol."""

    name: str
    conditions: Conditions

    def mfe(self, strands: Sequence[str]) -> tuple[str, float]:
        """Minimum free energy structure (dot-paren with ``+``) and its free energy."""

    def pfunc(self, strands: Sequence[str]) -> float:
        """Ensemble (complex) free energy ``-RT ln Q``."""

    def structure_dG(self, strands: Sequence[str], structure: str) -> float:
        """Free energy of one structure (``+inf`` when the model forbids it)."""

    def prob(self, strands: Sequence[str], structure: str) -> float:
        """Equilibrium probability of ``structure`` in the complex ensemble."""

    def ensemble_defect(self, strands: Sequence[str], structure: str) -> float:
        """Normalised ensemble defect of ``structure``: expected fraction of nucleotides whose
        pairing state differs from the target, 0..1."""

    def pair_probabilities(self, strands: Sequence[str]) -> np.ndarray:
        """N x N base-pair probabilities over the concatenated strands; diagonal = P(unpaired)."""

    def duplex_dG(self, a: str, b: str) -> float:
        """Ensemble ΔG of ``a + b -> a·b`` at 1 M standard state: ``pfunc([a, b]) - pfunc([a])
        - pfunc([b])``, each strand with its own secondary structure."""


class BackendUnavailable(ImportError):
    """The requested thermodynamic backend cannot be imported here."""


# --- input checks (the boundary: backends trust what these return) ---------------------------


def check_strands(strands: Sequence[str]) -> tuple[str, ...]:
    """Validate a strand list and return it upper-cased as a tuple.

    >>> check_strands(["acgt", "TTGA"])
    ('ACGT', 'TTGA')
    """
    if isinstance(strands, str):
        raise TypeError(f"strands must be a list of sequences, got the string {strands!r}; use [{strands!r}]")
    out = tuple(strands)
    if not out:
        raise ValueError("strands must hold at least one sequence")
    checked = []
    for k, seq in enumerate(out):
        if not isinstance(seq, str):
            raise TypeError(f"strand {k} must be a str, got {type(seq).__name__}")
        if not seq:
            raise ValueError(f"strand {k} is empty")
        upper = seq.upper()
        for i, base in enumerate(upper):
            if base not in _DNA:
                raise ValueError(
                    f"strand {k} has the non-DNA letter {seq[i]!r} at position {i}; sequences use A, C, G, T only"
                )
        checked.append(upper)
    return tuple(checked)


def parse_structure(strands: Sequence[str], structure: str) -> tuple[int, ...]:
    """Validate a dot-paren-plus ``structure`` against ``strands`` and return its pair table.

    The pair table has one entry per nucleotide of the concatenated strands: the partner's index,
    or -1 if unpaired. The structure must match the strand lengths, be balanced and, for a complex
    of several strands, connected (the ensemble of a complex has connected structures only).

    >>> parse_structure(["ACG", "CGT"], "((.+.))")
    (5, 4, -1, -1, 1, 0)
    """
    if not isinstance(structure, str):
        raise TypeError(f"structure must be a str, got {type(structure).__name__}")
    bad = set(structure) - set("().+")
    if bad:
        raise ValueError(f"structure has characters {''.join(sorted(bad))!r}; use '(', ')', '.' and '+'")
    parts = structure.split("+")
    if len(parts) != len(strands):
        raise ValueError(
            f"structure has {len(parts)} strand segment(s) separated by '+' "
            f"but the complex has {len(strands)} strand(s)"
        )
    for k, (part, seq) in enumerate(zip(parts, strands)):
        if len(part) != len(seq):
            raise ValueError(
                f"structure length mismatch: strand {k} has {len(seq)} nt "
                f"but its structure segment has {len(part)} characters"
            )
    flat = "".join(parts)
    table = [-1] * len(flat)
    stack: list[int] = []
    for i, c in enumerate(flat):
        if c == "(":
            stack.append(i)
        elif c == ")":
            if not stack:
                raise ValueError(f"structure has an unmatched ')' at nucleotide {i}")
            j = stack.pop()
            table[i], table[j] = j, i
    if stack:
        raise ValueError(f"structure has an unmatched '(' at nucleotide {stack[-1]}")
    if len(strands) > 1:
        owner = strand_index(strands)
        parent = list(range(len(strands)))

        def root(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i, j in enumerate(table):
            if j > i:
                parent[root(owner[i])] = root(owner[j])
        groups = {root(k) for k in range(len(strands))}
        if len(groups) > 1:
            lonely = [k for k in range(len(strands)) if root(k) != root(0)]
            raise ValueError(
                f"structure is not connected: strand(s) {lonely} pair with no strand of strand 0's group; "
                "a complex's structures must join all its strands"
            )
    return tuple(table)


def strand_index(strands: Sequence[str]) -> list[int]:
    """Which strand each nucleotide of the concatenated sequence belongs to."""
    return [k for k, seq in enumerate(strands) for _ in seq]


def in_model(strands: Sequence[str], table: Sequence[int]) -> bool:
    """Whether the structure is in both backends' ensembles: Watson-Crick pairs only (DNA G·T is a
    mismatch, SantaLucia & Hicks 2004) and hairpin loops of at least :data:`MIN_HAIRPIN_NT` nt."""
    seq = "".join(strands)
    owner = strand_index(strands)
    for i, j in enumerate(table):
        if j <= i:
            continue
        if (seq[i], seq[j]) not in _WATSON_CRICK:
            return False
        inner = range(i + 1, j)
        if owner[i] == owner[j] and j - i - 1 < MIN_HAIRPIN_NT and all(table[k] == -1 for k in inner):
            return False
    return True


def strand_symmetry(strands: Sequence[str]) -> int:
    """Number of cyclic rotations of the strand list that leave it unchanged (1 = no symmetry)."""
    strands = list(strands)
    return sum(strands[k:] + strands[:k] == strands for k in range(len(strands)))


def structure_symmetry(strands: Sequence[str], table: Sequence[int]) -> int:
    """Rotational symmetry ``R(s)`` of a structure: strand rotations that map the strand list and
    the pairs onto themselves (Dirks et al. 2007)."""
    strands = list(strands)
    n = len(table)
    count = 0
    offset = 0
    for k in range(len(strands)):
        if strands[k:] + strands[:k] == strands and all(
            table[(i + offset) % n] == (-1 if j < 0 else (j + offset) % n) for i, j in enumerate(table)
        ):
            count += 1
        offset += len(strands[k])
    return count


def unpaired_structure(strands: Sequence[str]) -> str:
    """The all-unpaired dot-paren-plus string for ``strands``."""
    return "+".join("." * len(s) for s in strands)


def with_nicks(strands: Sequence[str], flat: str) -> str:
    """Insert ``+`` at the strand breaks of a structure given without them."""
    out, start = [], 0
    for seq in strands:
        out.append(flat[start : start + len(seq)])
        start += len(seq)
    return "+".join(out)


def defect_from_pairs(pairs: np.ndarray, table: Sequence[int]) -> float:
    """Normalised ensemble defect from a pair-probability matrix (diagonal = unpaired) and a target
    pair table: ``1 - (1/N) sum_i P[i, partner(i)]`` with ``partner(i) = i`` when unpaired."""
    idx = np.arange(len(table))
    partner = np.where(np.asarray(table) < 0, idx, np.asarray(table))
    return float(1.0 - pairs[idx, partner].sum() / len(table))
