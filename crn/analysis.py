"""Analyses of simulated CRNs: agreement with the network, convergence times, rate independence."""

from __future__ import annotations

import numpy as np

from crn.model import CRN


def agreement(crn_outputs: np.ndarray, network_outputs: np.ndarray) -> dict:
    """How well CRN outputs (n_examples, n_outputs) reproduce the network's.

    Returns ``examples``, ``argmax_match`` (examples whose CRN argmax is the network's argmax)
    and ``max_abs_error`` (largest |CRN - network| over all examples and outputs).
    """
    crn_outputs = np.atleast_2d(crn_outputs)
    network_outputs = np.atleast_2d(network_outputs)
    if crn_outputs.shape != network_outputs.shape:
        raise ValueError(f"CRN outputs {crn_outputs.shape} and network outputs {network_outputs.shape} differ")
    return {
        "examples": int(crn_outputs.shape[0]),
        "argmax_match": int(np.sum(crn_outputs.argmax(axis=1) == network_outputs.argmax(axis=1))),
        "max_abs_error": float(np.max(np.abs(crn_outputs - network_outputs))) if crn_outputs.size else 0.0,
    }


def convergence_times(result, eps: float = 1e-3) -> dict[str, np.ndarray]:
    """Per-example convergence times on the result's time grid (formal time units).

    ``stabilisation_time``: the last grid time at which the eventually winning output (argmax of
    the final outputs) was not the largest (0 if it always was) — when the classification is
    decided. ``settle_time``: the first grid time after which every output stays within ``eps``
    of its final value.
    """
    traj = result.output_trajectories  # (E, T, O)
    t = result.t
    winner = traj[:, -1, :].argmax(axis=1)
    leading = traj.argmax(axis=2) == winner[:, None]  # (E, T)
    # ties count as "not leading" unless the winner is strictly the largest or equal-largest first
    not_leading = ~leading
    last_bad = np.where(not_leading.any(axis=1), traj.shape[1] - 1 - np.argmax(not_leading[:, ::-1], axis=1), -1)
    stabilisation = np.where(last_bad < 0, 0.0, t[np.minimum(last_bad + 1, len(t) - 1)])
    far = np.abs(traj - traj[:, -1:, :]).max(axis=2) > eps  # (E, T)
    last_far = np.where(far.any(axis=1), traj.shape[1] - 1 - np.argmax(far[:, ::-1], axis=1), -1)
    settle = np.where(last_far < 0, 0.0, t[np.minimum(last_far + 1, len(t) - 1)])
    return {"stabilisation_time": stabilisation, "settle_time": settle}


def rate_independence(crn: CRN, x: np.ndarray, n_draws: int = 5, seed: int = 0, low: float = 0.1,
                      high: float = 10.0, **simulate_kwargs) -> dict:
    """Simulate with rate constants drawn log-uniformly from [low, high] and compare the final
    outputs with the CRN's own rates. A rate-independent CRN gives the same outputs (up to how
    far each run has converged, so use a long ``t_end``)."""
    from crn.simulate import simulate

    base = simulate(crn, x, keep_trajectories=False, **simulate_kwargs).outputs
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_draws):
        rates = np.exp(rng.uniform(np.log(low), np.log(high), size=len(crn.reactions)))
        out = simulate(crn, x, rates=rates, keep_trajectories=False, **simulate_kwargs).outputs
        diffs.append(float(np.max(np.abs(out - base))))
    return {"draws": n_draws, "max_abs_difference": diffs}
