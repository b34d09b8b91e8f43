"""A toy third problem: n tasks, each run on the device or offloaded to one server.

The device runs its tasks one after another; offloaded tasks are uploaded and then run one
after another on the server. Minimise the makespan (the later of the two to finish).
Everything a problem needs is here; ``__init__.py`` registers it (docs/adding-a-problem.md).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from typing import Any

import numpy as np

from offload_gym.core import jsonio
from offload_gym.core.registry import register_method
from offload_gym.core.solution import JsonSolutionMixin
from offload_gym.core.status import Status


@dataclasses.dataclass(frozen=True)
class Scenario:
    cycles: tuple[float, ...]  # per task
    data_bits: tuple[float, ...]  # per task, uploaded when offloaded
    device_hz: float
    server_hz: float
    rate_bps: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return jsonio.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scenario:
        return cls(tuple(map(float, d["cycles"])), tuple(map(float, d["data_bits"])),
                   float(d["device_hz"]), float(d["server_hz"]), float(d["rate_bps"]))


@dataclasses.dataclass(frozen=True)
class Solution(JsonSolutionMixin):
    offload: tuple[bool, ...]
    makespan_s: float
    solver: str
    status: Status
    wall_time_s: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Solution:
        return cls(tuple(map(bool, d["offload"])), float(d["makespan_s"]), str(d["solver"]),
                   Status(d["status"]), float(d["wall_time_s"]))


def generate(size: int, preset: str | None = None, seed: Any = None) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario(tuple(rng.uniform(1e8, 1e9, size).tolist()),
                    tuple(rng.uniform(1e5, 1e6, size).tolist()), 1e9, 4e9, 1e7)


def evaluate(scenario: Scenario, offload: tuple[bool, ...]) -> float:
    """The makespan (s) of an offloading decision."""
    device = sum(c for c, o in zip(scenario.cycles, offload, strict=True) if not o)
    server = sum(b / scenario.rate_bps + c / scenario.server_hz
                 for c, b, o in zip(scenario.cycles, scenario.data_bits, offload, strict=True) if o)
    return max(device / scenario.device_hz, server)


def _solution(scenario: Scenario, offload: Any, solver: str, status: Status, t0: float
              ) -> Solution:
    offload = tuple(bool(o) for o in offload)
    return Solution(offload, evaluate(scenario, offload), solver, status,
                    time.perf_counter() - t0)


def solve_exact(scenario: Scenario) -> Solution:
    t0 = time.perf_counter()
    best = min(itertools.product((False, True), repeat=len(scenario.cycles)),
               key=lambda o: evaluate(scenario, o))
    return _solution(scenario, best, "exact", Status.OPTIMAL, t0)


def solve_local(scenario: Scenario) -> Solution:
    t0 = time.perf_counter()
    return _solution(scenario, [False] * len(scenario.cycles), "local", Status.FEASIBLE, t0)


def check_solution(scenario: Scenario, solution: Solution) -> list[str]:
    t = evaluate(scenario, solution.offload)
    return [] if np.isclose(t, solution.makespan_s, rtol=1e-12) else [
        f"makespan_s: reported {solution.makespan_s!r}, evaluate() gives {t!r}"]


register_method("toy", "exact", description="every decision (n <= 12)",
                solve="tests.toy_problem.toy:solve_exact")
register_method("toy", "local", description="every task on the device",
                solve="tests.toy_problem.toy:solve_local")
