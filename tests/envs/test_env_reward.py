"""Injectable reward functions (reward_fn=) and the public env.scenario."""

import itertools
import math

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401

VEC, LAENET = "offload_gym/VEC-v0", "offload_gym/LAENet-v0"
SMALL = {VEC: {"n_rsus": 5}, LAENET: {"scale": "gs2_gu4_au2"}}


def _episode(env, seed):
    """(rewards, final info) of a masked episode choosing the last allowed action."""
    env.reset(seed=seed)
    rewards, done = [], False
    while not done:
        a = int(np.flatnonzero(env.unwrapped.action_masks())[-1])
        _, r, done, _, info = env.step(a)
        rewards.append(r)
    return rewards, info


def test_vec_shaped_return_is_log_time_ratio():
    env = gym.make(VEC, reward_fn="shaped", compute_optimum=False, **SMALL[VEC])
    rewards, info = _episode(env, 0)
    t_local = env.unwrapped.episode.local_time_s
    t_final = info["completion_time_s"] if info["success"] else 2.0 * t_local
    assert sum(rewards) == pytest.approx(math.log(t_local / t_final), abs=1e-6)


def test_laenet_shaped_rewards_are_default_over_lower_bound():
    plain = gym.make(LAENET, compute_optimum=False, **SMALL[LAENET])
    shaped = gym.make(LAENET, reward_fn="lower_bound", compute_optimum=False, **SMALL[LAENET])
    r0, _ = _episode(plain, 3)
    r1, _ = _episode(shaped, 3)
    c_lb = shaped.unwrapped.lower_bound_cost()
    assert r1 == [r / c_lb for r in r0]
    assert sum(r1) == pytest.approx(sum(r0) / c_lb)


@pytest.mark.parametrize("env_id", [VEC, LAENET])
def test_callable_reward_fn_gets_objectives(env_id):
    seen = []

    def fn(env, prev, cur, reward):
        seen.append((prev, cur, reward))
        return 1.0

    env = gym.make(env_id, reward_fn=fn, compute_optimum=False, **SMALL[env_id])
    rewards, _ = _episode(env, 1)
    ref, _ = _episode(gym.make(env_id, compute_optimum=False, **SMALL[env_id]), 1)
    assert rewards == [1.0] * len(ref)
    assert [r for _, _, r in seen] == ref  # the default reward is handed to the function
    assert all(p == c for (_, p, _), (c, _, _) in itertools.pairwise(seen))


@pytest.mark.parametrize("env_id", [VEC, LAENET])
def test_bad_reward_fn_names_the_kwarg(env_id):
    with pytest.raises(ValueError, match="reward_fn"):
        gym.make(env_id, reward_fn="nope")
    with pytest.raises(ValueError, match="reward_fn"):
        gym.make(env_id, reward_fn=3)


@pytest.mark.parametrize("env_id", [VEC, LAENET])
def test_public_scenario(env_id):
    env = gym.make(env_id, compute_optimum=False, **SMALL[env_id]).unwrapped
    assert env.scenario is None
    env.reset(seed=0)
    assert env.scenario is env._ep.scenario
    assert env.scenario.to_dict() == type(env.scenario).from_dict(env.scenario.to_dict()).to_dict()
