"""Throughput of the native vector envs (docs/envs.md "Native vector envs") in one run.

For VEC-v0 and VECSelect-v0 (n = 20 RSUs, ``solution_info=False``), with the certified
optimum off and on, at B = 1024 and B = 64: steps/s (and episodes/s) of

- the native vector env (``gym.make_vec(..., vectorization_mode="vector_entry_point")``),
  single thread, with copied observations (the default) and with ``copy_obs=False`` (views
  of the env's buffers, valid until the next step);
- ``gym.make_vec(..., vectorization_mode="sync")`` at the same B (B single envs);
- one plain (unwrapped) env;

plus the ratios native / sync and native / plain. Optionally the native env of another
commit (``--baseline REV``: its ``offload_gym`` exported with ``git archive`` and measured
in a subprocess, interleaved with this tree's rows) for before / after in the same run.

The random masked policy is vectorised (one numpy call per step for every runner, drawn
before timing), so it costs little next to the env. Rates: per WALL second and per CPU
second of this process (``time.process_time``); on a shared, loaded box compare the CPU
column. The native rows with the optimum off run until every sub-env's pool was refilled
once inside the timed window (pool generation, ~11 us per instance at n = 20, is a large
share at large B).
Episodes/s counts terminations (VEC-v0: n = 20 steps per episode; VECSelect-v0:
one step per episode). Every rate includes resets (pool generation, amortised).

    python benchmarks/vector_env_throughput.py                    # ~3-4 minutes
    python benchmarks/vector_env_throughput.py --baseline a25d750 # + the native env at a25d750
    python benchmarks/vector_env_throughput.py --fast             # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers the ids)

ENV_IDS = ("offload_gym/VEC-v0", "offload_gym/VECSelect-v0")
N_RSUS = 20
ROOT = Path(__file__).resolve().parent.parent


def _kwargs(optimum: bool) -> dict[str, Any]:
    return {"n_rsus": N_RSUS, "compute_optimum": optimum, "solution_info": False}


def _policy(env_id: str, b: int, n_blocks: int = 16) -> Callable[[np.ndarray, int], np.ndarray]:
    """A random masked policy: actions from a [b, ...] bool mask and pre-drawn uniforms."""
    rng = np.random.default_rng(0)
    if env_id.endswith("VEC-v0"):
        u = rng.random((n_blocks, b)) < 0.5
        return lambda masks, k: (masks[:, 1] & u[k % n_blocks]).astype(np.int64)
    u = rng.random((n_blocks, b, N_RSUS)) < 0.5

    def select(masks: np.ndarray, k: int) -> np.ndarray:
        may_be_1 = masks.reshape(b, -1, 2)[:, :N_RSUS, 1]
        out = np.zeros((b, masks.shape[1] // 2), dtype=np.int8)
        out[:, :N_RSUS] = may_be_1 & u[k % n_blocks]
        return out
    return select


def _timed(step: Callable[[int], int], seconds: float, b: int,
           refills: Callable[[], int] | None = None) -> dict[str, float]:
    """Call ``step(k)`` (returns episodes ended) for about ``seconds``; rates per second.
    With ``refills`` (pools refilled so far), also until b pools were refilled inside the
    window, so that pool generation (one round of b pools every pool_size episodes per
    sub-env) is paid in proportion."""
    step(0)  # warm-up
    steps = episodes = k = 0
    first = refills() if refills else 0
    start, cpu = time.perf_counter(), time.process_time()
    while (time.perf_counter() - start < seconds
           or (refills is not None and refills() - first < b)):
        k += 1
        episodes += step(k)
        steps += b
    wall, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return {"steps_wall": steps / wall, "steps_cpu": steps / cpu_s,
            "episodes_cpu": episodes / cpu_s}


def native(env_id: str, b: int, optimum: bool, seconds: float, copy_obs: bool = True
           ) -> dict[str, float]:
    """The native vector env at B = b (masks from ``action_masks()``)."""
    extra = {} if copy_obs else {"copy_obs": False}
    envs = gym.make_vec(env_id, num_envs=b, vectorization_mode="vector_entry_point",
                        **_kwargs(optimum), **extra)
    venv, policy = envs.unwrapped, _policy(env_id, b)
    envs.reset(seed=0)
    store = venv.store
    state = {"refills": 0, "cursor": store.cursor.copy()}

    def step(k: int) -> int:
        _, _, term, _, _ = envs.step(policy(venv.action_masks(), k))
        state["refills"] += int((store.cursor < state["cursor"]).sum())
        state["cursor"] = store.cursor.copy()
        return int(term.sum())
    # with the optimum on, a full pool round (b x pool_size solves) takes minutes: time only
    return _timed(step, seconds, b, None if optimum else lambda: state["refills"])


def sync(env_id: str, b: int, optimum: bool, seconds: float) -> dict[str, float]:
    """``gym.make_vec`` sync over b single envs (masks from the batched observation)."""
    envs = gym.make_vec(env_id, num_envs=b, vectorization_mode="sync", **_kwargs(optimum))
    policy = _policy(env_id, b)
    obs, _ = envs.reset(seed=0)
    state = {"obs": obs}

    def step(k: int) -> int:
        masks = state["obs"]["action_mask"].reshape(b, -1).astype(bool)
        state["obs"], _, term, _, _ = envs.step(policy(masks, k))
        return int(term.sum())
    try:
        return _timed(step, seconds, b)
    finally:
        envs.close()


def plain(env_id: str, optimum: bool, seconds: float) -> dict[str, float]:
    """One unwrapped single env (no checker wrappers), stepped 64 times per timing tick."""
    env = gym.make(env_id, **_kwargs(optimum)).unwrapped
    policy = _policy(env_id, 1)
    state = {"obs": env.reset(seed=0)[0]}

    def step(k: int) -> int:
        ended = 0
        for i in range(64):
            mask = state["obs"]["action_mask"].reshape(1, -1).astype(bool)
            act = policy(mask, 64 * k + i)[0]
            state["obs"], _, term, trunc, _ = env.step(act)
            if term or trunc:
                ended += 1
                state["obs"] = env.reset()[0]
        return ended
    rates = _timed(step, seconds, 64)
    return rates


def _baseline_src(rev: str) -> Path:
    """``offload_gym`` of commit ``rev``, exported into a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="offload_gym_baseline_"))
    tar = out / "src.tar"
    with tar.open("wb") as fh:
        subprocess.run(["git", "archive", rev, "offload_gym"], cwd=ROOT, stdout=fh, check=True)
    with tarfile.open(tar) as tf:
        tf.extractall(out, filter="data")
    return out


def baseline(src: Path, env_id: str, b: int, optimum: bool, seconds: float
             ) -> dict[str, float]:
    """The native env of the exported commit, measured in a subprocess."""
    cmd = [sys.executable, __file__, "--native-json", env_id, str(b), str(int(optimum)),
           str(seconds)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=src)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="short runs, small B (smoke test)")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--baseline", metavar="REV", help="also measure the native env of REV")
    ap.add_argument("--native-json", nargs=4, metavar=("ID", "B", "OPT", "SECONDS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.native_json:
        env_id, b, opt, secs = args.native_json
        print(json.dumps(native(env_id, int(b), opt == "1", float(secs))))
        return 0
    seconds = 0.3 if args.fast else args.seconds
    sizes = (16, 4) if args.fast else (1024, 64)
    src = _baseline_src(args.baseline) if args.baseline else None
    print(f"# load average before: {os.getloadavg()}")
    rows = []
    for env_id in ENV_IDS:
        for optimum in (False, True):
            one = plain(env_id, optimum, seconds)
            for b in sizes:
                row = {"env": env_id.split("/")[1], "optimum": optimum, "B": b, "plain": one,
                       "native": native(env_id, b, optimum, seconds),
                       "views": native(env_id, b, optimum, seconds, copy_obs=False),
                       "sync": sync(env_id, b, optimum, seconds)}
                if src is not None:
                    row["before"] = baseline(src, env_id, b, optimum, seconds)
                rows.append(row)
                print(f"# done {row['env']} optimum={optimum} B={b}", flush=True)
    print(f"# load average after: {os.getloadavg()}")
    before_cols = " before steps/CPU-s | speed-up |" if src is not None else ""
    print("| env | optimum | B | native steps/s (wall) | native steps/CPU-s | native views "
          "steps/CPU-s | native episodes/CPU-s | sync steps/CPU-s | 1 env steps/CPU-s | "
          f"native / sync | native / 1 env |{before_cols}")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
          + ("---:|---:|" if src is not None else ""))
    for r in rows:
        nat = r["native"]["steps_cpu"]
        line = (f"| {r['env']} | {'on' if r['optimum'] else 'off'} | {r['B']} | "
                f"{_fmt(r['native']['steps_wall'])} | {_fmt(nat)} | "
                f"{_fmt(r['views']['steps_cpu'])} | {_fmt(r['native']['episodes_cpu'])} | "
                f"{_fmt(r['sync']['steps_cpu'])} | {_fmt(r['plain']['steps_cpu'])} | "
                f"{nat / r['sync']['steps_cpu']:.1f}x | {nat / r['plain']['steps_cpu']:.1f}x |")
        if src is not None:
            old = r["before"]["steps_cpu"]
            line += f" {_fmt(old)} | {nat / old:.2f}x |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
