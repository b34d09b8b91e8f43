"""VECStream-v0 (offload_gym/vec/stream/env.py): checkers and SB3 on default kwargs, seeding,
the step against the simulator, masked bits, truncation, traces, kwargs, observation,
rendering."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401  (registers the ids)
from offload_gym.vec.stream.observation import (
    G_N_CANDIDATES,
    N_EXIT,
    N_IS_CANDIDATE,
    N_IS_CONTEXT,
    N_WAIT,
    RATIO_CAP,
)
from offload_gym.vec.stream.oracle import myopic_exact
from offload_gym.vec.stream.simulator import StreamSimulator

ID = "offload_gym/VECStream-v0"
SHORT = {"horizon_s": 4.0}


def _myopic(env: gym.Env) -> np.ndarray:
    u = env.unwrapped
    action = np.zeros(u.action_space.n, dtype=np.int8)
    if u.task_state() is not None:
        action[list(myopic_exact(u.task_state()).selected)] = 1
    return action


def _play(env: gym.Env, policy, seed=None, options=None):
    """(rewards, infos, observations, actions) of one episode."""
    obs, info = env.reset(seed=seed, options=options)
    rewards, infos, observations, actions = [], [info], [obs], []
    done = False
    while not done:
        a = policy(env)
        obs, r, term, trunc, info = env.step(a)
        assert not term
        rewards.append(r), infos.append(info), observations.append(obs), actions.append(a)
        done = trunc
    return rewards, infos, observations, actions


# ---------------------------------------------------------------------------- clients
def test_both_checkers_default_kwargs():
    from gymnasium.utils.env_checker import check_env as gym_check
    from stable_baselines3.common.env_checker import check_env as sb3_check

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Box observation space (min|max)imum.*")
        warnings.filterwarnings("ignore", message=".*unconventional shape.*")
        gym_check(gym.make(ID).unwrapped, skip_render_check=True)
        sb3_check(gym.make(ID).unwrapped)


def test_sb3_ppo_and_maskable_ppo_default_kwargs():
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    model = PPO("MultiInputPolicy", gym.make(ID), seed=0, device="cpu", n_steps=128,
                batch_size=64, n_epochs=1)
    model.learn(256)
    assert model.num_timesteps >= 256
    env = gym.make(ID)
    masked = MaskablePPO("MultiInputPolicy", env, seed=0, device="cpu", n_steps=128,
                         batch_size=64, n_epochs=1)
    masked.learn(256)
    assert masked.num_timesteps >= 256


# ---------------------------------------------------------------------------- determinism
def test_same_seed_bit_identical_episodes():
    def random_policy(rng):
        return lambda env: (rng.random(env.unwrapped.action_space.n) < 0.5).astype(np.int8)

    runs = []
    for _ in range(2):
        env = gym.make(ID, **SHORT)
        runs.append(_play(env, random_policy(np.random.default_rng(1)), seed=7))
    (r1, i1, o1, _), (r2, i2, o2, _) = runs
    assert r1 == r2 and len(r1) > 5
    for a, b in zip(o1, o2, strict=True):
        for key in a:
            assert a[key].tobytes() == b[key].tobytes(), key
    assert [sorted(i.items()) for i in i1[1:]] == [sorted(i.items()) for i in i2[1:]]
    r3 = _play(gym.make(ID, **SHORT), random_policy(np.random.default_rng(1)), seed=8)[0]
    assert r3 != r1


# ---------------------------------------------------------------------------- the step
def test_rewards_sum_equals_simulator_and_bounded_by_lower_bound():
    env = gym.make(ID, **SHORT)
    rewards, infos, _, actions = _play(env, _myopic, seed=3)
    trace = env.unwrapped.trace
    sim = StreamSimulator(trace)
    sim.reset()
    total = 0.0
    for a in actions:
        state = sim.task_state()
        res = sim.step(tuple(np.flatnonzero(a[:state.n_candidates]).tolist()))
        total += res.reward
    assert sim.done and len(actions) == infos[0]["n_tasks"] == len(trace.task_arrival_s)
    assert sum(rewards) == pytest.approx(total, abs=1e-12)
    final = infos[-1]
    assert final["lower_bound"] == pytest.approx(sim.episode_lower_bound())
    assert final["episode_return"] == pytest.approx(sum(rewards))
    assert sum(rewards) <= final["lower_bound"] + 1e-9
    assert 0.0 <= final["success_rate"] <= 1.0


def test_myopic_info_is_the_per_task_optimum():
    env = gym.make(ID, **SHORT)
    rng = np.random.default_rng(0)
    _, infos, _, _ = _play(env, lambda e: (rng.random(e.unwrapped.action_space.n) < 0.4)
                           .astype(np.int8), seed=1)
    for info in infos[1:]:
        assert info["myopic_time_s"] <= info["completion_time_s"] + 1e-9
        assert info["success"] <= info["myopic_success"]
        assert set(info) >= {"completion_time_s", "success", "selected", "n_selected",
                             "n_ignored", "deadline_s", "lower_bound_reward"}
    _, infos, _, _ = _play(gym.make(ID, myopic_info=False, **SHORT), _myopic, seed=1)
    assert all("myopic_time_s" not in i for i in infos)


def test_masked_bits_are_ignored_and_counted():
    env = gym.make(ID, **SHORT)
    env.reset(seed=2)
    u = env.unwrapped
    while u.task_state().n_candidates == u.action_space.n:  # find a task with free slots
        env.step(np.zeros(u.action_space.n, dtype=np.int8))
    n = u.task_state().n_candidates
    rsu = tuple(int(i) for i in u.task_state().rsu)
    _, _, term, _, info = env.step(np.ones(u.action_space.n, dtype=np.float32))
    assert not term and "invalid_action" not in info
    assert info["n_ignored"] == u.action_space.n - n
    assert info["selected"] == rsu and info["n_selected"] == n


def test_truncation_at_the_horizon_then_reset_required():
    env = gym.make(ID, **SHORT)
    rewards, infos, _, _ = _play(env, _myopic, seed=0)
    assert len(rewards) == infos[0]["n_tasks"] > 0
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(env.action_space.n, dtype=np.int8))


# ---------------------------------------------------------------------------- traces
def test_trace_option_replays_the_episode(tmp_path):
    env = gym.make(ID, **SHORT)
    rewards, _, obs, _ = _play(env, _myopic, seed=5)
    trace = env.unwrapped.trace
    path = tmp_path / "trace.json"
    trace.save(path)
    for source in (trace, trace.to_dict(), str(path)):
        again, _, obs2, _ = _play(env, _myopic, options={"trace": source})
        assert again == rewards
        assert np.array_equal(obs[3]["node_features"], obs2[3]["node_features"])
    fixed = gym.make(ID, traces=[trace])
    assert _play(fixed, _myopic, seed=0)[0] == rewards


def test_bad_kwargs_name_the_field():
    for key, value in (("preset", "nonsense"), ("mobility", "boat"), ("horizon_s", -1.0),
                       ("n_context", -1), ("myopic_info", "no"), ("preset_overrides", [1]),
                       ("traces", 5), ("reward_fn", "bogus"), ("render_mode", "ascii")):
        with pytest.raises(ValueError, match=key):
            gym.make(ID, **{key: value})
    with pytest.raises(ValueError, match="task_rate_hz"):
        gym.make(ID, preset_overrides={"task_rate_hz": -1.0})
    with pytest.raises(ValueError, match="trace"):
        gym.make(ID).reset(options={"trace": 3})


# ---------------------------------------------------------------------------- observation
def test_observation_matches_the_raw_task_state():
    env = gym.make(ID, **SHORT)
    obs, _ = env.reset(seed=4)
    u = env.unwrapped
    c = u.action_space.n
    for _ in range(20):
        s = u.task_state()
        n = s.n_candidates
        nf = obs["node_features"]
        assert obs["node_mask"][0] == 1 and nf[1:1 + n, N_IS_CANDIDATE].all()
        assert not nf[1 + n:1 + c, N_IS_CANDIDATE].any()
        assert np.allclose(nf[1:1 + n, N_WAIT], np.minimum(s.wait / s.deadline_s, RATIO_CAP))
        assert np.allclose(nf[1:1 + n, N_EXIT], np.minimum(s.exit_s / s.deadline_s, RATIO_CAP))
        ctx = nf[1 + c:, N_IS_CONTEXT].astype(bool)
        assert np.array_equal(obs["node_mask"][1 + c:].astype(bool), ctx)
        assert obs["global_features"][G_N_CANDIDATES] == pytest.approx(n / c)
        assert np.array_equal(obs["action_mask"][:, 1], (np.arange(c) < n).astype(np.int8))
        assert obs["edge_mask"].sum() == 2 * (n + ctx.sum())
        assert env.observation_space.contains(obs)
        obs, *_ = env.step(_myopic(env))


def test_render_rgb_array():
    env = gym.make(ID, render_mode="rgb_array", **SHORT)
    env.reset(seed=0)
    env.step(_myopic(env))
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 10
