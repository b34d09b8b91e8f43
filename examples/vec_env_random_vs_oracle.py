"""VEC-v0: a random masked policy against the exact-solver oracle.

The oracle replays the certified optimum (``env.unwrapped.optimum_solution()``) one RSU at a
time, so its return is T_local - T_opt; a random policy selects each allowed RSU with
probability 1/2. Prints mean returns and optimality ratios T_final / T_opt.

    python examples/vec_env_random_vs_oracle.py [--episodes 200] [--fast]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers offload_gym/VEC-v0)


def run(env: gym.Env, policy, episodes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    returns, ratios = [], []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        done, ret = False, 0.0
        while not done:
            obs, r, term, trunc, info = env.step(policy(env, obs))
            ret += r
            done = term or trunc
        assert ret <= info["max_return"] + 1e-9  # never above the optimum
        returns.append(ret)
        ratios.append(info["optimality_ratio"])
    return np.array(returns), np.array(ratios)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--n-rsus", type=int, default=20)
    ap.add_argument("--preset", default="kato2025")
    ap.add_argument("--fast", action="store_true", help="10 episodes, 8 RSUs")
    args = ap.parse_args()
    episodes, n = (10, 8) if args.fast else (args.episodes, args.n_rsus)
    env = gym.make("offload_gym/VEC-v0", n_rsus=n, preset=args.preset)
    rng = np.random.default_rng(0)

    def random_policy(env, obs):
        return int(obs["action_mask"][1] and rng.random() < 0.5)

    def oracle(env, obs):
        chosen = env.unwrapped.optimum_solution().selected
        return int(obs["decision_index"] - 1 in chosen)

    for name, pol in (("random", random_policy), ("oracle", oracle)):
        ret, ratio = run(env, pol, episodes, seed=1000)
        print(f"{name:7s} mean return {ret.mean():.5f} s   mean T/T_opt {ratio.mean():.4f}   "
              f"worst {ratio.max():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
