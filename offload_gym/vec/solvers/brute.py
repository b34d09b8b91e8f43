"""Brute force for tiny VEC instances: every subset of the (available) RSUs, each timed by
the allocation rule; the fastest subset that keeps every selected RSU in range wins."""

from __future__ import annotations

import time

import numpy as np

from offload_gym.core.errors import SolverError
from offload_gym.vec.allocation import allocate, check_rule
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.physics import derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

MAX_BRUTE_RSUS = 12


def subset_masks(candidates: np.ndarray, n_rsus: int) -> np.ndarray:
    """All 2^k subsets of the candidate RSU indices as masks [2^k, n_rsus] (bit order)."""
    k = len(candidates)
    bits = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
    masks = np.zeros((2**k, n_rsus), dtype=bool)
    masks[:, candidates] = bits.astype(bool)
    return masks


def solve_brute(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False) -> Solution:
    """Enumerate all subsets (n <= 12; larger instances are refused)."""
    check_rule(rule)
    start = time.perf_counter()
    phys = derive(scenario)
    candidates = np.flatnonzero(phys.mobcheck() if mobcheck else np.ones(scenario.n_rsus, bool))
    if len(candidates) > MAX_BRUTE_RSUS:
        raise SolverError(f"brute force enumerates 2^n subsets and is limited to n <= "
                          f"{MAX_BRUTE_RSUS} RSUs; this scenario has {len(candidates)}")
    masks = subset_masks(candidates, scenario.n_rsus)
    alloc = allocate(phys, masks, rule)
    times = np.where(alloc.mobility_ok, alloc.time_s, np.inf)
    best = int(np.argmin(times))
    return make_solution(scenario, masks[best], alloc.allocation_gbit[best], rule=rule,
                         solver="brute", wall_time_s=time.perf_counter() - start,
                         mobcheck=mobcheck, phys=phys)
