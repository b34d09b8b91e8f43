"""LAENet-v0: one episode, decision by decision, with a greedy masked policy.

At each step the policy takes the allowed action with the least immediate cost increase
(it peeks at the marginal cost by water-filling on a copy of the state, i.e. the
environment's own reward), then prints the final cost against the certified optimum.

    python examples/laenet_env_rollout.py [--scale gs3_gu6_au4] [--seed 0] [--fast]
"""

from __future__ import annotations

import argparse
import copy

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers offload_gym/LAENet-v0)


def greedy(env: gym.Env, obs: dict) -> int:
    """The allowed action with the largest immediate reward (one-step lookahead)."""
    best, best_r = None, -np.inf
    for a in np.flatnonzero(obs["action_mask"]):
        trial = copy.deepcopy(env.unwrapped)
        trial.compute_optimum = False
        trial.solution_info = False
        _, r, *_ = trial.step(int(a))
        if r > best_r:
            best, best_r = int(a), r
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="gs3_gu6_au4")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fast", action="store_true", help="the smallest scale")
    args = ap.parse_args()
    scale = "gs2_gu4_au2" if args.fast else args.scale
    env = gym.make("offload_gym/LAENet-v0", scale=scale)
    obs, info = env.reset(seed=args.seed)
    n_s = env.unwrapped.n_servers_max
    done, ret = False, 0.0
    while not done:
        user = info["user"]
        a = greedy(env, obs)
        obs, r, term, trunc, info = env.step(a)
        ret += r
        where = "LOCAL" if a == 0 else ("HAP" if a == 1 else f"GS{a - 1}")
        print(f"user {user:2d} -> {where:5s} reward {r:9.3f}   cost so far {info['cost']:9.3f}")
        done = term or trunc
    print(f"return {ret:.4f} = -C; optimum C* = {info['optimum_cost']:.4f}; "
          f"ratio C/C* = {info['optimality_ratio']:.4f} ({n_s} servers)")
    print("solution:", info["solution"].choice, info["solution"].validity)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
