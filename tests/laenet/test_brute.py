"""Brute force: a hand-made instance with a known answer, an independent plain-Python
enumeration, limits and infeasibility (SPEC-LAENET.md "Reference solvers" (a))."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

from offload_gym.core.errors import SolverError
from offload_gym.core.registry import get_solver
from offload_gym.core.status import Status
from offload_gym.laenet import Scenario, Solution, derive, evaluate, generate, generate_batch
from offload_gym.laenet.solvers.brute import options_product, solve_brute

from .laenet_helpers import hand_dict


def test_known_answer_two_identical_forced_users_share_the_hap() -> None:
    # Two identical GUs under the HAP, forced (T_loc = 4 s), only the HAP edge: the optimum
    # gives each half of the HAP, cost = 2 J_tr + (2 sqrt(J_exe))^2 = 2 J_tr + 4 J_exe.
    user = {"x": 0.0, "y": 0.0, "data_bits": 2e6, "cpu_hz": 0.5e9}
    sc = Scenario.from_dict(hand_dict([user, user], n_gs=1, edges=[[0, 0], [1, 0]]))
    d = derive(sc)
    assert not d.lam.any() and d.mu.max() < 0.5
    sol = solve_brute(sc)
    assert sol.choice == (0, 0) and sol.share == pytest.approx((0.5, 0.5))
    assert sol.cost == pytest.approx(2 * d.j_tr[0] + 4 * d.j_exe[0], rel=1e-12)
    assert sol.status == Status.OPTIMAL and sol.validity == "valid"
    assert sol.lower_bound == sol.upper_bound == sol.cost and sol.gap == 0.0
    assert sol.user_time_s == pytest.approx([d.t_tr[0] + 2 * d.t_exe[0]] * 2)


def test_known_answer_local_is_cheapest() -> None:
    # A user whose local cost is tiny (slow-ish CPU, low energy) stays local.
    sc = Scenario.from_dict(hand_dict([{"x": 100.0, "data_bits": 2e6, "cpu_hz": 2e9,
                                        "w": 0.7}]))
    d = derive(sc)
    options = [d.j_loc[0]] + [d.j_tr[e] + d.j_exe[e] for e in d.user_edges[0]]
    sol = solve_brute(sc)
    assert sol.cost == pytest.approx(min(options), rel=1e-12)
    assert sol.choice == ((-1,) if np.argmin(options) == 0 else sol.choice)


def _plain_enumeration(sc: Scenario) -> float:
    """Independent reference: itertools product + water-filling written out per server."""
    d = derive(sc)
    best = math.inf
    for combo in itertools.product(*[d.options(u) for u in range(d.n_users)]):
        cost = 0.0
        groups: dict[int, list[int]] = {}
        for u, s in enumerate(combo):
            if s == -1:
                cost += d.j_loc[u]
            else:
                e = int(d.edge_id[u, s])
                cost += d.j_tr[e]
                groups.setdefault(s, []).append(e)
        for edges in groups.values():
            c, mu = d.j_exe[edges], d.mu[edges]
            if mu.sum() > 1.0:
                cost = math.inf
                break
            # Sequential water-filling exactly as the spec words it.
            order = np.argsort(np.sqrt(c) / mu)
            clamped: list[int] = []
            free = list(order)
            t = np.sqrt(c).sum()
            while free and math.sqrt(c[free[0]]) / mu[free[0]] < t:
                clamped.append(free.pop(0))
                t = np.sqrt(c[free]).sum() / (1.0 - mu[clamped].sum())
            cost += t * np.sqrt(c[free]).sum() + (c[clamped] / mu[clamped]).sum()
        best = min(best, cost)
    return best


def test_brute_equals_plain_enumeration() -> None:
    for sc in generate_batch(6, "gs2_gu4_au2", seed=99):
        sol = solve_brute(sc)
        ref = _plain_enumeration(sc)
        assert sol.cost == pytest.approx(ref, rel=1e-12)
        ev = evaluate(sc, sol.choice, sol.share)
        assert ev.valid and ev.cost == pytest.approx(sol.cost, rel=1e-14)


def test_brute_speed_on_gs2_gu5_au3() -> None:
    scs = generate_batch(8, "gs2_gu5_au3", seed=3)
    big = max(scs, key=options_product)
    t0 = time.perf_counter()
    sol = solve_brute(big)
    assert time.perf_counter() - t0 < 2.0  # well under 1 s on a laptop; slack for CI
    assert sol.status == Status.OPTIMAL


def test_refuses_large_products_and_registry() -> None:
    sc = generate("gs3_gu7_au5", seed=0)
    n = options_product(sc)
    with pytest.raises(SolverError, match=str(n)):
        solve_brute(sc, max_combinations=10)
    assert get_solver("laenet", "brute") is solve_brute


def test_infeasible_instance() -> None:
    # Three forced users that only reach the HAP, each mu ~0.41: at most two fit.
    user = {"x": 0.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 1e9}
    sc = Scenario.from_dict(hand_dict([user] * 3, edges=[[0, 0], [1, 0], [2, 0]]))
    assert (derive(sc).mu > 1 / 3).all()
    sol = solve_brute(sc)
    assert sol.status == Status.INFEASIBLE and math.isinf(sol.cost)
    assert sol.validity == "failed" and sol.choice == ()
    back = Solution.from_json(sol.to_json())
    assert back.status == Status.INFEASIBLE and math.isinf(back.cost)
