"""Native vector envs: B VEC-v0 instances stepped in lock-step, then MaskablePPO on them.

1. ``gym.make_vec(..., vectorization_mode="vector_entry_point")`` builds the native vector
   env (docs/envs.md "Native vector envs"); a random policy draws its actions from the
   [B, 2] ``action_masks()`` with one numpy call per step, and the script prints steps/s and
   the mean episode return.
2. ``offload_gym.make_sb3_vec`` wraps the same env as a stable-baselines3 ``VecEnv``, and
   sb3-contrib's MaskablePPO trains on the whole batch.

    python examples/vector_env_quickstart.py [--num-envs 1024] [--steps 200] [--fast]

``--fast`` (a smoke run): 16 sub-envs, 4 RSUs, 50 random steps, one 256-step PPO update
with one torch thread.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import offload_gym

LEAN = {"compute_optimum": False, "solution_info": False}


def random_rollout(num_envs: int, n_rsus: int, n_steps: int) -> None:
    """Random masked actions on the native vector env; prints steps/s and mean return."""
    envs = gym.make_vec("offload_gym/VEC-v0", num_envs=num_envs,
                        vectorization_mode="vector_entry_point", n_rsus=n_rsus, **LEAN)
    rng = np.random.default_rng(0)
    envs.reset(seed=0)  # sub-env i is seeded 0 + i
    returns, episode_return = [], np.zeros(num_envs)
    start = time.perf_counter()
    for _ in range(n_steps):
        masks = envs.unwrapped.action_masks()          # bool [B, 2]: (skip, select) allowed
        actions = (masks[:, 1] & (rng.random(num_envs) < 0.5)).astype(np.int64)
        _, rewards, terminated, truncated, _ = envs.step(actions)
        episode_return += rewards
        done = terminated | truncated
        returns.extend(episode_return[done].tolist())
        episode_return[done] = 0.0
    rate = n_steps * num_envs / (time.perf_counter() - start)
    print(f"native VEC-v0 x {num_envs}: {rate:,.0f} steps/s, {len(returns)} episodes, "
          f"mean return {np.mean(returns):.4f}")


def train_ppo(n_envs: int, n_rsus: int, total_steps: int) -> None:
    """MaskablePPO on the SB3 adapter of the native env."""
    from sb3_contrib import MaskablePPO

    env = offload_gym.make_sb3_vec("offload_gym/VEC-v0", n_envs=n_envs, n_rsus=n_rsus, **LEAN)
    n_steps = max(16, 256 // n_envs)
    model = MaskablePPO("MultiInputPolicy", env, n_steps=n_steps, batch_size=64, n_epochs=1,
                        seed=0, device="cpu", verbose=0)
    start = time.perf_counter()
    model.learn(total_steps)
    print(f"MaskablePPO on make_sb3_vec(n_envs={n_envs}): {model.num_timesteps} env steps in "
          f"{time.perf_counter() - start:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num-envs", type=int, default=1024)
    ap.add_argument("--n-rsus", type=int, default=20)
    ap.add_argument("--steps", type=int, default=200, help="random steps of the whole batch")
    ap.add_argument("--ppo-steps", type=int, default=20_000)
    ap.add_argument("--fast", action="store_true", help="smoke run (module docstring)")
    args = ap.parse_args()
    if args.fast:
        import torch

        torch.set_num_threads(1)
        random_rollout(16, 4, 50)
        train_ppo(16, 4, 256)
        return 0
    random_rollout(args.num_envs, args.n_rsus, args.steps)
    train_ppo(64, args.n_rsus, args.ppo_steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
