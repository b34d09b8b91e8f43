"""evaluate(): VALID / REPAIRED / FAILED and the 3-step repair rule on hand-made cases
(SPEC-LAENET.md "Metrics", "Scoring one output")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym.core.errors import ScenarioError
from offload_gym.core.status import Status
from offload_gym.laenet import (
    FAILURE_RATIO,
    Scenario,
    Solution,
    assignment_cost,
    derive,
    evaluate,
    make_solution,
)

from .laenet_helpers import hand_dict


@pytest.fixture
def sc() -> Scenario:
    """HAP + 1 GS at (100, 0). u0: may run locally, reaches HAP and GS; u1: FORCED
    (T_loc = 5 s), reaches HAP and GS, the largest mu on the HAP; u2: may run locally,
    out of GS range (HAP only)."""
    s = Scenario.from_dict(hand_dict([
        {"x": 100.0, "y": 50.0, "data_bits": 4e6, "cpu_hz": 4e9},
        {"x": 300.0, "y": 0.0, "data_bits": 5e6, "cpu_hz": 1e9},
        {"x": 5000.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 5e9},
    ]))
    d = derive(s)
    assert d.lam.tolist() == [True, False, True]
    assert d.edge_id[2, 1] == -1 and (d.edge_id[:2] >= 0).all() and d.feasible.all()
    mu_hap = d.mu[d.edge_id[:, 0]]
    assert mu_hap.sum() > 1 and mu_hap[0] + mu_hap[2] <= 1 and np.argmax(mu_hap) == 1
    return s


def test_valid_without_shares_uses_waterfilling(sc: Scenario) -> None:
    ev = evaluate(sc, [1, 1, -1])
    cost, y = assignment_cost(derive(sc), np.array([1, 1, -1]))
    assert ev.validity == "valid" and ev.violations == () and not ev.own_shares
    assert ev.cost == pytest.approx(cost, rel=1e-14) and ev.waterfill_cost == cost
    assert ev.share[:2] == pytest.approx(y[:2].tolist()) and ev.share[2] is None
    d = derive(sc)
    assert ev.user_time_s[2] == d.t_loc[2] and ev.user_cost[2] == d.j_loc[2]
    e0 = d.edge_id[0, 1]
    assert ev.user_time_s[0] == pytest.approx(d.t_tr[e0] + d.t_exe[e0] / y[0])
    assert sum(ev.user_cost) == pytest.approx(ev.cost)


def test_valid_with_own_shares(sc: Scenario) -> None:
    ev = evaluate(sc, [1, 1, -1], [0.4, 0.5, None])
    d = derive(sc)
    assert ev.validity == "valid" and ev.own_shares and ev.share == (0.4, 0.5, None)
    e0, e1 = d.edge_id[0, 1], d.edge_id[1, 1]
    want = d.j_tr[e0] + d.j_exe[e0] / 0.4 + d.j_tr[e1] + d.j_exe[e1] / 0.5 + d.j_loc[2]
    assert ev.cost == pytest.approx(want, rel=1e-14)
    assert ev.cost >= ev.waterfill_cost  # share-quality ratio >= 1
    # numpy input with NaN for local users is accepted too.
    ev2 = evaluate(sc, np.array([1, 1, -1]), np.array([0.4, 0.5, np.nan]))
    assert ev2.cost == ev.cost


def test_repair_forced_user_chose_local(sc: Scenario) -> None:
    ev = evaluate(sc, [-1, -1, -1])
    assert ev.validity == "repaired" and ev.repaired_users == (1,)
    assert ev.choice == (-1, 0, -1)  # HAP and GS both have slack 1: tie goes to lower s
    assert any(v.startswith("choice[1]") for v in ev.violations)
    assert ev.cost == pytest.approx(assignment_cost(derive(sc), np.array(ev.choice))[0])


def test_repair_not_an_edge_and_out_of_range(sc: Scenario) -> None:
    ev = evaluate(sc, [-1, 1, 1])  # u2 is not covered by the GS
    assert ev.validity == "repaired" and ev.choice == (-1, 1, -1)
    assert ev.violations == ("choice[2]: (2, 1) is not a coverage edge",)
    ev = evaluate(sc, [7, 1, -1])
    assert ev.validity == "repaired" and ev.choice == (-1, 1, -1)


def test_repair_evicts_largest_mu_then_most_slack(sc: Scenario) -> None:
    ev = evaluate(sc, [0, 0, 0])  # HAP over capacity
    assert ev.validity == "repaired"
    assert any(v.startswith("server[0]") for v in ev.violations)
    # u1 (largest mu) is evicted; forced, it goes to the GS (slack 1 > HAP's slack).
    assert ev.choice == (0, 1, 0) and ev.repaired_users == (1,)


def test_bad_shares_are_rewaterfilled(sc: Scenario) -> None:
    ev = evaluate(sc, [1, 1, -1], [0.6, 0.6, None])  # sum of shares 1.2 > 1
    assert ev.validity == "repaired" and ev.choice == (1, 1, -1)
    assert ev.violations == ("server[1]: sum of shares = 1.2 > 1 (capacity)",)
    assert ev.cost == pytest.approx(evaluate(sc, [1, 1, -1]).cost, rel=1e-14)
    ev = evaluate(sc, [1, 1, -1], [0.01, 0.5, None])  # below mu: misses the deadline
    assert ev.validity == "repaired" and "deadline" in ev.violations[0]
    ev = evaluate(sc, [1, 1, -1], [None, 0.5, None])
    assert ev.validity == "repaired" and "missing" in ev.violations[0]
    # A share within 1e-9 below mu still counts as valid.
    d = derive(sc)
    mu0 = float(d.mu[d.edge_id[0, 1]])
    assert evaluate(sc, [1, 1, -1], [mu0 - 5e-10, 0.5, None]).valid


def test_failed_when_a_forced_user_cannot_be_placed() -> None:
    user = {"x": 0.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 1e9}
    sc = Scenario.from_dict(hand_dict([user] * 3, edges=[[0, 0], [1, 0], [2, 0]]))
    ev = evaluate(sc, [0, 0, 0])
    assert ev.validity == "failed" and ev.failed and math.isinf(ev.cost)
    assert ev.choice == (0, 0, 0) and ev.share == (None, None, None)
    assert all(math.isnan(t) for t in ev.user_time_s)
    assert FAILURE_RATIO == 10.0
    sol = make_solution(sc, [0, 0, 0], None, solver="test", status=Status.FEASIBLE,
                        wall_time_s=0.1)
    assert sol.status == Status.FAILED and sol.validity == "failed" and math.isinf(sol.cost)
    assert Solution.from_json(sol.to_json()).to_dict() == sol.to_dict()  # NaN/inf -> null


def test_malformed_input_raises(sc: Scenario) -> None:
    for bad_choice, field in [([0, 0], "choice"), ([0, 0.5, -1], "choice[1]"),
                              ([0, None, -1], "choice[1]"), ("abc", "choice"),
                              ([0, True, -1], "choice[1]")]:
        with pytest.raises(ScenarioError) as info:
            evaluate(sc, bad_choice)  # type: ignore[arg-type]
        assert info.value.field == field
    with pytest.raises(ScenarioError) as info:
        evaluate(sc, [1, 1, -1], [0.5, "x", None])  # type: ignore[list-item]
    assert info.value.field == "share[1]"
    with pytest.raises(ScenarioError):
        evaluate(sc, [1, 1, -1], [0.5])


def test_make_solution_statuses_and_json(sc: Scenario) -> None:
    sol = make_solution(sc, [1, 1, -1], None, solver="x", status=Status.OPTIMAL,
                        wall_time_s=0.5, lower_bound=1.0, upper_bound=2.0, gap=0.5,
                        iterations=3)
    assert sol.validity == "valid" and sol.status == Status.OPTIMAL and sol.iterations == 3
    d = sol.to_dict()
    assert list(d) == ["choice", "share", "cost", "user_time_s", "user_cost", "validity",
                       "solver", "status", "wall_time_s", "lower_bound", "upper_bound", "gap",
                       "iterations"]
    assert d["status"] == "optimal" and d["share"][2] is None
    assert Solution.from_json(sol.to_json()) == sol
    rep = make_solution(sc, [-1, -1, -1], None, solver="x", status=Status.OPTIMAL,
                        wall_time_s=0.5)
    assert rep.validity == "repaired" and rep.status == Status.FEASIBLE


def test_make_solution_positional_form_is_deprecated(sc: Scenario) -> None:
    """solver / status / wall_time_s are keyword-only (as VEC's make_solution); the old
    positional form works one release, with a DeprecationWarning, giving the same Solution."""
    new = make_solution(sc, [1, 1, -1], None, solver="x", status=Status.OPTIMAL,
                        wall_time_s=0.5, gap=0.0)
    with pytest.warns(DeprecationWarning, match="solver=, status=, wall_time_s= by keyword"):
        old = make_solution(sc, [1, 1, -1], None, "x", Status.OPTIMAL, 0.5, gap=0.0)
    assert old == new
    with pytest.warns(DeprecationWarning):
        mixed = make_solution(sc, [1, 1, -1], None, "x", status=Status.OPTIMAL,
                              wall_time_s=0.5, gap=0.0)
    assert mixed == new
    with pytest.raises(TypeError, match=r"missing keyword argument.*wall_time_s"):
        make_solution(sc, [1, 1, -1], None, solver="x", status=Status.OPTIMAL)
    with pytest.raises(TypeError, match="multiple values for 'solver'"), \
            pytest.warns(DeprecationWarning):
        make_solution(sc, [1, 1, -1], None, "x", solver="y", status="optimal",
                      wall_time_s=0.5)
