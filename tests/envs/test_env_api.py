"""Gymnasium / stable-baselines3 API conformance of all four ids: both env checkers,
``make_vec`` (sync and async), ``action_masks()`` and the torch-geometric conversion."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

from offload_gym.registration import ENV_IDS

from .env_helpers import masked_random_action

# Small instances. check_env samples UNMASKED random actions: the default
# invalid_action="penalty" ends the episode on a masked one (tests/envs/test_outside_clients.py
# runs the checkers on the default and larger configurations too).
KWARGS = {
    "offload_gym/VEC-v0": {"n_rsus": 6},
    "offload_gym/VECSelect-v0": {"n_rsus": 6},
    "offload_gym/LAENet-v0": {"scale": "gs2_gu4_au2", "optimum_solver": "brute"},
    "offload_gym/LAENetAssign-v0": {"scale": "gs2_gu4_au2", "optimum_solver": "brute"},
    "offload_gym/VECStream-v0": {"horizon_s": 2.0},
}
# no optimum (one-shot ids) / no per-step myopic oracle (stream ids): info keys only
LEAN = {env_id: {"myopic_info": False} if "Stream" in env_id else {"compute_optimum": False}
        for env_id in KWARGS}
IDS = list(ENV_IDS)


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id):
    from gymnasium.utils.env_checker import check_env

    env = gym.make(env_id, **KWARGS[env_id])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Box observation space (min|max)imum.*")
        check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_check_env(env_id):
    from stable_baselines3.common.env_checker import check_env

    env = gym.make(env_id, **KWARGS[env_id])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*unconventional shape.*")
        check_env(env.unwrapped)


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec(env_id, mode):
    kwargs = dict(KWARGS[env_id], **LEAN[env_id])
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode=mode, **kwargs)
    try:
        obs, _ = envs.reset(seed=3)
        assert obs["node_features"].shape[0] == 2
        rng = np.random.default_rng(0)
        single = gym.make(env_id, **kwargs)
        for _ in range(6):
            # a masked action per sub-env, from the batched action mask
            acts = []
            for i in range(2):
                m = obs["action_mask"][i]
                if isinstance(single.action_space, gym.spaces.Discrete):
                    acts.append(int(rng.choice(np.flatnonzero(m))))
                elif isinstance(single.action_space, gym.spaces.MultiBinary):
                    may_be_1 = m[:, 1]  # mask [n, 2]: per bit (may be 0, may be 1)
                    acts.append((may_be_1 & (rng.random(len(may_be_1)) < 0.5)).astype(np.int8))
                else:
                    acts.append(np.array([rng.choice(np.flatnonzero(r)) for r in m]))
            obs, rew, _, _, _ = envs.step(np.array(acts))
            assert rew.shape == (2,) and np.isfinite(rew).all()
    finally:
        envs.close()


@pytest.mark.parametrize("env_id", IDS)
def test_action_masks_agree_with_observation(env_id, rng):
    env = gym.make(env_id, **LEAN[env_id], **KWARGS[env_id])
    obs, _ = env.reset(seed=1)
    done = False
    while not done:
        m = env.unwrapped.action_masks()
        assert m.dtype == bool
        # one layout: action_masks() is obs["action_mask"] flattened
        assert np.array_equal(m, obs["action_mask"].reshape(-1).astype(bool))
        assert obs["action_mask"].shape == env.observation_space["action_mask"].shape
        obs, _, term, trunc, _ = env.step(masked_random_action(env, rng))
        done = term or trunc


@pytest.mark.parametrize("env_id", IDS)
def test_to_pyg_roundtrip(env_id):
    from offload_gym.core.graph import batch_to_pyg, to_pyg

    env = gym.make(env_id, **LEAN[env_id], **KWARGS[env_id])
    obs, _ = env.reset(seed=2)
    data = to_pyg(obs)
    n_nodes = int(obs["node_mask"].sum())
    n_edges = int(obs["edge_mask"].sum())
    assert data.num_nodes == n_nodes and data.x.shape[0] == n_nodes
    assert data.edge_index.shape == (2, n_edges)
    assert int(data.edge_index.max()) < n_nodes
    slots = data.slot.numpy()
    # renumbered edges point at the same padded slots
    ei = obs["edge_index"][:, obs["edge_mask"].astype(bool)]
    assert np.array_equal(slots[data.edge_index.numpy()], ei)
    assert np.allclose(data.x.numpy(), obs["node_features"][slots])
    assert slots[int(data.decision_index)] == obs["decision_index"]
    assert data.action_mask.shape[0] == 1

    envs = gym.make_vec(env_id, num_envs=3, vectorization_mode="sync", **LEAN[env_id],
                        **KWARGS[env_id])
    bobs, _ = envs.reset(seed=5)
    batch = batch_to_pyg(bobs)
    assert batch.num_graphs == 3
    assert batch.x.shape[0] == int(bobs["node_mask"].sum())
    assert batch.action_mask.shape[0] == 3
    # decision_index is offset per graph, so it indexes batch.x directly
    for g in range(3):
        k = int(batch.decision_index[g])
        assert int(batch.batch[k]) == g
    envs.close()
