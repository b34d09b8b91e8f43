"""The GRLO extractor's dense path (padded tensors + masks) equals its PyG path on the same
weights (issue 16), and the shipped checkpoints act identically on either path."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.preprocessing import preprocess_obs
from stable_baselines3.common.utils import obs_as_tensor

import offload_gym  # noqa: F401
from agents.rl.extractor import GraphExtractor


def _observations(env_id: str | gym.Env, n: int, seed: int = 0, **kwargs
                  ) -> tuple[gym.Env, dict]:
    """``n`` observations of random masked rollouts, stacked as numpy arrays."""
    env = env_id if isinstance(env_id, gym.Env) else gym.make(
        env_id, compute_optimum=False, **kwargs)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    seen = []
    while len(seen) < n:
        seen.append(obs)
        mask = obs["action_mask"]
        if isinstance(env.action_space, gym.spaces.Discrete):
            action = int(rng.choice(np.flatnonzero(mask)))
        else:
            action = (mask[:, 1].astype(bool) & (rng.random(len(mask)) < 0.5)).astype(np.int8)
        obs, _, term, trunc, _ = env.step(action)
        if term or trunc:
            obs, _ = env.reset()
    return env, {k: np.stack([o[k] for o in seen]) for k in seen[0]}


def _tensors(env: gym.Env, batch: dict) -> dict[str, torch.Tensor]:
    """What SB3 hands the extractor (one-hot ``decision_index``, float masks)."""
    return preprocess_obs(obs_as_tensor(batch, "cpu"), env.observation_space)


@pytest.mark.parametrize(("env_id", "kwargs", "pointer_slots"), [
    ("offload_gym/VEC-v0", {"n_rsus": 20}, None),
    ("offload_gym/VEC-v0", {"n_rsus": (3, 12)}, [0, 1]),        # padded nodes and edges
    ("offload_gym/VECSelect-v0", {"n_rsus": (2, 9)}, None),
    ("offload_gym/LAENet-v0", {"scale": "gs3_gu6_au4"}, [0, 1, 2, 3]),
    ("offload_gym/LAENet-v0", {"scale": "gs2_gu4_au2", "n_servers_max": 5,
                               "n_users_max": 9}, [0, 1, 2, 3, 4]),
])
def test_dense_equals_pyg_on_the_same_weights(env_id, kwargs, pointer_slots):
    env, batch = _observations(env_id, 64, **kwargs)
    obs = _tensors(env, batch)
    torch.manual_seed(0)
    ext = GraphExtractor(env.observation_space, hidden=32, n_layers=3, heads=4,
                         pointer_slots=pointer_slots)
    with torch.no_grad():
        for p in ext.parameters():  # not the init's small values only
            p.add_(0.3 * torch.randn_like(p))
        ref = ext(obs)
        ext.set_dense(True)
        out = ext(obs)
    assert out.shape == ref.shape == (64, ext.features_dim)
    assert torch.isfinite(out).all()
    assert (out - ref).abs().max().item() <= 1e-5


def test_dense_flag_is_checked():
    env = gym.make("offload_gym/VEC-v0", n_rsus=4)
    with pytest.raises(ValueError, match="dense"):
        GraphExtractor(env.observation_space, dense="yes")
    assert GraphExtractor(env.observation_space).dense is False


@pytest.mark.parametrize("checkpoint", ["rl_grlo_vec_kato2025_n20.zip",
                                        "rl_grlo_laenet_gs3_gu6_au4.zip"])
def test_shipped_checkpoints_act_identically_on_the_dense_path(checkpoint):
    from agents.rl.common import load_model, make_env

    model, meta = load_model(Path(__file__).parents[2] / "agents" / "checkpoints" / checkpoint)
    ext = model.policy.features_extractor
    assert ext.dense is False  # saved kwargs rebuild the trained (PyG) path
    env = make_env(meta["env_id"], meta.get("env_kwargs"), compute_optimum=False)
    _, batch = _observations(env, 256, seed=1)
    masks = batch["action_mask"].reshape(256, -1).astype(bool)
    ref, _ = model.predict(batch, deterministic=True, action_masks=masks)
    ext.set_dense(True)
    out, _ = model.predict(batch, deterministic=True, action_masks=masks)
    assert np.array_equal(out, ref)
