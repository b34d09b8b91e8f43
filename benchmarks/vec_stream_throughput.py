"""Throughput of ``offload_gym/VECStream-v0`` and of its myopic oracle, per CPU second.

One run prints one Markdown report (docs/stream.md describes the env):

(a) env steps per CPU second with uniformly random actions (pre-drawn bits over every
    candidate slot; bits on masked slots are ignored by the env), for the ``highway`` and
    ``sumo`` mobility backends, with ``myopic_info`` on (the myopic oracle's time in every
    step's info) and off. Episodes of the default preset (contended, 60 s, ~2 100 tasks),
    seeds 0.. (the same traces for both settings), after one short warm-up episode. The
    reset cost is measured apart, in seconds per reset: ``env.reset()`` (trace generation:
    closed form or a SUMO run, plus the simulator and first observation) and the episode's
    lower bound (one batched oracle call over every task; the env computes it lazily at the
    first step, here it is forced right after the reset so the step rate does not include
    it);
(b) the myopic oracle's CPU time per task (best of 3 passes) against the number of
    candidates n = 1..8 on synthetic task states (values drawn from the contended preset's
    ranges, half of the RSUs busy): ``myopic_exact`` on one task, ``myopic_times`` batched
    over many tasks, and ``brute`` (every subset) for comparison, with the largest relative
    difference of T between ``myopic_exact`` and ``brute`` (0 = the oracle is exact here);
(c) the GRLO training curve on VECStream-v0 (docs/figures/rl_vecstream_curve.png) with the
    numbers copied from docs/results-rl.md, section "VECStream-v0".

Times are ``time.process_time`` of this process with numpy limited to one thread (the
variables below are set before numpy is imported); the load average is printed before and
after, and the CPU/wall column shows how much of a core the process got.

    python benchmarks/vec_stream_throughput.py           # ~1-2 minutes
    python benchmarks/vec_stream_throughput.py --fast    # tiny versions (smoke run)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread: set before numpy is imported

import argparse  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import offload_gym  # noqa: E402, F401  (registers the ids)
from offload_gym.vec import physics  # noqa: E402
from offload_gym.vec.stream.oracle import TaskState, brute, myopic_exact, myopic_times  # noqa: E402
from offload_gym.vec.stream.presets import get_preset  # noqa: E402
from offload_gym.vec.stream.sumo import sumo_available  # noqa: E402

ENV_ID = "offload_gym/VECStream-v0"
ROOT = Path(__file__).resolve().parent.parent
RESULTS_RL = ROOT / "docs" / "results-rl.md"
CURVE = "docs/figures/rl_vecstream_curve.png"
MAX_CANDIDATES = 8


# ----------------------------------------------------------------------------- (a) env
@dataclass
class EnvRate:
    """Totals of one (mobility, myopic_info) configuration over its episodes."""

    episodes: int = 0
    steps: int = 0
    step_cpu_s: float = 0.0
    reset_cpu_s: float = 0.0
    lower_bound_cpu_s: float = 0.0
    wall_s: float = 0.0


def run_env(mobility: str, myopic_info: bool, episodes: int, horizon_s: float | None,
            seed: int = 0) -> EnvRate:
    """Full episodes of VECStream-v0 with random bits; reset and lower bound timed apart."""
    env = gym.make(ENV_ID, mobility=mobility, myopic_info=myopic_info, horizon_s=horizon_s)
    rng = np.random.default_rng(seed)
    n_slots = env.action_space.n
    out = EnvRate()
    wall = time.perf_counter()
    for ep in range(episodes):
        cpu0 = time.process_time()
        env.reset(seed=seed + ep)
        cpu1 = time.process_time()
        sim = env.unwrapped.sim
        sim.lower_bound_rewards()  # lazy in the env (first step): forced here
        cpu2 = time.process_time()
        bits = rng.integers(0, 2, size=(sim.n_tasks + 1, n_slots), dtype=np.int8)
        cpu3 = time.process_time()
        k, done = 0, False
        while not done:
            _, _, terminated, truncated, _ = env.step(bits[k])
            k += 1
            done = terminated or truncated
        cpu4 = time.process_time()
        out.episodes += 1
        out.steps += k
        out.reset_cpu_s += cpu1 - cpu0
        out.lower_bound_cpu_s += cpu2 - cpu1
        out.step_cpu_s += cpu4 - cpu3
    out.wall_s = time.perf_counter() - wall
    env.close()
    return out


def env_table(episodes: int, horizon_s: float | None) -> list[str]:
    rows = ["| mobility | myopic_info | episodes | steps | steps/CPU-s (steps only) "
            "| steps/CPU-s (incl. resets) | reset() CPU-s/reset | lower bound CPU-s/reset "
            "| CPU/wall |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for mobility in ("highway", "sumo"):
        if mobility == "sumo" and not sumo_available():
            rows.append("| sumo | - | - | - | SUMO extra not installed | - | - | - | - |")
            continue
        run_env(mobility, True, 1, horizon_s=2.0, seed=10**6)  # warm-up, not reported
        for myopic_info in (False, True):
            r = run_env(mobility, myopic_info, episodes, horizon_s)
            cpu_all = r.step_cpu_s + r.reset_cpu_s + r.lower_bound_cpu_s
            rows.append(
                f"| {mobility} | {'on' if myopic_info else 'off'} | {r.episodes} | {r.steps:,} "
                f"| {r.steps / r.step_cpu_s:,.0f} | {r.steps / cpu_all:,.0f} "
                f"| {r.reset_cpu_s / r.episodes:.3f} | {r.lower_bound_cpu_s / r.episodes:.3f} "
                f"| {cpu_all / r.wall_s:.2f} |")
    return rows


# ----------------------------------------------------------------------------- (b) oracle
def synthetic_states(n: int, count: int, rng: np.random.Generator) -> list[TaskState]:
    """``count`` task states with ``n`` candidates, values from the contended preset's ranges
    (RSU distance 10..300 m, half of the RSUs busy for up to 1.5 s, exit times 0.2..15 s)."""
    p = get_preset("contended")
    states = []
    for _ in range(count):
        snr = rng.uniform(*p.rsu_snr_db, size=n)
        dist = np.sort(rng.uniform(10.0, p.range_m, size=n))
        tau = physics.transmit_time_s_per_gbit(p.bandwidth_hz,
                                               physics.spectral_efficiency(snr, dist))
        busy = rng.random(n) < 0.5
        states.append(TaskState(
            q_gbit=float(rng.uniform(*p.task_size_gbit)),
            deadline_s=float(rng.uniform(*p.deadline_s)),
            beta0=float(physics.compute_time_s_per_gbit(
                p.cycles_per_bit, rng.uniform(*p.vehicle_cpu_ghz))),
            w0=float(rng.uniform(0.0, 0.5)) if rng.random() < 0.5 else 0.0,
            rsu=np.arange(n),
            beta=physics.compute_time_s_per_gbit(p.cycles_per_bit,
                                                 rng.uniform(*p.rsu_cpu_ghz, size=n)),
            tau=tau, wait=np.where(busy, rng.uniform(0.0, 1.5, size=n), 0.0),
            exit_s=rng.uniform(0.2, 15.0, size=n), distance_m=dist))
    return states


def _per_task_cpu_s(fn, states: list[TaskState], repeats: int) -> tuple[float, list]:
    """Best of ``repeats`` passes of ``fn`` over the states one by one, per task."""
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        out = [fn(s) for s in states]
        best = min(best, time.process_time() - start)
    return best / len(states), out


def _batched_cpu_s(states: list[TaskState], repeats: int) -> float:
    """Best of ``repeats`` calls of ``myopic_times`` on every state at once, per task."""
    args = (np.array([s.q_gbit for s in states]), np.array([s.beta0 for s in states]),
            np.array([s.w0 for s in states]), np.stack([s.beta for s in states]),
            np.stack([s.tau for s in states]), np.stack([s.wait for s in states]),
            np.stack([s.exit_s for s in states]))
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        myopic_times(*args)
        best = min(best, time.process_time() - start)
    return best / len(states)


def oracle_table(single: int, batch: int, repeats: int, seed: int = 0) -> list[str]:
    rows = [f"| n candidates | myopic_exact, 1 task (us/task) | myopic_times, {batch} tasks "
            f"(us/task) | batched speed-up | brute, 2^n subsets (us/task) "
            f"| max rel diff exact vs brute |",
            "|---:|---:|---:|---:|---:|---:|"]
    rng = np.random.default_rng(seed)
    for n in range(1, MAX_CANDIDATES + 1):
        states = synthetic_states(n, max(single, batch), rng)
        t_exact, dec = _per_task_cpu_s(myopic_exact, states[:single], repeats)
        t_brute, ref = _per_task_cpu_s(brute, states[:single], repeats)
        t_batch = _batched_cpu_s(states[:batch], repeats)
        diff = max(abs(a.T_s - b.T_s) / b.T_s for a, b in zip(dec, ref, strict=True))
        rows.append(f"| {n} | {t_exact * 1e6:,.0f} | {t_batch * 1e6:,.1f} "
                    f"| {t_exact / t_batch:,.0f}x | {t_brute * 1e6:,.0f} | {diff:.1e} |")
    return rows


# ----------------------------------------------------------------------------- (c) GRLO
def grlo_section() -> list[str]:
    """The pointer to the curve and the numbers of docs/results-rl.md "VECStream-v0"."""
    lines = [f"GRLO on VECStream-v0: training curve `{CURVE}`; numbers from "
             f"`docs/results-rl.md` (section VECStream-v0), not re-measured here:", ""]
    if not RESULTS_RL.exists():
        return [*lines, f"({RESULTS_RL} not found)"]
    text = RESULTS_RL.read_text(encoding="utf-8")
    match = re.search(r"^## VECStream-v0.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if match is None:
        return [*lines, "(section VECStream-v0 not found in docs/results-rl.md)"]
    section = match.group(0)
    curve = re.search(r"^Training curve.*?(?=\n\n)", section, flags=re.M | re.S)
    if curve:
        lines += [" ".join(curve.group(0).split()), ""]
    lines += [ln for ln in section.splitlines() if ln.startswith("|")]
    paired = re.search(r"^\(mean lower_bound.*?(?=\n\n)", section, flags=re.M | re.S)
    if paired:
        lines += ["", " ".join(paired.group(0).split())]
    return lines


# ----------------------------------------------------------------------------- main
def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="tiny versions (smoke run)")
    ap.add_argument("--episodes", type=int, default=3, help="episodes per env configuration")
    ap.add_argument("--single", type=int, default=300, help="tasks timed one by one per n")
    ap.add_argument("--batch", type=int, default=2000, help="tasks per batched oracle call")
    args = ap.parse_args(argv)
    horizon_s = None  # the preset's (60 s)
    if args.fast:
        args.episodes, args.single, args.batch, horizon_s = 1, 10, 64, 3.0
    start = time.perf_counter()
    print(f"# VECStream throughput{' (--fast)' if args.fast else ''}\n")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, one thread, "
          f"{os.cpu_count()} CPUs; load average before: {_load()}\n")
    print(f"## (a) {ENV_ID}, random actions, preset contended"
          f"{f', horizon_s = {horizon_s:g}' if horizon_s else ' (60 s)'}\n")
    print("\n".join(env_table(args.episodes, horizon_s)) + "\n")
    print(f"## (b) myopic oracle vs number of candidates ({args.single} tasks one by one and "
          f"batches of {args.batch}, best of 3 passes each)\n")
    print("\n".join(oracle_table(args.single, args.batch, repeats=3)) + "\n")
    print("## (c) GRLO training curve\n")
    print("\n".join(grlo_section()) + "\n")
    print(f"Load average after: {_load()}; total wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
