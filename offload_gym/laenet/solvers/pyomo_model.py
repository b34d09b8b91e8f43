"""LAENet as a Pyomo model, any installed solver by name (SPEC-LAENET.md "Exact structure").

The MI-convex program of :mod:`.oa_cuts` (x_e binary, y_e in [0, 1], t_e >= 0 per feasible
edge; per-user sum x <= 1 (= 1 if forced), per-server sum y <= 1, mu x <= y <= x), solved in
one of two formulations:

* ``"cone"`` (default for SCIP / Gurobi): the perspective constraint t_e y_e >= J_exe_e x_e^2
  written directly (a rotated second-order cone; SCIP treats it as a convex nonlinear
  constraint), with t_e <= J_exe_e / mu_e (valid: at x = 1, t = c / y <= c / mu; at x = 0,
  t = 0). One solve.
* ``"oa"`` (default for MILP-only solvers such as ``appsi_highs``, ``highs``, ``cbc``,
  ``glpk``, ``cplex``): the spec's outer-approximation loop with the SAME cuts as
  :mod:`.exact` (:func:`~.oa_cuts.initial_cut_points`, :func:`~.oa_cuts.iteration_cut_points`)
  added to a ``ConstraintList``: MILP dual bound = LB, water-filling cost of its assignment
  = UB, stop at UB - LB <= gap_tol * max(1, UB).

The solver is made and run by :mod:`offload_gym.core.pyomo_utils` (``make_solver``,
``solve_model``: termination conditions mapped explicitly to statuses). Whatever the
backend says, the returned assignment is re-costed through ``evaluate`` with water-filling
shares; UB is that cost, LB the backend's proven bound, ``gap`` = (UB - LB) / max(1, UB).
OPTIMAL only when the backend says optimal AND the gap is within tolerance (``gap_tol`` for
OA; ``cone_gap_tol`` = 1e-6 for the cone, whose backends check the nonlinear constraint at
their feasibility tolerance ~1e-6); otherwise FEASIBLE / TIME_LIMIT / INFEASIBLE / ERROR.
An unknown or unavailable solver name raises SolverError naming it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from offload_gym.core.errors import SolverError
from offload_gym.core.pyomo_utils import make_solver, solve_model
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

NAME = "pyomo"
DEFAULT_PYOMO_SOLVER = "scip_direct"
CONE_SOLVERS = frozenset({"scip_direct", "scip_persistent", "gurobi", "gurobi_direct"})
FORMULATIONS = ("auto", "cone", "oa")
DEFAULT_GAP_TOL = 1e-7
CONE_GAP_TOL = 1e-6
MAX_ITERATIONS = 200


def build_model(p: OAProblem, formulation: str) -> Any:
    """The Pyomo model of ``p``: variables x, y, t over the variable edges ``m.K``, the
    structural constraints, and either the cone constraints ``m.cone`` ("cone") or an empty
    ``m.cuts`` ConstraintList to be filled with perspective cuts ("oa")."""
    import pyomo.environ as pyo

    f = p.n_edges
    m = pyo.ConcreteModel(name="laenet")
    m.K = pyo.RangeSet(0, f - 1)
    m.x = pyo.Var(m.K, within=pyo.Binary)
    m.y = pyo.Var(m.K, bounds=(0.0, 1.0))
    t_up = p.c / p.mu
    m.t = pyo.Var(m.K, bounds=lambda _m, k: (0.0, float(t_up[k])))
    users = np.unique(p.user)
    servers = np.unique(p.server)
    by_user = {int(u): np.flatnonzero(p.user == u).tolist() for u in users}
    by_server = {int(s): np.flatnonzero(p.server == s).tolist() for s in servers}
    m.user_rows = pyo.Constraint(
        users.tolist(),
        rule=lambda _m, u: (float(p.user_lower[u]), sum(_m.x[k] for k in by_user[u]), 1.0))
    m.server_rows = pyo.Constraint(
        servers.tolist(), rule=lambda _m, s: sum(_m.y[k] for k in by_server[s]) <= 1.0)
    m.deadline = pyo.Constraint(m.K, rule=lambda _m, k: float(p.mu[k]) * _m.x[k] <= _m.y[k])
    m.unused = pyo.Constraint(m.K, rule=lambda _m, k: _m.y[k] <= _m.x[k])
    m.obj = pyo.Objective(
        expr=p.constant + sum(float(p.cost_x[k]) * m.x[k] + m.t[k] for k in range(f)),
        sense=pyo.minimize)
    if formulation == "cone":
        m.cone = pyo.Constraint(
            m.K, rule=lambda _m, k: _m.t[k] * _m.y[k] >= float(p.c[k]) * _m.x[k] ** 2)
    else:
        m.cuts = pyo.ConstraintList()
    return m


def add_cuts(m: Any, p: OAProblem, pool: CutPool, k: np.ndarray, y0: np.ndarray) -> int:
    """Add the perspective cuts t_k >= a_x x_k + a_y y_k at the new points of (k, y0)
    (:func:`~.oa_cuts.cut_coefficients`) to ``m.cuts``; returns how many were new."""
    k, y0 = pool.add(np.asarray(k, dtype=np.int64), np.asarray(y0, dtype=np.float64))
    a_x, a_y = cut_coefficients(p.c[k], y0)
    for kk, ax, ay in zip(k.tolist(), a_x.tolist(), a_y.tolist(), strict=True):
        m.cuts.add(m.t[kk] >= ax * m.x[kk] + ay * m.y[kk])
    return int(k.size)


def _values(m: Any, var: Any, f: int) -> np.ndarray:
    import pyomo.environ as pyo

    return np.array([pyo.value(var[k], exception=False) or 0.0 for k in range(f)])


def solve_pyomo(scenario: Scenario, *, pyomo_solver: str = DEFAULT_PYOMO_SOLVER,
                time_limit_s: float | None = None, formulation: str = "auto",
                gap_tol: float = DEFAULT_GAP_TOL, cone_gap_tol: float = CONE_GAP_TOL
                ) -> Solution:
    """Solve ``scenario`` with Pyomo and the solver named ``pyomo_solver`` (module
    docstring). ``formulation``: "auto" (cone for SCIP / Gurobi, else OA), "cone" or "oa".
    ``time_limit_s``: the overall wall-clock budget. Solver name in the Solution: "pyomo"."""
    if formulation not in FORMULATIONS:
        raise SolverError(f"unknown formulation {formulation!r} (known: {FORMULATIONS})")
    if time_limit_s is not None and not time_limit_s > 0:
        raise SolverError(f"time_limit_s must be > 0, got {time_limit_s}")
    if formulation == "auto":
        formulation = "cone" if pyomo_solver in CONE_SOLVERS else "oa"
    t0 = time.perf_counter()
    # Raises SolverError for an unknown / unavailable name before any work is done. The
    # first call imports Pyomo (seconds): the time limit starts after it.
    solver = make_solver(pyomo_solver, time_limit_s=time_limit_s,
                         mip_rel_gap=gap_tol * 0.1)
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    d = derive(scenario)
    p = build_problem(d)

    status, choice, lb, ub, iterations = Status.ERROR, None, -math.inf, math.inf, 0
    if p.stuck_users.size:
        status = Status.INFEASIBLE
    elif p.n_edges == 0:
        choice = np.full(d.n_users, LOCAL, dtype=np.int64)
        lb = ub = assignment_cost(d, choice)[0]
        status = Status.OPTIMAL
    elif formulation == "cone":
        status, choice, lb, ub = _solve_cone(p, solver, deadline, cone_gap_tol)
        iterations = 1
    else:
        status, choice, lb, ub, iterations = _solve_oa(p, solver, deadline, gap_tol)
    if status == Status.OPTIMAL:
        lb = min(lb, ub)
    gap = (max(0.0, ub - lb) / max(1.0, abs(ub))
           if math.isfinite(lb) and math.isfinite(ub) else None)
    return make_solution(
        scenario, None if choice is None else choice.tolist(), None, solver=NAME,
        status=status, wall_time_s=time.perf_counter() - t0,
        lower_bound=lb if math.isfinite(lb) else None,
        upper_bound=ub if math.isfinite(ub) else None, gap=gap, iterations=iterations)


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _solve_cone(p: OAProblem, solver: Any, deadline: float | None, gap_tol: float
                ) -> tuple[Status, np.ndarray | None, float, float]:
    """One solve of the cone model; (status, choice, LB, UB)."""
    m = build_model(p, "cone")
    left = _left(deadline)
    if left is not None and left <= 0:
        return Status.TIME_LIMIT, None, -math.inf, math.inf
    out = solve_model(m, solver, time_limit_s=left, bounded=True)
    if out.status == Status.INFEASIBLE:
        return Status.INFEASIBLE, None, -math.inf, math.inf
    lb = out.bound if out.bound is not None else -math.inf
    choice, ub = None, math.inf
    if out.objective is not None:
        choice = p.choice_from_x(_values(m, m.x, p.n_edges))
        ub, _ = assignment_cost(p.derived, choice)
        if not math.isfinite(ub):
            choice = None  # the backend's point violates capacity: not a solution
    if out.status == Status.OPTIMAL:
        if choice is None:
            return Status.ERROR, None, lb, math.inf
        ok = ub - lb <= gap_tol * max(1.0, abs(ub))
        return (Status.OPTIMAL if ok else Status.FEASIBLE), choice, lb, ub
    if out.status == Status.TIME_LIMIT:
        return Status.TIME_LIMIT, choice, lb, ub
    return (Status.ERROR if choice is None else Status.FEASIBLE), choice, lb, ub


def _solve_oa(p: OAProblem, solver: Any, deadline: float | None, gap_tol: float
              ) -> tuple[Status, np.ndarray | None, float, float, int]:
    """The OA loop through Pyomo; (status, choice, LB, UB, MILP solves)."""
    m = build_model(p, "oa")
    pool = CutPool()
    add_cuts(m, p, pool, *initial_cut_points(p))
    lb, ub, best, it = -math.inf, math.inf, None, 0
    f = p.n_edges
    while True:
        left = _left(deadline)
        if left is not None and left <= 0:
            return Status.TIME_LIMIT, best, lb, ub, it
        out = solve_model(m, solver, time_limit_s=left, bounded=True)
        it += 1
        if out.status == Status.INFEASIBLE:
            return Status.INFEASIBLE, None, -math.inf, math.inf, it
        if out.bound is not None:
            lb = max(lb, out.bound)
        share = None
        if out.objective is not None:
            x, y = _values(m, m.x, f), _values(m, m.y, f)
            choice = p.choice_from_x(x)
            cost, share = assignment_cost(p.derived, choice)
            if cost < ub:
                ub, best = cost, choice
        if out.status == Status.TIME_LIMIT:
            return Status.TIME_LIMIT, best, lb, ub, it
        if out.status != Status.OPTIMAL or share is None:
            return (Status.ERROR if best is None else Status.FEASIBLE), best, lb, ub, it
        if ub - lb <= gap_tol * max(1.0, abs(ub)):
            return Status.OPTIMAL, best, lb, ub, it
        if add_cuts(m, p, pool, *iteration_cut_points(p, x, y, share)) == 0 \
                or it >= MAX_ITERATIONS:
            return Status.FEASIBLE, best, lb, ub, it
