"""Brute force over all assignments (SPEC-LAENET.md "Reference solvers", (a)).

Each user's options are LOCAL (if lambda = 1) plus its feasible edges; every combination of
the product is scored with water-filling shares per server (vectorised over chunks of
combinations by :func:`~offload_gym.laenet.waterfill.assignment_costs`). For tests on tiny
instances only: products above ``max_combinations`` raise :class:`SolverError`.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status
from offload_gym.laenet.evaluate import make_solution
from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.waterfill import assignment_costs

NAME = "brute"


def options_product(scenario: Scenario) -> int:
    """Number of assignments the brute force enumerates (product of options per user)."""
    d = derive(scenario)
    return math.prod(len(d.options(u)) for u in range(d.n_users))


def solve_brute(scenario: Scenario, *, max_combinations: int = 200_000,
                chunk_size: int = 32_768) -> Solution:
    """Exact optimum by enumeration. Status OPTIMAL (lower = upper = cost, gap 0), or
    INFEASIBLE if no combination fits (cost inf). Ties: the first combination in
    lexicographic order of the users' option lists (LOCAL first, then ascending server)."""
    t0 = time.perf_counter()
    d = derive(scenario)
    opts = [np.array(d.options(u), dtype=np.int64) for u in range(d.n_users)]
    sizes = [o.size for o in opts]
    product = math.prod(sizes)
    if product > max_combinations:
        raise SolverError(f"brute force would enumerate {product} combinations, more than "
                          f"max_combinations={max_combinations}; use the exact OA-MILP solver")
    best_cost, best_choice, best_share = math.inf, None, None
    for start in range(0, product, chunk_size):
        idx = np.arange(start, min(start + chunk_size, product), dtype=np.int64)
        choices = np.empty((idx.size, d.n_users), dtype=np.int64)
        for u in range(d.n_users - 1, -1, -1):  # mixed radix, the last user varies fastest
            choices[:, u] = opts[u][idx % sizes[u]]
            idx //= sizes[u]
        costs, shares = assignment_costs(d, choices)
        k = int(np.argmin(costs))
        if costs[k] < best_cost:
            best_cost, best_choice, best_share = float(costs[k]), choices[k], shares[k]
    if best_choice is None:
        return make_solution(scenario, None, None, solver=NAME, status=Status.INFEASIBLE,
                             wall_time_s=time.perf_counter() - t0)
    share = [None if math.isnan(y) else float(y) for y in best_share]
    sol = make_solution(scenario, best_choice.tolist(), share, solver=NAME,
                        status=Status.OPTIMAL, wall_time_s=time.perf_counter() - t0, gap=0.0)
    return dataclasses.replace(sol, lower_bound=sol.cost, upper_bound=sol.cost)
