"""What the certified optimum costs the one-shot and constructive envs with default kwargs.

For each registered id, steps per CPU second (``time.process_time``) of one unwrapped env
under a uniformly random MASKED policy (the policy of ``env_throughput.py``), in three
settings measured in the same run, interleaved:

- ``no optimum``: ``compute_optimum=False``;
- ``default``: default kwargs, the episode-end ``info`` not read beyond what the loop needs
  (what SB3 / Monitor / MaskablePPO do);
- ``default, ratio read``: default kwargs and ``info["optimality_ratio"]`` read at every
  episode end (what an evaluation loop does).

    python benchmarks/env_optimum_cost.py            # ~1 minute
    python benchmarks/env_optimum_cost.py --fast     # smoke run
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers the ids)
from benchmarks.env_throughput import ENVS, _action, _Uniforms

SETTINGS = [("no optimum", {"compute_optimum": False}, False),
            ("default", {}, False),
            ("default, ratio read", {}, True)]


def rate(env_id: str, kwargs: dict, read_ratio: bool, seconds: float) -> float:
    """Steps per CPU second of one unwrapped env (resets included)."""
    env = gym.make(env_id, **kwargs).unwrapped
    u = _Uniforms(np.random.default_rng(0))
    obs, _ = env.reset(seed=0)
    steps, cpu = 0, time.process_time()
    while time.process_time() - cpu < seconds:
        for _ in range(20):
            obs, _, term, trunc, info = env.step(
                _action(env.action_space, obs["action_mask"], u))
            steps += 1
            if term or trunc:
                if read_ratio:
                    float(info["optimality_ratio"])
                obs, _ = env.reset()
    return steps / (time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="short runs (smoke test)")
    ap.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per measurement")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved passes (best kept)")
    args = ap.parse_args(argv)
    seconds = 0.3 if args.fast else args.seconds
    best: dict[tuple[str, str], float] = {}
    for _ in range(1 if args.fast else args.repeats):
        for env_id, base in ENVS:
            for name, extra, read in SETTINGS:
                r = rate(env_id, {**base, **extra}, read, seconds)
                best[(env_id, name)] = max(best.get((env_id, name), 0.0), r)
    print("| env | no optimum | default | default / no optimum | default, ratio read |")
    print("|---|---:|---:|---:|---:|")
    for env_id, _ in ENVS:
        lean, dflt, read = (best[(env_id, s[0])] for s in SETTINGS)
        print(f"| {env_id.split('/')[1]} | {lean:,.0f} | {dflt:,.0f} | "
              f"{lean / dflt:.2f}x slower | {read:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
