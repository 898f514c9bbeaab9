"""The search: ``design_sequences(system, rules, seed, backend) -> Design``, domain sequences for
a DomainSystem.

The search (DESIGN §5), seeded and deterministic (one ``numpy.random.Generator``; the same seed,
system, rules and backend give the same sequences):

1. *Constructive generation.* Each free long/history domain is drawn at random from its alphabet
   (A/C/T for the three-letter kinds) with the C (and G) probability at the middle of the GC
   window, rejecting draws that break a run rule or the GC window. Toeholds come from a *pool*:
   every sequence of the toehold length in the alphabet (up to 8 nt; a seeded sample beyond)
   whose duplex ΔG is in the window and that breaks no run rule, dealt out in a shuffled order,
   all distinct while the pool lasts. Up to :data:`OBJECTIVE_MAX` single strands ``toehold_copy``
   (toehold occlusion) is a rule (on every single strand while the toeholds use at most
   :data:`OCCLUSION_RULE_MAX_LOAD` of their pool, else on those of one-strand species) and the
   drawing is screened: the pool sequences rarest in random long
   domains are dealt first, and a long/history domain that a single strand
   holds is drawn in batches and takes a candidate that makes no stray toehold window (junctions
   with its neighbours included), shares no k-mer and makes no junction run
   (``sequences.design.drawing``); a redrawn toehold takes the pool sequence that makes the fewest.
   Where the toeholds fill more than half their pool they are dealt a *passable* subset (every
   member leaves a long domain a clean junction on both sides) and toehold|toehold junctions are
   cleared by exchanging sequences (``sequences.design.exchange``). With
   ``occlusion_strands: all`` the toeholds that two domains meeting at a nick both follow take the
   subset sequences after which a long domain has the most distinct starts, and the drawing
   prefers candidates that start unlike the domain they meet there (``sequences.rules.nicks``).
2. *Repair rounds* (vectorised). Every rule names the domains to redraw — for a shared k-mer or
   a junction run all holders but one (fixed domains, then toeholds, keep theirs) — and those are
   redrawn together. A round is one pass over all domains, O(total length). ``toehold_copy``
   blames, per stray window, the long domain covering 2 or more of its bases, else the toehold.
3. *Local search.* Repeatedly take the worst-scoring mutable domain (sum of its rule penalties),
   propose a mutation (1-2 point changes where its violations are, or a fresh draw; another pool
   toehold for a toehold) and keep it only if the domain's penalty drops; a domain that resists
   ``tries_per_domain`` proposals is set aside until a neighbour changes. Violations left after that
   get a second pass whose proposals mostly swap two bases (a point change at a domain whose GC
   count sits at the window's edge breaks the window); then up to :data:`KICKS` rounds of fresh
   draws of the long domains still failing (and of the domains sharing a k-mer with the new
   draws), each followed by the swap pass. A toehold of a
   passable subset moves by exchanging sequences with another. Penalties are updated
   incrementally (a dict k-mer index, the junctions that touch the domain): a step costs
   O(domain length) (``sequences.design.local``).
4. *Objectives*, each in turn, for ``SearchBudget.objective_steps`` proposals, accepted only if
   no rule penalty (nor an earlier objective) of the mutated domain rises (so no stray toehold
   window comes back where ``toehold_copy`` is a rule): ``toehold_copy`` where it is not a rule
   (toeholds above :data:`OCCLUSION_RULE_MAX_LOAD` of their pool), then ``crosstalk`` (pairwise
   duplex ΔG of long/history domains against the others' complements, a vectorised
   nearest-neighbour estimate, ``sequences.rules.crosstalk``), then its polish
   ``crosstalk_vienna`` for ``SearchBudget.polish_steps`` proposals (1,200 by default): the
   same cost from ViennaRNA's duplexfold energies (the mutated domain's row and column, pairs the
   estimate puts below -5.5 kcal/mol), hinge at -7.5, a pair's cost capped at ``POLISH_CAP_KCAL``;
   a proposal's pairs are folded strongest first until its cost reaches the current one; each step
   draws up to ``objective_draws`` proposals and evaluates the first that keeps every rule and
   ``toehold_copy`` (not the estimate it corrects). Mutations mostly swap two bases, which keeps the
   GC window; the polish swaps a base its domain's strongest crosstalk duplex pairs. Systems above
   :data:`OBJECTIVE_MAX` skip an objective.
5. *Thermodynamic checks and refinement* (``sequences.checks``, ``sequences.refine``): fold every
   strand (MFE), every gate/fuel/helper complex (ensemble defect; big complexes split at nicks)
   and the strand pairs not designed to bind; if a strand or complex fails, mutate its most
   defective domains while no sequence rule gets worse (and, after a polish, its crosstalk
   cost rises by at most ``SearchBudget.refine_crosstalk_budget`` in all), then check again.

The search stops when every rule holds or the budget ends; ``Design.violations`` then lists what
still fails (rule, subject, detail, excess) and ``Design.failures()`` counts it per rule and check.

Times: ``python benchmarks/design.py`` (reduced IRIS ~100 s with the checks on 2 cores).
Crosstalk (issue 11 item 1; every measurement in :mod:`sequences.design.crosstalk_notes`): the
default rules are the low-crosstalk setting (GC 30-43 %, long weak runs <= 5, polish 1,200):
reduced IRIS 0.088 of ordered long pairs below -8 kcal/mol against ~0.12 shuffled (the old rules,
GC 30-60 %, weak <= 3, no polish: 0.27-0.30 against 0.33-0.35), every check passing but the 7
fan-out gates with 270-380-nt strands (A·T self-structure of their single-stranded tails);
systems the checks only sample keep the old rules (``dsd.pipeline.design``). mnist14 with fan-out 8 (197,251 domains,
11.1 Mnt; both crosstalk objectives skipped above OBJECTIVE_MAX): design ~42 s, sampled checks
~50 s, ~2.5 min in all with refinement and re-check, 1.2 GB peak memory.
"""

from __future__ import annotations

import math
import time
from collections import Counter

import numpy as np

from dsd.domains import DomainSystem
from sequences.checks import CheckOptions, checked_subjects, folding_rows, run_checks
from sequences.codes import BASES, THREE_LETTER, decode, encode
from sequences.crosstalk import NNModel, ViennaDuplex
from sequences.design.budget import SearchBudget
from sequences.design.drawing import Drawer, kmer_k_safe, sample_domains  # noqa: F401 (kmer_k_safe: public here)
from sequences.design.exchange import clear_toehold_pairs
from sequences.design.local import local_search, total
from sequences.design.pool import ToeholdPool, make_toehold_pool, toehold_dG
from sequences.design.result import Design
from sequences.occlusion import free_strands
from sequences.refine import FOLD_DRAWS, refine
from sequences.rules import (
    KIND_CODE,
    TOEHOLD,
    Crosstalk,
    DomainTable,
    GCWindow,
    JunctionRun,
    MaxRun,
    Rule,
    SequenceRules,
    ThreeLetterCode,
    ToeholdCopies,
    ToeholdEnergy,
    ToeholdReuse,
    UniqueKmers,
    admissible_kmers,
    choose_kmer_k,
    kmer_demand,
    validate_system,
)
from sequences.rules.crosstalk import ViennaCrosstalk
from sequences.rules.nicks import NickOverlap, toeholds_before_nicks
from sequences.thermo import ThermoBackend, get_backend
from sequences.thermo.base import na_equivalent_M


def build_rules(rules: SequenceRules, pools: dict[tuple[int, str], ToeholdPool], k: int,
                energy, max_uses: dict[int, int]) -> list[Rule]:
    targets = {length: pool.target_kcal for (length, _), pool in pools.items()}
    toehold = ToeholdEnergy(targets, rules.toehold_dG_tolerance_kcal, energy)
    for pool in pools.values():
        toehold.cache.update({decode(c): float(g) for c, g in zip(pool.codes, pool.dG_kcal)})
    return [
        ThreeLetterCode(rules.three_letter_kinds),
        MaxRun(rules.max_run_nt, rules.max_weak_run_nt, long_weak_run_nt=rules.long_weak_run_nt,
               long_kinds=rules.gc_kinds),
        GCWindow(rules),
        toehold,
        ToeholdReuse(max_uses),
        JunctionRun(rules.max_run_nt, rules.max_weak_run_nt),
        UniqueKmers(k),
    ]


#: Above this many single strands (toehold_copy) or long/history domains (crosstalk, an n x n
#: matrix) an objective is left out and only the checks measure it (mnist14 scale).
OBJECTIVE_MAX = 3000
#: The polish's hinge sits this much below the estimate's (-7.5 with the default -7 kcal/mol): ViennaRNA's
#: energies need no allowance for the estimate's spread, only a margin above the -8 the checks count.
POLISH_MARGIN_KCAL = 0.5
#: The polish's cost of one pair stops growing this far below the hinge (kcal/mol): what the
#: checks count is how many pairs are below -8, so a pair at -12 is worth no more effort than one
#: at -9 (measured on reduced IRIS, 6 C of 15, 1,200 steps: rate 0.103 uncapped, 0.099 capped at 1).
POLISH_CAP_KCAL = 1.0

#: Rounds of fresh draws for the long domains a local search leaves failing (each followed by
#: another local search): it stops where every single change trades one rule for another.
KICKS = 6
#: Toehold domains per pool sequence up to which ``toehold_copy`` holds on every single strand (reduced
#: IRIS: 60 of 196); above it on the strands of one-strand species (signals, helpers: what the
#: gate-level model binds to exposed toeholds), drawn by counted walks from a passable toehold
#: subset; the strands gates release keep stray copies (``sequences.design.occlusion_notes``).
OCCLUSION_RULE_MAX_LOAD = 0.5


def objective_rules(rules: SequenceRules, backend: ThermoBackend, system: DomainSystem) -> list[Rule]:
    """The objectives of the search: no stray toehold copy in a single strand (``toehold_copy``),
    pairwise ``crosstalk`` of long/history domains (nearest-neighbour estimate at the backend's
    temperature; off when ``rules.crosstalk_cutoff_kcal`` is None) and its ViennaRNA polish
    ``crosstalk_vienna`` (ViennaRNA duplex energies, when ViennaRNA is importable)."""
    free = free_strands(system)
    out: list[Rule] = [ToeholdCopies(free)] if len(free) <= OBJECTIVE_MAX else []
    n_long = sum(d.kind in ("long", "history") for d in system.domains.values())
    if rules.crosstalk_cutoff_kcal is not None and n_long <= OBJECTIVE_MAX:
        model = NNModel.from_vienna(backend.conditions.temperature_C)
        out.append(Crosstalk(model, rules.crosstalk_cutoff_kcal))
        try:
            duplex = ViennaDuplex(backend.conditions.temperature_C, na_equivalent_M(backend.conditions))
        except ImportError:  # no ViennaRNA: the estimate alone
            return out
        out.append(ViennaCrosstalk(model, duplex, rules.crosstalk_cutoff_kcal - POLISH_MARGIN_KCAL,
                                   cap_kcal=POLISH_CAP_KCAL))
    return out


def _rate(G: np.ndarray, threshold_kcal: float) -> float:
    """Fraction of the off-diagonal entries of ``G`` below ``threshold_kcal``."""
    n = len(G)
    return float(np.sum(G < threshold_kcal) - np.sum(np.diag(G) < threshold_kcal)) / (n * (n - 1)) if n > 1 else 0.0


def design_sequences(system: DomainSystem, rules: SequenceRules | None = None, seed: int = 0,
                     backend: ThermoBackend | None = None, *, budget: SearchBudget | None = None,
                     checks=True) -> Design:
    """Design every domain of ``system`` and (unless ``checks`` is False) run the thermodynamic checks.

    Parameters
    ----------
    system : DomainSystem
        Domains and complexes (e.g. from ``dsd.translate.translate``).
    rules : SequenceRules, optional
        Constraint values; DESIGN §5 defaults.
    seed : int
        Seed of the search: the same seed gives the same sequences.
    backend : ThermoBackend, optional
        Thermodynamic model for toehold energies and checks; default ViennaRNA (DNA parameters,
        25 °C, 1 M Na+), chosen over "auto" so a design does not change with what is installed.
    budget : SearchBudget, optional
    checks : bool or sequences.checks.CheckOptions
        True: default check options; False: skip the thermodynamic checks.

    Examples
    --------
    >>> from dsd.domains import Complex, DomainSystem
    >>> s = DomainSystem()
    >>> for name, n, kind in [("t", 6, "toehold"), ("x", 15, "long")]:
    ...     _ = s.add_domain(name, n, kind)
    >>> _ = s.add(Complex("G", "x( + ) t*", "gate"))
    >>> d = design_sequences(s, seed=1, checks=False)
    >>> len(d.sequences["x"]), d.violations
    (15, [])
    """
    t_start = time.perf_counter()
    rules = SequenceRules() if rules is None else rules
    budget = SearchBudget() if budget is None else budget
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    validate_system(system, rules)
    backend = get_backend("viennarna") if backend is None else backend
    rng = np.random.default_rng(int(seed))

    table = DomainTable(system)
    three = {KIND_CODE[k] for k in rules.three_letter_kinds}
    alphabets = [THREE_LETTER if int(kd) in three else BASES for kd in table.kind]
    fixed = rules.fixed_upper()
    for name, seq in fixed.items():
        i = table.index[name]
        table.set(i, encode(seq))
        table.fixed[i] = True

    # toehold pools and how often one toehold sequence may serve
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    toe_ids = np.flatnonzero(table.kind == TOEHOLD)
    pools: dict[tuple[int, str], ToeholdPool] = {}
    for key in sorted({(int(table.length[i]), alphabets[i]) for i in toe_ids.tolist()}):
        pools[key] = make_toehold_pool(key[0], key[1], rules, backend, rng)
    max_uses: dict[int, int] = {}
    for (length, _), pool in pools.items():
        n = int(np.sum(table.length[toe_ids] == length))
        max_uses[length] = max(1, math.ceil(n / len(pool.codes)))
    timings["toehold_pool_s"] = time.perf_counter() - t0

    # k of the unique-k-mer rule
    kmer_alphabet = THREE_LETTER if all(a == THREE_LETTER for a in alphabets) else BASES
    k = rules.kmer_k or choose_kmer_k(table.length.tolist(), kmer_alphabet, rules.kmer_min_k, rules.kmer_max_load,
                                      rules.max_run_nt, rules.max_weak_run_nt)
    space = admissible_kmers(k, kmer_alphabet, rules.max_run_nt, rules.max_weak_run_nt)
    rule_set = build_rules(rules, pools, k, lambda s: toehold_dG(backend, s), max_uses)
    # toehold occlusion as a rule (screened drawing) while the toeholds use at most
    # OCCLUSION_RULE_MAX_LOAD of their pool; else toehold_copy stays an objective (step 4)
    load = max((np.sum(table.length[toe_ids] == n) / len(p.codes) for (n, _), p in pools.items()), default=0.0)
    copies = None
    if len(free_strands(system)) <= OBJECTIVE_MAX:
        # every single strand while the toeholds use at most OCCLUSION_RULE_MAX_LOAD of their pool
        # (always with rules.occlusion_strands "all"); above it, the strands of one-strand species
        # (signals, helpers: what the gate-level model binds to the toeholds gates expose, helpers
        # at 10x their gate) and the objective for the rest
        held = free_strands(system)
        if load > OCCLUSION_RULE_MAX_LOAD and rules.occlusion_strands == "auto":
            single = {c.strands[0] for c in system.complexes if len(c.strands) == 1}
            held = [f for f in held if tuple(f.domains) in single]
        if held:
            copies = ToeholdCopies(held, as_rule=True)
            rule_set.append(copies)
    for r in rule_set:
        r.bind(table)

    # 1. constructive generation (long/history domains screened against stray toehold windows)
    t0 = time.perf_counter()
    nicks = None
    also = [r for r in rule_set if isinstance(r, JunctionRun)]
    if copies is not None and rules.occlusion_strands == "all":  # short starts: steer apart what meets at nicks
        nicks = NickOverlap(system)
        nicks.bind(table)
        also.append(nicks)
    drawer = Drawer(table, rules, pools, alphabets, rng, max_uses, screen=copies, also=also, kmer_k=k)
    if nicks is not None:
        drawer.start_weight = toeholds_before_nicks(table, nicks)
    free = ~table.fixed
    drawer.deal_toeholds(np.flatnonzero(free & (table.kind == TOEHOLD)))
    if drawer.passable and drawer.exchange_moves:  # toehold|toehold junctions: only exchanges clear them
        clear_toehold_pairs(table, drawer, rules)
    drawer.redraw(np.flatnonzero(free & (table.kind != TOEHOLD)))
    timings["construct_s"] = time.perf_counter() - t0

    # 2. vectorised repair rounds
    t0 = time.perf_counter()
    rounds, redrawn, best, stale = 0, 0, math.inf, 0
    deadline = t_start + budget.seconds
    for rounds in range(1, budget.repair_rounds + 1):
        blamed = np.zeros(len(table), dtype=bool)
        for r in rule_set:
            blamed |= r.blame(table)
        blamed &= ~table.fixed
        n_blamed = int(blamed.sum())
        if n_blamed == 0 or time.perf_counter() > deadline:
            rounds -= 1
            break
        if n_blamed < best:
            best, stale = n_blamed, 0
        else:
            stale += 1
            if stale >= 5:  # not converging by redraws alone: the local search takes over
                break
        drawer.redraw(np.flatnonzero(blamed))
        redrawn += n_blamed
    timings["repair_s"] = time.perf_counter() - t0

    # 3. local search on what is left (rules first), then on the objectives (crosstalk) while every
    # rule keeps holding
    t0 = time.perf_counter()
    objectives = [o for o in objective_rules(rules, backend, system) if copies is None or o.name != copies.name]
    for r in objectives:
        r.bind(table)
    steps, accepted = local_search(table, rule_set, [], drawer, budget, deadline)
    if total(rule_set, table)[~table.fixed].sum() > 0:
        # violations left: a second pass whose proposals mostly swap two bases (a point change at a
        # domain whose GC count sits at the window's edge, e.g. a junction run next to a toehold with
        # 6 C of 15 and GC <= 43 %, breaks the window; a swap keeps it)
        more, more_accepted = local_search(table, rule_set, [], drawer, budget, deadline, swap=True)
        steps, accepted = steps + more, accepted + more_accepted
    for _ in range(KICKS):  # still stuck: fresh draws of the long domains left failing, then again
        bad = np.flatnonzero((total(rule_set, table) > 0) & ~table.fixed & (table.kind != TOEHOLD))
        if not len(bad) or time.perf_counter() > deadline:
            break
        drawer.redraw(bad)
        # a domain whose neighbours leave it one clean sequence or few keeps it; the domains that
        # share a k-mer with it are drawn again instead (r40g0 between u_F34 and t_I1_3n: 1 of 3^12)
        kmers = next(r for r in rule_set if isinstance(r, UniqueKmers))
        drawn = set(bad.tolist())
        holders = [{table.index[n] for n in v.subject.split(",")} for v in kmers.violations(table)]
        others = set().union(*(h for h in holders if h & drawn)) - drawn
        others = [j for j in sorted(others) if not table.fixed[j] and table.kind[j] != TOEHOLD]
        if others:
            drawer.redraw(np.array(others, dtype=np.int64))
        more, more_accepted = local_search(table, rule_set, [], drawer, budget, deadline, swap=True)
        steps, accepted = steps + more, accepted + more_accepted
    timings["local_search_s"] = time.perf_counter() - t0
    obj_steps = obj_accepted = 0
    polish: dict[str, float] = {}
    for n_obj, objective in enumerate(objectives):  # each in turn; those before it act as rules
        t0 = time.perf_counter()
        replaces = getattr(objective, "replaces", None)  # the polish is not held to the estimate it corrects
        keep = [o for o in objectives[:n_obj] if o.name != replaces]
        seconds, max_steps = ((budget.polish_seconds, budget.polish_steps) if replaces else
                              (budget.objective_seconds, budget.objective_steps))
        if objective.name == "crosstalk" and budget.estimate_steps is not None:
            max_steps = budget.estimate_steps
        obj_deadline = min(deadline, time.perf_counter() + seconds)
        n, a = (local_search(table, rule_set, [objective], drawer, budget, obj_deadline, keep=keep,
                              max_steps=max_steps, draws=budget.objective_draws if replaces else 1)
                if max_steps else (0, 0))
        obj_steps, obj_accepted = obj_steps + n, obj_accepted + a
        timings[f"objective_{objective.name}_s"] = time.perf_counter() - t0
        if isinstance(objective, ViennaCrosstalk) and n:
            polish = {"steps": n, "accepted": a, "duplexfold_calls": objective.duplex.calls,
                      "rate_below_-8": _rate(objective.G, rules.spurious_min_kcal)}

    violations = [v for r in rule_set for v in r.violations(table)]
    participating = [int(n) for n in table.length]
    stats = {
        "domains": len(table),
        "domain_nt": int(table.length.sum()),
        "strands": len(table.strands),
        "kmer_k": k,
        "kmer_load": kmer_demand(participating, k) / space,
        "kmer_space": space,
        "toehold_pools": {f"{length}nt_{alphabet}": {"sequences": len(p.codes), "candidates": p.candidates,
                                                      "target_kcal": round(p.target_kcal, 3),
                                                      "max_uses": max_uses[length]}
                          for (length, alphabet), p in pools.items()},
        "repair_rounds": rounds,
        "redrawn": redrawn,
        "local_steps": steps,
        "local_accepted": accepted,
        "objective_steps": obj_steps,
        "objective_accepted": obj_accepted,
        "budget_exhausted": bool(violations) and (steps >= budget.local_steps or time.perf_counter() >= deadline),
        "violations_by_rule": dict(Counter(v.rule for v in violations)),
        "timings_s": timings,
    }
    if polish:
        stats["crosstalk_polish"] = polish
    design = Design(system, rules, int(seed), backend.name, table.sequences(), k, violations, [], stats)
    design.toehold_dG = {table.names[i]: rule_set[3].dG(table.sequence(i)) for i in toe_ids.tolist()}
    timings["design_s"] = time.perf_counter() - t_start
    if checks is not False:
        t0 = time.perf_counter()
        options = CheckOptions() if checks is True else checks
        # the folding checks first: the refinement repairs what they fail; the whole table (with the
        # exhaustive spurious screen) runs once, on the final sequences
        folding = folding_rows(design, backend, options, seed=int(seed))
        failing = {c.subject.split(" (")[0] for c in folding
                   if c.check in ("complex_defect", "strand_mfe") and not c.passed and not c.subject.startswith("sampled")}
        sampled = any(c.subject.startswith("sampled") for c in folding)  # refined: report another sample
        if failing and budget.refine_steps > 0:  # also with rule violations left: no step raises one
            t_refine = time.perf_counter()
            polish_keep = [o for o in objectives if isinstance(o, ViennaCrosstalk)
                           and budget.polish_steps and budget.refine_holds_crosstalk]
            for r in rule_set + polish_keep:
                r.start_incremental(table)
            strands_c, _, complexes_c, _ = checked_subjects(design, options, int(seed))
            stats["refine"] = refine(
                table, rule_set, drawer, complexes_c, strands_c, failing, backend=backend,
                defect_max=rules.complex_defect_max, mfe_min_kcal=rules.strand_mfe_min_kcal,
                piece_nt=options.piece_nt, piece_strands=options.piece_strands, max_steps=budget.refine_steps,
                deadline=time.perf_counter() + budget.refine_seconds, rng=rng, keep=polish_keep,
                keep_budget=budget.refine_keep_budget(len(polish_keep[0].ids), polish["rate_below_-8"],
                                                      rules.crosstalk_max_rate) if polish_keep and polish else None,
                toehold_moves=copies is not None, fold_draws=FOLD_DRAWS if rules.occlusion_strands == "all" else 1)
            timings["refine_s"] = time.perf_counter() - t_refine
            if stats["refine"]["accepted"]:
                design.sequences = table.sequences()
                design.toehold_dG = {table.names[i]: rule_set[3].dG(table.sequence(i)) for i in toe_ids.tolist()}
                design.violations = [v for r in rule_set for v in r.violations(table)]
                stats["violations_by_rule"] = dict(Counter(v.rule for v in design.violations))
                folding = folding_rows(design, backend, options, seed=int(seed) + 1_000_003 * sampled)
        design.checks = run_checks(design, backend, options, seed=int(seed), folding=folding)
        timings["checks_s"] = time.perf_counter() - t0 - timings.get("refine_s", 0.0)
    timings["total_s"] = time.perf_counter() - t_start
    return design
