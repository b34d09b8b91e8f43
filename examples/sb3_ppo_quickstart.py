"""Train sb3-contrib's MaskablePPO (MultiInputPolicy) on VEC-v0 for a few steps.

The env's ``action_masks()`` follows MaskablePPO's convention, and the padded Dict
observation works with ``MultiInputPolicy`` as is (for a GNN, convert observations with
``offload_gym.core.graph.batch_to_pyg``). Prints the mean optimality ratio T / T_opt of the
trained policy on held-out seeds.

    python examples/sb3_ppo_quickstart.py [--steps 20000] [--fast]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers offload_gym/VEC-v0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--n-rsus", type=int, default=10)
    ap.add_argument("--fast", action="store_true", help="128 steps, 4 RSUs")
    args = ap.parse_args()
    from sb3_contrib import MaskablePPO

    steps, n = (128, 4) if args.fast else (args.steps, args.n_rsus)
    env = gym.make("offload_gym/VEC-v0", n_rsus=n, reward_scale="local",
                   compute_optimum=False)
    model = MaskablePPO("MultiInputPolicy", env, n_steps=64, batch_size=32, seed=0,
                        verbose=0)
    model.learn(total_timesteps=steps)

    test = gym.make("offload_gym/VEC-v0", n_rsus=n)
    ratios = []
    for seed in range(3 if args.fast else 100):
        obs, _ = test.reset(seed=10_000 + seed)
        done = False
        while not done:
            action, _ = model.predict(obs, action_masks=test.unwrapped.action_masks(),
                                      deterministic=True)
            obs, _, term, trunc, info = test.step(int(action))
            done = term or trunc
        ratios.append(info["optimality_ratio"])
    print(f"MaskablePPO after {steps} steps: mean T/T_opt = {np.mean(ratios):.4f} "
          f"over {len(ratios)} episodes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
