"""Mass-action kinetics written out plainly (dense stoichiometry, analytic Jacobian) and integrated by
scipy's LSODA to rtol 1e-12: the independent reference of the project's simulators' tests."""

import numpy as np
from scipy.integrate import solve_ivp

from crn.model import CRN


def reference(crn: CRN, c0: np.ndarray, t_eval: np.ndarray, rates=None) -> np.ndarray:
    """Mass action written out plainly, integrated by LSODA to 1e-12: (len(t_eval), n_species)."""
    index = {s: i for i, s in enumerate(crn.species)}
    k = np.array([r.rate for r in crn.reactions] if rates is None else rates)
    left = np.zeros((len(crn.reactions), len(index)))  # reactant counts
    N = np.zeros((len(index), len(crn.reactions)))
    for j, r in enumerate(crn.reactions):
        for s, c in r.reactants:
            N[index[s], j] -= c
            left[j, index[s]] = c
        for s, c in r.products:
            N[index[s], j] += c

    def f(t, c):
        return N @ (k * np.prod(c[None, :] ** left, axis=1))

    def jac(t, c):  # d v_j / d c_s = v_j * left_js / c_s, written without dividing by c
        dv = np.empty_like(left)
        for s in range(len(c)):
            powered = left.copy()
            powered[:, s] = np.maximum(left[:, s] - 1, 0)
            dv[:, s] = k * left[:, s] * np.prod(c[None, :] ** powered, axis=1)
        return N @ dv

    sol = solve_ivp(f, (0, t_eval[-1]), c0, method="LSODA", jac=jac, t_eval=t_eval, rtol=1e-12, atol=1e-14)
    assert sol.success
    return sol.y.T
