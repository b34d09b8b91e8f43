"""VECStream model (SPEC-STREAM): allocation, myopic oracle, simulator rules, traces."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym.core.errors import ScenarioError
from offload_gym.vec import physics
from offload_gym.vec.solvers.exact import solve_exact
from offload_gym.vec.stream import (
    HighwayMobility,
    SampledMobility,
    StreamSimulator,
    StreamTrace,
    TaskState,
    brute,
    finish_time,
    generate_trace,
    get_preset,
    load_trace,
    lower_bound_state,
    myopic_exact,
    oracle,
)
from offload_gym.vec.stream.allocation import total_capacity_gbit
from offload_gym.vec.stream.oracle import evaluate
from offload_gym.vec.stream.trace import from_dict

# A small, busy world: short road and horizon, up to 5 candidates per task.
SMALL = get_preset("contended", road_length_m=1200.0, horizon_s=6.0, max_candidates=5,
                   range_m=350.0, vehicle_rate_hz=0.6, task_rate_hz=1.0)


def _sampled_copy(trace: StreamTrace, step_s: float = 0.25, wobble_m: float = 0.0
                  ) -> StreamTrace:
    """The same trace with its highway trajectories sampled on a grid (optionally wobbling
    in y, so the sampled backend is not a straight line)."""
    mob = trace.mobility
    enter = np.array([mob.enter_time_s(j) for j in range(mob.n_vehicles)])
    leave = np.array([mob.leave_time_s(j) for j in range(mob.n_vehicles)])
    grid = np.arange(enter.min() - 1.0, leave.max() + step_s, step_s)
    times = np.unique(np.concatenate([grid, enter, leave]))  # exact road entries / exits
    xy = np.stack([mob.positions_m(t) for t in times], axis=1)  # [V, T, 2]
    xy[..., 1] += wobble_m * np.sin(times / 1.7)[None, :]
    d = trace.to_dict()
    d["mobility"] = SampledMobility(times, xy).to_dict()
    return from_dict(d)


def _random_states(rng: np.random.Generator, count: int) -> list[TaskState]:
    """Synthetic task states: random costs, waits (often binding) and exit times."""
    states = []
    for _ in range(count):
        n = int(rng.integers(0, 7))
        states.append(TaskState(
            q_gbit=float(rng.uniform(0.2, 3.0)), deadline_s=float(rng.uniform(0.5, 3.0)),
            beta0=float(rng.uniform(0.3, 3.0)), w0=float(rng.choice([0.0, rng.uniform(0, 2)])),
            rsu=np.arange(n), beta=rng.uniform(0.05, 1.0, n), tau=rng.uniform(0.01, 1.0, n),
            wait=np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0, 2.0, n)),
            exit_s=np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.0, 3.0, n))))
    return states


def _run_states(trace: StreamTrace, seed: int) -> list[TaskState]:
    """Task states met along an episode driven by a random policy (queues build up)."""
    sim = StreamSimulator(trace)
    rng = np.random.default_rng(seed)
    states = []
    while not sim.done:
        st = sim.task_state()
        states.append(st)
        sim.step(np.flatnonzero(rng.random(st.n_candidates) < 0.6))
    return states


# ----------------------------------------------------------------------------- allocation
def test_finish_time_local_and_closed_form():
    t, q0, q = finish_time(2.0, 0.5, 0.3, [], [], [], [])
    assert t == pytest.approx(0.3 + 2.0 * 0.5, rel=1e-15) and q0 == 2.0 and q.size == 0
    # no waits, exits never bind: Lemma-1 equal finish T = Q / (1/beta0 + sum 1/c_i(m))
    beta, tau = np.array([0.2, 0.4, 0.1]), np.array([0.05, 0.3, 0.02])
    t, q0, q = finish_time(1.5, 0.8, 0.0, beta, tau, np.zeros(3), np.full(3, 100.0))
    c = physics.cost_s_per_gbit(beta, tau, 3)
    assert t == pytest.approx(1.5 / (1 / 0.8 + (1 / c).sum()), rel=1e-13)
    assert q == pytest.approx(t / c, rel=1e-13) and q0 == pytest.approx(t / 0.8, rel=1e-13)


def test_finish_time_properties_random():
    rng = np.random.default_rng(3)
    k, n = 400, 5
    args = dict(q_gbit=rng.uniform(0.1, 4, k), beta0=rng.uniform(0.2, 3, k),
                w0=np.where(rng.random(k) < 0.5, 0, rng.uniform(0, 2, k)),
                beta=rng.uniform(0.05, 1, (k, n)), tau=rng.uniform(0.01, 1, (k, n)),
                wait=np.where(rng.random((k, n)) < 0.3, 0, rng.uniform(0, 2, (k, n))),
                exit_s=rng.uniform(0, 3, (k, n)))
    t, q0, q = finish_time(**args)
    # shares add up to Q, each share within its capacity, and T is the LEAST feasible time
    assert np.abs(q0 + q.sum(-1) - args["q_gbit"]).max() < 1e-12 * 4
    cap = lambda tt: total_capacity_gbit(tt[:, None], args["beta0"], args["w0"], args["beta"],  # noqa: E731
                                         args["tau"], args["wait"], args["exit_s"], n)[:, 0]
    assert np.all(cap(t) >= args["q_gbit"] * (1 - 1e-12))
    assert np.all(cap(t * (1 - 1e-9)) < args["q_gbit"])
    # every RSU finishes by min(T, e_i): start max(q m tau, w) + q beta
    finish = np.maximum(q * n * args["tau"], args["wait"]) + q * args["beta"]
    assert np.all((q == 0) | (finish <= np.minimum(t[:, None], args["exit_s"]) * (1 + 1e-12)))
    # batched == one row at a time; longer waits never help
    for i in range(0, k, 50):
        ti, _, _ = finish_time(*(np.asarray(a[i]) for a in args.values()))
        assert ti == pytest.approx(t[i], rel=1e-13)
    slower, _, _ = finish_time(**{**args, "wait": args["wait"] + 0.5, "w0": args["w0"] + 0.1})
    assert np.all(slower >= t * (1 - 1e-13))
    assert np.all(t <= args["w0"] + args["q_gbit"] * args["beta0"] * (1 + 1e-13))


# ----------------------------------------------------------------------------- oracle
def _assert_oracle_matches_brute(states: list[TaskState]) -> float:
    worst = 0.0
    for st in states:
        a, b = myopic_exact(st), brute(st)
        worst = max(worst, abs(a.T_s - b.T_s) / b.T_s)
        assert a.T_s <= b.T_s * (1 + 1e-12), (st, a, b)
        assert a.T_s == pytest.approx(evaluate(st, a.selected).T_s, rel=1e-15)
    return worst


def test_oracle_equals_brute_random_states():
    states = _random_states(np.random.default_rng(0), 300)
    assert sum(s.n_candidates >= 4 for s in states) > 100
    assert _assert_oracle_matches_brute(states) < 1e-12


@pytest.mark.parametrize("backend", ["highway", "sampled"])
def test_oracle_equals_brute_on_episodes(backend):
    states = []
    for seed in range(3):
        trace = generate_trace(SMALL, seed)
        if backend == "sampled":
            trace = _sampled_copy(trace, wobble_m=8.0)
            assert isinstance(trace.mobility, SampledMobility)
        states += _run_states(trace, seed)
    assert len(states) >= 300
    assert sum(s.n_candidates >= 3 for s in states) >= 150
    assert sum((s.wait > 0).any() for s in states) >= 100  # queues do bind
    assert _assert_oracle_matches_brute(states) < 1e-12


def test_oracle_equals_one_shot_exact_solver():
    """Waits 0 and constant speed: the stream's task IS the one-shot problem."""
    trace = generate_trace(SMALL.replace(road_length_m=20000.0, rsu_spacing_m=150.0,
                                         max_candidates=8), 5)
    sim = StreamSimulator(trace)
    compared = 0
    for k in range(min(trace.n_tasks, 120)):
        st = lower_bound_state(sim.task_state(k))
        if st.n_candidates == 0:
            continue
        scen = sim.equivalent_scenario(k)
        phys = physics.derive(scen)
        left_s = trace.mobility.leave_time_s(st.vehicle) - st.arrival_s
        if phys.exit_time_s.max() >= left_s:  # the road end caps a link: not one-shot
            continue
        np.testing.assert_allclose(phys.tau_s_per_gbit, st.tau, rtol=1e-12)
        np.testing.assert_allclose(phys.beta_s_per_gbit, st.beta, rtol=1e-15)
        np.testing.assert_allclose(phys.exit_time_s, st.exit_s, rtol=1e-9)  # road end far away
        ref = solve_exact(scen, rule="optimal")
        got = myopic_exact(st)
        assert got.T_s == pytest.approx(ref.completion_time_s, rel=1e-9)
        compared += 1
    assert compared >= 60


# ----------------------------------------------------------------------------- simulator
def _tiny_trace(sizes, deadlines, arrivals, speed=20.0) -> StreamTrace:
    return StreamTrace(
        "tiny", 2000.0, 300.0, 20e9, 1.0, 10.0, 2.0, 4,
        rsu_xy_m=np.array([[100.0, 20.0], [300.0, -30.0]]), rsu_cpu_ghz=np.array([4.0, 2.0]),
        rsu_snr_db=np.array([35.0, 30.0]), vehicle_cpu_ghz=np.array([1.0]),
        task_vehicle=np.zeros(len(sizes), dtype=int), task_arrival_s=np.array(arrivals),
        task_size_gbit=np.array(sizes), task_deadline_s=np.array(deadlines),
        mobility=HighwayMobility(np.array([-1.0]), np.array([0.0]), np.array([speed]), 2000.0))


def test_commit_and_drop_rules():
    sim = StreamSimulator(_tiny_trace([2.0, 2.0, 1.0], [5.0, 0.01, 5.0], [0.0, 0.1, 0.2]))
    st = sim.task_state()
    assert st.rsu.tolist() == [0, 1] and st.wait.tolist() == [0, 0] and st.w0 == 0
    r = sim.step([0, 1])
    assert r.success and r.reward == pytest.approx(-r.T_s / 5.0)
    m, t0 = 2, 0.0
    for p in (0, 1):
        want = t0 + max(r.q[p] * m * st.tau[p], 0.0) + r.q[p] * st.beta[p]
        assert sim.rsu_busy_until_s[p] == pytest.approx(want, rel=1e-14)
        assert sim.rsu_busy_until_s[p] <= min(r.T_s, st.exit_s[p]) * (1 + 1e-12)
    assert sim.vehicle_busy_until_s[0] == pytest.approx(r.q0 * st.beta0, rel=1e-14)
    busy = (sim.rsu_busy_until_s.copy(), sim.vehicle_busy_until_s.copy())
    # task 1 cannot meet its 10 ms deadline: dropped, queues unchanged, -fail_penalty
    st1 = sim.task_state()
    np.testing.assert_allclose(st1.wait, busy[0][st1.rsu] - 0.1)
    assert st1.w0 == pytest.approx(busy[1][0] - 0.1)
    r1 = sim.step([0])
    assert not r1.success and r1.reward == -2.0
    np.testing.assert_array_equal(sim.rsu_busy_until_s, busy[0])
    np.testing.assert_array_equal(sim.vehicle_busy_until_s, busy[1])
    # local only: the vehicle queue advances by w0 + Q beta0 from the arrival
    st2 = sim.task_state()
    r2 = sim.step([])
    assert r2.T_s == pytest.approx(st2.w0 + 1.0 * st2.beta0)
    assert sim.vehicle_busy_until_s[0] == pytest.approx(0.2 + r2.T_s)
    assert sim.done and sim.episode_return == pytest.approx(r.reward + r1.reward + r2.reward)
    with pytest.raises(RuntimeError):
        sim.step([])


def test_step_rejects_bad_selection():
    sim = StreamSimulator(_tiny_trace([1.0], [5.0], [0.0]))
    for bad in ([2], [0, 0], [-1]):
        with pytest.raises(ValueError, match="selected"):
            sim.step(bad)
    assert sim.step(np.array([True, False])).positions == (0,)


def _policies():
    rng = np.random.default_rng(0)
    return {
        "local": lambda st: [],
        "nearest": lambda st: [0] if st.n_candidates else [],
        "all": lambda st: list(range(st.n_candidates)),
        "myopic": lambda st: myopic_exact(st).selected,
        "random": lambda st: np.flatnonzero(rng.random(st.n_candidates) < 0.5),
    }


@pytest.mark.parametrize("backend", ["highway", "sampled"])
def test_lower_bound_bounds_every_policy(backend):
    for seed in (11, 12):
        trace = generate_trace(SMALL, seed)
        if backend == "sampled":
            trace = _sampled_copy(trace, wobble_m=5.0)
        sim = StreamSimulator(trace)
        bound = sim.episode_lower_bound()
        lb = sim.lower_bound_rewards()  # one batched oracle call == the per-task oracle
        per_task = [oracle.lower_bound_reward(sim.task_state(k), trace.fail_penalty)
                    for k in range(sim.n_tasks)]
        np.testing.assert_allclose(lb, per_task, rtol=1e-12, atol=0)
        returns = {}
        for name, policy in _policies().items():
            sim.reset()
            while not sim.done:
                r = sim.step(policy(sim.task_state()), myopic=name == "random")
                assert r.reward <= r.lower_bound_reward + 1e-12
                assert r.lower_bound_reward == lb[r.task_index]
                if r.myopic_T_s is not None:
                    assert r.myopic_T_s <= r.T_s * (1 + 1e-12)
            returns[name] = sim.episode_return
            assert sim.episode_return <= bound + 1e-9, (name, sim.episode_return, bound)
        assert returns["myopic"] >= returns["local"]
        assert returns["myopic"] < bound  # queues bind in the small busy world


# ----------------------------------------------------------------------------- mobility
def test_highway_exit_times_and_road_end():
    mob = HighwayMobility(np.array([0.0]), np.array([0.0]), np.array([25.0]), 1000.0)
    rsu = np.array([[500.0, 30.0], [800.0, 10.0], [100.0, 10.0]])
    e = mob.exit_times_s(0, 10.0, rsu, 300.0)  # vehicle at x = 250
    assert np.hypot(250.0 + 25.0 * e[0] - 500.0, 30.0) == pytest.approx(300.0, rel=1e-12)
    assert e[1] == 0.0  # 550 m away: not in range at t0
    assert e[2] == pytest.approx((100.0 + math.sqrt(300.0**2 - 10.0**2) - 250.0) / 25.0)
    e = mob.exit_times_s(0, 30.0, rsu, 300.0)  # vehicle at x = 750, leaves at t = 40 s
    assert e[1] == pytest.approx(10.0, rel=1e-12)  # capped by the road end
    assert e[0] == pytest.approx((-250.0 + math.sqrt(300.0**2 - 30.0**2)) / 25.0)
    assert mob.exit_times_s(0, 50.0, rsu, 300.0).tolist() == [0.0, 0.0, 0.0]  # off road
    assert np.isnan(mob.position_m(0, -1.0)).all() and np.isnan(mob.positions_m(41.0)).all()
    np.testing.assert_allclose(mob.position_m(0, 4.0), [100.0, 0.0])


def test_sampled_exit_times_match_highway():
    trace = generate_trace(SMALL, 2)
    sampled = _sampled_copy(trace, step_s=0.5)
    hw, sm = trace.mobility, sampled.mobility
    rsu = trace.rsu_xy_m
    checked = 0
    for k in range(0, trace.n_tasks, 3):
        j, t = int(trace.task_vehicle[k]), float(trace.task_arrival_s[k])
        np.testing.assert_allclose(sm.position_m(j, t), hw.position_m(j, t), atol=1e-9)
        e_sm = sm.exit_times_s(j, t, rsu, trace.range_m)
        e_hw = hw.exit_times_s(j, t, rsu, trace.range_m)
        # the road end is known to the grid's resolution only (leave = last on-road sample)
        capped = e_hw >= hw.leave_time_s(j) - t - 1e-9
        np.testing.assert_allclose(e_sm[~capped], e_hw[~capped], atol=1e-9)
        assert np.all(np.abs(e_sm[capped] - e_hw[capped]) <= 0.5 + 1e-9)
        checked += 1
    assert checked >= 10


def test_sampled_mobility_validation():
    times = np.array([0.0, 1.0, 2.0])
    xy = np.array([[[0, 0], [np.nan, np.nan], [2, 0]]], dtype=float)
    with pytest.raises(ScenarioError, match=r"mobility.xy_m\[0\]: on-road samples"):
        SampledMobility(times, xy)
    with pytest.raises(ScenarioError, match=r"mobility.times_s\[2\]"):
        SampledMobility(np.array([0.0, 1.0, 1.0]), np.zeros((1, 3, 2)))


# ----------------------------------------------------------------------------- traces
def test_generate_trace_deterministic_and_sorted():
    a, b = generate_trace("contended", 7), generate_trace("contended", 7)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != generate_trace("contended", 8).to_dict()
    order = np.lexsort((a.task_vehicle, a.task_arrival_s))
    np.testing.assert_array_equal(order, np.arange(a.n_tasks))
    assert a.n_tasks > 100 and 0 <= a.task_arrival_s.min() and a.task_arrival_s.max() < 60
    runs = []
    for _ in range(2):
        sim = StreamSimulator(a)
        runs.append([sim.step(myopic_exact(sim.task_state()).selected).T_s
                     for _ in range(150)])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("backend", ["highway", "sampled"])
def test_trace_round_trip(tmp_path, suffix, backend):
    trace = generate_trace(SMALL, 4)
    if backend == "sampled":
        trace = _sampled_copy(trace)
    back = load_trace(trace.save(tmp_path / f"t{suffix}"))
    assert back.to_dict() == trace.to_dict()
    sims = [StreamSimulator(t) for t in (trace, back)]
    for _ in range(20):
        results = [s.step(myopic_exact(s.task_state()).selected) for s in sims]
        assert results[0].T_s == results[1].T_s


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["task_size_gbit"].__setitem__(3, -1.0), r"^task_size_gbit\[3\]: must be > 0"),
    (lambda d: d["task_vehicle"].__setitem__(0, 10**6), r"^task_vehicle\[0\]: must be an int"),
    (lambda d: d["task_arrival_s"].reverse(), r"^task_arrival_s\[0\]"),
    (lambda d: d["rsu_cpu_ghz"].pop(), r"^rsu_cpu_ghz: expected"),
    (lambda d: d.pop("range_m"), r"^range_m: missing"),
    (lambda d: d.update(extra=1), r"^extra: unknown trace key"),
    (lambda d: d["mobility"].update(kind="teleport"), r"^mobility.kind: must be"),
    (lambda d: d["mobility"]["speed_mps"].__setitem__(1, 0.0), r"^mobility.speed_mps\[1\]"),
    (lambda d: d.update(fail_penalty=0.5), r"^fail_penalty: must be >= 1"),
])
def test_bad_trace_errors_name_the_field(edit, message):
    data = generate_trace(SMALL, 1).to_dict()
    edit(data)
    with pytest.raises(ScenarioError, match=message):
        from_dict(data)


def test_bad_trace_files(tmp_path):
    with pytest.raises(ScenarioError, match=r"^trace: no such file"):
        load_trace(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^trace: .*not valid JSON"):
        load_trace(tmp_path / "bad.json")
    with pytest.raises(ScenarioError, match=r"^path: trace files end in"):
        generate_trace(SMALL, 0).save(tmp_path / "t.txt")


def test_presets_and_errors():
    assert get_preset().name == "contended" and get_preset("light").vehicle_rate_hz > 0
    assert get_preset("light", horizon_s=5.0).horizon_s == 5.0
    with pytest.raises(ScenarioError, match=r"^preset: unknown preset 'nope'"):
        get_preset("nope")
    with pytest.raises(ScenarioError, match=r"^horizon_sec: unknown preset field"):
        get_preset(horizon_sec=3)
    with pytest.raises(ScenarioError, match=r"^task_rate_hz: must be > 0"):
        get_preset(task_rate_hz=0.0)
    with pytest.raises(ScenarioError, match=r"^deadline_s: high must be >= low"):
        get_preset(deadline_s=(3.0, 1.0))
    with pytest.raises(ScenarioError, match=r"^mobility: must be one of"):
        generate_trace(SMALL, 0, mobility="boat")
