"""Verification of a translated system against its formal CRN: Peppercorn enumerates what the
strands do; crnverifier checks CRN bisimulation, one module per distinct reaction *shape*.

Two reactions have the same shape when renaming species maps one onto the other (same number of
reactants, same product multiplicities, same reuse of species); the scheme's gates for them are
then identical up to domain names, so one verified module covers every reaction of its shape.

In a module, fuels, gates and helpers are in excess and drop out of the implementation CRN. A
signal strand (whatever ``scheme.species_of_strands`` recognises as X, any history) is interpreted
as the formal species X; a complex that no implementation reaction consumes and that is not a
signal is waste (interpreted as nothing), so a gate cannot hide a missing product in its waste. Everything else (intermediates)
is left to the bisimulation search.

Before any of that, :func:`check_coverage` makes sure a system has every reaction's gates and
every starting species' signal at all (a file cut short must not pass as a smaller circuit).
:func:`verify_pil` does all of it on a PIL file read once as a stream, comparing each reaction's
complexes with its shape's template as it reads them (for networks of a million strands).

The module checks are independent tasks run by :func:`crn.tasks.run_tasks`: in this process by default
(``compute=None``), or on a local Dask cluster or a Dask scheduler (``compute=Compute(workers=N)`` /
``Compute(scheduler=...)``; ``dsd verify --workers/--scheduler``). A result does not depend on where it ran.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from crn.model import CRN, Reaction
from crn.tasks import Compute, run_tasks
from dsd.domains import Complex, Domain, DomainSystem, parse_kernel
from dsd.pil import format_pil
from dsd.translate import GateTemplates, shape_of, starting_species, translate  # noqa: F401 (shape_of: API)


@dataclass(frozen=True)
class ModuleResult:
    shape: str  # the generic reaction, e.g. "A + B -> C + 2 D"
    reactions: tuple[int, ...]  # indices of the CRN's reactions of this shape
    passed: bool
    seconds: float
    detail: str  # the interpretation found, or why it failed


def _text(r: Reaction) -> str:
    side = lambda xs: " + ".join(s if n == 1 else f"{n} {s}" for s, n in xs) or "0"  # noqa: E731
    return f"{side(r.reactants)} -> {side(r.products)}"


K_SLOW = 0.1
"""Peppercorn's ``k_slow`` (/s) used here: unimolecular steps slower than this are not enumerated.

Without it, a translator releasing several copies of one species (``A -> 6 B + ...``) carries the
same toehold ``t_B`` several times and Peppercorn enumerates every remote, mis-registered
intramolecular toehold pairing among them (6 s for ``A -> 8 B``, minutes for IRIS's fan-outs).
Those pairings are slower than 0.1 /s in Peppercorn's own rate model and cannot displace anything
(the neighbouring domains do not match), so leaving them out changes no condensed reaction;
``A -> 8 B`` then takes 0.2 s. 0.1 /s also sets the release cutoff so that 6-nt toeholds open;
:func:`enumerate_system` scales the energy per base pair for longer toeholds (a 7-nt toehold opens at
~0.006 /s in Peppercorn's default model, so a bound input would otherwise never leave a gate it
cannot displace and every shape would fail bisimulation; measured: 0/11 shapes of IRIS with 7-nt
toeholds). Designed 7-nt A/C/T toeholds are -7.7 kcal/mol (-1.1 per bp), weaker than the default's -1.7.
"""


#: Peppercorn's default free energy per base pair (kcal/mol) of its opening-rate model.
PEPPERCORN_DG_BP = -1.7


def enumerate_system(system: DomainSystem, excess_nM: float = 100.0, k_slow: float = K_SLOW):
    """Peppercorn's condensed reactions of ``system`` (fuels at ``excess_nM``, signals at 1 nM).

    Returns (reactions as (reactants, products) name lists, {name: representative complex})."""
    from peppercornenumerator import enumerate_pil
    from peppercornenumerator.objects import clear_memory

    present = [c.__class__(c.name, c.kernel, c.role, c.conc_nM or (1.0 if c.role == "signal" else excess_nM))
               for c in system.complexes]
    text = format_pil(DomainSystem(system.domains, present, system.species_of))
    max_strands = max(len(c.strands) for c in system.complexes)
    # toeholds are designed to be reversible: a toehold longer than 6 nt gets Peppercorn's per-base-
    # pair energy scaled so that it opens as a 6-nt one does in the default model (dG_bp before k_slow:
    # the k_slow setter derives the release cutoff from it; Peppercorn sets attributes in the order given)
    toehold_nt = max((d.length for d in system.domains.values() if d.kind == "toehold"), default=0)
    dG_bp = PEPPERCORN_DG_BP * min(1.0, 6 / toehold_nt) if toehold_nt else PEPPERCORN_DG_BP
    clear_memory()  # Peppercorn keeps global registries of domains/complexes: isolate systems
    try:
        enum, _ = enumerate_pil(text, detailed=False, condensed=True, max_complex_size=max_strands + 2,
                               dG_bp=dG_bp, k_slow=k_slow)
        complexes = {str(m): m.representative for m in enum.resting_macrostates}
        # Peppercorn names the complexes it finds in enumeration order, which follows Python's
        # hash seed: rename them by their kernel so that a verification reads the same every run
        given = {c.name for c in present}
        found = sorted((n for n in complexes if n not in given), key=lambda n: str(complexes[n].canonical_form))
        rename = {n: f"e{k + 1}" for k, n in enumerate(found)}
        complexes = {rename.get(n, n): cx for n, cx in complexes.items()}
        reactions = [([rename.get(str(x), str(x)) for x in r.reactants], [rename.get(str(x), str(x)) for x in r.products])
                     for r in enum.condensed_reactions]
    finally:
        clear_memory()
    return reactions, complexes


def verify_reaction(reaction: Reaction, scheme, k_slow: float = K_SLOW, gates: list[Complex] | None = None,
                    domains: dict | None = None) -> ModuleResult:
    """Check CRN bisimulation between ``reaction`` and its gates, with a free signal strand per
    reactant. The gates are the scheme's for the reaction's shape, or ``gates`` (complexes read
    from a system, with their ``domains``) for ``reaction`` itself."""
    from crnverifier import crn_bisimulation_test

    start = time.perf_counter()
    if gates is None:
        generic = shape_of(reaction)
        system = DomainSystem()
        for s, _ in generic.reactants:
            scheme.signal(system, s)
        fuels = {c.name for c in scheme.gates(system, generic, 0)}
    else:
        generic = reaction
        domains = domains or {}
        used = {d.rstrip("*") for cx in gates for strand in cx.strands for d in strand}
        system = DomainSystem(domains={d: domains[d] for d in used if d in domains})
        for s, _ in generic.reactants:
            scheme.signal(system, s)
        for cx in gates:
            system.add(cx)
        fuels = {c.name for c in gates}
    reactions, complexes = enumerate_system(system, k_slow=k_slow)
    icrn = []
    for reactants, products in reactions:
        r = [x for x in reactants if x not in fuels]
        p = [x for x in products if x not in fuels]
        if sorted(r) != sorted(p):
            icrn.append([r, p])
    consumed = {x for r, _ in icrn for x in r}
    formal = {s for s, _ in generic.reactants + generic.products}
    interpretation: dict[str, list[str]] = {}
    for name, cx in complexes.items():
        if name in fuels:
            continue
        strands = [tuple(str(d) for d in s) for s in cx.strand_table]
        species = scheme.species_of_strands(strands)
        if species is not None and species in formal:
            interpretation[name] = [species]
        elif name not in consumed:
            interpretation[name] = []
    fcrn = [[[s for s, n in generic.reactants for _ in range(n)], [s for s, n in generic.products for _ in range(n)]]]
    passed, bisim = crn_bisimulation_test(fcrn, icrn, formals=formal, interpretation=interpretation)
    # the search's interpretation of intermediates is one of several valid ones, and which one
    # crnverifier finds follows Python's hash seed: record only what was pinned, and how many
    # intermediates the search interpreted, so that verification.json reads the same every run
    searched = sorted(set(bisim or {}) - set(interpretation)) if passed else []
    detail = (f"interpretation {dict(sorted(interpretation.items()))}; {len(searched)} intermediates "
              f"({', '.join(searched)}) interpreted by the bisimulation search" if passed
              else f"no CRN bisimulation between {_text(generic)} and the enumerated gates {icrn}")
    return ModuleResult(_text(shape_of(reaction)), (), bool(passed), time.perf_counter() - start, detail)


def verify_crn(crn: CRN, scheme, k_slow: float = K_SLOW, compute: Compute | None = None) -> list[ModuleResult]:
    """One module check per distinct reaction shape of ``crn``; each result lists the reactions
    (indices) it covers. ``compute`` says where the checks run (:func:`crn.tasks.run_tasks`; default
    in this process, one after the other)."""
    by_shape: dict[Reaction, list[int]] = {}
    for i, r in enumerate(crn.reactions):
        by_shape.setdefault(shape_of(r), []).append(i)
    jobs = [(crn.reactions[indices[0]], None, None) for indices in by_shape.values()]
    return _run_modules(jobs, list(by_shape.values()), scheme, k_slow, compute)


_PEPPERCORN = threading.Lock()
"""Peppercorn keeps global registries (:func:`enumerate_system` clears them around each module): a
Dask worker running several tasks in threads checks one module at a time."""


def _one_module(job, scheme, k_slow: float) -> ModuleResult:
    reaction, gates, domains = job
    with _PEPPERCORN:
        return verify_reaction(reaction, scheme, k_slow, gates=gates, domains=domains)


def _run_modules(jobs, covers, scheme, k_slow, compute: Compute | None) -> list[ModuleResult]:
    """Run the module checks where ``compute`` says (:func:`crn.tasks.run_tasks`: in this process by
    default, or on Dask workers, each process with its own Peppercorn registry); results in job order."""
    import gc

    # Peppercorn collects garbage after each module: with a large system loaded, a full collection
    # walks every one of its objects each time. Those live on, so take them out of the collector's view
    gc.collect()
    gc.freeze()
    try:
        results = run_tasks(_one_module, jobs, args=(scheme, k_slow), compute=compute, label="verifying shapes")
    finally:
        gc.unfreeze()
    return [ModuleResult(r.shape, tuple(c), r.passed, r.seconds, r.detail) for r, c in zip(results, covers)]


def verify_system(system: DomainSystem, crn: CRN, scheme, k_slow: float = K_SLOW,
                  compute: Compute | None = None) -> list[ModuleResult]:
    """Verify a system read from a file against the formal ``crn`` it claims to implement.

    Every formal reaction must have exactly the complexes the scheme makes for it (same kernels
    and roles, so reactions of one shape are isomorphic); a reaction whose gates differ is a
    failed result naming it. Then one bisimulation check per shape runs on the file's own gates
    of the shape's first reaction."""
    from dsd.kinetics import order_reactants

    crn = order_reactants(crn)  # the gates were made for this order (dsd.translate.translate)
    results: list[ModuleResult] = []
    of_reaction: dict[int, list[Complex]] = {}
    for cx in system.complexes:
        if cx.name in system.reaction_of:
            of_reaction.setdefault(system.reaction_of[cx.name], []).append(cx)
    extra = sorted(set(of_reaction) - set(range(len(crn.reactions))))
    if extra:
        names = [c.name for c in of_reaction[extra[0]]]
        results.append(ModuleResult("?", tuple(extra), False, 0.0,
                                    f"complexes {names} belong to reaction {extra[0]}, which the CRN does not have"))
    by_shape: dict[Reaction, list[int]] = {}
    for i, _, made, _ in GateTemplates(scheme).expand(crn.reactions):
        r = crn.reactions[i]
        expected = set(made)
        found = {(c.name, c.kernel, c.role) for c in of_reaction.get(i, [])}
        if expected != found:
            diff = sorted(expected ^ found)[0]
            what = "missing" if diff in expected else "unexpected"
            results.append(ModuleResult(_text(shape_of(r)), (i,), False, 0.0,
                                        f"reaction {i} ({_text(r)}): {what} complex {diff[0]} = {diff[1]}"))
            continue
        by_shape.setdefault(shape_of(r), []).append(i)
    covers = list(by_shape.values())
    jobs = []
    for indices in covers:
        gates = of_reaction[indices[0]]
        used = {d.rstrip("*") for cx in gates for strand in cx.strands for d in strand}
        jobs.append((crn.reactions[indices[0]], gates, {d: system.domains[d] for d in used if d in system.domains}))
    return results + _run_modules(jobs, covers, scheme, k_slow, compute)


def verification_report(results) -> dict:
    return {
        "passed": all(r.passed for r in results),
        "shapes": len(results),
        "reactions": sum(len(r.reactions) for r in results),
        "seconds": sum(r.seconds for r in results),
        "modules": [{"shape": r.shape, "reactions": list(r.reactions), "passed": r.passed,
                     "seconds": round(r.seconds, 3), "detail": r.detail} for r in results],
    }


class CoverageError(ValueError):
    """A system that lacks gates or signals of the CRN it claims to implement (one-line message)."""


def _first(names, k: int = 4) -> str:
    names = list(names)
    return ", ".join(names[:k]) + (", ..." if len(names) > k else "")


def coverage_problems(system: DomainSystem, crn: CRN, scheme) -> list[str]:
    """What ``system`` lacks to implement ``crn`` under ``scheme``: one short phrase per kind of
    gap (first few names and a count), empty when nothing is missing.

    The expectation is the scheme's own translation of ``crn``: reaction ``i`` needs the complexes
    ``translate(crn, scheme)`` makes for it (by name, e.g. ``G_r0``, ``T_r0``, found in
    ``system.reaction_of``), and every species that starts in the tube (inputs, initial
    concentrations) needs a signal complex the scheme recognises as it (``system.species_of``).
    Complexes of reactions the CRN does not have, and signals of species it does not have, are
    gaps too. Kernels are not compared here: :func:`verify_system` does that.

    >>> from crn.textformat import parse_crn
    >>> from dsd.schemes import make_scheme
    >>> crn = parse_crn("input X = Xp - Xn\\noutput Y = Yp - Yn\\nXp -> Yp\\nXn -> Yn\\n")
    >>> system = translate(crn, make_scheme())
    >>> coverage_problems(system, crn, make_scheme())
    []
    >>> system.complexes = [c for c in system.complexes if not c.name.endswith("_r1")]
    >>> coverage_problems(system, crn, make_scheme())
    ['1 of 2 reactions lack gate complexes (2 missing: G_r1, T_r1)']
    """
    from dsd.kinetics import order_reactants

    have = {c.name for c in system.complexes}
    problems = []
    missing: list[str] = []
    reactions: set[int] = set()
    for i, _, made, _ in GateTemplates(scheme).expand(order_reactants(crn).reactions):
        for name, _, _ in made:
            if name not in have or system.reaction_of.get(name) is None:
                missing.append(name)
                reactions.add(i)
    if missing:
        problems.append(f"{len(reactions)} of {len(crn.reactions)} reactions lack gate complexes "
                        f"({len(missing)} missing: {_first(missing)})")
    present = {system.species_of[c.name] for c in system.complexes if c.name in system.species_of}
    starting = starting_species(crn)
    unsignalled = [s for s in starting if s not in present]
    if unsignalled:
        problems.append(f"{len(unsignalled)} of {len(starting)} starting species lack a signal strand "
                        f"({_first(unsignalled)})")
    extra = sorted({n for n, i in system.reaction_of.items() if n in have and not 0 <= i < len(crn.reactions)})
    if extra:
        problems.append(f"{len(extra)} complexes belong to reactions the CRN does not have ({_first(extra)})")
    foreign = sorted(present - set(crn.species))
    if foreign:
        problems.append(f"signal strands of {len(foreign)} species the CRN does not have ({_first(foreign)})")
    return problems


def check_coverage(system: DomainSystem, crn: CRN, scheme, *, source: str = "the system",
                   truncation: str | None = None) -> None:
    """Raise :class:`CoverageError` (one line naming ``source`` and what is missing) unless
    :func:`coverage_problems` finds nothing and ``truncation`` (see :attr:`dsd.pil.PILFile.truncation`)
    is None. Call it before simulating or verifying a system read from a file, so that a file cut
    short never passes as a smaller circuit."""
    _refuse(source, coverage_problems(system, crn, scheme), truncation)


def _refuse(source: str, problems: list[str], truncation: str | None) -> None:
    if truncation:
        raise CoverageError(f"{source} is truncated ({truncation})" + (": " + "; ".join(problems) if problems else ""))
    if problems:
        raise CoverageError(f"{source} does not implement its CRN: " + "; ".join(problems))


def verify_pil(path, crn: CRN, scheme: str | None = None, k_slow: float = K_SLOW,
               compute: Compute | None = None) -> tuple[object, list[ModuleResult]]:
    """(scheme, results): :func:`check_coverage` and :func:`verify_system` on a PIL file read once
    as a stream, without loading it as a DomainSystem (a network of a million strands stays small).

    Each complex of a gate, fuel or helper of reaction ``i`` is compared, as it is read, with the
    complex the scheme's template makes for ``i`` (:class:`dsd.translate.GateTemplates`), and each
    domain it uses with the domain the scheme makes (length and kind); only the domains are kept.
    Gaps (missing gates, signals, a truncated file) are a :class:`CoverageError` as from
    :func:`check_coverage`; a reaction whose complexes or domains differ is a failed result naming
    it; one bisimulation check per shape runs on the gates of its first matching reaction, which
    are then exactly the template's."""
    from crn.bulk import paused_gc

    with paused_gc():  # the stream keeps a million domain names: no collection passes over them
        sch, results, jobs, covers = _stream_pil(path, crn, scheme)
    return sch, results + _run_modules(jobs, covers, sch, k_slow, compute)


def _stream_pil(path, crn: CRN, scheme: str | None):
    """:func:`verify_pil` up to the module checks: (scheme, failed results, module jobs, their reactions)."""
    from dsd.kinetics import order_reactants
    from dsd.domains import KINDS, ROLES
    from dsd.pil import PILSyntaxError, _truncation, open_pil, pil_records, reaction_of_name

    source = str(path)
    _, sch, cut, lines = open_pil(path, scheme)
    crn = order_reactants(crn)
    n = len(crn.reactions)
    templates = GateTemplates(sch)
    expected = templates.expand(crn.reactions)
    pending: dict[str, tuple[int, str, str]] = {}  # complex name -> (reaction, kernel, role) not yet read
    domains_of: dict[int, list] = {}  # reaction -> its expected domains, until its complexes are read
    expanded = -1
    kinds = {kind: k for k, kind in enumerate(KINDS)}
    file_domains: dict[str, int] = {}  # name -> 4 * nt + its kind's index in KINDS
    declared: dict[str, int] = {}
    found = {"domains": 0, "complexes": 0}
    failed: dict[int, str] = {}
    extra: list[str] = []
    present: set[str] = set()
    for no, what, *fields in pil_records(lines, source):
        if what == "domain":
            found["domains"] += 1
            d_name, nt, kind = fields
            code = kinds.get(kind)
            index = -1 if code is None else 4 * nt + code
            old = file_domains.setdefault(d_name, index)
            if old != index or code is None or not (d_name.isascii() and d_name.isidentifier() and nt >= 1):
                try:
                    Domain(d_name, nt, kind)  # the ValueError naming what is wrong
                    raise ValueError(f"domain {d_name} defined twice, differently")
                except ValueError as exc:
                    raise PILSyntaxError(f"{source}:{no}: {exc}") from None
            continue
        if what == "declared":
            declared[fields[0]] = fields[1]
            continue
        if what != "complex":
            continue
        found["complexes"] += 1
        name, kernel, nM, role = fields
        i = reaction_of_name(name, role) if role is not None else None
        if i is None:  # signals and the like (few): read as read_pil reads them
            try:
                strands = parse_kernel(kernel)
                # (not ``set - file_domains.keys()``: that walks every domain read so far, each time)
                unknown = {b for x in strands for d in x if (b := d.rstrip("*")) not in file_domains}
                if unknown:
                    raise ValueError(f"complex {name} uses undefined domains {sorted(unknown)}")
                species = sch.species_of_strands([list(x) for x in strands])
                role = role or ("signal" if species is not None else "fuel")
                if role not in ROLES or nM < 0:
                    Complex(name, kernel, role, nM)  # the ValueError naming what is wrong
            except ValueError as exc:
                raise PILSyntaxError(f"{source}:{no}: {exc}") from None
            if role == "signal" and species is not None:
                present.add(species)
            i = reaction_of_name(name, role)
            if i is None:
                continue
        if not 0 <= i < n:
            extra.append(name)
            continue
        while expanded < i:  # expand the CRN up to reaction i (a file in reaction order keeps little pending)
            expanded, doms, made, _ = next(expected)
            domains_of[expanded] = doms
            for c_name, c_kernel, c_role in made:
                pending[c_name] = (expanded, c_kernel, c_role)
        want = pending.pop(name, None)
        if want is None or want[0] != i:
            failed.setdefault(i, f"reaction {i} ({_text(crn.reactions[i])}): unexpected complex {name} = {kernel}")
        elif (kernel, role) != want[1:]:
            failed.setdefault(i, f"reaction {i} ({_text(crn.reactions[i])}): complex {name} = {kernel} ({role}) is "
                                 f"not the scheme's {want[1]} ({want[2]})")
        doms = domains_of.pop(i, None)
        for d_name, nt, kind in doms or ():
            if file_domains.get(d_name) != 4 * nt + kinds[kind]:
                failed.setdefault(i, f"reaction {i} ({_text(crn.reactions[i])}): domain {d_name} is not defined as "
                                     f"the scheme's {kind} domain of {nt} nt")
                break
    for expanded, _, made, _ in expected:
        for c_name, c_kernel, c_role in made:
            pending[c_name] = (expanded, c_kernel, c_role)
    problems = []
    if pending:
        missing = sorted(pending, key=lambda c: pending[c][0])
        problems.append(f"{len({r for r, _, _ in pending.values()})} of {n} reactions lack gate complexes "
                        f"({len(missing)} missing: {_first(missing)})")
    starting = starting_species(crn)
    unsignalled = [s for s in starting if s not in present]
    if unsignalled:
        problems.append(f"{len(unsignalled)} of {len(starting)} starting species lack a signal strand "
                        f"({_first(unsignalled)})")
    if extra:
        problems.append(f"{len(extra)} complexes belong to reactions the CRN does not have ({_first(sorted(extra))})")
    foreign = sorted(present - set(crn.species))
    if foreign:
        problems.append(f"signal strands of {len(foreign)} species the CRN does not have ({_first(foreign)})")
    _refuse(source, problems, _truncation(declared, found, cut))
    results = [ModuleResult(_text(shape_of(crn.reactions[i])), (i,), False, 0.0, why) for i, why in sorted(failed.items())]
    by_shape: dict[Reaction, list[int]] = {}
    for i, r in enumerate(crn.reactions):
        if i not in failed:
            by_shape.setdefault(shape_of(r), []).append(i)
    covers = list(by_shape.values())
    jobs = []
    for indices in covers:
        i = indices[0]
        (_, doms, made, _), = templates.expand_one(crn.reactions[i], i)
        gates = [Complex(c_name, c_kernel, c_role) for c_name, c_kernel, c_role in made]
        jobs.append((crn.reactions[i], gates, {d: Domain(d, nt, kind) for d, nt, kind in doms}))
    return sch, results, jobs, covers
