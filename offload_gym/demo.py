"""``offload-gym demo``: generate one instance of each problem and compare every registered
solver on it against the certified optimum (the README's main job).

The demo checks what it prints, so that it cannot report a broken optimum quietly (CI runs
it). After the tables it exits 1 with one line on stderr naming every failed check when

* a certified solver (:data:`CERTIFIED`: exact, brute, milp, pyomo) returns a status other
  than ``optimal``, or the reference solver ``exact`` returns no solution at all (the others
  may refuse an instance they are not made for, e.g. brute force on n > 12 RSUs);
* two certified solvers disagree on the optimal objective by more than
  :data:`OBJECTIVE_RTOL` (relative; VEC: completion time, all under the same allocation
  rule; LAENet: cost);
* any method's ratio to the optimum is below :data:`RATIO_FLOOR` (it beats the optimum).

Ratios read "n/a" when there is no certified optimum. Exit status 0 means every check
passed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offload_gym.core.errors import SolverError
from offload_gym.core.problem import Problem, problems
from offload_gym.core.registry import entries
from offload_gym.core.status import Status

# Solvers that need a MILP/MINLP backend and take seconds; skipped by --quick.
SLOW_SOLVERS = {"milp", "pyomo"}
# Solvers whose "optimal" is a certificate; "exact" is the reference of every ratio.
CERTIFIED = ("exact", "brute", "milp", "pyomo")
REFERENCE = "exact"
OBJECTIVE_RTOL = 1e-6
RATIO_FLOOR = 1.0 - 1e-9
FAILED_EXIT = 1


@dataclass(frozen=True)
class Table:
    """One instance's results: the printed table and the checks it failed."""

    text: str
    failures: list[str]


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _run_all(problem: str, scenario: Any, quick: bool, **kwargs: Any) -> list[tuple[str, Any]]:
    """``(name, Solution)`` per registered solver, or ``(name, "skipped: ...")`` when it
    refuses the instance (SolverError) or its backend is not installed."""
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


def _value(objective: Callable[[Any], float], sol: Any) -> float:
    """The solution's objective, NaN when there is none (a string row, NaN cost)."""
    if isinstance(sol, str):
        return math.nan
    value = float(objective(sol))
    return value if math.isfinite(value) else math.nan


def _disagree(a: float, b: float) -> bool:
    return abs(a - b) > OBJECTIVE_RTOL * max(abs(a), abs(b), 1e-300)


def check_results(label: str, results: list[tuple[str, Any]],
                  objective: Callable[[Any], float]) -> tuple[float | None, list[str]]:
    """The certified optimum (None when no certified solver proved one) and the failed
    checks (rules in the module docstring), each prefixed with ``label``."""
    failures = []
    by_name = dict(results)
    if isinstance(by_name.get(REFERENCE, "missing"), str):
        failures.append(f"{label}: the reference solver {REFERENCE} gave no solution "
                        f"({by_name.get(REFERENCE, 'not registered')})")
    optima: dict[str, float] = {}
    for name in CERTIFIED:
        sol = by_name.get(name)
        if sol is None or isinstance(sol, str):
            continue
        value = _value(objective, sol)
        if sol.status != Status.OPTIMAL or math.isnan(value):
            failures.append(f"{label}: certified solver {name} returned status "
                            f"{sol.status}, not optimal")
        else:
            optima[name] = value
    names = list(optima)
    failures += [f"{label}: certified solvers {a} and {b} disagree ({optima[a]:.10g} vs "
                 f"{optima[b]:.10g})" for i, a in enumerate(names) for b in names[i + 1:]
                 if _disagree(optima[a], optima[b])]
    opt = optima.get(REFERENCE, next(iter(optima.values()), None))
    if opt is not None and opt > 0:
        failures += [f"{label}: {name} beats the certified optimum (ratio {ratio:.10f})"
                     for name, sol in results
                     if (ratio := _value(objective, sol) / opt) < RATIO_FLOOR]
    return (opt if opt is not None and opt > 0 else None), failures


def _ratio(value: float, opt: float | None) -> str:
    if opt is None or math.isnan(value):
        return "n/a"
    return f"{value / opt:.4f}"


def _short_name(problem: Problem) -> str:
    """``VEC`` / ``LAENet``: the problem's title up to its colon."""
    return problem.title.split(":")[0].strip() or problem.name


def _demo_layout(problem: Problem) -> tuple[list[str], str, Callable[[Any, str], list[str]]]:
    """The table's middle columns, the title note and the row maker: the problem's scoring
    module's ``DEMO_COLUMNS`` / ``DEMO_NOTE`` / ``demo_row(solution, ratio_text)`` when it
    has them, else the objective and its ratio."""
    scoring = problem.hook("scoring") if problem.scoring else None
    if scoring is not None and hasattr(scoring, "demo_row"):
        return list(scoring.DEMO_COLUMNS), str(scoring.DEMO_NOTE), scoring.demo_row

    def row_of(solution: Any, ratio: str) -> list[str]:
        return [f"{problem.objective_of(solution):.6f}", ratio]

    return [problem.objective, "ratio"], f"ratio = {problem.objective} / certified optimum", \
        row_of


def demo_problem(problem: Problem, size: Any, seed: int, quick: bool) -> Table:
    """Every registered method of ``problem`` on one generated instance per preset.

    The problem's scoring module gives the table's middle columns (``DEMO_COLUMNS`` and
    ``demo_row(solution, ratio_text)``); the objective is ``problem.objective_of``."""
    columns, note, row_of = _demo_layout(problem)
    short = _short_name(problem)
    lines, failures = [], []
    for preset in problem.presets:
        scenario = problem.make(size, preset, seed)
        label = short if len(problem.presets) == 1 else f"{short} {preset}"
        lines.append(f"\n{short}  preset={preset}  {problem.size.name}={size}  seed={seed}  "
                     f"({note})")
        results = _run_all(problem.name, scenario, quick)
        opt, found = check_results(label, results, problem.objective_of)
        failures += found
        rows = []
        for name, sol in results:
            if isinstance(sol, str):
                rows.append([name, *["-"] * (len(columns) + 1), sol])
                continue
            middle = row_of(sol, _ratio(_value(problem.objective_of, sol), opt))
            rows.append([name, *middle, f"{1e3 * sol.wall_time_s:.2f}", str(sol.status)])
        lines.append(_table(rows, ["solver", *columns, "wall_ms", "status"]))
    return Table("\n".join(lines), failures)


def run_demo(seed: int = 0, quick: bool = False, **sizes: Any) -> int:
    """Print one table per registered problem and preset; 0 when every check passed, else
    :data:`FAILED_EXIT` with one line on stderr naming the failed checks.

    ``sizes``: an instance size per problem, keyed by the problem's size keyword
    (``n_rsus=20``, ``scale="gs3_gu6_au4"``); a problem without one uses its default."""
    start = time.perf_counter()
    print("offload-gym demo: every registered solver on generated instances")
    failures = []
    for problem in problems():
        table = demo_problem(problem, sizes.get(problem.size.name, problem.size.default),
                             seed, quick)
        print(table.text)
        failures += table.failures
    print(f"\ndone in {time.perf_counter() - start:.1f} s")
    if failures:
        sys.stdout.flush()
        reason = "; ".join(failures).replace("\n", " ")
        print(f"offload-gym demo: FAILED: {reason}", file=sys.stderr)
        return FAILED_EXIT
    return 0
