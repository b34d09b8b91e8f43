"""VEC-v0 / VECSelect-v0: rewards telescope, the oracle reaches the exact optimum, the
incremental times agree with ``allocate``, and episodes are reproducible."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from offload_gym.core.errors import InvalidActionError
from offload_gym.vec import allocate, derive, evaluate, generate
from offload_gym.vec.env import F_SEL, NODE_FEATURES

from .env_helpers import masked_random_action, rollout

VEC = "offload_gym/VEC-v0"
SELECT = "offload_gym/VECSelect-v0"


def oracle_vec(env, obs):
    """Replay the exact solver's selection, one RSU at a time."""
    u = env.unwrapped
    chosen = set(u.optimum_solution().selected)
    return int(obs["decision_index"] - 1 in chosen)


def oracle_select(env, obs):
    u = env.unwrapped
    bits = np.zeros(u.n_rsus_max, dtype=np.int8)
    bits[list(u.optimum_solution().selected)] = 1
    return bits


def random_policy(rng):
    return lambda env, obs: masked_random_action(env, rng)


@pytest.mark.parametrize("env_id,oracle", [(VEC, oracle_vec), (SELECT, oracle_select)])
@pytest.mark.parametrize("preset,rule", [("kato2025", "optimal"),
                                         ("kato2025", "equal_finish"),
                                         ("mobility_stress", "optimal"),
                                         ("mobility_stress", "equal_finish")])
def test_oracle_reaches_optimum_and_random_is_worse(env_id, oracle, preset, rule, rng):
    env = gym.make(env_id, n_rsus=8, preset=preset, rule=rule)
    oracle_returns, random_returns = [], []
    for seed in range(12):
        ret, _, info, _ = rollout(env, oracle, seed=seed)
        assert not info["failed"]
        assert ret == pytest.approx(info["max_return"], abs=1e-9)
        assert ret == pytest.approx(info["local_time_s"] - info["optimum_time_s"], abs=1e-9)
        assert info["optimality_ratio"] == pytest.approx(1.0, abs=1e-9)
        oracle_returns.append(ret)
        ret_r, _, info_r, _ = rollout(env, random_policy(rng), seed=seed)
        assert ret_r <= info_r["max_return"] + 1e-9
        assert info_r["optimality_ratio"] >= 1 - 1e-9
        random_returns.append(ret_r)
    assert np.mean(random_returns) < np.mean(oracle_returns)


@pytest.mark.parametrize("env_id", [VEC, SELECT])
@pytest.mark.parametrize("rule", ["optimal", "equal_finish"])
def test_return_telescopes_and_solution_rechecks(env_id, rule, rng):
    env = gym.make(env_id, n_rsus=10, preset="mobility_stress", rule=rule, mobcheck=False)
    for seed in range(15):
        ret, _, info, _ = rollout(env, random_policy(rng), seed=seed)
        sol = info["solution"]
        sc = env.unwrapped._ep.scenario
        ev = evaluate(sc, sol.selected, sol.allocation_gbit)
        assert ev.success == sol.success
        assert ev.completion_time_s == sol.completion_time_s
        t_final = sol.completion_time_s if sol.success else 2.0 * info["local_time_s"]
        assert info["failed"] == (not sol.success)
        assert ret == pytest.approx(info["local_time_s"] - t_final, rel=1e-12, abs=1e-12)


def test_incremental_time_matches_allocate(rng):
    """Every intermediate completion time equals allocate() on the same selection."""
    for rule in ("optimal", "equal_finish"):
        env = gym.make(VEC, n_rsus=12, preset="mobility_stress", rule=rule, mobcheck=False,
                       terminate_on_failure=False, compute_optimum=False).unwrapped
        for seed in range(10):
            env.reset(seed=seed)
            phys = derive(env._ep.scenario)
            done = False
            while not done:
                _, _, done, _, info = env.step(masked_random_action(env, rng))
                ref = allocate(phys, env._mask, rule)
                assert info["completion_time_s"] == pytest.approx(float(ref.time_s), rel=1e-12)
                if not done:
                    assert info["success"] == bool(ref.success)


def test_reward_scale_local(rng):
    env = gym.make(VEC, n_rsus=6, reward_scale="local")
    ret, _, info, _ = rollout(env, random_policy(rng), seed=3)
    assert ret == pytest.approx(1.0 - info["completion_time_s"] / info["local_time_s"],
                                rel=1e-12)


def test_failure_ends_episode_with_penalty():
    """equal_finish without MobCheck: selecting an RSU that leaves range fails the task."""
    env = gym.make(VEC, n_rsus=10, preset="mobility_stress", rule="equal_finish",
                   mobcheck=False).unwrapped
    for seed in range(200):
        env.reset(seed=seed)
        ep = env._ep
        j = int(ep.order[0])
        if ep.exit_s[j] < ep.size_gbit / (ep.rate0 + ep.inv_cost[1, j]):
            break
    else:
        pytest.skip("no instance whose first RSU leaves range")
    _, r, term, _, info = env.step(1)
    assert term and info["failed"] and not info["solution"].success
    assert r == pytest.approx(ep.local_time_s - 2.0 * ep.local_time_s)
    assert info["optimality_ratio"] > 1


def test_mobcheck_masks_and_invalid_actions():
    env = gym.make(VEC, n_rsus=10, preset="mobility_stress", invalid_action="raise").unwrapped
    for seed in range(100):
        obs, _ = env.reset(seed=seed)
        if not env._ep.avail.all():
            break
    ep = env._ep
    # skip until the first MobCheck-removed RSU
    while ep.avail[ep.order[env._k]]:
        obs, *_ = env.step(0)
    assert obs["action_mask"].tolist() == [1, 0]
    assert obs["node_features"][obs["decision_index"], NODE_FEATURES.index("available")] == 0
    with pytest.raises(InvalidActionError, match="MobCheck"):
        env.step(1)
    with pytest.raises(InvalidActionError, match="out of range"):
        env.step(2)
    with pytest.raises(InvalidActionError):
        env.step(0.5)
    with pytest.raises(InvalidActionError, match=r"shape \(1,\)"):
        env.step(np.array([[0]]))  # (1, 1): not a Discrete action
    env.step(0)  # still usable after a refused action

    # the default (penalty): a masked choice ends the episode as a failure, saying why
    pen = gym.make(VEC, n_rsus=10, preset="mobility_stress").unwrapped
    obs, _ = pen.reset(seed=seed)
    while obs["action_mask"][1]:
        obs, *_ = pen.step(0)
    t_eff_before = pen._t_eff
    _, r, term, _, info = pen.step(np.int64(1))
    assert term and info["failed"] and "MobCheck" in info["invalid_action"]
    assert r == pytest.approx(t_eff_before - 2 * info["local_time_s"])  # to the failure time
    with pytest.raises(RuntimeError):
        pen.step(0)
    pen.reset(seed=0)
    with pytest.raises(InvalidActionError, match="out of range"):  # outside the space: raises
        pen.step(7)

    sel = gym.make(SELECT, n_rsus=4, n_rsus_max=6, invalid_action="raise").unwrapped
    sel.reset(seed=0)
    with pytest.raises(InvalidActionError, match="may not be set"):
        sel.step(np.array([0, 0, 0, 0, 1, 0]))  # a padding slot
    with pytest.raises(InvalidActionError, match=r"shape \(6,\)"):
        sel.step(np.zeros(4, dtype=np.int8))  # wrong shape
    with pytest.raises(InvalidActionError, match="0 / 1"):
        sel.step(np.array([0, 2, 0, 0, 0, 0]))  # not binary
    with pytest.raises(InvalidActionError, match="0 / 1"):
        sel.step(np.array([0, 0.5, 0, 0, 0, 0]))
    *_, info = sel.step(np.array([1, 0, 0, 0, 0, 0], dtype=np.float32))  # SB3 sends float32
    assert info["selected"] == (0,) and "invalid_action" not in info


@pytest.mark.parametrize("env_id", [VEC, SELECT])
def test_same_seed_same_episode(env_id):
    def episodes(seed):
        env = gym.make(env_id, n_rsus=(3, 9))
        pol = random_policy(np.random.default_rng(7))
        out = []
        env.reset(seed=seed)
        for _ in range(4):
            out.append(rollout(env, pol)[1:])
        return out

    a, b = episodes(11), episodes(11)
    for (ra, ia, oa), (rb, ib, ob) in zip(a, b, strict=True):
        assert ra == rb
        assert ia["completion_time_s"] == ib["completion_time_s"]
        for x, y in zip(oa, ob, strict=True):
            for k in x:
                assert np.array_equal(x[k], y[k]) and np.asarray(x[k]).dtype == y[k].dtype
    assert episodes(12)[0][0] != a[0][0]


def test_fixed_scenario_set_cycles_in_order(tmp_path):
    scs = [generate(n, seed=s) for s, n in ((1, 3), (2, 5), (3, 4))]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(s.to_dict()) for s in scs) + "\n")
    for source in (scs, [s.to_dict() for s in scs], str(path)):
        env = gym.make(VEC, scenarios=source).unwrapped
        assert env.n_rsus_max == 5
        env.reset(seed=0)
        seen = [env._ep.scenario]
        for _ in range(3):
            env.reset()
            seen.append(env._ep.scenario)
        assert seen == [*scs, scs[0]]
    one = tmp_path / "one.json"
    scs[1].to_file(one)
    env = gym.make(SELECT, scenarios=one).unwrapped
    env.reset()
    assert env._ep.scenario == scs[1]
    obs, _ = env.reset(options={"scenario": scs[0].to_dict()})
    assert env._ep.scenario == scs[0]
    assert obs["node_mask"].sum() == 4


def test_observation_layout():
    env = gym.make(VEC, n_rsus=5, n_rsus_max=8).unwrapped
    obs, _ = env.reset(seed=4)
    assert env.observation_space.contains(obs)
    assert obs["node_features"].shape == (9, len(NODE_FEATURES))
    assert obs["node_mask"].tolist() == [1] * 6 + [0] * 3
    assert obs["edge_mask"].sum() == 10
    assert np.all(obs["node_features"][6:] == 0)
    sc = env._ep.scenario
    assert obs["decision_index"] == 1 + int(np.argmax(sc.rsu_cpu_ghz))
    order = [obs["decision_index"] - 1]
    while True:
        obs, _, term, _, _ = env.step(1)
        if term:
            break
        order.append(obs["decision_index"] - 1)
    assert list(sc.rsu_cpu_ghz[order]) == sorted(sc.rsu_cpu_ghz, reverse=True)
    assert obs["node_features"][1:6, F_SEL].tolist() == [1.0] * 5
    assert np.isfinite(obs["global_features"]).all()


def test_render_rgb_array():
    env = gym.make(VEC, n_rsus=6, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(1)
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert img.std() > 0
    env.close()
    sel = gym.make(SELECT, n_rsus=6, render_mode="human")
    sel.reset(seed=0)
    assert sel.render() is None
    sel.close()
