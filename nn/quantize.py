"""Post-training quantisation of a real-weight ReLU network to the integer weights the CRN compiler needs.

Rules (per layer ``l``, weights ``W``):

``ternary`` — Ternary Weight Networks (Li & Liu 2016, "Ternary weight networks", arXiv:1605.04711,
    eq. 10-11): threshold ``Δ = 0.7 · mean|W|``; ``T = sign(W)`` where ``|W| > Δ``, else 0; scale
    ``α = mean(|W| over |W| > Δ)``, so that ``W ≈ α T``.
``binary`` — sign with a mean-magnitude scale (Rastegari et al. 2016, XNOR-Net, arXiv:1603.05279,
    eq. 4): ``T = sign(W)`` (0 -> +1), ``α = mean|W|``.

The scales are folded into the biases, which stay real (they are initial concentrations): ReLU commutes
with a positive factor, so with ``s_l = α_0 ⋯ α_l`` the network with weights ``T_l`` and biases
``b_l / s_l`` computes the approximated network's outputs divided by ``s_L`` (the last layer's product),
the same class for every input. ``s_L`` is reported as ``output_scale``.
"""

from __future__ import annotations

import numpy as np

from nn.network import Network

RULES = {
    "ternary": "ternary weight networks (Li & Liu 2016): per layer T = sign(w) where |w| > 0.7·mean|w|, else 0; "
               "scale = mean|w| over the kept weights, folded into the biases",
    "binary": "sign with mean-magnitude scale (Rastegari et al. 2016, XNOR-Net): T = sign(w), scale = mean|w|, "
              "folded into the biases",
}


def quantize_layer(weights: np.ndarray, rule: str) -> tuple[np.ndarray, float]:
    """``(T, α)`` with integer ``T`` in {-1, 0, 1} and ``α > 0`` such that ``weights ≈ α T``.

    Examples
    --------
    >>> t, a = quantize_layer(np.array([[0.9, -0.1], [-1.1, 0.3]]), "ternary")  # Δ = 0.7 · 0.6 = 0.42
    >>> t.tolist(), round(a, 6)
    ([[1.0, 0.0], [-1.0, 0.0]], 1.0)
    """
    w = np.asarray(weights, float)
    magnitude = np.abs(w)
    if not magnitude.any():
        raise ValueError("all weights are 0; nothing to scale")
    if rule == "ternary":
        kept = magnitude > 0.7 * magnitude.mean()
        return np.where(kept, np.sign(w), 0.0), float(magnitude[kept].mean())
    if rule == "binary":
        return np.where(w >= 0, 1.0, -1.0), float(magnitude.mean())
    raise ValueError(f"--quantize: unknown rule {rule!r}; expected {' or '.join(RULES)}")


def quantize_network(network: Network, rule: str) -> tuple[Network, dict]:
    """Quantise every layer by ``rule`` (``ternary`` or ``binary``) and fold the scales into the biases.

    Returns
    -------
    (network, info) where ``info`` holds ``rule``, ``method`` (the rule in words), ``layer_scales`` (α per layer) and
    ``output_scale`` (``s_L``: original outputs ≈ ``output_scale`` × quantised outputs).

    Examples
    --------
    >>> net = Network([np.array([[2.0, -2.0]]), np.array([[0.5], [1.5]])], [np.array([1.0, 0.0]), np.zeros(1)])
    >>> q, info = quantize_network(net, "ternary")
    >>> [w.tolist() for w in q.weights], [b.tolist() for b in q.biases], info["output_scale"]
    ([[[1.0, -1.0]], [[0.0], [1.0]]], [[0.5, 0.0], [0.0]], 3.0)
    """
    if rule not in RULES:
        raise ValueError(f"--quantize: unknown rule {rule!r}; expected {' or '.join(RULES)}")
    weights, biases, scales = [], [], []
    scale = 1.0
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        try:
            t, alpha = quantize_layer(w, rule)
        except ValueError as e:
            raise ValueError(f"layer {l}: {e}") from None
        scale *= alpha
        weights.append(t)
        biases.append(np.asarray(b, float) / scale)
        scales.append(alpha)
    return Network(weights, biases), {"rule": rule, "method": RULES[rule], "layer_scales": scales,
                                      "output_scale": scale}


def accuracy_change(before: Network, after: Network, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy (fraction of argmax == label) of both networks on ``(x, y)`` and ``change`` (after - before)."""
    acc = [float(np.mean(net.predict(x) == y)) for net in (before, after)]
    return {"examples": int(len(y)), "accuracy_before": acc[0], "accuracy_after": acc[1], "change": acc[1] - acc[0]}
