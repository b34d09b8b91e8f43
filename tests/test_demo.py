"""`offload-gym demo` cannot lie quietly (issue 13, point 3): it exits non-zero with one line
on stderr when a certified solver is not optimal, when two certified solvers disagree, or when
a method beats the optimum, and prints "n/a" ratios when there is no optimum."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from offload_gym import demo
from offload_gym.core.errors import SolverError
from offload_gym.core.registry import entries
from offload_gym.core.status import Status

# Cheap real solvers per problem (no torch, no Pyomo): the injected ones are added to these.
_CHEAP = {"vec": ("brute", "exact", "local"), "laenet": ("brute", "exact", "greedy")}
_ARGS = {"seed": 0, "n_rsus": 6, "scale": "gs2_gu4_au2", "quick": True}


@dataclasses.dataclass(frozen=True)
class _Entry:
    """Duck-typed registry entry for an injected solver."""

    name: str
    fn: Callable[..., Any]

    def load(self) -> Callable[..., Any]:
        return self.fn


def _install(monkeypatch: pytest.MonkeyPatch, problem: str,
             injected: dict[str, Callable[..., Any]]) -> None:
    """The demo sees the cheap real solvers, with ``injected`` replacing or adding names."""
    real = {problem_: [e for e in entries(problem_) if e.name in _CHEAP[problem_]]
            for problem_ in _CHEAP}

    def fake_entries(p: str | None = None) -> list[Any]:
        listed = [e for e in real[p] if e.name not in injected or p != problem]
        if p == problem:
            listed += [_Entry(name, fn) for name, fn in injected.items()]
        return sorted(listed, key=lambda e: e.name)

    monkeypatch.setattr(demo, "entries", fake_entries)


def _real(problem: str, name: str) -> Callable[..., Any]:
    return next(e for e in entries(problem) if e.name == name).load()


def _run(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = demo.run_demo(**_ARGS)
    out, err = capsys.readouterr()
    return code, out, err


def _one_failure_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("offload-gym demo: FAILED: "), err
    return lines[0]


def test_the_cheap_demo_passes(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    _install(monkeypatch, "vec", {})
    code, out, err = _run(capsys)
    assert (code, err) == (0, "")
    assert "n/a" not in out
    statuses = [row[-1] for row in _certified_rows(out)]
    assert statuses == ["optimal"] * 6  # brute and exact on three instances


def test_a_certified_solver_that_errors_fails_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """The issue's symptom: LAENet exact returned ERROR with an infinite cost."""
    def broken_exact(scenario: Any) -> Any:
        return dataclasses.replace(_real("laenet", "exact")(scenario), status=Status.ERROR,
                                   cost=math.inf)

    _install(monkeypatch, "laenet", {"exact": broken_exact, "brute": broken_exact})
    code, out, err = _run(capsys)
    assert code == demo.FAILED_EXIT
    line = _one_failure_line(err)
    assert "LAENet: certified solver exact returned status error, not optimal" in line
    assert "LAENet: certified solver brute returned status error" in line
    assert "VEC" not in line
    laenet_table = out.split("LAENet")[1]
    greedy_row = next(r for r in laenet_table.splitlines() if r.startswith("greedy"))
    assert "n/a" in greedy_row.split()  # no optimum: no ratio (was 0.0000)


def test_a_method_that_beats_the_optimum_fails_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    def too_good(scenario: Any) -> Any:
        sol = _real("laenet", "greedy")(scenario)
        return dataclasses.replace(sol, cost=0.5 * sol.cost, solver="too_good")

    _install(monkeypatch, "laenet", {"too_good": too_good})
    code, _, err = _run(capsys)
    assert code == demo.FAILED_EXIT
    assert "LAENet: too_good beats the certified optimum (ratio 0.5" in _one_failure_line(err)


def test_certified_solvers_that_disagree_fail_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    def off_brute(scenario: Any) -> Any:
        sol = _real("vec", "brute")(scenario)
        return dataclasses.replace(sol, completion_time_s=sol.completion_time_s * (1 + 1e-4))

    _install(monkeypatch, "vec", {"brute": off_brute})
    code, _, err = _run(capsys)
    assert code == demo.FAILED_EXIT
    line = _one_failure_line(err)
    assert "VEC kato2025: certified solvers exact and brute disagree" in line
    assert "VEC mobility_stress: certified solvers exact and brute disagree" in line


def test_a_disagreement_within_the_tolerance_passes(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def close_brute(scenario: Any) -> Any:
        sol = _real("vec", "brute")(scenario)
        return dataclasses.replace(sol, completion_time_s=sol.completion_time_s * (1 + 1e-8))

    _install(monkeypatch, "vec", {"brute": close_brute})
    assert _run(capsys)[0] == 0


def test_a_refusing_reference_solver_fails_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def refusing(scenario: Any) -> Any:
        raise SolverError("HiGHS refused to run")

    _install(monkeypatch, "laenet", {"exact": refusing})
    code, _, err = _run(capsys)
    assert code == demo.FAILED_EXIT
    assert ("LAENet: the reference solver exact gave no solution (skipped: HiGHS refused"
            in _one_failure_line(err))


def _certified_rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in demo.CERTIFIED]


@pytest.mark.parametrize("args", [["--quick", "--rsus", "8", "--scale", "gs2_gu4_au2"], []],
                         ids=["quick-small", "full-default"])
def test_the_real_demo_exits_0_with_every_certified_row_optimal(args: list[str]) -> None:
    """The full default run includes milp and pyomo: the issue's broken LAENet table."""
    proc = subprocess.run([sys.executable, "-m", "offload_gym.cli", "demo", *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "FAILED" not in proc.stderr
    rows = _certified_rows(proc.stdout)
    solved = [r for r in rows if "skipped:" not in r]
    assert all(r[-1] == "optimal" for r in solved), solved
    expected = {"exact", "brute"} | (set() if "--quick" in args else {"milp", "pyomo"})
    assert {r[0] for r in solved} == expected
    # brute is skipped only where it must be (n = 20 RSUs > 12)
    assert all(r[0] == "brute" for r in rows if "skipped:" in r)
