"""Steps per second of every offload-gym env under a uniformly random MASKED policy.

Configurations per env: the default (final Solution through ``evaluate`` + the exact
optimum at the end of each episode), ``compute_optimum=False``, and the lean setting
``compute_optimum=False, solution_info=False``; plus a fixed instance set (64 scenarios
cycled, so per-scenario caches are warm) for the LAENet env, and ``gym.make_vec`` with 2
workers (sync and async) in the lean setting. Steps/s include resets (scenario generation).

Two rates per row: steps per WALL second, and steps per CPU second of this process
(``time.process_time``; for make_vec, of the parent only). On a shared, loaded machine the
wall rate mostly measures the share of a core the process got; the CPU rate is close to
what one idle core gives. The policy draws from the action mask with pre-drawn uniforms
(no ``rng.choice`` per step), so that it costs little next to the env.

    python benchmarks/env_throughput.py            # ~1-2 minutes
    python benchmarks/env_throughput.py --fast     # a quick smoke run
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers the ids)

ENVS = [
    ("offload_gym/VEC-v0", {"n_rsus": 20}),
    ("offload_gym/VECSelect-v0", {"n_rsus": 20}),
    ("offload_gym/LAENet-v0", {"scale": "gs3_gu6_au4"}),
    ("offload_gym/LAENetAssign-v0", {"scale": "gs3_gu6_au4"}),
]
SETTINGS = [
    ("default", {}),
    ("no optimum", {"compute_optimum": False}),
    ("lean", {"compute_optimum": False, "solution_info": False}),
]


class _Uniforms:
    """Pre-drawn U(0, 1) numbers, handed out one at a time (cheaper than a numpy call per
    draw)."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self.rng, self.block = rng, block
        self.values: list[float] = []

    def __call__(self) -> float:
        if not self.values:
            self.values = self.rng.random(self.block).tolist()
        return self.values.pop()


def _action(space: gym.Space, mask: np.ndarray, u: _Uniforms):
    """A uniformly random action among those the mask allows."""
    if isinstance(space, gym.spaces.Discrete):
        allowed = [i for i, m in enumerate(mask.tolist()) if m]
        return allowed[int(u() * len(allowed))]
    if isinstance(space, gym.spaces.MultiBinary):  # mask [n, 2]: (may be 0, may be 1)
        return np.array([int(m and u() < 0.5) for m in mask[:, 1].tolist()], dtype=np.int8)
    out = []
    for row in mask.tolist():  # mask [n_users, n_choices]
        allowed = [i for i, m in enumerate(row) if m]
        out.append(allowed[int(u() * len(allowed))])
    return np.array(out, dtype=np.int64)


def single(env_id: str, kwargs: dict, seconds: float) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second) of one unwrapped env."""
    env = gym.make(env_id, **kwargs).unwrapped  # no checker wrappers in the way
    u = _Uniforms(np.random.default_rng(0))
    obs, _ = env.reset(seed=0)
    steps, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            obs, _, term, trunc, _ = env.step(_action(env.action_space, obs["action_mask"], u))
            steps += 1
            if term or trunc:
                obs, _ = env.reset()
    return (steps / (time.perf_counter() - start), steps / (time.process_time() - cpu))


def vectorised(env_id: str, kwargs: dict, mode: str, seconds: float) -> tuple[float, float]:
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode=mode, **kwargs)
    space = envs.single_action_space
    u = _Uniforms(np.random.default_rng(0))
    obs, _ = envs.reset(seed=0)
    steps, start, cpu = 0, time.perf_counter(), time.process_time()
    try:
        while time.perf_counter() - start < seconds:
            acts = [_action(space, obs["action_mask"][i], u) for i in range(2)]
            obs, *_ = envs.step(np.array(acts))
            steps += 2
    finally:
        envs.close()
    return (steps / (time.perf_counter() - start), steps / (time.process_time() - cpu))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="short runs (smoke test)")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    args = ap.parse_args(argv)
    seconds = 0.3 if args.fast else args.seconds
    from offload_gym.laenet import generate_batch

    fixed = generate_batch(8 if args.fast else 64, "gs3_gu6_au4", seed=123)
    rows = []
    for env_id, base in ENVS:
        for name, extra in SETTINGS:
            rows.append((env_id, name, "1 env", single(env_id, {**base, **extra}, seconds)))
        if env_id.startswith("offload_gym/LAENet"):
            # warm-up pass over the set so optimum / water-filling caches are filled
            kw = {**base, **dict(SETTINGS[2][1]), "scenarios": fixed}
            single(env_id, kw, seconds / 2)
            rows.append((env_id, "lean, fixed set (64, warm)", "1 env",
                         single(env_id, kw, seconds)))
        lean = {**base, **dict(SETTINGS[2][1])}
        for mode in ("sync", "async"):
            rows.append((env_id, "lean", f"make_vec 2 {mode}",
                         vectorised(env_id, lean, mode, seconds)))
    print("| env | setting | runner | steps/s (wall) | steps/CPU-s |")
    print("|---|---|---|---:|---:|")
    for env_id, name, runner, (wall, cpu) in rows:
        cpu_txt = "-" if runner.endswith("async") else f"{cpu:,.0f}"
        print(f"| {env_id.split('/')[1]} | {name} | {runner} | {wall:,.0f} | {cpu_txt} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
