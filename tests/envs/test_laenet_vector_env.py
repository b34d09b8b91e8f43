"""Native vector env of LAENetAssign-v0 (docs/envs.md "Native vector envs"): sub-env i
seeded s_i equals the single env seeded s_i, bit for bit, compared with Gymnasium's
SyncVectorEnv over B single envs."""

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401
from offload_gym.core.errors import InvalidActionError

from .env_helpers import assert_same_vector_dict

ENV_ID = "offload_gym/LAENetAssign-v0"
SEEDS = [3, 7, 11, 13]
LEAN = {"compute_optimum": False, "solution_info": False}



def _same_obs(a, b, where):
    assert a.keys() == b.keys(), where
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), (where, k)


def _actions(masks, u_max, rng, p_masked):
    """Random allowed choices per user; with probability p_masked a row picks one masked."""
    b = len(masks)
    m = masks.reshape(b, u_max, -1)
    scores = rng.random(m.shape) + m  # allowed entries score higher
    a = scores.argmax(axis=2)
    for i in np.flatnonzero(rng.random(b) < p_masked):
        u, c = np.argwhere(~m[i])[rng.integers(len(np.argwhere(~m[i])))] \
            if (~m[i]).any() else (0, 0)
        a[i, u] = c
    return a.astype(np.int64)


def _run_both(n_steps, mode=gym.vector.AutoresetMode.NEXT_STEP, p_masked=0.05, **kwargs):
    b = len(SEEDS)
    venv = gym.make_vec(ENV_ID, num_envs=b, vectorization_mode="vector_entry_point",
                        autoreset_mode=mode, **kwargs)
    ref = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID, **kwargs) for _ in range(b)],
                                   autoreset_mode=mode)
    assert venv.metadata["autoreset_mode"] == ref.metadata["autoreset_mode"]
    o1, i1 = venv.reset(seed=SEEDS)
    o2, i2 = ref.reset(seed=SEEDS)
    _same_obs(o1, o2, "reset")
    assert_same_vector_dict(i1, i2, "reset info")
    u_max = venv.unwrapped.u_max
    rng = np.random.default_rng(0)
    episodes, failed, validity = 0, 0, set()
    for step in range(n_steps):
        masks = venv.unwrapped.action_masks()
        assert np.array_equal(masks, o1["action_mask"].reshape(b, -1).astype(bool))
        actions = _actions(masks, u_max, rng, p_masked)
        o1, r1, t1, u1, i1 = venv.step(actions)
        o2, r2, t2, u2, i2 = ref.step(actions)
        _same_obs(o1, o2, f"obs {step}")
        for x, y in ((r1, r2), (t1, t2), (u1, u2)):
            assert x.dtype == y.dtype and np.array_equal(x, y), (step, x, y)
        assert_same_vector_dict(i1, i2, f"info {step}")
        episodes += int(t1.sum())
        failed += int(np.sum(i1.get("failed", np.zeros(b, bool)) & i1.get("_failed", False)))
        if "validity" in i1:
            validity.update(i1["validity"][i1["_validity"]].tolist())
    return episodes, failed, validity


def test_laenet_assign_vector_env_equals_single_envs_lean():
    episodes, failed, validity = _run_both(1000, pool_size=8, **LEAN)
    assert episodes >= 1900 and failed > 10  # pools refilled; masked choices penalised
    assert validity == {"valid", "repaired", "failed"}  # batched scoring and repair covered


@pytest.mark.parametrize("kwargs", [
    {"pool_size": 4},  # defaults: solution + the certified optimum in the final info
    {"pool_size": 1, "reward_fn": "shaped", **LEAN},
])
def test_laenet_assign_vector_env_options(kwargs):
    episodes, _, _ = _run_both(30, **kwargs)
    assert episodes >= 50


def test_laenet_assign_vector_env_same_step():
    episodes, _, _ = _run_both(100, gym.vector.AutoresetMode.SAME_STEP, pool_size=4, **LEAN)
    assert episodes == 400


def test_laenet_assign_vector_env_errors():
    venv = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="vector_entry_point",
                        invalid_action="raise", **LEAN)
    obs, _ = venv.reset(seed=1)
    assert venv.observation_space.contains(obs)
    u_max = venv.unwrapped.u_max
    with pytest.raises(InvalidActionError, match="actions"):
        venv.step(np.zeros((1, u_max), dtype=np.int64))
    with pytest.raises(ValueError, match="vectorization_mode='sync'"):
        gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="vector_entry_point",
                     reward_fn=lambda env, p, c, r: r)
    with pytest.raises(ValueError, match="vectorization_mode='sync'"):
        gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="vector_entry_point",
                     scenarios=[])
