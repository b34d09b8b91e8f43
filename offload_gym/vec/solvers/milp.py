"""Problem P as Pyomo MILPs, one small model per band share m (SPEC-VEC "Reference solvers").

Solver-agnostic (HiGHS through ``appsi_highs`` by default; any name accepted by
:func:`offload_gym.core.pyomo_utils.make_solver`). Pyomo is imported here only; this module
is loaded lazily through the solver registry, so ``import offload_gym.vec`` stays free of it.

For a fixed m = |S| the per-Gbit costs c_i(m) = beta_i + m tau_i are constants, so each m
gives a small MILP over the available RSUs A (all of them, or the MobCheck survivors when
``mobcheck=True``). With T_best the best completion time found so far (initially the vehicle
alone, T_loc = Q beta_0) and the tight bound U_i = min(Q, e_i/c_i(m), T_best/c_i(m)):

    min T
    s.t. sum_{i in A} x_i = m,                 x_i in {0, 1}
         q_0 + sum_{i in A} q_i = Q,           0 <= q_0 <= min(Q, T_best/beta_0)
         q_0 beta_0 <= T,   q_i c_i(m) <= T,   0 <= T <= T_best
         0 <= q_i <= U_i x_i

``optimal`` rule: the bound q_i <= (e_i/c_i(m)) x_i is the constraint q_i c_i(m) <= e_i x_i
(a selected RSU finishes before it leaves range), so nothing else is needed.

``equal_finish`` rule: every selected node finishes exactly at T and stays in range until T:

    q_0 beta_0 = T,   q_i c_i(m) >= T - M (1 - x_i),   T <= e_i + M_i (1 - x_i)

with the smallest valid big-Ms, M = T_best (the upper bound of T; an unselected RSU has
q_i = 0) and M_i = T_best - e_i (the constraint is dropped when e_i >= T_best).

Because T <= T_best, the model of an m that cannot beat T_best is infeasible, which settles
that m. Models are solved in increasing order of the mobility-free relaxation
LB(m) = Q / (1/beta_0 + top-m sum of 1/c_i(m)) (the equal-finish time of the m cheapest
RSUs, ignoring exit times: a valid lower bound for both rules), and an m with
LB(m) >= T_best is skipped as proven. The selection x of every optimal model is re-timed
exactly by :func:`offload_gym.vec.allocation.allocate` and the final answer re-checked by
:func:`offload_gym.vec.evaluate.make_solution`.

Statuses: every m settled -> OPTIMAL, or INFEASIBLE when even the best completion time
misses the deadline (as the exact solver); the overall ``time_limit_s`` budget runs out ->
TIME_LIMIT with the best solution so far, ``lower_bound_s`` = the least bound over the m's
not settled (and T_best) and ``gap`` = (T_best - bound) / T_best; a backend error or an
unknown termination -> ERROR with the best solution so far (never silently OPTIMAL).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from offload_gym.core.errors import SolverError
from offload_gym.core.pyomo_utils import DEFAULT_SOLVER, make_solver, solve_model
from offload_gym.core.status import Status
from offload_gym.vec.allocation import allocate, check_rule
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.physics import VecPhysics, derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

logger = logging.getLogger(__name__)

SOLVER_NAME = "milp"
# The MILP must prove optimality outright, not within the backends' default 1e-4 gap.
MIP_REL_GAP = 0.0
# A model's T may not beat the exact time of its selection, and at an optimum must equal it
# (same LP once x is fixed); a larger difference means the backend stretched its
# tolerances, reported as Status.ERROR.
OBJECTIVE_RTOL = 1e-6


def relaxation_bounds(phys: VecPhysics, available: np.ndarray) -> np.ndarray:
    """LB(m) for m = 1..|A| (index m - 1): the equal-finish time of the m RSUs of A with the
    smallest c_i(m), exit times ignored. For either rule no selection of size m is faster."""
    cand = np.flatnonzero(available)
    k = len(cand)
    if k == 0:
        return np.zeros(0)
    ms = np.arange(1, k + 1)
    cost = phys.cost(ms)[:, cand]  # [k, |A|]: c_i(m)
    rank = np.argsort(np.argsort(cost, axis=-1, kind="stable"), axis=-1)
    masks = np.zeros((k, phys.n_rsus), dtype=bool)
    masks[:, cand] = rank < ms[:, None]
    return np.asarray(allocate(phys, masks, "equal_finish").time_s, dtype=np.float64)


def build_model(phys: VecPhysics, candidates: np.ndarray, m: int, rule: str,
                t_best_s: float):
    """The MILP for band share ``m`` over the RSUs ``candidates`` (module docstring)."""
    import pyomo.environ as pyo

    size = float(phys.size_gbit)
    beta0 = float(phys.beta0_s_per_gbit)
    cost = np.asarray(phys.cost(m))[candidates]
    exit_s = np.asarray(phys.exit_time_s)[candidates]
    with np.errstate(over="ignore"):
        upper = np.minimum(np.minimum(size, exit_s / cost), t_best_s / cost)
    idx = range(len(candidates))

    model = pyo.ConcreteModel(name=f"vec_m{m}_{rule}")
    model.I = pyo.Set(initialize=idx, ordered=True)
    model.x = pyo.Var(model.I, domain=pyo.Binary)
    model.q = pyo.Var(model.I, bounds=lambda _, i: (0.0, float(upper[i])))
    model.q0 = pyo.Var(bounds=(0.0, min(size, t_best_s / beta0)))
    model.T = pyo.Var(bounds=(0.0, t_best_s))
    model.obj = pyo.Objective(expr=model.T, sense=pyo.minimize)
    model.count = pyo.Constraint(expr=sum(model.x[i] for i in idx) == m)
    model.total = pyo.Constraint(expr=model.q0 + sum(model.q[i] for i in idx) == size)
    model.link = pyo.Constraint(model.I, rule=lambda mdl, i: mdl.q[i] <= upper[i] * mdl.x[i])
    model.finish = pyo.Constraint(model.I, rule=lambda mdl, i: mdl.q[i] * cost[i] <= mdl.T)
    if rule == "optimal":
        model.finish0 = pyo.Constraint(expr=model.q0 * beta0 <= model.T)
    else:
        big_m = t_best_s
        model.finish0 = pyo.Constraint(expr=model.q0 * beta0 == model.T)
        model.equal = pyo.Constraint(
            model.I, rule=lambda mdl, i: mdl.q[i] * cost[i] >= mdl.T - big_m * (1 - mdl.x[i]))
        leaving = [i for i in idx if exit_s[i] < t_best_s]
        model.in_range = pyo.Constraint(
            leaving, rule=lambda mdl, i: mdl.T <= exit_s[i] + (t_best_s - exit_s[i])
            * (1 - mdl.x[i]))
    return model


def _selection(model, candidates: np.ndarray, n_rsus: int) -> np.ndarray:
    import pyomo.environ as pyo

    mask = np.zeros(n_rsus, dtype=bool)
    for pos, i in enumerate(candidates):
        mask[i] = (pyo.value(model.x[pos], exception=False) or 0.0) > 0.5
    return mask


def solve_milp(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False,
               pyomo_solver: str = DEFAULT_SOLVER, time_limit_s: float | None = None, *,
               prune: bool = True) -> Solution:
    """Solve problem P under ``rule`` with one Pyomo MILP per band share m.

    ``pyomo_solver``: a name for :func:`~offload_gym.core.pyomo_utils.make_solver` (unknown or
    unavailable names raise SolverError). ``time_limit_s``: overall wall-clock budget across
    the m models (None: no limit). ``prune=False`` solves the model of every m instead of
    skipping those whose relaxation bound LB(m) cannot beat T_best (slower; it makes the MILP
    a cross-check independent of the closed form, used by the tests). Returns a vec Solution
    with solver name "milp" (statuses in the module docstring)."""
    check_rule(rule)
    if time_limit_s is not None and not time_limit_s > 0:
        raise SolverError(f"time_limit_s must be > 0, got {time_limit_s}")
    start = time.perf_counter()
    stop_at = math.inf if time_limit_s is None else start + float(time_limit_s)
    solver = make_solver(pyomo_solver, mip_rel_gap=MIP_REL_GAP)
    if pyomo_solver in ("appsi_highs", "highs"):
        # HiGHS also stops at an ABSOLUTE gap of 1e-6 by default, which is 1e-5 relative
        # for completion times of ~0.1 s: require the exact optimum instead.
        solver.options["mip_abs_gap"] = 0.0
    phys = derive(scenario)
    n = scenario.n_rsus
    available = phys.mobcheck() if mobcheck else np.ones(n, dtype=bool)
    candidates = np.flatnonzero(available)

    best_mask = np.zeros(n, dtype=bool)  # m = 0: the vehicle alone
    best_t = float(allocate(phys, best_mask, rule).time_s)
    bounds = relaxation_bounds(phys, available)
    open_bounds: list[float] = []  # proven bounds of the m's left unsettled
    status: Status | None = None
    order = np.argsort(bounds, kind="stable")
    for pos, m_idx in enumerate(order):
        m = int(m_idx) + 1
        if prune and bounds[m_idx] >= best_t:  # sorted: no later m can improve either
            break
        remaining_s = stop_at - time.perf_counter()
        if remaining_s <= 0:
            status = Status.TIME_LIMIT
            open_bounds += [float(b) for b in bounds[order[pos:]] if b < best_t]
            break
        model = build_model(phys, candidates, m, rule, best_t)
        outcome = solve_model(model, solver, bounded=True,
                              time_limit_s=None if math.isinf(stop_at) else remaining_s)
        if outcome.status is Status.INFEASIBLE:
            continue  # no selection of size m beats best_t (or none is admissible)
        problem = None
        if outcome.objective is not None:
            mask = _selection(model, candidates, n)
            alloc = allocate(phys, mask, rule)
            t = float(alloc.time_s)
            if not (bool(alloc.mobility_ok) and int(mask.sum()) == m):
                problem = f"m = {m}: the MILP's selection is not a valid one of size {m}"
            elif (t - outcome.objective > OBJECTIVE_RTOL * t
                  or (outcome.status is Status.OPTIMAL
                      and outcome.objective - t > OBJECTIVE_RTOL * t)):
                problem = (f"m = {m}: MILP objective {outcome.objective:.17g} s disagrees "
                           f"with the re-timed selection, {t:.17g} s")
            elif t < best_t:
                best_t, best_mask = t, mask
        if problem is None and outcome.status is Status.OPTIMAL:
            continue
        if problem is None and outcome.status is Status.TIME_LIMIT:
            status = Status.TIME_LIMIT
            model_bound = outcome.bound if outcome.bound is not None else -math.inf
            open_bounds.append(max(float(bounds[m_idx]), model_bound))
            open_bounds += [float(b) for b in bounds[order[pos + 1:]] if b < best_t]
            break
        status = Status.ERROR
        logger.warning("vec milp: %s; returning the best solution so far",
                       problem or f"m = {m}: {outcome.message}")
        break

    alloc = allocate(phys, best_mask, rule).allocation_gbit
    lower_bound = gap = None
    if status is Status.TIME_LIMIT and all(b >= best_t for b in open_bounds):
        status = None  # every m left open is proven not to beat best_t: optimal after all
    if status is Status.TIME_LIMIT:
        lower_bound = min([best_t, *open_bounds])
        gap = max(0.0, (best_t - lower_bound) / best_t)
    return make_solution(scenario, best_mask, alloc, rule=rule, solver=SOLVER_NAME,
                         wall_time_s=time.perf_counter() - start, mobcheck=mobcheck,
                         status=status, phys=phys, lower_bound_s=lower_bound, gap=gap)
