"""Native vector envs (docs/envs.md "Native vector envs"): sub-env i seeded s_i equals the
single env seeded s_i, bit for bit (observations, rewards, terminations, truncations,
infos), compared with Gymnasium's SyncVectorEnv over B single envs."""

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401
from offload_gym.core.errors import InvalidActionError

from .env_helpers import assert_same_vector_dict

SEEDS = [3, 7, 11, 13, 17, 19]
LEAN = {"compute_optimum": False, "solution_info": False}



def _random_actions(env_id, masks, rng):
    b = len(masks)
    if env_id.endswith("VEC-v0"):  # mostly allowed choices, a few masked ones
        return np.array([rng.choice(np.flatnonzero(m)) if rng.random() < 0.97 else 1
                         for m in masks])
    may_be_1 = masks.reshape(b, -1, 2)[:, :, 1]
    bits = (rng.random(may_be_1.shape) < 0.4) & (may_be_1 | (rng.random(may_be_1.shape) < 0.01))
    return bits.astype(np.int64)


def _run_both(env_id, n_steps, mode=gym.vector.AutoresetMode.NEXT_STEP, **kwargs):
    b = len(SEEDS)
    venv = gym.make_vec(env_id, num_envs=b, vectorization_mode="vector_entry_point",
                        autoreset_mode=mode, **kwargs)
    ref = gym.vector.SyncVectorEnv([lambda: gym.make(env_id, **kwargs) for _ in range(b)],
                                   autoreset_mode=mode)
    assert venv.metadata["autoreset_mode"] == ref.metadata["autoreset_mode"]
    o1, i1 = venv.reset(seed=SEEDS)
    o2, i2 = ref.reset(seed=SEEDS)
    assert_same_vector_dict(o1, o2, "reset obs")
    assert_same_vector_dict(i1, i2, "reset info")
    rng = np.random.default_rng(0)
    episodes = 0
    for step in range(n_steps):
        masks = venv.unwrapped.action_masks()
        assert masks.shape[0] == b
        assert np.array_equal(masks, o1["action_mask"].reshape(b, -1).astype(bool))
        actions = _random_actions(env_id, masks, rng)
        o1, r1, t1, u1, i1 = venv.step(actions)
        o2, r2, t2, u2, i2 = ref.step(actions)
        assert_same_vector_dict(o1, o2, f"obs {step}")
        for x, y in ((r1, r2), (t1, t2), (u1, u2)):
            assert x.dtype == y.dtype and np.array_equal(x, y), (step, x, y)
        assert_same_vector_dict(i1, i2, f"info {step}")
        episodes += int(t1.sum())
    return episodes


@pytest.mark.parametrize("env_id", ["offload_gym/VEC-v0", "offload_gym/VECSelect-v0"])
def test_vector_env_equals_single_envs_lean(env_id):
    kwargs = {"n_rsus": 6, "pool_size": 8, **LEAN}
    assert _run_both(env_id, 1000, **kwargs) > 100  # pools refilled many times


@pytest.mark.parametrize("env_id", ["offload_gym/VEC-v0", "offload_gym/VECSelect-v0"])
@pytest.mark.parametrize("kwargs", [
    {"n_rsus": 5, "pool_size": 4},  # solution + certified optimum in info
    {"n_rsus": 6, "pool_size": 8, "reward_fn": "shaped", "mobcheck": False,
     "rule": "equal_finish", "reward_scale": "local", **LEAN},
])
def test_vector_env_equals_single_envs_options(env_id, kwargs):
    assert _run_both(env_id, 150, **kwargs) > 10


@pytest.mark.parametrize("env_id", ["offload_gym/VEC-v0", "offload_gym/VECSelect-v0"])
def test_vector_env_same_step_autoreset(env_id):
    kwargs = {"n_rsus": 5, "pool_size": 4, **LEAN}
    assert _run_both(env_id, 200, gym.vector.AutoresetMode.SAME_STEP, **kwargs) > 20


def test_vector_env_spaces_and_errors():
    venv = gym.make_vec("offload_gym/VEC-v0", num_envs=3, vectorization_mode="vector_entry_point",
                        n_rsus=4, invalid_action="raise", **LEAN)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, _ = venv.reset(seed=1)
    assert venv.observation_space.contains(obs)
    assert venv.unwrapped.action_masks().shape == (3, 2)
    with pytest.raises(InvalidActionError, match="actions"):
        venv.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="n_rsus"):
        gym.make_vec("offload_gym/VEC-v0", num_envs=2, vectorization_mode="vector_entry_point",
                     n_rsus=(3, 5))
    with pytest.raises(ValueError, match="rule"):
        gym.make_vec("offload_gym/VECSelect-v0", num_envs=2,
                     vectorization_mode="vector_entry_point", rule="nope")


def test_sb3_adapter_autoreset_and_masks():
    import offload_gym as og

    venv = og.make_sb3_vec("offload_gym/VEC-v0", n_envs=4, n_rsus=4, pool_size=4, **LEAN)
    venv.seed(5)
    obs = venv.reset()
    assert obs["node_features"].shape[0] == 4
    masks = np.stack(venv.env_method("action_masks"))  # sb3-contrib's get_action_masks
    assert masks.shape == (4, 2) and venv.has_attr("action_masks")
    finished = 0
    for _ in range(40):
        actions = np.array([np.flatnonzero(m)[-1] for m in np.stack(venv.env_method(
            "action_masks"))])
        obs, _rewards, dones, infos = venv.step(actions)
        for i in np.flatnonzero(dones):
            term = infos[i]["terminal_observation"]
            assert term["decision_index"] == 0 and obs["global_features"][i][2] == 0.0
            assert "completion_time_s" in infos[i] and "failed" in infos[i]
            finished += 1
    assert finished >= 4 * 40 // 5


def test_maskable_ppo_learns_on_native_vector_env():
    pytest.importorskip("sb3_contrib")
    from sb3_contrib import MaskablePPO

    import offload_gym as og

    env = og.make_sb3_vec("offload_gym/VEC-v0", n_envs=16, n_rsus=5, **LEAN)
    model = MaskablePPO("MultiInputPolicy", env, n_steps=64, batch_size=256, n_epochs=1,
                        seed=0, device="cpu")
    model.learn(2048)
    assert model.num_timesteps >= 2048


@pytest.mark.parametrize("env_id", ["offload_gym/VEC-v0", "offload_gym/VECSelect-v0"])
def test_copy_obs_false_gives_views_with_the_same_values(env_id):
    kw = {"num_envs": 4, "vectorization_mode": "vector_entry_point", "n_rsus": 5,
          "pool_size": 4, **LEAN}
    copied, views = gym.make_vec(env_id, **kw), gym.make_vec(env_id, copy_obs=False, **kw)
    o1, _ = copied.reset(seed=2)
    o2, _ = views.reset(seed=2)
    rng = np.random.default_rng(1)
    for step in range(30):
        assert_same_vector_dict(o1, o2, f"obs {step}")
        actions = _random_actions(env_id, copied.unwrapped.action_masks(), rng)
        prev = {k: v.copy() for k, v in o2.items()}
        o1, *_ = copied.step(actions)
        o2_next, *_ = views.step(actions)
        assert all(o2_next[k] is o2[k] for k in o2)  # the same buffers, overwritten
        assert not np.array_equal(prev["global_features"], o2_next["global_features"])
        o2 = o2_next
    with pytest.raises(ValueError, match="copy_obs"):
        gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", copy_obs=1)
