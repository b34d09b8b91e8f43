"""The fast exact solvers agree with brute force; batched == single; baselines never beat
the optimum."""

import numpy as np
import pytest

from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status
from offload_gym.vec import ScenarioBatch, evaluate, generate, generate_batch
from offload_gym.vec.solvers.baselines import solve_all_rsus, solve_decc, solve_lb, solve_local
from offload_gym.vec.solvers.brute import solve_brute
from offload_gym.vec.solvers.exact import solve_exact, solve_exact_batch

N_PER_CASE = 300


def _instances(preset: str):
    """300 seeded instances, n in 1..10, a third with a deadline that binds sometimes."""
    for seed in range(N_PER_CASE):
        n = seed % 10 + 1
        kwargs = {}
        if seed % 3 == 0:  # deadlines around the typical optimum: some met, some missed
            kwargs["deadline_s"] = 0.15 if preset == "kato2025" else 3.0
        yield generate(n, preset, seed=seed, **kwargs)


@pytest.mark.parametrize("mobcheck", [False, True])
@pytest.mark.parametrize("rule", ["optimal", "equal_finish"])
@pytest.mark.parametrize("preset", ["kato2025", "mobility_stress"])
def test_exact_equals_brute(preset, rule, mobcheck):
    n_missed = 0
    for s in _instances(preset):
        a = solve_exact(s, rule, mobcheck)
        b = solve_brute(s, rule, mobcheck)
        assert a.completion_time_s == pytest.approx(b.completion_time_s, rel=1e-9)
        assert a.success == b.success
        assert a.status == (Status.OPTIMAL if a.success else Status.INFEASIBLE)
        ev = evaluate(s, a.selected, a.allocation_gbit)
        assert ev.completion_time_s == a.completion_time_s
        n_missed += not a.success
    assert 0 < n_missed < N_PER_CASE  # the deadline case really binds on some instances


@pytest.mark.parametrize("preset", ["kato2025", "mobility_stress"])
def test_optimal_rule_optimum_never_worse_than_equal_finish(preset):
    for seed in range(100):
        s = generate(seed % 12 + 1, preset, seed=seed)
        for mobcheck in (False, True):
            opt = solve_exact(s, "optimal", mobcheck).completion_time_s
            ef = solve_exact(s, "equal_finish", mobcheck).completion_time_s
            assert opt <= ef * (1 + 1e-12)
        # MobCheck restricts the choice, so it can only be slower
        assert solve_exact(s).completion_time_s <= solve_exact(
            s, mobcheck=True).completion_time_s * (1 + 1e-12)


def test_mobility_binds_on_stress_preset():
    """On mobility_stress the equal-finish optimum is often worse than the optimal rule's,
    and brute force over the optimal rule sometimes keeps an RSU that leaves early."""
    worse = sum(solve_exact(s, "equal_finish").completion_time_s
                > solve_exact(s, "optimal").completion_time_s * (1 + 1e-9)
                for s in (generate(5, "mobility_stress", seed=i) for i in range(200)))
    assert worse >= 5


@pytest.mark.parametrize("rule", ["optimal", "equal_finish"])
@pytest.mark.parametrize("preset", ["kato2025", "mobility_stress"])
def test_batched_equals_single(preset, rule):
    batch = generate_batch(40, 12, preset, seed=7, deadline_s=5.0)
    res = solve_exact_batch(batch, rule)
    for i, s in enumerate(batch.scenarios()):
        single = solve_exact(s, rule)
        assert res.completion_time_s[i] == pytest.approx(single.completion_time_s, rel=1e-12)
        assert bool(res.success[i]) == single.success
    sols = res.solutions(batch)
    assert [x.completion_time_s for x in sols] == pytest.approx(res.completion_time_s.tolist())


def test_batch_from_scenarios_round_trip():
    scen = [generate(5, seed=i) for i in range(4)]
    b = ScenarioBatch.from_scenarios(scen)
    assert [b.scenario(i) for i in range(4)] == scen


@pytest.mark.parametrize("preset", ["kato2025", "mobility_stress"])
def test_baselines_never_beat_optimum(preset):
    for seed in range(60):
        s = generate(8, preset, seed=seed)
        opt = solve_exact(s).completion_time_s
        for sol in (solve_local(s), solve_all_rsus(s), solve_decc(s), solve_lb(s),
                    solve_all_rsus(s, "equal_finish", mobcheck=True), solve_lb(s, mobcheck=True)):
            if sol.success:
                assert sol.completion_time_s >= opt * (1 - 1e-12)
                assert sol.status == Status.FEASIBLE
            else:
                assert sol.status == Status.FAILED
    s = generate(8, seed=1)
    assert solve_local(s).completion_time_s == pytest.approx(s.size_gbit / s.vehicle_cpu_ghz)
    assert len(solve_decc(s).selected) <= 1


def test_lb_is_proportional_to_cpu():
    s = generate(5, seed=3)
    sol = solve_lb(s)
    cpu = np.concatenate([[s.vehicle_cpu_ghz], s.rsu_cpu_ghz])
    assert np.allclose(sol.allocation_gbit, s.size_gbit * cpu / cpu.sum())


def test_brute_refuses_large_instances():
    with pytest.raises(SolverError, match="n <= 12"):
        solve_brute(generate(13, seed=0))


def test_unknown_rule_is_rejected():
    with pytest.raises(SolverError, match="rule"):
        solve_exact(generate(3, seed=0), rule="fastest")


@pytest.mark.parametrize("bad", [[2.9], [False, True], ["1"]])
def test_evaluate_rejects_non_index_selections(bad):
    from offload_gym.core.errors import ScenarioError

    s = generate(3, seed=0)
    with pytest.raises(ScenarioError, match="selected"):
        evaluate(s, bad, [s.size_gbit, 0.0, 0.0, 0.0])
