"""The LAENet MI-convex program and its outer approximation, solver-independent
(SPEC-LAENET.md "Exact structure").

Variables, one triple per FEASIBLE edge e = (u, s) (infeasible edges can never be chosen and
get no variables): binary x_e (u offloads via e), share y_e in [0, 1], epigraph t_e >= 0.

    min  sum_u lambda_u J_loc_u + sum_e [(J_tr_e - lambda_u J_loc_u) x_e + t_e]
    s.t. sum_{e of u} x_e <= 1   (= 1 when lambda_u = 0: a forced user must offload)
         sum_{e on s} y_e <= 1                                   (server capacity)
         mu_e x_e <= y_e <= x_e                                  (deadline share; y = 0 if unused)
         t_e y_e >= c_e x_e^2,  c_e = J_exe_e                    (rotated SOC, perspective of c/y)

(``lambda_u J_loc_u`` rather than ``J_loc_u``: a forced user's local cost is not defined by the
model, its x's sum to one, so leaving it out of the constant keeps the numbers small.)

Outer approximation replaces the cone by perspective tangent cuts at y0 in (0, 1]:

    t_e >= (2 c_e / y0) x_e - (c_e / y0^2) y_e

(valid for x_e = 0 too: the right side is then <= 0; exact at y_e = y0 x_e). This module gives
the data of the program as numpy arrays (:class:`OAProblem`), the initial cut points (6 per
edge, geometric in [mu_e, 1], plus ``extra`` points), the cut coefficients, and the new cut
points of one OA iteration; :mod:`.exact` (highspy) and :mod:`.pyomo_model` (Pyomo) build their
models from them, so both use the same cuts.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from offload_gym.laenet.physics import Derived
from offload_gym.laenet.waterfill import LOCAL

N_INITIAL_CUTS = 6
# Two cut points of one edge closer than this (relative) are treated as the same cut.
CUT_DEDUP_REL = 1e-9


@dataclasses.dataclass(frozen=True, eq=False)
class OAProblem:
    """The MI-convex program of one scenario, as arrays over its F feasible edges.

    ``edge``: index of each variable edge in the ``Derived`` edge arrays; ``user``,
    ``server``, ``c`` (= J_exe), ``mu``, ``cost_x`` (= J_tr - lambda_u J_loc_u, the
    objective coefficient of x_e): per variable edge. ``constant`` = sum_u lambda_u J_loc_u.
    ``user_lower[u]``: 1 if u is forced (lambda_u = 0), else 0. ``stuck_users``: forced users
    without any feasible edge (then the program is infeasible). Variable layout of the
    solvers: x = [0, F), y = [F, 2F), t = [2F, 3F).
    """

    derived: Derived
    edge: np.ndarray
    user: np.ndarray
    server: np.ndarray
    c: np.ndarray
    mu: np.ndarray
    cost_x: np.ndarray
    constant: float
    user_lower: np.ndarray
    stuck_users: np.ndarray

    @property
    def n_edges(self) -> int:
        return int(self.edge.size)

    def choice_from_x(self, x: np.ndarray) -> np.ndarray:
        """The assignment (server or LOCAL per user) encoded by (near-)binary x."""
        choice = np.full(self.derived.n_users, LOCAL, dtype=np.int64)
        on = np.asarray(x) > 0.5
        choice[self.user[on]] = self.server[on]
        return choice

    def x_from_choice(self, choice: np.ndarray) -> np.ndarray:
        """Binary x of an assignment (choices that are not variable edges are ignored)."""
        choice = np.asarray(choice)
        return (choice[self.user] == self.server).astype(np.float64)


def build_problem(derived: Derived) -> OAProblem:
    """The program's data for ``derived`` (see the module docstring)."""
    d = derived
    edge = np.flatnonzero(d.feasible)
    user = d.edge_user[edge].astype(np.int64)
    lam = d.lam.astype(bool)
    lam_jloc = np.where(lam, d.j_loc, 0.0)
    has_edge = np.zeros(d.n_users, dtype=bool)
    has_edge[user] = True
    return OAProblem(
        derived=d,
        edge=edge,
        user=user,
        server=d.edge_server[edge].astype(np.int64),
        c=d.j_exe[edge].astype(np.float64),
        mu=d.mu[edge].astype(np.float64),
        cost_x=(d.j_tr[edge] - lam_jloc[user]).astype(np.float64),
        constant=float(lam_jloc.sum()),
        user_lower=(~lam).astype(np.float64),
        stuck_users=np.flatnonzero(~lam & ~has_edge),
    )


def initial_cut_points(problem: OAProblem, n: int = N_INITIAL_CUTS,
                       extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(k, y0)``: cut points (k = variable-edge index) at n points geometric in [mu_e, 1]
    per edge, y0 = mu_e^(1 - i/(n-1)), i = 0..n-1 (spec: "6 cuts per edge"), plus the
    optional ``extra`` [F] points (ignored where NaN or outside [mu_e, 1])."""
    mu = np.maximum(problem.mu, 1e-12)
    frac = np.linspace(0.0, 1.0, n) if n > 1 else np.ones(1)
    y0 = mu[:, None] ** (1.0 - frac[None, :])  # [F, n]; column 0 = mu, last = 1
    k = np.repeat(np.arange(problem.n_edges), n)
    y0 = y0.ravel()
    if extra is not None:
        extra = np.asarray(extra, dtype=np.float64)
        ok = np.isfinite(extra) & (extra >= mu) & (extra <= 1.0)
        k = np.concatenate([k, np.flatnonzero(ok)])
        y0 = np.concatenate([y0, extra[ok]])
    return k, y0


def cut_coefficients(c: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(a_x, a_y)`` of the perspective cuts t >= a_x x + a_y y at y0:
    a_x = 2 c / y0, a_y = -c / y0^2."""
    return 2.0 * c / y0, -c / y0**2


def iteration_cut_points(problem: OAProblem, x: np.ndarray, y: np.ndarray,
                         share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """New cut points of one OA iteration: ``(k, y0)`` at the MILP's y of its chosen edges
    and at the water-filling shares ``share`` (per USER, NaN when local) of the same edges.
    Points outside (0, 1] or not finite are dropped."""
    on = np.flatnonzero(np.asarray(x) > 0.5)
    y_milp = np.clip(np.asarray(y)[on], 0.0, 1.0)
    y_wf = np.asarray(share, dtype=np.float64)[problem.user[on]]
    k = np.concatenate([on, on])
    y0 = np.concatenate([y_milp, y_wf])
    ok = np.isfinite(y0) & (y0 > 1e-12)
    return k[ok], np.minimum(y0[ok], 1.0)


class CutPool:
    """The cut points already in a model, to skip duplicates (same edge, y0 equal to
    ``CUT_DEDUP_REL`` relative)."""

    def __init__(self) -> None:
        self._points: dict[int, list[float]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._points.values())

    def add(self, k: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Record the new points among ``(k, y0)`` and return only those."""
        keep = np.zeros(k.size, dtype=bool)
        for i, (kk, yy) in enumerate(zip(k.tolist(), y0.tolist(), strict=True)):
            pts = self._points.setdefault(kk, [])
            if all(abs(yy - p) > CUT_DEDUP_REL * max(p, yy) for p in pts):
                pts.append(yy)
                keep[i] = True
        return k[keep], y0[keep]
