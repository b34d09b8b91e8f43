"""Exact solvers: exact.py (set partition and OA-MILP on HiGHS) and pyomo_model.py (SCIP cone,
OA through Pyomo) against brute force and each other; certification, infeasibility, time
limits, errors, and the spec's measured regime of the optimum (SPEC-LAENET.md "Exact
structure", "Reference solvers", "Measured")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym.core.errors import SolverError
from offload_gym.core.registry import get_solver
from offload_gym.core.status import Status
from offload_gym.laenet import Scenario, Solution, derive, evaluate, generate, generate_batch
from offload_gym.laenet.solvers import partition
from offload_gym.laenet.solvers.brute import solve_brute
from offload_gym.laenet.solvers.exact import solve_exact
from offload_gym.laenet.solvers.oa_cuts import build_problem, initial_cut_points
from offload_gym.laenet.solvers.pyomo_model import solve_pyomo

from .laenet_helpers import hand_dict

REL = 1e-9
GAP_TOL = 1e-7


def _check_certified(sc: Scenario, sol: Solution, solver: str = "exact") -> None:
    """OPTIMAL, valid, LB <= cost <= UB with a certified gap, water-filling shares."""
    assert sol.solver == solver
    assert sol.status == Status.OPTIMAL and sol.validity == "valid"
    assert sol.lower_bound is not None and sol.upper_bound is not None
    assert sol.lower_bound <= sol.upper_bound
    assert sol.upper_bound == pytest.approx(sol.cost, rel=1e-12)
    assert sol.upper_bound - sol.lower_bound <= GAP_TOL * max(1.0, sol.upper_bound)
    assert sol.gap is not None and 0.0 <= sol.gap <= GAP_TOL
    assert sol.iterations is not None and sol.iterations >= 1
    ev = evaluate(sc, sol.choice)  # water-filling shares for the same assignment
    assert ev.valid and ev.cost == pytest.approx(sol.cost, rel=1e-12)


def _same_optimum(a: Solution, b: Solution, rel: float = REL) -> None:
    assert a.cost == pytest.approx(b.cost, rel=rel)


# ------------------------------------------------------------------ exact == brute force
@pytest.mark.parametrize(("scale", "n", "seed"), [("gs2_gu4_au2", 100, 11),
                                                  ("gs2_gu5_au3", 20, 12)])
def test_exact_equals_brute(scale: str, n: int, seed: int) -> None:
    for sc in generate_batch(n, scale, seed=seed):
        brute = solve_brute(sc)
        sol = solve_exact(sc)
        assert brute.status == Status.OPTIMAL  # the generator only emits feasible instances
        _check_certified(sc, sol)
        _same_optimum(sol, brute)


@pytest.mark.parametrize(("scale", "n", "seed"), [("gs2_gu4_au2", 40, 21),
                                                  ("gs2_gu5_au3", 8, 22)])
def test_oa_method_equals_brute(scale: str, n: int, seed: int) -> None:
    for sc in generate_batch(n, scale, seed=seed):
        sol = solve_exact(sc, method="oa")
        _check_certified(sc, sol)
        _same_optimum(sol, solve_brute(sc))


@pytest.mark.slow
def test_oa_method_equals_brute_many() -> None:
    for scale, n in (("gs2_gu4_au2", 100), ("gs2_gu5_au3", 20)):
        for sc in generate_batch(n, scale, seed=23):
            sol = solve_exact(sc, method="oa")
            _check_certified(sc, sol)
            _same_optimum(sol, solve_brute(sc))


def _random_topology(rng: np.random.Generator) -> Scenario:
    """A hand-made instance: 2 GSs, 4-7 users (some forced), random coverage edges (some
    users with no edge at all); many of these are jointly infeasible."""
    n_users = int(rng.integers(4, 8))
    users = [{"type": str(rng.choice(["gu", "au"])), "x": float(rng.uniform(0, 300)),
              "y": float(rng.uniform(-200, 200)), "data_bits": float(rng.uniform(2e6, 6.5e6)),
              "cpu_hz": float(rng.choice([rng.uniform(1.2e9, 2.5e9), rng.uniform(2.5e9, 7e9)])),
              "w": float(rng.uniform(0.3, 0.7))} for _ in range(n_users)]
    users.sort(key=lambda u: u["type"] == "au")  # GUs first
    edges = [[u, s] for u in range(n_users) for s in range(3) if rng.random() < 0.6]
    return Scenario.from_dict(hand_dict(users, n_gs=2, edges=edges))


def test_exact_equals_brute_on_random_topologies_including_infeasible() -> None:
    rng = np.random.default_rng(5)
    n_infeasible = 0
    for _ in range(60):
        sc = _random_topology(rng)
        brute = solve_brute(sc)
        for method in ("partition", "oa"):
            sol = solve_exact(sc, method=method)
            if brute.status == Status.INFEASIBLE:
                assert sol.status == Status.INFEASIBLE and sol.choice == ()
                assert math.isinf(sol.cost)
            else:
                _check_certified(sc, sol)
                _same_optimum(sol, brute)
        n_infeasible += brute.status == Status.INFEASIBLE
    assert 3 <= n_infeasible <= 57  # both kinds are exercised


# ------------------------------------------------------------------ infeasible instances
def _two_forced_users_one_server() -> Scenario:
    """Two forced users (T_loc = 6 s) whose only edge is the HAP, each needing mu > 0.5."""
    user = {"x": 0.0, "y": 0.0, "data_bits": 6e6, "cpu_hz": 1e9}
    sc = Scenario.from_dict(hand_dict([user, user], n_gs=1, edges=[[0, 0], [1, 0]]))
    d = derive(sc)
    assert not d.lam.any() and d.feasible.all() and (d.mu > 0.5).all()
    return sc


def test_jointly_infeasible_instance() -> None:
    sc = _two_forced_users_one_server()
    assert solve_brute(sc).status == Status.INFEASIBLE
    sols = [solve_exact(sc), solve_exact(sc, method="oa"), solve_exact(sc, method="partition"),
            solve_pyomo(sc, pyomo_solver="scip_direct"),
            solve_pyomo(sc, pyomo_solver="appsi_highs")]
    for sol in sols:
        assert sol.status == Status.INFEASIBLE, sol
        assert sol.choice == () and math.isinf(sol.cost) and sol.validity == "failed"


def test_forced_user_without_any_edge_is_infeasible() -> None:
    user = {"x": 0.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 1e9}
    sc = Scenario.from_dict(hand_dict([user, user], n_gs=1, edges=[[0, 0]]))
    for sol in (solve_exact(sc), solve_exact(sc, method="oa"),
                solve_pyomo(sc, pyomo_solver="scip_direct")):
        assert sol.status == Status.INFEASIBLE and sol.choice == ()


def test_no_offloading_possible_means_all_local() -> None:
    user = {"x": 0.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 4e9}
    sc = Scenario.from_dict(hand_dict([user, user], n_gs=1, edges=[]))
    for sol in (solve_exact(sc), solve_pyomo(sc, pyomo_solver="scip_direct")):
        assert sol.status == Status.OPTIMAL and sol.choice == (-1, -1)
        assert sol.cost == pytest.approx(float(derive(sc).j_loc.sum()))


# ------------------------------------------------------------------ pyomo == exact
def test_pyomo_scip_cone_equals_exact() -> None:
    for sc in generate_batch(4, "gs3_gu6_au4", seed=31):
        ref = solve_exact(sc)
        sol = solve_pyomo(sc, pyomo_solver="scip_direct")
        assert sol.solver == "pyomo" and sol.status == Status.OPTIMAL
        assert sol.validity == "valid"
        _same_optimum(sol, ref)
        assert sol.lower_bound <= sol.upper_bound == pytest.approx(sol.cost, rel=1e-12)
        assert sol.gap <= 1e-6


def test_pyomo_appsi_highs_oa_equals_exact() -> None:
    for sc in generate_batch(2, "gs3_gu6_au4", seed=32):
        sol = solve_pyomo(sc, pyomo_solver="appsi_highs")
        _check_certified(sc, sol, solver="pyomo")
        _same_optimum(sol, solve_exact(sc))


def test_pyomo_equals_brute_on_small_instances() -> None:
    for sc in generate_batch(5, "gs2_gu4_au2", seed=33):
        brute = solve_brute(sc)
        _same_optimum(solve_pyomo(sc, pyomo_solver="scip_direct"), brute)
        _same_optimum(solve_pyomo(sc, pyomo_solver="highs", formulation="oa"), brute)


def test_unknown_names_raise() -> None:
    sc = generate("gs2_gu4_au2", 1)
    with pytest.raises(SolverError, match="no_such_solver"):
        solve_pyomo(sc, pyomo_solver="no_such_solver")
    with pytest.raises(SolverError, match="bogus"):
        solve_exact(sc, method="bogus")
    with pytest.raises(SolverError, match="formulation"):
        solve_pyomo(sc, formulation="bogus")
    with pytest.raises(SolverError):
        solve_exact(sc, time_limit_s=0.0)


# ------------------------------------------------------------------ time limits
def test_tiny_time_limit_never_gives_a_wrong_optimal() -> None:
    scs = generate_batch(2, "gs6_gu14_au10", seed=41)
    for sc in scs:
        ref = solve_exact(sc)
        _check_certified(sc, ref)
        runs = [solve_exact(sc, time_limit_s=1e-4), solve_exact(sc, method="oa",
                                                                time_limit_s=1e-3),
                solve_pyomo(sc, pyomo_solver="appsi_highs", time_limit_s=1e-2)]
        for sol in runs:
            assert sol.status in (Status.TIME_LIMIT, Status.OPTIMAL), sol.status
            if sol.status == Status.OPTIMAL:
                _same_optimum(sol, ref)
            elif sol.choice:  # an incumbent: valid, never better than the optimum
                assert sol.validity == "valid"
                assert sol.cost >= ref.cost * (1 - REL)
            if sol.lower_bound is not None:
                assert sol.lower_bound <= ref.cost * (1 + REL)


def test_time_limit_on_scip() -> None:
    sc = generate("gs6_gu16_au11", 42)
    ref = solve_exact(sc)
    sol = solve_pyomo(sc, pyomo_solver="scip_direct", time_limit_s=0.05)
    assert sol.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    if sol.status == Status.OPTIMAL:
        _same_optimum(sol, ref)
    if sol.lower_bound is not None:
        assert sol.lower_bound <= ref.cost * (1 + 1e-6)


# ------------------------------------------------------------------ internals
def test_initial_cuts_are_geometric_in_mu_1() -> None:
    p = build_problem(derive(generate("gs2_gu4_au2", 3)))
    k, y0 = initial_cut_points(p)
    assert k.size == 6 * p.n_edges
    pts = y0.reshape(p.n_edges, 6)
    assert np.allclose(pts[:, 0], p.mu) and np.allclose(pts[:, -1], 1.0)
    ratios = pts[:, 1:] / pts[:, :-1]
    assert np.allclose(ratios, ratios[:, :1])


def test_partition_columns_pruned_and_fallback_to_oa(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = generate("gs3_gu6_au4", 51)
    p = build_problem(derive(sc))
    cols = partition.enumerate_columns(p)
    assert cols is not None and 0 < cols.n_columns < cols.n_enumerated
    ref = solve_exact(sc)
    monkeypatch.setattr(partition, "MAX_SUBSETS", 5)
    assert partition.enumerate_columns(p) is None
    sol = solve_exact(sc)  # auto falls back to OA
    _check_certified(sc, sol)
    _same_optimum(sol, ref)
    with pytest.raises(SolverError, match="oa"):
        solve_exact(sc, method="partition")


def test_registered_and_forwarding() -> None:
    sc = generate("gs2_gu4_au2", 4)
    exact = get_solver("laenet", "exact")
    pyomo = get_solver("laenet", "pyomo")
    a = exact(sc, time_limit_s=30.0)
    b = pyomo(sc, pyomo_solver="appsi_highs", time_limit_s=30.0)
    _same_optimum(a, b)
    assert Solution.from_json(a.to_json()) == a


# ------------------------------------------------------------------ measured regime
# Spec "Measured": optimum local / GS / HAP shares of users per scale (percent).
REGIME = {
    "gs2_gu4_au2": (46, 32, 22), "gs2_gu5_au3": (53, 27, 20), "gs3_gu6_au4": (50, 32, 18),
    "gs3_gu7_au5": (55, 29, 16), "gs6_gu14_au10": (63, 28, 8), "gs6_gu16_au11": (63, 29, 7),
    "gs9_gu20_au13": (62, 32, 6),
}


def _regime(scale: str, n: int, seed: int) -> np.ndarray:
    choices = np.concatenate([solve_exact(sc).choice for sc in generate_batch(n, scale, seed=seed)])
    return 100.0 * np.array([np.mean(choices == -1), np.mean(choices >= 1),
                             np.mean(choices == 0)])


@pytest.mark.parametrize("scale", ["gs2_gu4_au2", "gs2_gu5_au3", "gs3_gu6_au4"])
def test_measured_regime_small(scale: str) -> None:
    # 40 instances (240-400 users): +-6 points around the spec's table (probe: 40 each).
    got = _regime(scale, 40, 61)
    assert np.abs(got - np.array(REGIME[scale])).max() <= 6.0, got


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["gs3_gu7_au5", "gs6_gu14_au10", "gs6_gu16_au11",
                                   "gs9_gu20_au13"])
def test_measured_regime_large(scale: str) -> None:
    # 12 instances (300-400 users): +-7 points around the spec's table.
    got = _regime(scale, 12, 62)
    assert np.abs(got - np.array(REGIME[scale])).max() <= 7.0, got


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["gs6_gu14_au10", "gs6_gu16_au11", "gs9_gu19_au12",
                                   "gs9_gu20_au13"])
def test_large_scales_certified_and_methods_agree(scale: str) -> None:
    scs = generate_batch(3, scale, seed=71)
    for sc in scs:
        part = solve_exact(sc)
        _check_certified(sc, part)
        assert part.wall_time_s < 10.0
    for sc in scs[:1]:  # the OA-MILP takes 1-60 s here
        part = solve_exact(sc)
        oa = solve_exact(sc, method="oa", time_limit_s=60.0)
        assert oa.status in (Status.OPTIMAL, Status.TIME_LIMIT)
        assert oa.lower_bound <= part.cost * (1 + REL)
        if oa.status == Status.OPTIMAL:
            _same_optimum(oa, part)
