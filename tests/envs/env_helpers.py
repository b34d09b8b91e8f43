"""Masked random / scripted rollouts shared by the env tests (a module of its own, not
``conftest``, so that running tests/envs together with other test folders that have a
``conftest.py`` of their own cannot import the wrong one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def masked_random_action(env: Any, rng: np.random.Generator) -> Any:
    """A uniformly random action among the allowed ones (any of the four envs)."""
    space = env.unwrapped.action_space
    mask = env.unwrapped.action_masks()
    if hasattr(space, "nvec"):  # MultiDiscrete
        rows = mask.reshape(len(space.nvec), -1)
        return np.array([rng.choice(np.flatnonzero(r)) for r in rows], dtype=np.int64)
    if space.__class__.__name__ == "MultiBinary":
        allowed = mask.reshape(-1, 2)[:, 1]
        return (allowed & (rng.random(allowed.size) < 0.5)).astype(np.int8)
    return int(rng.choice(np.flatnonzero(mask)))


def rollout(env: Any, policy: Callable[[Any, dict], Any], seed: int | None = None,
            options: dict | None = None) -> tuple[float, list[float], dict, list[dict]]:
    """Run one episode; returns (return, rewards, final info, observations)."""
    obs, info = env.reset(seed=seed, options=options)
    observations, rewards = [obs], []
    done = False
    while not done:
        obs, r, term, trunc, info = env.step(policy(env, obs))
        rewards.append(float(r))
        observations.append(obs)
        done = term or trunc
    return float(sum(rewards)), rewards, info, observations


def assert_same_vector_dict(a: Any, b: Any, where: str) -> None:
    """Two vector-env observation or info dicts are equal bit for bit (dtypes included);
    object arrays (``final_obs`` / ``final_info``, Solutions) compared where their ``_key``
    mask is set. A lazy info dict is read out first."""
    a, b = dict(a), dict(b)
    assert a.keys() == b.keys(), (where, set(a) ^ set(b))
    for key in a:
        if isinstance(a[key], dict):
            assert_same_vector_dict(a[key], b[key], f"{where}.{key}")
            continue
        x, y = a[key], b[key]
        if x.dtype != object:
            assert x.dtype == y.dtype and np.array_equal(x, y), (where, key, x, y)
        else:
            for i in np.flatnonzero(a[f"_{key}"]):
                if isinstance(x[i], dict):  # final_obs
                    assert all(np.array_equal(x[i][k], y[i][k]) for k in y[i]), (where, key)
                else:
                    assert x[i] == y[i], (where, key, i, x[i], y[i])
