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

Moves (``sequences.refine_moves``, besides ``Drawer.propose``): in a three-letter long domain, half
the proposals swap a C into a wrongly paired position (``stem_break``); subjects are taken least
tried first, so one-strand helpers are not starved by long gates; and with a crosstalk budget a
step keeps, of its draws that hold every rule, the one that raises the kept cost least.

Where toehold copies are kept out of every single strand (``occlusion_strands: all``, passed as
``fold_draws`` > 1) few proposals keep the rules and one random change mostly makes a marginal
failure worse, so a step collects several rule-keeping proposals and fresh clean draws
(``Drawer.clean_draws``), ranks them by the subject's own fold and tries the best few on every
holder; toehold exchanges look at several partners, and where none keeps the junction rules, an
exchange redraws the long/history domains next to either toehold whose junctions it broke
(``refine_moves.exchange_and_redraw``); and a domain with no rule-keeping proposal twice in a row
rests until some mutation is accepted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping

import numpy as np

from sequences import refine_moves as moves
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
#: with another toehold (``refine_moves.exchange_toeholds``). Without it a step makes one proposal.
TOEHOLD_DRAWS = 40

#: With ``keep`` or ``fold_draws`` > 1: proposals a refinement step draws to find one (or
#: ``fold_draws``) that keep every rule and the kept costs.
KEEP_DRAWS = 10

#: Rule-keeping proposals a step folds in the subject it repairs, best first
#: (``refine_moves.ranked``). One random point change mostly makes a marginal failure worse: on
#: the 12-nt IRIS system with ``occlusion_strands: all`` 2 of 3 complexes left above 0.05 had
#: none of 60 tries lower their own defect.
FOLD_DRAWS = 4

#: With ``fold_draws`` > 1, a step also folds fresh clean draws (``Drawer.clean_draws``) of a long
#: or history domain: ``fold_draws``, or as many as fit :data:`FRESH_NT` nucleotides of the subject
#: (at most :data:`FRESH_MAX`). A 27-nt helper strand folds in ~0.6 ms, and its long domain has
#: few good sequences: on the 12-nt IRIS system, 1 % of the shuffles of ``d_M1_2`` took helper
#: ``B_r50`` below the defect limit, while its toeholds could not move (of 8 exchange partners per
#: step, none kept the junction rules in 29 of 31 steps).
FRESH_NT = 1000
FRESH_MAX = 32

#: Of a step's proposals ranked by the repaired subject's fold, how many are tried on every subject
#: holding the domain, best first (the first whose subjects gain is kept): the best for ``G_r20``
#: (0.174 -> 0.037 above the limit) made ``T_r20`` fail (0 -> 0.162).
FULL_CHECKS = 3


def refine(table: DomainTable, rule_set: list[Rule], drawer, complexes, strands, failing: set[str], *,
           backend: ThermoBackend, defect_max: float, mfe_min_kcal: float, piece_nt: int, piece_strands: int,
           max_steps: int, deadline: float, rng: np.random.Generator, keep: list[Rule] = (),
           keep_budget: float | None = None, toehold_moves: bool = False,
           fold_draws: int = 1) -> dict:
    """Mutate domains until the checked ``complexes`` and ``strands`` pass, or the budget ends.

    ``complexes`` are :class:`dsd.domains.Complex` and ``strands`` objects with ``name`` and
    ``domains`` (the subjects the checks fold); ``failing`` names those that failed (the others
    passed and count as 0 until a change touches them). ``rule_set`` must have its incremental
    structures built. ``keep``: objectives (e.g. the crosstalk polish, incremental structures built)
    whose cost of the mutated domain may not rise either; with ``keep_budget`` (same units as their
    cost) their summed cost may rise instead, by at most ``keep_budget`` over the whole refinement
    (a mutation that lowers it gives budget back). ``fold_draws`` > 1 (the search passes
    :data:`FOLD_DRAWS` with ``occlusion_strands: all``): a step gathers up to that many rule-keeping
    proposals and fresh clean draws, ranks them by the subject's own fold and tries the best
    :data:`FULL_CHECKS` on every holder; toehold exchanges look at ``2 * fold_draws`` partners and
    may redraw the neighbours whose junctions they break; a domain with no proposal twice in a row
    rests (the module docstring). Returns counts.
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
    kept = moves.KeptCosts(keep, keep_budget)  # with the rise used so far
    max_tries = 60
    around = moves.adjacent(table) if fold_draws > 1 else {}
    stuck: dict[tuple[int, int], tuple[int, int]] = {}  # (subject, domain) -> (accepted then, misses in a row)
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
        ids = [i for i in sorted(score) if not moves.is_stuck(stuck.get((k, i)), accepted)]
        if not ids:
            tries[k] = max_tries
            continue
        weight = np.array([score[i] / math.sqrt(len(holders.get(i, [k]))) * (0.5 if table.kind[i] == TOEHOLD else 1.0)
                           for i in ids])
        i = ids[int(rng.choice(len(ids), p=weight / weight.sum()))]
        old = table.get(i).copy()
        # a toehold draws pool sequences until one keeps every rule (few do where toehold_copy is a rule);
        # another domain draws up to KEEP_DRAWS proposals and collects up to ``fold_draws`` that keep every
        # rule and the kept costs, and up to ``fresh`` fresh clean draws; the FULL_CHECKS that fold best in
        # subject k are tried on every holder of the domain, best first
        toe = table.kind[i] == TOEHOLD
        draws = TOEHOLD_DRAWS if toehold_moves and toe else KEEP_DRAWS if keep or fold_draws > 1 else 1
        fresh = max(fold_draws, min(FRESH_MAX, FRESH_NT // len(labels[k]))) if fold_draws > 1 and not toe else 0
        found = moves.proposals(table, rule_set, drawer, i, hot[i], rng, kept, draws, 1 if toe else fold_draws, fresh)
        if not toe and fold_draws > 1:  # count misses in a row since the last accepted mutation
            at, n = stuck.get((k, i), (accepted, 0))
            stuck[(k, i)] = (accepted, 0 if found else n + 1 if at == accepted else 1)
        if not found:
            if toehold_moves and toe:  # none does: exchange with another toehold (no kept cost:
                # the crosstalk objectives score long/history domains)
                done = moves.exchange_toeholds(table, rule_set, i, rng, holders, excess, evaluate, tries, k,
                                               partners=2 * fold_draws if fold_draws > 1 else 1)
                if not done and fold_draws > 1:  # the exchange with the neighbours' junctions redrawn
                    done, up = moves.exchange_and_redraw(table, rule_set, kept, drawer, i, rng, holders, excess,
                                                         evaluate, tries, k, around, 2 * fold_draws)
                    kept.used += up
                accepted += done
            continue
        ranked = found if len(found) == 1 else moves.ranked(table, i, found, lambda k=k: evaluate(k)[0])
        affected = holders.get(i, [])
        before = moves.score(excess[j] for j in affected)
        for new, rise in ranked[:FULL_CHECKS]:  # the best for subject k first; kept if all its holders gain
            table.set(i, new)
            after_each = {j: evaluate(j)[0] for j in affected}
            if moves.score(after_each.values()) < before - 1e-12:
                accepted += 1
                kept.used += rise
                for r in list(rule_set) + list(keep):
                    r.update(table, i, old, new)
                excess.update(after_each)
                for j in affected:
                    tries[j] = 0 if j != k else tries[j]
                break
            table.set(i, old)
    return {
        "subjects": len(subjects),
        "failing_before": initial_failing,
        "failing_after": int(sum(e > 0 for e in excess.values())),
        "steps": steps,
        "accepted": accepted,
        "kept_cost_rise": round(kept.used, 3),
        "folds": ev.folds,
        "seconds": time.perf_counter() - t0,
    }


def _rc(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))
