"""Train sb3-contrib's MaskablePPO (MultiInputPolicy) on VEC-v0 for a few steps.

The env's ``action_masks()`` follows MaskablePPO's convention, and the padded Dict
observation works with ``MultiInputPolicy`` as is (for a GNN, convert observations with
``offload_gym.core.graph.batch_to_pyg``). Prints the mean optimality ratio T / T_opt of the
trained policy on held-out seeds.

    python examples/sb3_ppo_quickstart.py [--steps 20000] [--fast]

``--fast`` (a smoke run, well under 20 s on an idle core, most of it importing torch): one
64-step rollout with 2 epochs on 4 RSUs, one torch thread, 3 test episodes.
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
    ap.add_argument("--fast", action="store_true",
                    help="smoke run: 64 steps (2 epochs), 4 RSUs, 3 test episodes")
    args = ap.parse_args()
    import torch
    from sb3_contrib import MaskablePPO

    steps, n = (64, 4) if args.fast else (args.steps, args.n_rsus)
    if args.fast:
        torch.set_num_threads(1)  # a tiny MLP: threads only add overhead
    env = gym.make("offload_gym/VEC-v0", n_rsus=n, reward_scale="local",
                   compute_optimum=False, solution_info=False)
    model = MaskablePPO("MultiInputPolicy", env, n_steps=64, batch_size=32, seed=0,
                        n_epochs=2 if args.fast else 10, verbose=0)
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
