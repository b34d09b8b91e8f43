"""VEC policies of the evaluation harness: the batched exact solver (the ``exact``
method's ``solve_batch`` hook) and the random baseline (the ``random`` method)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.core.status import Status
from offload_gym.evaluation.policy import BasePolicy, SolverPolicy


def solve_exact_list(scenarios: Sequence[Any], rule: str = "optimal",
                     mobcheck: bool = False) -> list[Any]:
    """The certified optimum of every scenario, in order, through the vectorised
    :func:`~offload_gym.vec.solvers.exact.solve_exact_batch` (instances grouped by n)."""
    from offload_gym.vec.batch import ScenarioBatch
    from offload_gym.vec.solvers.exact import solve_exact_batch

    out: list[Any] = [None] * len(scenarios)
    groups: dict[int, list[int]] = {}
    for i, s in enumerate(scenarios):
        groups.setdefault(s.n_rsus, []).append(i)
    for idx in groups.values():
        batch = ScenarioBatch.from_scenarios([scenarios[i] for i in idx])
        res = solve_exact_batch(batch, rule=rule, mobcheck=mobcheck)
        for i, sol in zip(idx, res.solutions(batch), strict=True):
            out[i] = sol
    return out


class VecExactPolicy(SolverPolicy):
    """The VEC certified exact solver with its batched path (what ``get_policy("vec",
    "exact")`` builds through the registry; kept as a class for direct use)."""

    def __init__(self, problem: str = "vec", name: str | None = None, rule: str = "optimal",
                 mobcheck: bool = False) -> None:
        super().__init__("vec", "exact", name, rule=rule, mobcheck=mobcheck)
        self.rule, self.mobcheck = rule, mobcheck

    @property
    def batched(self) -> bool:
        return True

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        return solve_exact_list(scenarios, rule=self.rule, mobcheck=self.mobcheck)


class VecRandomPolicy(BasePolicy):
    """Random selection: a size m uniform in 0..n, then m RSUs uniformly at random,
    allocated by ``rule`` (the ``optimal`` rule never fails without a deadline)."""

    def __init__(self, problem: str = "vec", name: str | None = None, seed: int = 0,
                 rule: str = "optimal") -> None:
        self.problem, self.name, self.rule = "vec", name or "random", rule
        self.rng = np.random.default_rng(seed)

    def act(self, scenario: Any) -> Any:
        from offload_gym.vec.allocation import allocate
        from offload_gym.vec.evaluate import make_solution
        from offload_gym.vec.physics import derive

        start = time.perf_counter()
        n = scenario.n_rsus
        mask = np.zeros(n, dtype=bool)
        mask[self.rng.permutation(n)[:int(self.rng.integers(0, n + 1))]] = True
        phys = derive(scenario)
        alloc = allocate(phys, mask, self.rule).allocation_gbit
        sol = make_solution(scenario, mask, alloc, rule=self.rule, solver=self.name,
                            wall_time_s=time.perf_counter() - start, phys=phys,
                            status=Status.FEASIBLE)
        return sol if sol.success else dataclasses.replace(sol, status=Status.FAILED)
