"""The KATO paper's baselines that need no learning, returning the same Solution type.

- ``local``: the vehicle computes everything (T = Q beta_0).
- ``all_rsus``: every (available) RSU plus the vehicle, allocated by the rule.
- ``decc``: the best single RSU plus the vehicle (rule allocation; the RSU that minimises
  the completion time among those that keep the allocation in range).
- ``lb``: load balancing over the vehicle and every (available) RSU in proportion to
  computing power, q_i = Q f_i / sum_j f_j (rule "proportional"); RSUs that would leave
  range before finishing make it fail, as any allocation checked by ``evaluate`` does.

With ``mobcheck=True`` the RSUs that fail MobCheck are left out first.
"""

from __future__ import annotations

import time

import numpy as np

from offload_gym.core.status import Status
from offload_gym.vec.allocation import allocate, check_rule
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.physics import derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution


def _candidates(phys, n: int, mobcheck: bool) -> np.ndarray:
    return phys.mobcheck() if mobcheck else np.ones(n, dtype=bool)


def _finish(scenario, phys, mask, alloc, rule, solver, start, mobcheck) -> Solution:
    sol = make_solution(scenario, mask, alloc, rule=rule, solver=solver,
                        wall_time_s=time.perf_counter() - start, mobcheck=mobcheck, phys=phys,
                        status=Status.FEASIBLE)
    return sol if sol.success else _as_failed(sol)


def _as_failed(sol: Solution) -> Solution:
    from dataclasses import replace

    return replace(sol, status=Status.FAILED)


def solve_local(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False) -> Solution:
    """The vehicle alone."""
    check_rule(rule)
    start = time.perf_counter()
    phys = derive(scenario)
    mask = np.zeros(scenario.n_rsus, dtype=bool)
    return _finish(scenario, phys, mask, allocate(phys, mask, rule).allocation_gbit, rule,
                   "local", start, mobcheck)


def solve_all_rsus(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False
                   ) -> Solution:
    """Every available RSU and the vehicle."""
    check_rule(rule)
    start = time.perf_counter()
    phys = derive(scenario)
    mask = _candidates(phys, scenario.n_rsus, mobcheck)
    return _finish(scenario, phys, mask, allocate(phys, mask, rule).allocation_gbit, rule,
                   "all_rsus", start, mobcheck)


def solve_decc(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False) -> Solution:
    """The best single RSU together with the vehicle (or the vehicle alone if no RSU helps)."""
    check_rule(rule)
    start = time.perf_counter()
    phys = derive(scenario)
    cand = np.flatnonzero(_candidates(phys, scenario.n_rsus, mobcheck))
    masks = np.zeros((len(cand) + 1, scenario.n_rsus), dtype=bool)
    masks[np.arange(1, len(cand) + 1), cand] = True
    alloc = allocate(phys, masks, rule)
    best = int(np.argmin(np.where(alloc.mobility_ok, alloc.time_s, np.inf)))
    return _finish(scenario, phys, masks[best], alloc.allocation_gbit[best], rule, "decc",
                   start, mobcheck)


def solve_lb(scenario: Scenario, mobcheck: bool = False) -> Solution:
    """Load balancing in proportion to CPU frequency over the vehicle and all RSUs."""
    start = time.perf_counter()
    phys = derive(scenario)
    mask = _candidates(phys, scenario.n_rsus, mobcheck)
    cpu = np.concatenate([[scenario.vehicle_cpu_ghz], np.where(mask, scenario.rsu_cpu_ghz, 0)])
    alloc = scenario.size_gbit * cpu / cpu.sum()
    return _finish(scenario, phys, mask, alloc, "proportional", "lb", start, mobcheck)
