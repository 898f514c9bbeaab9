"""Thermodynamic refinement: fix the complexes and strands that fail their checks.

Once every sequence rule holds, some complexes can still have too high an ensemble defect, or a
strand too low an MFE (a weak A/T hairpin, a tail that touches an exposed toehold). Refinement is
the same local search as the sequence search, driven by the thermodynamic checks:

1. take the failing subject (complex or strand) with the largest excess over its threshold;
2. blame its domains by how many of their nucleotides are wrong (per-nucleotide defect; for a
   strand, the bases paired in its MFE structure), and pick one at random in proportion to that
   blame divided by the square root of how many checked subjects hold it (a domain in many
   complexes is costly to re-check and risky to change);
3. mutate it at its wrong positions (``Drawer.propose``) and reject the mutation if any sequence
   rule gets worse;
4. re-fold every checked subject that holds the domain — only the pieces of split complexes that
   contain it; other pieces come from a cache — and keep the mutation only if the summed excess of
   those subjects drops.

It works on the subjects the checks fold (all of them, or the checks' seeded sample for a big
system), so it never makes a checked subject fail that passed before without fixing more. Where the
checks fold a sample, the search reports on another seeded sample afterwards (``design_sequences``):
the failures it reports estimate the whole system's, not those of the sample it repaired.

Moves (besides ``Drawer.propose``): in a three-letter long domain, half the proposals swap a C into
a wrongly paired position (:func:`_stem_break`); subjects are taken least tried first, so one-strand
helpers are not starved by long gates; and with a crosstalk budget a step keeps, of its draws that
hold every rule, the one that raises the kept cost least.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping

import numpy as np

from sequences.codes import BASES, THREE_LETTER
from sequences.rules.base import TOEHOLD, DomainTable, Rule
from sequences.structure import kernel_nucleotide_domains, kernel_to_target, pair_table, split_complex
from sequences.thermo import ThermoBackend


class TableSequences(Mapping):
    """Read-only ``domain name -> sequence`` view of a :class:`DomainTable` (decoded on demand)."""

    def __init__(self, table: DomainTable) -> None:
        self.table = table

    def __getitem__(self, name: str) -> str:
        return self.table.sequence(self.table.index[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.names)

    def __len__(self) -> int:
        return len(self.table)


class ThermoEvaluator:
    """Per-nucleotide defects of complexes (through their pieces) and MFEs of strands, cached by sequence."""

    def __init__(self, backend: ThermoBackend, piece_nt: int, piece_strands: int) -> None:
        self.backend, self.piece_nt, self.piece_strands = backend, piece_nt, piece_strands
        self._pieces: dict[tuple[tuple[str, ...], str], np.ndarray] = {}
        self._mfe: dict[str, tuple[str, float]] = {}
        self.folds = 0

    def piece_defects(self, strands: tuple[str, ...], structure: str) -> np.ndarray:
        key = (strands, structure)
        if key not in self._pieces:
            pairs = self.backend.pair_probabilities(list(strands))
            table = np.array(pair_table(structure))
            idx = np.arange(len(table))
            partner = np.where(table < 0, idx, table)
            self._pieces[key] = 1.0 - pairs[idx, partner]
            self.folds += 1
        return self._pieces[key]

    def complex_defects(self, kernel: str, sequences: Mapping[str, str]) -> np.ndarray:
        """Per-nucleotide defect of a complex (strands concatenated)."""
        strands, structure = kernel_to_target(kernel, sequences)
        out = np.zeros(sum(map(len, strands)))
        for piece in split_complex(strands, structure, self.piece_nt, self.piece_strands):
            out[list(piece.index)] = self.piece_defects(piece.strands, piece.structure)
        return out

    def mfe(self, seq: str) -> tuple[str, float]:
        if seq not in self._mfe:
            self._mfe[seq] = self.backend.mfe([seq])
            self.folds += 1
        return self._mfe[seq]


#: With ``toehold_moves`` (the search passes it where ``toehold_copy`` is a rule, so that most pool
#: toeholds would make a stray copy): pool toeholds a refinement step draws for a toehold until one
#: keeps every sequence rule (a rule test costs no fold), and if none does, an exchange of sequences
#: with another toehold (:func:`_swap`). Without it a step makes one proposal, as before.
TOEHOLD_DRAWS = 40

#: Share of a three-letter long domain's proposals that move a C into its wrongly paired positions
#: (:func:`_stem_break`).
STEM_BREAK = 0.5

#: With ``keep``: proposals a refinement step draws until one keeps every rule and the kept costs.
KEEP_DRAWS = 10


def refine(table: DomainTable, rule_set: list[Rule], drawer, complexes, strands, failing: set[str], *,
           backend: ThermoBackend, defect_max: float, mfe_min_kcal: float, piece_nt: int, piece_strands: int,
           max_steps: int, deadline: float, rng: np.random.Generator, keep: list[Rule] = (),
           keep_budget: float | None = None, toehold_moves: bool = False) -> dict:
    """Mutate domains until the checked ``complexes`` and ``strands`` pass, or the budget ends.

    ``complexes`` are :class:`dsd.domains.Complex` and ``strands`` objects with ``name`` and
    ``domains`` (the subjects the checks fold); ``failing`` names those that failed (the others
    passed and count as 0 until a change touches them). ``rule_set`` must have its incremental
    structures built. ``keep``: objectives (e.g. the crosstalk polish, incremental structures built)
    whose cost of the mutated domain may not rise either; with ``keep_budget`` (same units as their
    cost) their summed cost may rise instead, by at most ``keep_budget`` over the whole refinement
    (a mutation that lowers it gives budget back). Returns counts.
    """
    seqs = TableSequences(table)
    ev = ThermoEvaluator(backend, piece_nt, piece_strands)
    lengths = {name: int(table.length[i]) for i, name in enumerate(table.names)}

    subjects: list[tuple[str, object]] = [("complex", cx) for cx in complexes] + [("strand", s) for s in strands]
    holders: dict[int, list[int]] = {}  # domain -> subjects holding it
    labels: list[list[tuple[str, int]]] = []
    for k, (kind, obj) in enumerate(subjects):
        if kind == "complex":
            lab = kernel_nucleotide_domains(obj.kernel, lengths)
        else:
            lab = [(d.rstrip("*"), lengths[d.rstrip("*")] - 1 - j if d.endswith("*") else j)
                   for d in obj.domains for j in range(lengths[d.rstrip("*")])]
        labels.append(lab)
        for name in sorted({n for n, _ in lab}):
            holders.setdefault(table.index[name], []).append(k)

    def evaluate(k: int) -> tuple[float, np.ndarray]:
        """(excess over the threshold in threshold units, per-nucleotide blame) of subject k."""
        kind, obj = subjects[k]
        if kind == "complex":
            per_nt = ev.complex_defects(obj.kernel, seqs)
            return max(0.0, per_nt.mean() - defect_max) / defect_max, per_nt
        seq = "".join(seqs[d.rstrip("*")] if not d.endswith("*") else _rc(seqs[d[:-1]]) for d in obj.domains)
        structure, dG = ev.mfe(seq)
        return max(0.0, mfe_min_kcal - dG), np.array([c != "." for c in structure], dtype=float)

    t0 = time.perf_counter()
    excess = {k: 0.0 for k in range(len(subjects))}
    for k, (_, obj) in enumerate(subjects):
        if obj.name in failing:
            excess[k] = evaluate(k)[0]
    initial_failing = int(sum(e > 0 for e in excess.values()))
    tries = np.zeros(len(subjects), dtype=np.int64)
    steps = accepted = 0
    keep_used = 0.0  # rise of the kept costs so far (with keep_budget)
    max_tries = 60
    while steps < max_steps and time.perf_counter() < deadline:
        failing = [k for k, e in excess.items() if e > 0 and tries[k] < max_tries]
        if not failing:
            break
        k = min(failing, key=lambda j: (tries[j], -excess[j], j))  # the least tried first, then the worst
        steps += 1
        tries[k] += 1
        _, blame = evaluate(k)
        score: dict[int, float] = {}
        hot: dict[int, set[int]] = {}
        for (name, pos), b in zip(labels[k], blame.tolist()):
            i = table.index[name]
            if table.fixed[i] or b <= 0.05:
                continue
            score[i] = score.get(i, 0.0) + b
            hot.setdefault(i, set()).add(pos)
        if not score:
            tries[k] = max_tries
            continue
        ids = sorted(score)
        weight = np.array([score[i] / math.sqrt(len(holders.get(i, [k]))) * (0.5 if table.kind[i] == TOEHOLD else 1.0)
                           for i in ids])
        i = ids[int(rng.choice(len(ids), p=weight / weight.sum()))]
        old = table.get(i).copy()
        rules_old = sum(r.domain_penalty(table, i, old) for r in rule_set)
        # a toehold draws pool sequences until one keeps every rule (few do where toehold_copy is a rule);
        # with ``keep``, a domain draws proposals that keep every rule: the first that keeps the kept costs
        # too, or with ``keep_budget`` the one that raises them least (if the budget left covers it)
        draws = TOEHOLD_DRAWS if toehold_moves and table.kind[i] == TOEHOLD else KEEP_DRAWS if keep else 1
        keep_old = sum(r.domain_penalty(table, i, old) for r in keep) if keep and keep_budget is not None else 0.0
        three = drawer.alphabets[i] == THREE_LETTER and table.kind[i] != TOEHOLD
        rise, best, found = 0.0, None, False  # with keep_budget: the proposal that raises the kept cost least
        for _ in range(draws):
            new = _stem_break(old, hot[i], rng) if three and rng.random() < STEM_BREAK else None
            new = drawer.propose(i, hot[i]) if new is None else new
            if np.array_equal(new, old) or sum(r.domain_penalty(table, i, new) for r in rule_set) > rules_old:
                continue
            if not keep or (keep_budget is None and _keeps_cost(keep, table, i, old, new)):
                found = True
                break
            if keep_budget is None:
                continue
            up = sum(r.domain_penalty(table, i, new) for r in keep) - keep_old
            if best is None or up < rise:
                best, rise = new, up
            if rise <= 0:
                break
        if keep and keep_budget is not None:
            found, new = best is not None and keep_used + rise <= keep_budget + 1e-9, best
        if not found:
            if toehold_moves and table.kind[i] == TOEHOLD:  # none does: exchange with another toehold (no kept cost:
                # the crosstalk objectives score long/history domains)
                accepted += _swap(table, rule_set, i, rng, holders, excess, evaluate, tries, k)
            continue
        affected = holders.get(i, [])
        before = _score(excess[j] for j in affected)
        table.set(i, new)
        after_each = {j: evaluate(j)[0] for j in affected}
        if _score(after_each.values()) < before - 1e-12:
            accepted += 1
            keep_used += rise
            for r in list(rule_set) + list(keep):
                r.update(table, i, old, new)
            excess.update(after_each)
            for j in affected:
                tries[j] = 0 if j != k else tries[j]
        else:
            table.set(i, old)
    return {
        "subjects": len(subjects),
        "failing_before": initial_failing,
        "failing_after": int(sum(e > 0 for e in excess.values())),
        "steps": steps,
        "accepted": accepted,
        "kept_cost_rise": round(keep_used, 3),
        "folds": ev.folds,
        "seconds": time.perf_counter() - t0,
    }


def _swap(table: DomainTable, rule_set: list[Rule], i: int, rng: np.random.Generator, holders, excess, evaluate,
          tries, k: int) -> int:
    """Exchange the sequences of toehold ``i`` and a random other toehold of its length: the set of
    toehold sequences stays the same, so no new stray toehold copy appears inside long domains
    (only across the junctions, which the rules test). Kept (returns 1) only if no sequence rule of
    the two rises and the summed excess of the subjects holding either drops."""
    same = np.flatnonzero((table.kind == TOEHOLD) & (table.length == table.length[i]) & ~table.fixed)
    same = same[same != i]
    if not len(same):
        return 0
    j = int(same[int(rng.integers(len(same)))])
    a, b = table.get(i).copy(), table.get(j).copy()
    if np.array_equal(a, b):
        return 0

    def pen() -> float:
        return sum(r.domain_penalty(table, x, table.get(x)) for r in rule_set for x in (i, j))

    def put(x: int, old: np.ndarray, new: np.ndarray) -> None:
        table.set(x, new)
        for r in rule_set:
            r.update(table, x, old, new)

    before_rules = pen()
    put(i, a, b)
    put(j, b, a)
    affected = sorted(set(holders.get(i, [])) | set(holders.get(j, [])))
    if pen() <= before_rules:
        after_each = {x: evaluate(x)[0] for x in affected}
        if _score(after_each.values()) < _score(excess[x] for x in affected) - 1e-12:
            excess.update(after_each)
            for x in affected:
                tries[x] = 0 if x != k else tries[x]
            return 1
    put(j, a, b)
    put(i, b, a)
    return 0


def _score(excesses) -> float:
    """What a mutation must lower over the subjects it touches: each failing subject counts 1 plus its
    excess, so a mutation that makes a passing subject fail must fix another, not only shave excess.

    >>> _score([0.0, 0.2, 1.5])
    3.7
    """
    return sum(e + 1.0 for e in excesses if e > 0)


def _keeps_cost(keep, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> bool:
    """Whether domain ``i``'s summed cost in the objectives ``keep`` does not rise from ``old`` to ``new``."""
    before = sum(r.domain_penalty(table, i, old) for r in keep) + 1e-9
    total = 0.0
    for r in keep:
        below = getattr(r, "domain_penalty_below", None)
        total += below(table, i, new, before - total) if below else r.domain_penalty(table, i, new)
        if total >= before:
            return False
    return True


def _stem_break(old: np.ndarray, hot: set[int], rng: np.random.Generator) -> np.ndarray | None:
    """Swap a C of a three-letter domain (A/C/T) into one of its wrongly paired positions ``hot``,
    taking the A or T there to where the C was: the GC count stays, and in a strand of A/C/T (or its
    A/G/T complement) a C (G) pairs with nothing, so the stem through that position breaks. None if
    no hot position holds an A/T or no C sits outside the hot ones.

    >>> new = _stem_break(np.array([0, 1, 3, 3, 0]), {3}, np.random.default_rng(0))  # ACTTA, T at 3 paired
    >>> "".join("ACGT"[b] for b in new)
    'ATTCA'
    """
    c = BASES.index("C")
    paired = [p for p in sorted(hot) if old[p] != c]
    spare = [p for p in np.flatnonzero(old == c).tolist() if p not in hot]
    if not paired or not spare:
        return None
    new = old.copy()
    a, b = paired[int(rng.integers(len(paired)))], spare[int(rng.integers(len(spare)))]
    new[a], new[b] = new[b], new[a]
    return new


def _rc(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))
