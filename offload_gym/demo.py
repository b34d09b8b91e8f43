"""``offload-gym demo``: generate one instance of each problem and compare every registered
solver on it against the certified optimum (the README's main job)."""

from __future__ import annotations

import math
import time
from typing import Any

from offload_gym.core.errors import SolverError
from offload_gym.core.registry import entries

# Solvers that need a MILP/MINLP backend and take seconds; skipped by --quick.
SLOW_SOLVERS = {"milp", "pyomo"}


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _run_all(problem: str, scenario: Any, quick: bool, **kwargs: Any) -> list[tuple[str, Any]]:
    results = []
    for entry in entries(problem):
        if quick and entry.name in SLOW_SOLVERS:
            continue
        try:
            fn = entry.load()
        except ImportError as exc:  # an optional backend is missing
            results.append((entry.name, f"unavailable: {exc}"))
            continue
        try:
            results.append((entry.name, fn(scenario, **kwargs)))
        except SolverError as exc:
            reason = str(exc).split(";")[0]
            results.append((entry.name, "skipped: " + (reason if len(reason) <= 60
                                                       else reason[:57] + "...")))
    return results


def demo_vec(seed: int, n_rsus: int, quick: bool) -> str:
    from offload_gym.vec import generate

    lines = []
    for preset in ("kato2025", "mobility_stress"):
        scenario = generate(n_rsus, preset, seed=seed)
        lines.append(f"\nVEC  preset={preset}  n_rsus={n_rsus}  seed={seed}  "
                     f"(rule: optimal; time ratio = solver / exact optimum)")
        results = _run_all("vec", scenario, quick)
        opt = next(s for name, s in results if name == "exact").completion_time_s
        rows = []
        for name, sol in results:
            if isinstance(sol, str):
                rows.append([name, "-", "-", "-", "-", "-", sol])
                continue
            rows.append([name, str(len(sol.selected)), f"{sol.completion_time_s:.6f}",
                         f"{sol.completion_time_s / opt:.4f}", str(sol.success),
                         f"{1e3 * sol.wall_time_s:.2f}", str(sol.status)])
        lines.append(_table(rows, ["solver", "#RSUs", "time_s", "ratio", "success", "wall_ms",
                                   "status"]))
    return "\n".join(lines)


def demo_laenet(seed: int, scale: str, quick: bool) -> str:
    from offload_gym.laenet import generate

    scenario = generate(scale, seed=seed)
    lines = [f"\nLAENet  scale={scale}  seed={seed}  (cost ratio = solver / certified optimum)"]
    results = _run_all("laenet", scenario, quick)
    opt = next((s for name, s in results if name == "exact" and not isinstance(s, str)), None)
    rows = []
    for name, sol in results:
        if isinstance(sol, str):
            rows.append([name, "-", "-", "-", "-", "-", sol])
            continue
        ratio = sol.cost / opt.cost if opt is not None and math.isfinite(sol.cost) else math.nan
        n_off = sum(c >= 0 for c in sol.choice)
        rows.append([name, str(n_off), f"{sol.cost:.6f}", f"{ratio:.4f}", sol.validity,
                     f"{1e3 * sol.wall_time_s:.1f}", str(sol.status)])
    lines.append(_table(rows, ["solver", "#offloaded", "cost", "ratio", "validity", "wall_ms",
                               "status"]))
    return "\n".join(lines)


def run_demo(seed: int = 0, n_rsus: int = 20, scale: str = "gs3_gu6_au4",
             quick: bool = False) -> int:
    start = time.perf_counter()
    print("offload-gym demo: every registered solver on generated instances")
    print(demo_vec(seed, n_rsus, quick))
    print(demo_laenet(seed, scale, quick))
    print(f"\ndone in {time.perf_counter() - start:.1f} s")
    return 0
