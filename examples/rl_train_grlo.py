"""Train the GRLO-style agent (masked PPO + GATv2 graph actor-critic) on VEC-v0 and compare
it with the exact optimum, greedily and with "enhanced exploration" (best of K sampled
rollouts).

    python examples/rl_train_grlo.py [--steps 30000] [--n-rsus 20] [--fast]

The same run from the command line (plus TensorBoard logs, CSV, checkpoints, resume)::

    offload-gym train grlo --env offload_gym/VEC-v0 --env-kwargs '{"n_rsus": 20}' \\
        --timesteps 30000 --n-envs 8 --n-steps 64 --out runs/grlo_vec
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30_000)
    ap.add_argument("--n-rsus", type=int, default=20)
    ap.add_argument("--k", type=int, default=16, help="sampled rollouts for best-of-K")
    ap.add_argument("--fast", action="store_true", help="256 steps, 6 RSUs, 8 test scenarios")
    args = ap.parse_args()
    from agents.rl.common import draw_scenarios
    from agents.rl.policy import RLPolicy
    from agents.rl.train import main as train
    from offload_gym.vec.solvers.exact import solve_exact

    steps, n, n_test = (256, 6, 8) if args.fast else (args.steps, args.n_rsus, 100)
    env_kwargs = f'{{"n_rsus": {n}}}'
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "grlo"
        train(["grlo", "--env", "offload_gym/VEC-v0", "--env-kwargs", env_kwargs,
               "--timesteps", str(steps), "--n-envs", "1" if args.fast else "8",
               "--n-steps", "128" if args.fast else "64", "--eval-episodes",
               "8" if args.fast else "64", "--eval-freq", str(max(steps // 3, 1)),
               "--seed", "0", "--out", str(out), "--quiet"])
        test = draw_scenarios("offload_gym/VEC-v0", {"n_rsus": n}, n_test, seed=2_000_000)
        optimum = np.array([solve_exact(s, rule="optimal").completion_time_s for s in test])
        for policy in (RLPolicy(out / "best_model.zip"),
                       RLPolicy(out / "best_model.zip", k=2 if args.fast else args.k)):
            sols = policy.act_batch(test)
            t = np.array([s.completion_time_s if s.success else np.inf for s in sols])
            print(f"{policy.name:10s} mean T/T_opt = {np.mean(t / optimum):.4f} over "
                  f"{n_test} held-out scenarios (n = {n}, {steps} training steps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
