"""Certified exact LAENet solver: outer-approximation MILP on HiGHS (SPEC-LAENET.md "Exact
structure", "Reference solvers" (b)).

The MI-convex program and its perspective cuts are in :mod:`.oa_cuts`. The loop:

1. one highspy model (built from numpy arrays, rows added incrementally) with 6 cuts per
   edge at y0 geometric in [mu_e, 1];
2. solve the MILP; its dual bound is a LOWER bound on the optimum (the cuts under-estimate
   c x^2 / y everywhere);
3. the MILP's assignment, re-costed with water-filling shares
   (:func:`~offload_gym.laenet.waterfill.assignment_cost`), is feasible: an UPPER bound;
4. stop when UB - LB <= gap_tol * max(1, UB) (certified), else add cuts at the MILP's y and
   at the water-filling y of the chosen edges and go to 2.

Statuses: OPTIMAL only with a certified gap; TIME_LIMIT when ``time_limit_s`` runs out (best
assignment so far, LB, UB and gap reported; no assignment if none was found yet);
INFEASIBLE when the MILP is infeasible (the forced users cannot be packed; the cuts never
cut off a feasible assignment, so this is exact); ERROR on any other HiGHS outcome.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from offload_gym.core.status import Status
from offload_gym.laenet.evaluate import make_solution
from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.solvers.oa_cuts import (
    CutPool,
    OAProblem,
    build_problem,
    cut_coefficients,
    initial_cut_points,
    iteration_cut_points,
)
from offload_gym.laenet.waterfill import LOCAL, assignment_cost

NAME = "exact"
DEFAULT_GAP_TOL = 1e-7
MAX_ITERATIONS = 200
_INF = highspy.kHighsInf


# ---------------------------------------------------------------------------- model data
def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
         n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise (start, index, value) of a sparse matrix given as triplets."""
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.searchsorted(rows, np.arange(n_rows)).astype(np.int32)
    return start, cols.astype(np.int32), vals.astype(np.float64)


def structural_rows(p: OAProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                           np.ndarray, np.ndarray]:
    """``(lower, upper, start, index, value, n_rows)``-style data of the structural rows:
    per user lo_u <= sum x <= 1, per server sum y <= 1, mu x - y <= 0, y - x <= 0."""
    f = p.n_edges
    k = np.arange(f)
    users, u_row = np.unique(p.user, return_inverse=True)
    servers, s_row = np.unique(p.server, return_inverse=True)
    n_u, n_s = users.size, servers.size
    r_link = n_u + n_s + k  # mu x - y <= 0
    r_cap = n_u + n_s + f + k  # y - x <= 0
    rows = np.concatenate([u_row, n_u + s_row, r_link, r_link, r_cap, r_cap])
    cols = np.concatenate([k, f + k, k, f + k, k, f + k])
    vals = np.concatenate([np.ones(f), np.ones(f), p.mu, -np.ones(f), -np.ones(f), np.ones(f)])
    n_rows = n_u + n_s + 2 * f
    lower = np.concatenate([p.user_lower[users], np.full(n_s + 2 * f, -_INF)])
    upper = np.concatenate([np.ones(n_u + n_s), np.zeros(2 * f)])
    start, index, value = _csr(rows, cols, vals, n_rows)
    return lower, upper, start, index, value, np.array(n_rows)


def cut_rows(p: OAProblem, k: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """(start, index, value) of the cut rows t_k - a_x x_k - a_y y_k >= 0 at points (k, y0);
    three entries per row, in column order x, y, t."""
    f = p.n_edges
    a_x, a_y = cut_coefficients(p.c[k], y0)
    n = k.size
    index = np.column_stack([k, f + k, 2 * f + k]).ravel().astype(np.int32)
    value = np.column_stack([-a_x, -a_y, np.ones(n)]).ravel()
    start = (3 * np.arange(n)).astype(np.int32)
    return start, index, value


# ---------------------------------------------------------------------------- the solver
class _HighsOA:
    """One highspy model of the OA-MILP, kept across iterations (cuts are added as rows)."""

    def __init__(self, p: OAProblem, gap_tol: float) -> None:
        self.p = p
        f = p.n_edges
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", gap_tol * 0.1)
        h.setOptionValue("mip_abs_gap", gap_tol * 0.1)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("threads", 1)
        lower, upper, start, index, value, n_rows = structural_rows(p)
        lp = highspy.HighsLp()
        lp.num_col_ = 3 * f
        lp.num_row_ = int(n_rows)
        lp.col_cost_ = np.concatenate([p.cost_x, np.zeros(f), np.ones(f)])
        lp.col_lower_ = np.zeros(3 * f)
        lp.col_upper_ = np.concatenate([np.ones(2 * f), np.full(f, _INF)])
        lp.row_lower_ = lower
        lp.row_upper_ = upper
        lp.offset_ = p.constant
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.append(start, index.size).astype(np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        lp.a_matrix_.num_col_ = 3 * f
        lp.a_matrix_.num_row_ = int(n_rows)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * f + \
            [highspy.HighsVarType.kContinuous] * (2 * f)
        h.passModel(lp)
        self.h = h
        self.pool = CutPool()

    def add_cuts(self, k: np.ndarray, y0: np.ndarray) -> int:
        """Add the cuts at the new points among (k, y0); returns how many were new."""
        k, y0 = self.pool.add(np.asarray(k, dtype=np.int64), np.asarray(y0, dtype=np.float64))
        if k.size:
            start, index, value = cut_rows(self.p, k, y0)
            self.h.addRows(k.size, np.zeros(k.size), np.full(k.size, _INF), index.size,
                           start, index, value)
        return int(k.size)

    def solve(self, time_left_s: float | None) -> tuple[str, float, np.ndarray | None]:
        """``(outcome, dual_bound, col_values)``; outcome in optimal / infeasible /
        time_limit / error."""
        h = self.h
        h.setOptionValue("time_limit", float(time_left_s) if time_left_s is not None
                         else _INF)
        h.run()
        st = h.getModelStatus()
        info = h.getInfo()
        bound = float(info.mip_dual_bound)
        sol = h.getSolution()
        values = np.asarray(sol.col_value) if sol.value_valid else None
        if st == highspy.HighsModelStatus.kOptimal:
            return "optimal", bound, values
        if st == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", bound, None
        if st == highspy.HighsModelStatus.kTimeLimit:
            return "time_limit", bound, values
        return f"error: {h.modelStatusToString(st)}", bound, values


def _gap(lb: float, ub: float) -> float:
    """The certified quantity (UB - LB) / max(1, UB) (inf without both bounds)."""
    if not (math.isfinite(lb) and math.isfinite(ub)):
        return math.inf
    return max(0.0, ub - lb) / max(1.0, abs(ub))


def solve_exact(scenario: Scenario, *, time_limit_s: float | None = None,
                gap_tol: float = DEFAULT_GAP_TOL) -> Solution:
    """Certified optimum of ``scenario`` by the OA-MILP (module docstring).

    OPTIMAL when UB - LB <= gap_tol * max(1, UB); ``lower_bound``, ``upper_bound``, ``gap``
    (= (UB - LB) / max(1, UB)) and ``iterations`` (MILP solves) are always filled when known.
    """
    t0 = time.perf_counter()
    d = derive(scenario)
    p = build_problem(d)

    def done(choice: np.ndarray | None, status: Status, lb: float, ub: float,
             iterations: int) -> Solution:
        lb_r = lb if math.isfinite(lb) else None
        ub_r = ub if math.isfinite(ub) else None
        gap = _gap(lb, ub)
        return make_solution(scenario, None if choice is None else choice.tolist(), None,
                             NAME, status, time.perf_counter() - t0, lower_bound=lb_r,
                             upper_bound=ub_r, gap=gap if math.isfinite(gap) else None,
                             iterations=iterations)

    if p.stuck_users.size:
        return done(None, Status.INFEASIBLE, -math.inf, math.inf, 0)
    if p.n_edges == 0:  # nobody can offload; every user may run locally
        choice = np.full(d.n_users, LOCAL, dtype=np.int64)
        cost, _ = assignment_cost(d, choice)
        return done(choice, Status.OPTIMAL, cost, cost, 0)

    model = _HighsOA(p, gap_tol)
    model.add_cuts(*initial_cut_points(p))
    lb, ub = -math.inf, math.inf
    best: np.ndarray | None = None
    iterations = 0
    while True:
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            return done(best, Status.TIME_LIMIT, lb, ub, iterations)
        outcome, bound, values = model.solve(left)
        iterations += 1
        if outcome == "infeasible":
            return done(None, Status.INFEASIBLE, -math.inf, math.inf, iterations)
        if math.isfinite(bound):
            lb = max(lb, bound)
        if values is not None:
            f = p.n_edges
            x, y = values[:f], values[f:2 * f]
            choice = p.choice_from_x(x)
            cost, share = assignment_cost(d, choice)
            if cost < ub:
                ub, best = cost, choice
        if outcome == "time_limit":
            return done(best, Status.TIME_LIMIT, lb, ub, iterations)
        if outcome != "optimal" or values is None:
            return done(best, Status.ERROR, lb, ub, iterations)
        if ub - lb <= gap_tol * max(1.0, abs(ub)):
            return done(best, Status.OPTIMAL, min(lb, ub), ub, iterations)
        n_new = model.add_cuts(*iteration_cut_points(p, x, y, share))
        if n_new == 0 or iterations >= MAX_ITERATIONS:  # stalled: not certified
            return done(best, Status.FEASIBLE, lb, ub, iterations)
