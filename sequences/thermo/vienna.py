"""ViennaRNA backend: DNA parameters (Mathews et al. 2004), multi-strand complexes via ``&``.

What this module works around (viennarna 2.8.0, measured; DESIGN §5):

* ``RNA.params_load_DNA_Mathews2004()`` changes process-global state. The backend loads the DNA
  set once, copies it into its own parameter objects (``RNA.param`` / ``RNA.exp_param``) and
  substitutes them into every fold compound, so a later global reload (say, of RNA parameters by
  other code) cannot change its answers. Constructing a backend leaves the DNA set loaded globally.
* ``pr_structure`` is wrong for multi-strand complexes, so a structure's probability is computed
  here as ``exp(-(dG(s) - G) / RT)`` from ``eval_structure`` and ``pf``.
* A target passed to ``eval_structure``/``ensemble_defect`` must not contain ``&`` (else energy
  100000 and defect -1, silently): strand breaks are stripped before the call. ``eval_structure``
  also returns finite nonsense for non-Watson-Crick pairs and too-short hairpins; such targets are
  answered with ``+inf`` before ViennaRNA sees them.
* ``pf`` of a multi-strand complex divides the partition function by the rotational symmetry of
  the *concatenated sequence* (ignoring where strands break): ``ACGTAC&GTACGT`` is divided by 3
  although its strands differ. The backend undoes that division and applies the symmetry factor
  of the strand list instead (see ``sequences.thermo``). ``eval_structure`` and ``mfe`` apply no
  symmetry term; the backend adds ``RT ln R(s)`` itself.
* The built-in ``ensemble_defect`` and ``bpp`` of multi-strand complexes agree with exhaustive
  enumeration (tests/sequences/test_thermo.py) and are used as they are.

Model: DNA Mathews 2004 parameters, dangles=2, G·T pairs disabled (``noGU``; DNA G·T is a
mismatch), temperature via ``md.temperature``, salt via ``md.salt`` (monovalent only: Mg2+ is
folded into a Na+-equivalent, :func:`sequences.thermo.na_equivalent_M`). Multi-strand energies
include ViennaRNA's ``DuplexInit`` once per extra strand, a 1 M standard-state term.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from sequences.thermo.base import (
    BackendUnavailable,
    Conditions,
    check_strands,
    in_model,
    na_equivalent_M,
    parse_structure,
    strand_symmetry,
    structure_symmetry,
    unpaired_structure,
    with_nicks,
)

try:
    import RNA
except ImportError as exc:  # viennarna is a dependency; say so plainly if it is missing
    RNA = None
    _IMPORT_ERROR: ImportError | None = exc
else:
    _IMPORT_ERROR = None

# ViennaRNA reports "no structure" (e.g. two strands that cannot pair) as energy 100000 kcal/mol.
_VRNA_NO_STRUCTURE_KCAL = 1.0e4
_GLOBAL_PARAMS_LOCK = threading.Lock()


class ViennaRNABackend:
    """Thermodynamic backend on ViennaRNA; see :class:`sequences.thermo.ThermoBackend`."""

    name = "viennarna"

    def __init__(self, conditions: Conditions | None = None, cache_size: int = 8192) -> None:
        if RNA is None:
            raise BackendUnavailable(
                f"thermodynamic backend 'viennarna' is not available: import RNA failed ({_IMPORT_ERROR})"
            )
        self.conditions = Conditions() if conditions is None else conditions
        #: Na+ concentration (M) handed to ViennaRNA: Na+ plus the Mg2+ equivalent.
        self.na_equivalent_M = na_equivalent_M(self.conditions)
        self._kT = self.conditions.kT_kcal
        md = RNA.md()
        md.temperature = self.conditions.temperature_C
        md.salt = self.na_equivalent_M
        md.dangles = 2
        md.noGU = 1
        self._md = md
        with _GLOBAL_PARAMS_LOCK:
            RNA.params_load_DNA_Mathews2004()
            self._params = RNA.param(md)
            self._exp_params = RNA.exp_param(md)
        # duplex_dG asks for the same single strands again and again during a design search
        self._pfunc_cached = lru_cache(maxsize=cache_size)(self._pfunc_checked)

    def __repr__(self) -> str:
        return f"ViennaRNABackend({self.conditions})"

    # --- ViennaRNA plumbing ---

    def _compound(self, strands: tuple[str, ...]):
        fc = RNA.fold_compound("&".join(strands), self._md)
        fc.params_subst(self._params)
        return fc

    def _folded(self, strands: tuple[str, ...]):
        """Fold compound with its partition function computed (bpp ready) and the ensemble free
        energy in the convention of ``sequences.thermo``; ``+inf`` when the complex has no
        connected structure (then the compound holds no pf)."""
        fc = self._compound(strands)
        _, e_mfe = fc.mfe()  # the MFE sets the Boltzmann-factor scale that keeps pf from overflowing
        if e_mfe >= _VRNA_NO_STRUCTURE_KCAL:
            return fc, math.inf
        fc.exp_params_subst(self._exp_params)
        fc.exp_params_rescale(e_mfe)
        _, g_vienna = fc.pf()
        return fc, g_vienna + self._symmetry_shift(strands)

    def _symmetry_shift(self, strands: tuple[str, ...]) -> float:
        """Undo ViennaRNA's division by the concatenated sequence's symmetry, apply the strand list's."""
        if len(strands) == 1:
            return 0.0
        r_vienna = len(RNA.rotational_symmetry("".join(strands)))
        return self._kT * math.log(strand_symmetry(strands) / r_vienna)

    def _structure_dG(self, fc, strands: tuple[str, ...], table: tuple[int, ...], flat: str) -> float:
        if not in_model(strands, table):
            return math.inf
        return fc.eval_structure(flat) + self._kT * math.log(structure_symmetry(strands, table))

    # --- the ThermoBackend interface ---

    def mfe(self, strands: Sequence[str]) -> tuple[str, float]:
        seqs = check_strands(strands)
        fc = self._compound(seqs)
        flat, energy = fc.mfe()
        if energy >= _VRNA_NO_STRUCTURE_KCAL:
            return unpaired_structure(seqs), math.inf
        structure = with_nicks(seqs, flat)
        table = parse_structure(seqs, structure)
        return structure, energy + self._kT * math.log(structure_symmetry(seqs, table))

    def _pfunc_checked(self, seqs: tuple[str, ...]) -> float:
        return self._folded(seqs)[1]

    def pfunc(self, strands: Sequence[str]) -> float:
        return self._pfunc_cached(check_strands(strands))

    def structure_dG(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        table = parse_structure(seqs, structure)
        return self._structure_dG(self._compound(seqs), seqs, table, structure.replace("+", ""))

    def prob(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        table = parse_structure(seqs, structure)
        fc, g = self._folded(seqs)
        energy = self._structure_dG(fc, seqs, table, structure.replace("+", ""))
        if math.isinf(energy) or math.isinf(g):
            return 0.0
        return min(1.0, math.exp(-(energy - g) / self._kT))

    def ensemble_defect(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        parse_structure(seqs, structure)
        fc, g = self._folded(seqs)
        if math.isinf(g):
            return 1.0
        return float(fc.ensemble_defect(structure.replace("+", "")))

    def pair_probabilities(self, strands: Sequence[str]) -> np.ndarray:
        seqs = check_strands(strands)
        n = sum(map(len, seqs))
        fc, g = self._folded(seqs)
        if math.isinf(g):
            return np.eye(n)
        upper = np.array(fc.bpp(), dtype=float)[1:, 1:]
        pairs = upper + upper.T
        pairs[np.diag_indices(n)] = np.clip(1.0 - pairs.sum(axis=1), 0.0, 1.0)
        return pairs

    def duplex_dG(self, a: str, b: str) -> float:
        a, b = check_strands([a, b])
        return self._pfunc_cached((a, b)) - self._pfunc_cached((a,)) - self._pfunc_cached((b,))
