"""A hand-made LAENet scenario whose forced users cannot be packed: the env still returns a
finite failure penalty and no optimality ratio (there is no optimum)."""

import math

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401
from offload_gym.laenet import Scenario, generate


def test_infeasible_scenario_gives_finite_penalty_and_no_ratio():
    d = generate("gs2_gu4_au2", seed=1).to_dict()
    n_users = len(d["users"]["type"])
    d["edges"] = [[u, 0] for u in range(n_users)]  # HAP only
    d["users"]["cpu_hz"] = [1.2e9] * n_users  # nobody can run locally in time
    d["users"]["data_bits"] = [6.4e6] * n_users
    env = gym.make("offload_gym/LAENet-v0", scenarios=[Scenario.from_dict(d)])
    env.reset(seed=0)
    total, done, info = 0.0, False, {}
    while not done:
        mask = env.unwrapped.action_masks()
        action = int(np.flatnonzero(mask)[0]) if mask.any() else 0
        _, reward, terminated, truncated, info = env.step(action)
        total += reward
        done = terminated or truncated
    assert math.isfinite(total) and total < 0
    assert info["optimality_ratio"] is None and info["optimum_status"] == "infeasible"
