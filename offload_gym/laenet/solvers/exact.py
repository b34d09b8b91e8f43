"""Certified exact LAENet solver on HiGHS (SPEC-LAENET.md "Exact structure", "Reference
solvers" (b)). Two certified methods, chosen by ``method``:

* ``"oa"``: the spec's outer-approximation MILP (below);
* ``"partition"``: the exact set-partition MILP of :mod:`.partition` (one column per server
  and capacity-feasible user set, cost = water-filling Phi + transmission; dominated columns
  dropped). One MILP solve, no approximation; ~50x faster than OA at gs6-gs9.
* ``"auto"`` (default): partition, unless its enumeration would exceed
  ``partition.MAX_SUBSETS`` subsets (hand-made instances with many tiny-mu users on one
  server), then OA.

Both report LB = the MILP's dual bound (HiGHS, relative/absolute MIP gap gap_tol / 10) and
UB = the water-filling cost of the best assignment found, and say OPTIMAL only when
UB - LB <= gap_tol * max(1, UB).

OA: the MI-convex program and its perspective cuts are in :mod:`.oa_cuts`. The loop:

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

from offload_gym.core.errors import SolverError
from offload_gym.core.highs import new_highs, run_highs
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
from offload_gym.laenet.solvers.partition import Columns, enumerate_columns, partition_matrix
from offload_gym.laenet.waterfill import LOCAL, assignment_cost

NAME = "exact"
DEFAULT_GAP_TOL = 1e-7
MAX_ITERATIONS = 200
METHODS = ("auto", "partition", "oa")
# Hand the OA incumbent to HiGHS before each re-solve (measured: neutral at gs3, kept).
WARM_START = True
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
def _new_highs(gap_tol: float) -> highspy.Highs:
    """A silent HiGHS (threads as :mod:`offload_gym.core.highs` decides for the whole
    package) with MIP gaps gap_tol / 10 and tight tolerances."""
    return new_highs(mip_rel_gap=gap_tol * 0.1, mip_abs_gap=gap_tol * 0.1,
                     mip_feasibility_tolerance=1e-9, primal_feasibility_tolerance=1e-9)


def _run(h: highspy.Highs, time_left_s: float | None) -> tuple[str, float, np.ndarray | None]:
    """Solve; ``(outcome, dual_bound, col_values)`` with outcome optimal / infeasible /
    time_limit / "error: ..."."""
    h.setOptionValue("time_limit", float(time_left_s) if time_left_s is not None else _INF)
    run_highs(h)  # raises SolverError when HiGHS refuses to start (never a silent ERROR)
    st = h.getModelStatus()
    bound = float(h.getInfo().mip_dual_bound)
    sol = h.getSolution()
    values = np.asarray(sol.col_value) if sol.value_valid else None
    if st == highspy.HighsModelStatus.kOptimal:
        return "optimal", bound, values
    if st == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", bound, None
    if st == highspy.HighsModelStatus.kTimeLimit:
        return "time_limit", bound, values
    return f"error: {h.modelStatusToString(st)}", bound, values


def _lp(n_col: int, n_row: int, cost: np.ndarray, col_upper: np.ndarray,
        row_lower: np.ndarray, row_upper: np.ndarray, offset: float, start: np.ndarray,
        index: np.ndarray, value: np.ndarray, rowwise: bool, n_int: int) -> highspy.HighsLp:
    """A HighsLp from arrays; the first ``n_int`` columns are integer, all columns >= 0."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.offset_ = float(offset)
    m = lp.a_matrix_
    m.format_ = highspy.MatrixFormat.kRowwise if rowwise else highspy.MatrixFormat.kColwise
    m.start_ = np.asarray(start, dtype=np.int32)
    m.index_ = np.asarray(index, dtype=np.int32)
    m.value_ = np.asarray(value, dtype=np.float64)
    m.num_col_, m.num_row_ = n_col, n_row
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + \
        [highspy.HighsVarType.kContinuous] * (n_col - n_int)
    return lp


class _HighsOA:
    """One highspy model of the OA-MILP, kept across iterations (cuts are added as rows)."""

    def __init__(self, p: OAProblem, gap_tol: float) -> None:
        self.p = p
        f = p.n_edges
        lower, upper, start, index, value, n_rows = structural_rows(p)
        lp = _lp(3 * f, int(n_rows), np.concatenate([p.cost_x, np.zeros(f), np.ones(f)]),
                 np.concatenate([np.ones(2 * f), np.full(f, _INF)]), lower, upper,
                 p.constant, np.append(start, index.size), index, value, True, f)
        self.h = _new_highs(gap_tol)
        self.h.passModel(lp)
        self.pool = CutPool()

    def set_incumbent(self, choice: np.ndarray) -> None:
        """Give HiGHS the feasible point of an assignment: x, water-filling y, t = c x / y
        (every perspective cut holds there: they under-estimate c x^2 / y)."""
        p = self.p
        x = p.x_from_choice(choice)
        _, share = assignment_cost(p.derived, choice)
        y = np.where(x > 0.5, np.nan_to_num(share[p.user], nan=0.0), 0.0)
        t = np.where(x > 0.5, p.c / np.where(y > 0, y, 1.0), 0.0)
        values = np.concatenate([x, y, t])
        self.h.setSolution(values.size, np.arange(values.size, dtype=np.int32), values)

    def add_cuts(self, k: np.ndarray, y0: np.ndarray) -> int:
        """Add the cuts at the new points among (k, y0); returns how many were new."""
        k, y0 = self.pool.add(np.asarray(k, dtype=np.int64), np.asarray(y0, dtype=np.float64))
        if k.size:
            start, index, value = cut_rows(self.p, k, y0)
            self.h.addRows(k.size, np.zeros(k.size), np.full(k.size, _INF), index.size,
                           start, index, value)
        return int(k.size)


def _gap(lb: float, ub: float) -> float:
    """The certified quantity (UB - LB) / max(1, UB) (inf without both bounds)."""
    if not (math.isfinite(lb) and math.isfinite(ub)):
        return math.inf
    return max(0.0, ub - lb) / max(1.0, abs(ub))


class _Result:
    """What a method found: status, best assignment, bounds, MILP solves."""

    def __init__(self, status: Status, choice: np.ndarray | None = None,
                 lb: float = -math.inf, ub: float = math.inf, iterations: int = 0) -> None:
        self.status, self.choice, self.lb, self.ub = status, choice, lb, ub
        self.iterations = iterations


def solve_exact(scenario: Scenario, *, time_limit_s: float | None = None,
                gap_tol: float = DEFAULT_GAP_TOL, method: str = "auto") -> Solution:
    """Certified optimum of ``scenario`` (module docstring); ``method`` is "auto",
    "partition" or "oa".

    OPTIMAL only when UB - LB <= gap_tol * max(1, UB); TIME_LIMIT (best assignment so far,
    if any) when ``time_limit_s`` runs out; INFEASIBLE when no assignment fits. Fields
    ``lower_bound``, ``upper_bound``, ``gap`` (= (UB - LB) / max(1, UB)) and ``iterations``
    (MILP solves) are filled when known. Shares are the water-filling shares.
    """
    if method not in METHODS:
        raise SolverError(f"unknown exact method {method!r} (known: {', '.join(METHODS)})")
    if time_limit_s is not None and not time_limit_s > 0:
        raise SolverError(f"time_limit_s must be > 0, got {time_limit_s}")
    t0 = time.perf_counter()
    d = derive(scenario)
    p = build_problem(d)
    deadline = None if time_limit_s is None else t0 + time_limit_s

    if p.stuck_users.size:
        res = _Result(Status.INFEASIBLE)
    elif p.n_edges == 0:  # nobody can offload; every user may run locally
        choice = np.full(d.n_users, LOCAL, dtype=np.int64)
        cost, _ = assignment_cost(d, choice)
        res = _Result(Status.OPTIMAL, choice, cost, cost)
    else:
        cols = enumerate_columns(p) if method in ("auto", "partition") else None
        if method == "partition" and cols is None:
            raise SolverError("too many columns for the partition method; use method='oa'")
        res = (_solve_partition(p, cols, gap_tol, deadline) if cols is not None
               else _solve_oa(p, gap_tol, deadline))
    if res.status == Status.OPTIMAL:
        res.lb = min(res.lb, res.ub)
    gap = _gap(res.lb, res.ub)
    return make_solution(
        scenario, None if res.choice is None else res.choice.tolist(), None, solver=NAME,
        status=res.status, wall_time_s=time.perf_counter() - t0,
        lower_bound=res.lb if math.isfinite(res.lb) else None,
        upper_bound=res.ub if math.isfinite(res.ub) else None,
        gap=gap if math.isfinite(gap) else None, iterations=res.iterations)


def _time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _certified(lb: float, ub: float, gap_tol: float) -> bool:
    return ub - lb <= gap_tol * max(1.0, abs(ub))


def _solve_partition(p: OAProblem, cols: Columns, gap_tol: float,
                     deadline: float | None) -> _Result:
    """One exact set-partition MILP (:mod:`.partition`)."""
    d = p.derived
    start, index, lower, upper, _ = partition_matrix(p, cols)
    n = cols.n_columns
    lp = _lp(n, lower.size, cols.cost, np.ones(n), lower, upper, p.constant, start, index,
             np.ones(index.size), False, n)
    h = _new_highs(gap_tol)
    h.passModel(lp)
    left = _time_left(deadline)
    if left is not None and left <= 0:
        return _Result(Status.TIME_LIMIT)
    outcome, bound, values = _run(h, left)
    if outcome == "infeasible":
        return _Result(Status.INFEASIBLE, iterations=1)
    lb = bound if math.isfinite(bound) else -math.inf
    choice, ub = None, math.inf
    if values is not None:
        choice = cols.choice(p, values)
        ub, _ = assignment_cost(d, choice)
        if not math.isfinite(ub):
            choice = None
    if outcome == "time_limit":
        return _Result(Status.TIME_LIMIT, choice, lb, ub, 1)
    if outcome == "optimal" and choice is not None and _certified(lb, ub, gap_tol):
        return _Result(Status.OPTIMAL, choice, lb, ub, 1)
    return _Result(Status.ERROR if choice is None else Status.FEASIBLE, choice, lb, ub, 1)


def _solve_oa(p: OAProblem, gap_tol: float, deadline: float | None,
              warm_start: bool = WARM_START) -> _Result:
    """The spec's OA loop on one incrementally grown highspy model; with ``warm_start`` the
    incumbent (x, water-filling y, t = c x / y) is handed to HiGHS before each re-solve."""
    d = p.derived
    model = _HighsOA(p, gap_tol)
    model.add_cuts(*initial_cut_points(p))
    f = p.n_edges
    res = _Result(Status.ERROR)
    while True:
        left = _time_left(deadline)
        if left is not None and left <= 0:
            res.status = Status.TIME_LIMIT
            return res
        outcome, bound, values = _run(model.h, left)
        res.iterations += 1
        if outcome == "infeasible":
            return _Result(Status.INFEASIBLE, iterations=res.iterations)
        if math.isfinite(bound):
            res.lb = max(res.lb, bound)
        share = None
        if values is not None:
            x, y = values[:f], values[f:2 * f]
            choice = p.choice_from_x(x)
            cost, share = assignment_cost(d, choice)
            if cost < res.ub:
                res.ub, res.choice = cost, choice
        if outcome == "time_limit":
            res.status = Status.TIME_LIMIT
            return res
        if outcome != "optimal" or values is None or share is None:
            res.status = Status.ERROR if res.choice is None else Status.FEASIBLE
            return res
        if _certified(res.lb, res.ub, gap_tol):
            res.status = Status.OPTIMAL
            return res
        n_new = model.add_cuts(*iteration_cut_points(p, x, y, share))
        if warm_start and res.choice is not None:
            model.set_incumbent(res.choice)
        if n_new == 0 or res.iterations >= MAX_ITERATIONS:  # stalled: not certified
            res.status = Status.FEASIBLE
            return res
