"""Benchmark of the VEC solvers: fast exact algorithm (single and batched) vs the Pyomo MILP.

Prints one Markdown table per preset (``kato2025``, ``mobility_stress``). Columns, per n:

- ``exact`` : median wall time of ``solve_exact`` on one scenario;
- ``exact batched`` : wall time of ``solve_exact_batch`` on a batch of 1000 (from
  ``generate_batch``), divided by 1000 (median over a few repeats);
- ``milp`` : median wall time of ``solve_milp`` (HiGHS via ``appsi_highs``; m's whose
  relaxation bound cannot beat the incumbent are skipped, the default);
- ``milp all m`` : the same with ``prune=False`` (one MILP solved for every m);
- ``milp/exact`` : ratio of the two medians (``milp`` over ``exact``);
- ``max rel diff`` : max over the MILP instances of |T_exact - T_milp| / T_exact (both
  variants), which must be ~0.

Usage::

    python benchmarks/vec_solvers.py            # the full run written to benchmarks/README.md
    python benchmarks/vec_solvers.py --quick    # smoke run (seconds)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from offload_gym.vec import generate, generate_batch
from offload_gym.vec.solvers.exact import solve_exact, solve_exact_batch
from offload_gym.vec.solvers.milp import solve_milp


def _median_time_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_row(n: int, preset: str, rule: str, n_single: int, batch_size: int,
              n_milp: int, all_m: bool, seed: int = 0) -> dict[str, float]:
    """Timings (s) and agreement for one (preset, n)."""
    scenarios = [generate(n, preset, seed=seed + i) for i in range(n_single)]
    solve_exact(scenarios[0], rule)  # warm-up
    single = []
    for s in scenarios:
        start = time.perf_counter()
        solve_exact(s, rule)
        single.append(time.perf_counter() - start)
    batch = generate_batch(batch_size, n, preset, seed=seed + 10_000)
    per_instance = _median_time_s(lambda: solve_exact_batch(batch, rule), 3) / batch_size

    solve_milp(scenarios[0], rule)  # warm-up (imports Pyomo and the backend once)
    milp_times, milp_all_times, diff = [], [], 0.0
    for s in scenarios[:n_milp]:
        t_exact = solve_exact(s, rule).completion_time_s
        start = time.perf_counter()
        sol = solve_milp(s, rule)
        milp_times.append(time.perf_counter() - start)
        diff = max(diff, abs(sol.completion_time_s - t_exact) / t_exact)
        if all_m:
            start = time.perf_counter()
            sol = solve_milp(s, rule, prune=False)
            milp_all_times.append(time.perf_counter() - start)
            diff = max(diff, abs(sol.completion_time_s - t_exact) / t_exact)
    exact_s = statistics.median(single)
    milp_s = statistics.median(milp_times)
    return {"n": n, "exact": exact_s, "batched": per_instance, "milp": milp_s,
            "milp_all": statistics.median(milp_all_times) if all_m else float("nan"),
            "ratio": milp_s / exact_s, "diff": diff}


def _ms(x: float) -> str:
    return "-" if x != x else (f"{1e3 * x:.3f}" if x < 0.01 else f"{1e3 * x:.1f}")


def table(rows: list[dict[str, float]]) -> str:
    lines = ["| n | exact (ms) | exact batched (ms/instance) | milp (ms) | milp all m (ms) "
             "| milp/exact | max rel diff |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']} | {_ms(r['exact'])} | {_ms(r['batched'])} | {_ms(r['milp'])} "
                     f"| {_ms(r['milp_all'])} | {r['ratio']:.0f} | {r['diff']:.1e} |")
    return "\n".join(lines)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"{model} ({os.cpu_count()} cores)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--rule", default="optimal", choices=["optimal", "equal_finish"])
    parser.add_argument("--no-all-m", action="store_true",
                        help="skip the milp variant that solves every m")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, n_single, batch_size, n_milp = [10, 20], 20, 100, 2
    else:
        sizes, n_single, batch_size, n_milp = [10, 20, 30, 40, 50], 200, 1000, 5
    print(f"VEC solvers, rule={args.rule}; {_cpu()}, "
          f"Python {platform.python_version()}; exact single: median of {n_single} "
          f"instances; batched: batch of {batch_size}; milp: median of {n_milp} instances")
    for preset in ("kato2025", "mobility_stress"):
        rows = [bench_row(n, preset, args.rule, n_single, batch_size, n_milp,
                          not args.no_all_m) for n in sizes]
        print(f"\n### {preset}\n\n{table(rows)}")


if __name__ == "__main__":
    main()
