"""``translate(crn, scheme) -> DomainSystem``: every formal reaction becomes gates and fuels.

Concentrations are left at 0 here (sizing assigns them); species with an initial concentration
and the input species get a free signal strand each.

A scheme's gates for a reaction are the same up to names for every reaction of one *shape*
(:func:`shape_of`), which is what lets :mod:`dsd.verify` check one module per shape. Translation
uses it too: :class:`GateTemplates` asks the scheme once per shape, with placeholder species and
index, and makes each reaction's complexes by substituting names into that text (checked
against the scheme's own output on the first and last reaction of each shape; a shape whose
check fails, or that the scheme refuses, is translated by the scheme reaction by reaction).
"""

from __future__ import annotations

import numpy as np

from crn.bulk import paused_gc
from crn.model import CRN, Reaction
from crn.reduce import limit_fanout
from dsd.domains import Complex, Domain, DomainSystem
from dsd.strand_kinds import BIT, kinds_of, see
from dsd.kinetics import order_reactants
from dsd.rates import DEFAULT_HELPER_EXCESS
from dsd.sizing import Sizing, complex_totals, size_reactions, sized_system

DEFAULT_FANOUT_FORM = 4
"""Fan-out limit of the extra CRN form whose counts are reported next to unreduced and reduced."""


def shape_of(reaction: Reaction) -> Reaction:
    """The reaction with species renamed A, B, C, ... in order of first appearance."""
    names: dict[str, str] = {}

    def rename(side):
        return [(names.setdefault(s, _letter(len(names))), n) for s, n in side]

    return Reaction(rename(reaction.reactants), rename(reaction.products))


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"S{i}"


def shape_key(reaction: Reaction) -> tuple[tuple, tuple[str, ...]]:
    """(key, species): reactions with equal keys have the same shape with reactants and products
    in the same order; ``species`` lists the reaction's species in order of first appearance.

    >>> shape_key(Reaction([("X", 1)], [("Y", 2), ("X", 1)]))
    ((((0, 1),), ((1, 2), (0, 1))), ('X', 'Y'))
    """
    names: dict[str, int] = {}
    reactants = tuple([(names.setdefault(s, len(names)), n) for s, n in reaction.reactants])
    products = tuple([(names.setdefault(s, len(names)), n) for s, n in reaction.products])
    return (reactants, products), tuple(names)


_SPECIES = "zQz{}zQz"  # placeholder name of species k in a template (no scheme writes this)
_INDEX = 982451653  # placeholder reaction index in a template


class GateTemplates:
    """The gates of ``scheme`` per reaction shape, as format strings (``{0}``: the reaction index,
    ``{1}``, ``{2}``, ...: its species in order of first appearance).

    :meth:`expand` gives each reaction's domains (name, nt, kind, in the order the scheme adds
    them) and complexes (name, kernel, role), as the scheme's ``gates`` makes them."""

    def __init__(self, scheme):
        self.scheme = scheme
        self._templates: dict[tuple, tuple | None] = {}

    def _build(self, key: tuple) -> tuple | None:
        n = 1 + max((j for side in key for j, _ in side), default=-1)
        species = [_SPECIES.format(k) for k in range(n)]
        reaction = Reaction([(species[j], m) for j, m in key[0]], [(species[j], m) for j, m in key[1]])
        try:
            system = DomainSystem()
            made = self.scheme.gates(system, reaction, _INDEX)
        except ValueError:
            return None  # the scheme refuses this shape: its own call says why, with real names

        def fmt(text: str) -> str:
            text = text.replace("{", "{{").replace("}", "}}").replace(str(_INDEX), "{0}")
            for k in range(n - 1, -1, -1):
                text = text.replace(species[k], "{%d}" % (k + 1))
            return text

        # one format string per shape: a reaction's names, kernels and strands in one str.format call
        domains = list(system.domains.values())
        strands = [s for c in made for s in c.strands]
        text = "\n".join([fmt(d.name) for d in domains] + [fmt(t) for c in made for t in (c.name, c.kernel)]
                         + [fmt(" ".join(s)) for s in strands])
        return (text, len(domains), tuple(d.length for d in domains), tuple(d.kind for d in domains),
                tuple(c.role for c in made), tuple(system.strand_length(s) for s in strands))

    def _direct(self, reaction: Reaction, index: int):
        system = DomainSystem()
        made = self.scheme.gates(system, reaction, index)
        return ([(d.name, d.length, d.kind) for d in system.domains.values()],
                [(c.name, c.kernel, c.role) for c in made],
                [(" ".join(s), system.strand_length(s)) for c in made for s in c.strands])

    def expand(self, reactions: list[Reaction]):
        """Yield (index, domains, complexes, strands) for each reaction, in order: domains as
        (name, nt, kind), complexes as (name, kernel, role), their strands as (domain names joined
        by spaces, nt); the scheme's ValueError for a reaction it cannot translate."""
        keys = [shape_key(r) for r in reactions]
        first: dict[tuple, int] = {}
        last: dict[tuple, int] = {}
        for i, (key, _) in enumerate(keys):
            first.setdefault(key, i)
            last[key] = i
        templates = self._templates
        # a template's text is split on newlines: a species name with one in it (no CRN file can
        # have one) is translated by the scheme directly
        lines = any("\n" in s for s in {s for _, species in keys for s in species})
        for i, (key, species) in enumerate(keys):
            if key not in templates:
                templates[key] = None if lines else self._build(key)
            template = templates[key]
            if template is not None and (first[key] == i or last[key] == i):
                expanded = _fill(template, i, species)
                if expanded != self._direct(reactions[i], i):
                    template = templates[key] = None  # names matter to this scheme: ask it each time
                else:
                    yield i, *expanded
                    continue
            yield (i, *(_fill(template, i, species) if template is not None else self._direct(reactions[i], i)))


    def expand_one(self, reaction: Reaction, index: int):
        """:meth:`expand` for one reaction that is the ``index``-th of its CRN (a one-item list)."""
        key, species = shape_key(reaction)
        if key not in self._templates:
            self._templates[key] = self._build(key)
        template = self._templates[key]
        return [(index, *(_fill(template, index, species) if template is not None else self._direct(reaction, index)))]


def _fill(template: tuple, index: int, species: tuple[str, ...]):
    text, n_domains, nts, kinds, roles, strand_nts = template
    parts = text.format(index, *species).split("\n")
    n = n_domains + 2 * len(roles)
    return (list(zip(parts[:n_domains], nts, kinds)),
            list(zip(parts[n_domains:n:2], parts[n_domains + 1:n:2], roles)),
            list(zip(parts[n:], strand_nts)))


def translate(crn: CRN, scheme) -> DomainSystem:
    """The domain-level system of ``crn`` under ``scheme`` (e.g. ``get_scheme("soloveichik2010")``);
    a gate's inputs in the order :func:`dsd.kinetics.order_reactants` gives."""
    with paused_gc():  # a million domains and strands, all kept: no collection passes over them
        return _translate(order_reactants(crn), scheme)


def _translate(crn: CRN, scheme) -> DomainSystem:
    system = DomainSystem()
    for species in starting_species(crn):
        scheme.signal(system, species)
    domains, complexes, reaction_of = system.domains, system.complexes, system.reaction_of
    # what DomainSystem.counts() and dsd.strand_kinds give, from the templates' strands (no kernel
    # parsed again): each distinct strand's text -> its length and roles (dsd.strand_kinds.see)
    seen: dict[str, int] = {}
    for c in complexes:
        for s in c.strands:
            see(seen, " ".join(s), system.strand_length(s), BIT[c.role])
    used = {d.rstrip("*") for s in seen for d in s.split()}
    for i, new_domains, made, strands in GateTemplates(scheme).expand(crn.reactions):
        for name, nt, kind in new_domains:  # length and kind as the scheme gave them
            old = domains.get(name)
            if old is None and name.isascii() and name.isidentifier():
                domains[name] = Domain.unchecked(name, nt, kind)
            elif old is None or old.length != nt or old.kind != kind:
                system.add_domain(name, nt, kind)  # a bad name or a clash: its ValueError
        k = 0  # strands are the complexes', in order: one more than a kernel's '+' each
        for name, kernel, role in made:
            complexes.append(Complex.unchecked(name, kernel, role))  # a renamed, checked kernel
            reaction_of[name] = i
            bit, n = BIT[role], kernel.count("+") + 1
            for text, nt in strands[k:k + n]:
                if see(seen, text, nt, bit):
                    for d in text.replace("*", "").split():
                        if d not in used:  # keep the domain's own name, not a copy per strand
                            used.add(domains[d].name if d in domains else d)
            k += n
    kinds = kinds_of(seen)
    system.remember_counts({"complexes": len(complexes), "strands": len(seen), "domains": len(used),
                            "nucleotides": sum(nt * n for nt, _, n in kinds)}, kinds)
    return system


def starting_species(crn: CRN) -> list[str]:
    """Species that start in the tube (inputs, then initial concentrations): one signal each."""
    return list(dict.fromkeys([s for sig in crn.inputs for s in sig.species] + list(crn.init)))


def translate_sized(crn: CRN, scheme, input_low, input_high, *, unit_nM: float = 10.0, safety: float = 2.0,
                    examples: np.ndarray | None = None, helper_excess: float = DEFAULT_HELPER_EXCESS,
                    horizon: float | None = None) -> tuple[DomainSystem, Sizing]:
    """Translate ``crn`` and give every complex its concentration (see :mod:`dsd.sizing`;
    ``horizon``: formal time units a CRN that is not feed-forward is simulated for to size it)."""
    sizing = size_reactions(crn, input_low, input_high, safety=safety, unit_nM=unit_nM, examples=examples,
                            helper_excess=helper_excess, horizon=horizon)
    system = translate(crn, scheme)
    with paused_gc():  # a copy of every complex, all kept
        return sized_system(system, crn, sizing), sizing


def form_counts(forms: dict[str, CRN], scheme, fanout_limit: int = DEFAULT_FANOUT_FORM) -> dict[str, dict]:
    """Complexes, strands, domains and nucleotides to order for each CRN form, plus a fan-out
    limited form of the reduced CRN, so a user can pick the cheapest."""
    out = {}
    candidates = dict(forms)
    if "reduced" in forms:
        candidates[f"reduced_fanout{fanout_limit}"] = limit_fanout(forms["reduced"], fanout_limit)
    for name, crn in candidates.items():
        counts = translate(crn, scheme).counts()
        out[name] = {"reactions": len(crn.reactions), **counts}
    return out


def system_summary(system: DomainSystem, sizing: Sizing) -> dict:
    return {**system.counts(), "sizing": sizing.summary(), "total_nM_by_role": complex_totals(system)}
