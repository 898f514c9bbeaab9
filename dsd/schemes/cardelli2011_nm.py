"""Cardelli (2011), "Strand algebras for DNA computing", Natural Computing 10:407-428
(doi:10.1007/s11047-010-9236-7), Figs. 9-10: one N-input, M-output gate per reaction.

A formal species X is any strand ``h tX dX`` (a history domain ``h`` that differs with the strand's
origin, a toehold ``tX`` and a long domain ``dX``); a gate reads only ``tX dX``. Per reaction ``i``
there is a private toehold ``ri_t`` and one history domain ``ri_gk`` per product molecule ``k``.

* ``X1 + ... + Xn -> Y1 + ... + Ym``: the gate

  ``dX1( tX2( + dX2( tX3( + ... + dXn( ri_t( + ri_g1( tY1( dY1 + ... + ri_gm( tYm( dYm + ) ) ... ) ) ) ) ... tX1*``

  holds the input strands ``dX1 tX2``, ..., ``dXn ri_t`` and the output strands ``ri_gk tYk dYk`` on
  one bottom strand. X1 binds the exposed ``tX1*`` and displaces ``dX1 tX2``, which exposes
  ``tX2*`` for X2, and so on; Xn exposes ``ri_t*``. The fuel strand ``ri_t ri_g1 tY1 ... ri_gm tYm``
  then binds ``ri_t*`` and displaces every output strand (the irreversible step).
* Helpers: the displaced input strands ``dX1 tX2``, ..., ``dXn ri_t`` are supplied, so an input
  can be taken back until the fuel commits; all but the last in excess (role ``helper``: they
  decide how much of an input waits for the next one), the last at the fuel's concentration
  (role ``fuel``: it only races the fuel, and an excess would slow every gate ~10x) (the garbage-collection gates of Cardelli's Fig. 9
  are left out, as in Nuskell's ``cardelli2011_NM_noGC``).
* ``X1 + ... + Xn -> 0`` (a generalisation, not in the paper): the gate holds one single-domain
  waste strand ``ri_w( + ) ...`` in place of the outputs and the fuel is ``ri_t ri_w``.

Any number n >= 1 of reactants (repeats allowed) and m >= 0 of products is translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from crn.model import Reaction
from dsd.domains import Complex, DomainSystem


@dataclass(frozen=True)
class Cardelli2011NM:
    toehold_nt: int = 6
    long_nt: int = 15
    history_nt: int = 15
    name: str = "cardelli2011_NM"

    def _species_domains(self, system: DomainSystem, x: str) -> tuple[str, str]:
        return (
            system.add_domain(f"t_{x}", self.toehold_nt, "toehold"),
            system.add_domain(f"d_{x}", self.long_nt, "long"),
        )

    def signal_kernel(self, system: DomainSystem, species: str, history: str) -> str:
        """Kernel of the signal strand of ``species`` with history domain ``history``."""
        system.add_domain(history, self.history_nt, "history")
        t, d = self._species_domains(system, species)
        return f"{history} {t} {d}"

    def signal(self, system: DomainSystem, species: str, conc_nM: float = 0.0) -> Complex:
        """The free-standing signal strand added to the tube for ``species``."""
        cx = Complex(f"S_{species}", self.signal_kernel(system, species, f"h_{species}"), "signal", conc_nM)
        system.species_of[cx.name] = species
        return system.add(cx)

    def species_of_strands(self, strands) -> str | None:
        """The formal species a complex (list of strands, each a tuple of domain names) stands for:
        a lone strand ``h t_X d_X`` (any history ``h``) is X; anything else is None."""
        if len(strands) != 1 or len(strands[0]) != 3:
            return None
        _, t, d = strands[0]
        if t.startswith("t_") and d == "d_" + t[2:]:
            return t[2:]
        return None

    def _outputs(self, system: DomainSystem, index: int, products: list[str]) -> tuple[list[str], list[str]]:
        """(gate kernel pieces, fuel domains) releasing one strand per product molecule, or a
        waste strand when there are no products."""
        if not products:
            w = system.add_domain(f"r{index}_w", self.history_nt, "history")
            return [f"{w}( +"], [w]
        pieces, fuel = [], []
        for k, p in enumerate(products):
            g = system.add_domain(f"r{index}_g{k}", self.history_nt, "history")
            t, d = self._species_domains(system, p)
            pieces.append(f"{g}( {t}( {d} +")
            fuel += [g, t]
        return pieces, fuel

    def gates(self, system: DomainSystem, reaction: Reaction, index: int, conc_nM: float = 0.0) -> list[Complex]:
        """The gate, fuel and helper complexes implementing ``reaction`` (the ``index``-th of its CRN)."""
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        products = [s for s, n in reaction.products for _ in range(n)]
        if not reactants:
            raise ValueError(
                f"{self.name} has no gate for a zero-order source, reaction {index} (0 -> ...): rewrite it as a "
                "reservoir (crn.sources.reservoir_form; dsd translate does it)"
            )
        t_gate = system.add_domain(f"r{index}_t", self.toehold_nt, "toehold")
        inputs = [self._species_domains(system, x) for x in reactants]
        # input strand k pairs the long domain of input k with the toehold of input k+1
        # (the gate's own toehold after the last input)
        held = [(inputs[k][1], inputs[k + 1][0] if k + 1 < len(inputs) else t_gate) for k in range(len(inputs))]
        out_pieces, fuel_domains = self._outputs(system, index, products)
        opened = 2 * len(held) + sum(p.count("(") for p in out_pieces)
        kernel = " ".join([f"{d}( {t}( +" for d, t in held] + out_pieces + [") " * opened + f"{inputs[0][0]}*"])
        made = [Complex(f"G_r{index}", kernel, "gate", conc_nM),
                Complex(f"F_r{index}", " ".join([t_gate, *fuel_domains]), "fuel", conc_nM)]
        # the helpers that hold an input back until the next input comes go in excess (role helper);
        # the last one only races the fuel, so it is supplied like the fuel (role fuel, 1x)
        made += [Complex(f"H_r{index}_{k}", f"{d} {t}", "helper" if k < len(held) - 1 else "fuel", conc_nM)
                 for k, (d, t) in enumerate(held)]
        for cx in made:
            system.add(cx)
        return made

    def _toeholds(self, reaction: Reaction, index: int) -> list[str]:
        """Toehold of each input in order, then the gate's own toehold ``r{i}_t``."""
        return [f"t_{s}" for s, n in reaction.reactants for _ in range(n)] + [f"r{index}_t"]

    def mechanism(self, reaction: Reaction, index: int, rates) -> list[Reaction]:
        """The gate-level reactions of formal reaction ``index``, in nM and s.

        Input k (0-based) binds the toehold its predecessor exposed, migrates its long domain and
        releases the helper strand ``H_r{i}_{k}`` (toehold exchange: the helper keeps the next
        toehold until it lets go, and can bind back and return the input; the gate is then in
        state ``G_r{i}_s{k+1}``); after the last input the fuel ``F_r{i}`` binds the gate's own
        toehold and releases every product (migrating the first output's history and toehold).
        Rates: ``rates.displace`` (:class:`dsd.rates.ToeholdRates`); wastes are left out.
        """
        nt = self.toehold_nt
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        toeholds = self._toeholds(reaction, index)
        state = lambda k: f"G_r{index}" if k == 0 else f"G_r{index}_s{k}"  # noqa: E731
        steps = []
        for k, x in enumerate(reactants):
            helper, t_in, t_out = f"H_r{index}_{k}", toeholds[k], toeholds[k + 1]
            steps.append(Reaction([(x, 1), (state(k), 1)], [(state(k + 1), 1), (helper, 1)],
                                  rates.displace(t_in, nt, self.long_nt, out=(t_out, nt))))
            steps.append(Reaction([(state(k + 1), 1), (helper, 1)], [(x, 1), (state(k), 1)],
                                  rates.displace(t_out, nt, self.long_nt, out=(t_in, nt))))
        fuel_nt = self.history_nt + (nt if reaction.products else 0)
        steps.append(Reaction([(state(len(reactants)), 1), (f"F_r{index}", 1)], list(reaction.products),
                              rates.displace(toeholds[-1], nt, fuel_nt)))
        return steps

    def leaks(self, reaction: Reaction, index: int, rates, leak_per_nM_s: float,
              bimolecular_leak_per_nM_s: float = 0.0) -> list[Reaction]:
        """Leak reactions (nM, s): the fuel releases the products from a gate no input has opened
        (``G + F -> products``) at ``leak_per_nM_s``; a gate of two or more inputs lets its last
        input open it without the others (``G + Xn -> G_r{i}_leak``, then the fuel releases the
        products as usual) at ``bimolecular_leak_per_nM_s``. Reactions without products do not
        leak."""
        if not reaction.products:
            return []
        reactants = [s for s, n in reaction.reactants for _ in range(n)]
        gate, fuel, products = f"G_r{index}", f"F_r{index}", list(reaction.products)
        out = []
        if leak_per_nM_s > 0:
            out.append(Reaction([(gate, 1), (fuel, 1)], products, leak_per_nM_s))
        if bimolecular_leak_per_nM_s > 0 and len(reactants) >= 2:
            opened = f"G_r{index}_leak"
            out.append(Reaction([(gate, 1), (reactants[-1], 1)], [(opened, 1)], bimolecular_leak_per_nM_s))
            out.append(Reaction([(opened, 1), (fuel, 1)], products,
                                rates.displace(f"r{index}_t", self.toehold_nt, self.history_nt + self.toehold_nt)))
        return out

    def released(self, reaction: Reaction, index: int) -> list[tuple[str, list[tuple[str, int]]]]:
        """What the gate has free when it is not fully annealed (initial leak): its products."""
        return [(f"G_r{index}", list(reaction.products))] if reaction.products else []

    def helper_toeholds(self, reaction: Reaction, index: int) -> list[tuple[str, tuple[str, ...]]]:
        """(helper species, toehold domains it carries): ``H_r{i}_{k}`` = ``dXk t_next``."""
        toeholds = self._toeholds(reaction, index)
        return [(f"H_r{index}_{k}", (toeholds[k + 1],)) for k in range(len(toeholds) - 1)]

    def exposed_toeholds(self, reaction: Reaction, index: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """(gate-level species, its exposed toehold, the helpers that bind it productively)."""
        toeholds = self._toeholds(reaction, index)
        out = [(f"G_r{index}", toeholds[0], ())]
        out += [(f"G_r{index}_s{k}", toeholds[k], (f"H_r{index}_{k - 1}",)) for k in range(1, len(toeholds))]
        return out
