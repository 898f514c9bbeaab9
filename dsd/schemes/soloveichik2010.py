"""Soloveichik, Seelig, Winfree (PNAS 2010), "DNA as a universal substrate for chemical kinetics".

A formal species X is any strand ``h tX dX uX`` (a history domain ``h`` that differs with the
strand's origin, a toehold ``tX``, a long domain ``dX`` and a second toehold ``uX``). Kernels
(DESIGN §4):

* ``A -> P1 + ... + Pn``: gate ``dA( uA( g1 tP1 ... gn tPn + ) ) tA*`` releases the top strand
  when A binds ``tA*``; translator ``g1( tP1( dP1 uP1 + ... gn( tPn( dPn uPn + ) ) ) ) uA*`` takes
  it on ``uA*`` and releases every product strand ``gi tPi dPi uPi``.
* ``A + B -> P...``: gate ``L = dA( uA( tB( + dB( uB( g1 tP1 ... + ) ) ) ) ) tA*`` with the backward
  strand ``dA uA tB`` (A binds reversibly; B then releases the output strand), and the translator
  on ``uB*`` as above. ``A + A -> P...`` is the same gate with B = A (the second A binds the ``tA*``
  the first exposed); catalysts (``A + B -> A + C``) are a product that is also a reactant. Every
  such shape passes CRN bisimulation (tests/dsd/test_general_crn.py).

Reactions of three or more reactants and zero-order sources (``0 -> A``) have no gate here: the
error names the reaction and ``cardelli2011_NM`` (any number of reactants); a source is written as a
reservoir first (:func:`crn.sources.reservoir_form`).

History domains ``r{i}g{k}`` are unique to reaction ``i`` and product molecule ``k``; species
with an initial concentration are strands with history ``h_{X}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from crn.model import Reaction
from dsd.domains import Complex, DomainSystem


@dataclass(frozen=True)
class Soloveichik2010:
    toehold_nt: int = 6
    long_nt: int = 15
    history_nt: int = 15
    name: str = "soloveichik2010"

    def _species_domains(self, system: DomainSystem, x: str) -> tuple[str, str, str]:
        return (
            system.add_domain(f"t_{x}", self.toehold_nt, "toehold"),
            system.add_domain(f"d_{x}", self.long_nt, "long"),
            system.add_domain(f"u_{x}", self.toehold_nt, "toehold"),
        )

    def signal_kernel(self, system: DomainSystem, species: str, history: str) -> str:
        """Kernel of the signal strand of ``species`` with history domain ``history``."""
        system.add_domain(history, self.history_nt, "history")
        t, d, u = self._species_domains(system, species)
        return f"{history} {t} {d} {u}"

    def signal(self, system: DomainSystem, species: str, conc_nM: float = 0.0) -> Complex:
        """The free-standing signal strand added to the tube for ``species``."""
        cx = Complex(f"S_{species}", self.signal_kernel(system, species, f"h_{species}"), "signal", conc_nM)
        system.species_of[cx.name] = species
        return system.add(cx)

    def species_of_strands(self, strands) -> str | None:
        """The formal species a complex (list of strands, each a tuple of domain names) stands for:
        a lone strand ``h t_X d_X u_X`` (any history ``h``) is X; anything else is None."""
        if len(strands) != 1 or len(strands[0]) != 4:
            return None
        _, t, d, u = strands[0]
        if t.startswith("t_") and d == "d_" + t[2:] and u == "u_" + t[2:]:
            return t[2:]
        return None

    def mechanism(self, reaction: Reaction, index: int, rates) -> list[Reaction]:
        """The gate-level reactions of formal reaction ``index``, in nM and s.

        Species: formal species by their formal names (every signal strand of X, whatever its
        history, is X), the complexes ``gates`` makes (``G_r{i}``, ``L_r{i}``, ``B_r{i}``,
        ``T_r{i}``) and intermediates ``O_r{i}`` (a gate's released output strand) and ``H_r{i}``
        (L with A bound). Each toehold-mediated displacement is one condensed second-order step,
        ``rates.displace(toehold, nt, migrate_nt, out)`` (:class:`dsd.rates.ToeholdRates`);
        wastes are left out (they react with nothing).

        * ``A + G -> O`` (toehold tA, migrates dA uA); ``O + T -> products`` (uA, migrates the
          first product's history and toehold).
        * ``A + L -> H + B_r`` and back ``H + B_r -> A + L``: toehold exchange (tA in, tB out:
          the backward strand keeps tB until it lets go, and re-binds the tB that A exposed);
          ``H + B -> O``; ``O + T -> products``. The first reactant is the one listed first.
        """
        nt, gate_nt, out_nt = self.toehold_nt, self.long_nt + self.toehold_nt, self.history_nt + self.toehold_nt
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        products = list(reaction.products)
        out = f"O_r{index}"
        last = reactants[-1]
        release = ([Reaction([(out, 1), (f"T_r{index}", 1)], products, rates.displace(f"u_{last}", nt, out_nt))]
                   if products else [])
        gate_products = [(out, 1)] if products else []
        if len(reactants) == 1:
            a = reactants[0]
            return [Reaction([(a, 1), (f"G_r{index}", 1)], gate_products,
                             rates.displace(f"t_{a}", nt, gate_nt))] + release
        a, b = reactants
        held, back = f"H_r{index}", f"B_r{index}"
        return [
            Reaction([(a, 1), (f"L_r{index}", 1)], [(held, 1), (back, 1)],
                     rates.displace(f"t_{a}", nt, gate_nt, out=(f"t_{b}", nt))),
            Reaction([(held, 1), (back, 1)], [(a, 1), (f"L_r{index}", 1)],
                     rates.displace(f"t_{b}", nt, gate_nt, out=(f"t_{a}", nt))),
            Reaction([(held, 1), (b, 1)], gate_products, rates.displace(f"t_{b}", nt, gate_nt)),
        ] + release

    def leaks(self, reaction: Reaction, index: int, rates, leak_per_nM_s: float,
              bimolecular_leak_per_nM_s: float = 0.0) -> list[Reaction]:
        """Leak reactions (nM, s): the gate's output strand escapes into its translator without
        any input (``G + T -> products`` or ``L + T -> products``, the fuel-fuel leak that
        dominates these schemes) at ``leak_per_nM_s``, and a bimolecular gate's second reactant
        releases the output strand from L without the first (``L + B -> O``) at
        ``bimolecular_leak_per_nM_s``. Reactions without products do not leak."""
        if not reaction.products:
            return []
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        gate = f"G_r{index}" if len(reactants) == 1 else f"L_r{index}"
        out = []
        if leak_per_nM_s > 0:
            out.append(Reaction([(gate, 1), (f"T_r{index}", 1)], list(reaction.products), leak_per_nM_s))
        if bimolecular_leak_per_nM_s > 0 and len(reactants) == 2:
            out.append(Reaction([(gate, 1), (reactants[1], 1)], [(f"O_r{index}", 1)], bimolecular_leak_per_nM_s))
        return out

    def released(self, reaction: Reaction, index: int) -> list[tuple[str, list[tuple[str, int]]]]:
        """What each multi-strand complex of ``reaction`` has free when it is not fully annealed
        (initial leak): (complex, species released per complex). The gate's output strand and the
        translator's product strands."""
        if not reaction.products:
            return []
        gate = f"G_r{index}" if reaction.order == 1 else f"L_r{index}"
        return [(gate, [(f"O_r{index}", 1)]), (f"T_r{index}", list(reaction.products))]

    def helper_toeholds(self, reaction: Reaction, index: int) -> list[tuple[str, tuple[str, ...]]]:
        """(helper species, toehold domains it carries): the backward strand ``dA uA tB``."""
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        if len(reactants) != 2:
            return []
        a, b = reactants
        return [(f"B_r{index}", (f"u_{a}", f"t_{b}"))]

    def exposed_toeholds(self, reaction: Reaction, index: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """(gate-level species, its exposed toehold, the helpers that bind it productively)."""
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        out = []
        if len(reactants) == 1:
            out.append((f"G_r{index}", f"t_{reactants[0]}", ()))
        else:
            a, b = reactants
            out += [(f"L_r{index}", f"t_{a}", ()), (f"H_r{index}", f"t_{b}", (f"B_r{index}",))]
        if reaction.products:
            out.append((f"T_r{index}", f"u_{reactants[-1]}", ()))
        return out

    def _translator(self, system: DomainSystem, index: int, products: list[str], toehold: str) -> str:
        parts = []
        for k, p in enumerate(products):
            g = system.add_domain(f"r{index}g{k}", self.history_nt, "history")
            t, d, u = self._species_domains(system, p)
            parts.append((g, t, d, u))
        inner = ""
        for g, t, d, u in reversed(parts):
            inner = f"{g}( {t}( {d} {u} + {inner}) ) " if inner else f"{g}( {t}( {d} {u} + ) ) "
        return f"{inner}{toehold}*"

    def gates(self, system: DomainSystem, reaction: Reaction, index: int, conc_nM: float = 0.0) -> list[Complex]:
        """Fuel complexes implementing ``reaction`` (the ``index``-th of its CRN)."""
        products = [s for s, n in reaction.products for _ in range(n)]
        histories = [f"r{index}g{k}" for k in range(len(products))]
        for h in histories:
            system.add_domain(h, self.history_nt, "history")
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        out_tail = " ".join(f"{h} {self._species_domains(system, p)[0]}" for h, p in zip(histories, products))
        made = []
        if not reactants:
            raise ValueError(_unsupported(self.name, reaction, index))
        if len(reactants) == 1:
            (a,) = reactants
            ta, da, ua = self._species_domains(system, a)
            made.append(Complex(f"G_r{index}", f"{da}( {ua}( {out_tail} + ) ) {ta}*".replace("(  +", "( +"),
                                "gate", conc_nM))
            last = ua
        elif len(reactants) == 2:
            a, b = reactants
            ta, da, ua = self._species_domains(system, a)
            tb, db, ub = self._species_domains(system, b)
            made.append(Complex(f"L_r{index}", f"{da}( {ua}( {tb}( + {db}( {ub}( {out_tail} + ) ) ) ) ) {ta}*"
                                .replace("(  +", "( +"), "gate", conc_nM))
            made.append(Complex(f"B_r{index}", f"{da} {ua} {tb}", "helper", conc_nM))
            last = ub
        else:
            raise ValueError(_unsupported(self.name, reaction, index))
        if products:
            made.append(Complex(f"T_r{index}", self._translator(system, index, products, last), "fuel", conc_nM))
        for cx in made:
            system.add(cx)
        return made


def _unsupported(scheme: str, reaction: Reaction, index: int) -> str:
    """The one-line error for a reaction ``scheme`` has no gate for."""
    side = lambda xs: " + ".join(s if n == 1 else f"{n} {s}" for s, n in xs) or "0"  # noqa: E731
    text = f"reaction {index} ({side(reaction.reactants)} -> {side(reaction.products)})"
    if not reaction.reactants:
        return (f"{scheme} has no gate for a zero-order source, {text}: rewrite it as a reservoir "
                f"(crn.sources.reservoir_form; dsd translate does it)")
    return (f"{scheme} implements reactions of one or two reactants; {text} has {reaction.order}: use the scheme "
            f"cardelli2011_NM (--scheme cardelli2011_NM, or dsd.scheme in a spec), which takes any number")
