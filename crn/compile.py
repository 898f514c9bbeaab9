"""NN -> CRN compiler: the paper's Algorithm 1 (Vasic et al., ICML 2020).

Every unit of a layer is a dual-rail signal. For each source unit ``i`` and rail (``+``/``-``) one
unimolecular *fan-out* reaction consumes the source species and produces, for every target unit
``j`` with weight ``w_ij != 0``, ``|w_ij|`` molecules of the target's same-sign rail (``w > 0``) or
opposite rail (``w < 0``). Hidden layers use the 2-reaction ReLU module::

    I+ -> M + H+          M + I- -> H-

so that ``h = max(i, 0)``. Biases are initial concentrations of the pre-activation (``I``) species
of hidden layers and of the output (``Y``) species.

Dead units are left out (:func:`live_units`): a hidden unit with no nonzero-weight path to an output
(whatever the inputs) gets no species, no ReLU module and no fan-out, and an input with no such path
gets no fan-out reaction (its signal is still declared, so the CRN reads as many inputs as the
network). Binary (±1) networks have no dead units, so their counts are the paper's.

Species names (0-based indices; layer ``l`` counts hidden layers from 1):
``X{i}p``/``X{i}n`` inputs, ``I{l}_{j}p``/``n`` pre-activations, ``M{l}_{j}`` ReLU helpers,
``H{l}_{j}p``/``n`` hidden outputs, ``Y{j}p``/``n`` network outputs. The shifted single-rail input
encoding uses one species ``X{i}`` per input.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from crn.model import CRN, Reaction, Signal


class CompileError(ValueError):
    """The network cannot be compiled as given (the message says why and what to do)."""


def _integer_weights(weights: np.ndarray, layer: int) -> np.ndarray:
    rounded = np.round(weights)
    bad = np.argwhere(np.abs(weights - rounded) > 1e-9)
    if bad.size:
        i, j = bad[0]
        raise CompileError(
            f"layer {layer} weight [{i}, {j}] = {weights[i, j]:g} is not an integer; rate-independent "
            "compilation needs integer weights (stoichiometry). Rescale the layer by a positive "
            "factor (ReLU commutes with positive scaling: divide the weights and bias of this "
            "layer and multiply the next layer's weights) or train with weights: binary|ternary."
        )
    return rounded.astype(int)


def live_units(weights) -> list[np.ndarray]:
    """Which units have a nonzero-weight path to an output, structurally (whatever the data).

    Parameters
    ----------
    weights : sequence of (inputs x outputs) arrays, one per layer

    Returns
    -------
    ``live[l]``: a boolean mask over the units of layer ``l`` (``l = 0`` the inputs, the last the
    outputs, which are all live).

    Examples
    --------
    >>> [m.tolist() for m in live_units([np.array([[1, 0], [0, 0]]), np.array([[1], [0]])])]
    [[True, False], [True, False], [True]]
    """
    live = [np.ones(np.shape(weights[-1])[1], bool)]
    for w in reversed(weights):
        live.insert(0, (np.asarray(w)[:, live[0]] != 0).any(axis=1))
    return live


def _dual(name: str) -> Signal:
    return Signal(name, f"{name}p", f"{name}n")


def compile_network(
    network,
    inputs: Literal["dual", "shifted"] = "dual",
    input_low: np.ndarray | None = None,
) -> CRN:
    """Compile a ReLU network with integer weights into a rate-independent CRN (Algorithm 1).

    Parameters
    ----------
    network : nn.network.Network (anything with ``weights`` (in x out) and ``biases``)
    inputs : ``"dual"`` (default) encodes input ``x`` as ``X+ - X-``; ``"shifted"`` encodes it as one
        species at concentration ``x + c`` with ``c = max(0, -input_low)``, the shift folded into the
        first layer's biases (``b' = b - c @ W``), halving the input reactions.
    input_low : per-input lower bound of the inputs (needed for ``"shifted"``).

    Returns
    -------
    CRN whose output signals ``Y0..`` converge to the network's outputs for every input.

    Examples
    --------
    >>> from nn.network import Network
    >>> net = Network([np.array([[1.0, -1.0]]), np.array([[1.0], [1.0]])], [np.zeros(2), np.zeros(1)])
    >>> compile_network(net).stats()["reactions"]  # 2 input fan-outs + per hidden unit 2 ReLU and 2 fan-outs
    10
    """
    if inputs not in ("dual", "shifted"):
        raise CompileError(f"inputs must be 'dual' or 'shifted', got {inputs!r}")
    weights = [_integer_weights(np.asarray(w, float), l) for l, w in enumerate(network.weights)]
    biases = [np.asarray(b, float).copy() for b in network.biases]
    n_in = weights[0].shape[0]

    reactions: list[Reaction] = []
    init: dict[str, float] = {}
    signals: list[Signal] = []

    if inputs == "dual":
        in_signals = [_dual(f"X{i}") for i in range(n_in)]
    else:
        if input_low is None:
            raise CompileError("the shifted input encoding needs input_low (the inputs' lower bound)")
        shift = np.maximum(0.0, -np.asarray(input_low, float).reshape(n_in))
        biases[0] = biases[0] - shift @ weights[0]
        in_signals = [Signal(f"X{i}", f"X{i}", None, float(shift[i])) for i in range(n_in)]

    live = live_units(weights)
    sources = in_signals
    n_layers = len(weights)
    for l, (w, b) in enumerate(zip(weights, biases)):
        hidden = l < n_layers - 1
        targets = [_dual(f"I{l + 1}_{j}" if hidden else f"Y{j}") if live[l + 1][j] else None
                   for j in range(w.shape[1])]
        for i, src in enumerate(sources):
            if src is None or not live[l][i]:
                continue
            row = np.where(live[l + 1], w[i], 0)
            plus = {}
            minus = {}
            for j, wij in enumerate(row):
                if wij > 0:
                    plus[targets[j].plus] = int(wij)
                    minus[targets[j].minus] = int(wij)
                elif wij < 0:
                    plus[targets[j].minus] = int(-wij)
                    minus[targets[j].plus] = int(-wij)
            reactions.append(Reaction([src.plus], plus))
            if src.minus is not None:
                reactions.append(Reaction([src.minus], minus))
        for j, bj in enumerate(b):
            if targets[j] is None:
                continue
            if bj > 0:
                init[targets[j].plus] = float(bj)
            elif bj < 0:
                init[targets[j].minus] = float(-bj)
        if hidden:
            outs = [None if t is None else _dual(f"H{l + 1}_{j}") for j, t in enumerate(targets)]
            for j, (t, h) in enumerate(zip(targets, outs)):
                if t is None:
                    continue
                m = f"M{l + 1}_{j}"
                reactions.append(Reaction([t.plus], [m, h.plus]))
                reactions.append(Reaction([m, t.minus], [h.minus]))
            signals.extend(t for t in targets if t is not None)
            signals.extend(h for h in outs if h is not None)
            sources = outs
        else:
            out_signals = targets
    return CRN(reactions, init, in_signals, out_signals, signals)
