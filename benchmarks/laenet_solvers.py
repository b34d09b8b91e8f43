"""LAENet solvers: wall time of the exact solvers and of the heuristics, and the heuristics'
cost ratio to the certified optimum (SPEC-LAENET.md "Reference solvers" and "Metrics").

Per scale, over N seeded instances (``generate_batch(N, scale, seed=seed)``):

- wall time (median / p95 / max) of ``exact`` (the registry's certified solver), of
  ``pyomo`` with ``pyomo_solver="scip_direct"`` on the first ``--pyomo-n`` instances (default
  5: it takes seconds per instance; time limit ``--pyomo-time-limit``; runs that do not finish
  OPTIMAL are counted as timeouts and marked; its optimum is checked against ``exact``), and of
  each heuristic;
- per heuristic: mean cost ratio to the exact optimum (a FAILED heuristic counts as
  ratio 10, the spec's cap), the accuracy rate (share with ratio < 1.1) and the worst ratio.

A solver that is not available (not written yet, or its backend missing) shows "n/a"; if
``exact`` is unavailable, ratios are "n/a" too. Prints Markdown.

    python benchmarks/laenet_solvers.py                      # all eight scales
    python benchmarks/laenet_solvers.py --quick              # smoke run
    python benchmarks/laenet_solvers.py --scales gs2_gu4_au2,gs3_gu6_au4 --n 50
"""

from __future__ import annotations

import argparse
import inspect
import math
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from offload_gym.core.registry import get_solver
from offload_gym.core.status import Status
from offload_gym.laenet import FAILURE_RATIO, SCALES, generate_batch
from offload_gym.laenet.solvers.heuristics import HEURISTICS

ACCURATE = 1.1  # the spec's cost accuracy rate: ratio < 1.1
RATIO_FLOOR = 1.0 - 1e-9  # a ratio below this is a bug (the reference is the optimum)
QUICK_SCALES = ("gs2_gu4_au2", "gs3_gu6_au4")


def default_count(scale: str) -> int:
    """20 instances at gs2/gs3, 10 at gs6/gs9."""
    return 20 if SCALES[scale][0] <= 3 else 10


def load(name: str) -> Callable[..., Any] | None:
    """The registered LAENet solver, or None if it cannot be imported (yet)."""
    try:
        return get_solver("laenet", name)
    except Exception:  # a missing module or backend means "n/a"
        return None


def call(fn: Callable[..., Any], scenario: Any, **options: Any) -> Any:
    """Call a solver with the options its signature accepts."""
    params = inspect.signature(fn).parameters
    return fn(scenario, **{k: v for k, v in options.items() if k in params})


def stats_ms(times: list[float]) -> str:
    """'median / p95 / max' in ms."""
    if not times:
        return "n/a"
    t = 1e3 * np.asarray(times)
    return f"{np.median(t):.1f} / {np.percentile(t, 95):.1f} / {t.max():.1f}"


def run_scale(scale: str, n: int, seed: int, pyomo_n: int, pyomo_time_limit: float,
              exact_time_limit: float | None, solvers: dict[str, Callable[..., Any] | None],
              ) -> dict[str, Any]:
    """Solve N instances of one scale with every solver; collect times, costs, statuses."""
    scenarios = generate_batch(n, scale, seed=seed)
    rec: dict[str, Any] = {"n": n, "times": {k: [] for k in solvers}, "ratios": {},
                           "timeouts": 0, "exact_not_optimal": 0, "pyomo_mismatch": 0}
    ratios: dict[str, list[float]] = {h: [] for h in HEURISTICS}
    for i, sc in enumerate(scenarios):
        opt = math.nan
        if solvers["exact"] is not None:
            sol = call(solvers["exact"], sc, time_limit_s=exact_time_limit)
            rec["times"]["exact"].append(sol.wall_time_s)
            if sol.status == Status.OPTIMAL:
                opt = sol.cost
            else:
                rec["exact_not_optimal"] += 1
        if solvers["pyomo"] is not None and i < pyomo_n:
            t0 = time.perf_counter()
            sol = call(solvers["pyomo"], sc, pyomo_solver="scip_direct",
                       time_limit_s=pyomo_time_limit)
            rec["times"]["pyomo"].append(time.perf_counter() - t0)
            if sol.status != Status.OPTIMAL:
                rec["timeouts"] += 1
            elif math.isfinite(opt) and abs(sol.cost - opt) > 1e-6 * max(1.0, opt):
                rec["pyomo_mismatch"] += 1
        for h in HEURISTICS:
            t0 = time.perf_counter()
            sol = solvers[h](sc)
            rec["times"][h].append(time.perf_counter() - t0)
            if math.isfinite(opt):
                r = sol.cost / opt if sol.validity == "valid" else FAILURE_RATIO
                if r < RATIO_FLOOR:
                    raise AssertionError(f"{h} beat the certified optimum on {scale}: {r}")
                ratios[h].append(r)
    rec["ratios"] = {h: np.asarray(r) for h, r in ratios.items()}
    return rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=None,
                        help="comma-separated scale names (default: all eight)")
    parser.add_argument("--n", type=int, default=None,
                        help="instances per scale (default: 20 at gs2/gs3, 10 at gs6/gs9)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 instances of gs2_gu4_au2 and gs3_gu6_au4")
    parser.add_argument("--pyomo-time-limit", type=float, default=30.0)
    parser.add_argument("--pyomo-n", type=int, default=5,
                        help="instances per scale for the (slow) Pyomo column")
    parser.add_argument("--exact-time-limit", type=float, default=600.0)
    parser.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo column")
    args = parser.parse_args()
    if args.scales:
        scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    else:
        scales = list(QUICK_SCALES if args.quick else SCALES)
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scales {unknown}; known: {list(SCALES)}")

    solvers: dict[str, Callable[..., Any] | None] = {
        "exact": load("exact"), "pyomo": None if args.no_pyomo else load("pyomo")}
    solvers.update({h: load(h) for h in HEURISTICS})
    print(f"LAENet solvers; seed {args.seed}; Python {platform.python_version()}, "
          f"{platform.machine()}; exact: {'yes' if solvers['exact'] else 'n/a'}, "
          f"pyomo (scip_direct, {args.pyomo_time_limit:g} s limit): "
          f"{'yes' if solvers['pyomo'] else 'n/a'}\n")

    results = {}
    for scale in scales:
        n = 2 if args.quick else (args.n or default_count(scale))
        t0 = time.perf_counter()
        results[scale] = run_scale(scale, n, args.seed, args.pyomo_n, args.pyomo_time_limit,
                                   args.exact_time_limit, solvers)
        print(f"<!-- {scale}: {n} instances in {time.perf_counter() - t0:.1f} s -->", flush=True)

    names = ["exact", "pyomo", *HEURISTICS]
    print("\n### Wall time, ms (median / p95 / max)\n")
    print("| scale | N | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    # (the pyomo column covers min(N, --pyomo-n) instances)
    for scale, rec in results.items():
        cells = []
        for k in names:
            cell = stats_ms(rec["times"][k]) if solvers[k] is not None else "n/a"
            if k == "exact" and rec["exact_not_optimal"]:
                cell += f" ({rec['exact_not_optimal']} not optimal)"
            if k == "pyomo" and solvers[k] is not None:
                cell += f" (N={len(rec['times'][k])})"
                if rec["timeouts"]:
                    cell += f" ({rec['timeouts']} timeouts)"
                if rec["pyomo_mismatch"]:
                    cell += f" ({rec['pyomo_mismatch']} != exact)"
            cells.append(cell)
        print(f"| {scale} | {rec['n']} | " + " | ".join(cells) + " |")

    print("\n### Cost ratio to the exact optimum: mean / accuracy (ratio < 1.1) / max\n")
    print("| scale | N | " + " | ".join(HEURISTICS) + " |")
    print("|---|---:|" + "---:|" * len(HEURISTICS))
    for scale, rec in results.items():
        cells = []
        for h in HEURISTICS:
            r = rec["ratios"][h]
            cells.append("n/a" if r.size == 0 else
                         f"{r.mean():.4f} / {100 * np.mean(r < ACCURATE):.0f} % / {r.max():.3f}")
        print(f"| {scale} | {rec['n']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
