"""The one ``Policy`` protocol every method is evaluated through, and its adapters.

A policy has a ``name``, a ``problem`` (``"vec"`` or ``"laenet"``), ``act(scenario) ->
Solution`` and ``act_batch(scenarios) -> list[Solution]``. :class:`BasePolicy` gives the
default ``act_batch`` (a loop); vectorised methods override it (the VEC exact solver does).

Adapters: :class:`SolverPolicy` wraps any registered solver or baseline
(``get_solver(problem, name)``); :class:`VecExactPolicy` adds the batched exact solver;
:class:`VecRandomPolicy` and :class:`LaenetRandomPolicy` are the random baselines. Agents
(``agents/``) implement the same protocol; see :mod:`offload_gym.evaluation.registry`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from offload_gym.core.status import Status


@runtime_checkable
class Policy(Protocol):
    """What the evaluation harness needs from a method."""

    name: str
    problem: str

    def act(self, scenario: Any) -> Any:
        """One scenario -> the problem's Solution."""
        ...

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        """Many scenarios -> one Solution each, in order."""
        ...


class BasePolicy:
    """Convenience base: ``act_batch`` loops over ``act``."""

    name: str = "policy"
    problem: str = ""

    def act(self, scenario: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        return [self.act(s) for s in scenarios]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, problem={self.problem!r})"


def has_batched_act(policy: Any) -> bool:
    """True if ``policy`` overrides the looping ``act_batch`` of :class:`BasePolicy`."""
    impl = getattr(type(policy), "act_batch", None)
    return impl is not None and impl is not BasePolicy.act_batch


class SolverPolicy(BasePolicy):
    """Any registered solver as a policy: ``act(s) = get_solver(problem, solver)(s, **kw)``.

    The solver function is looked up on first use, so constructing the policy never imports
    a solver module."""

    def __init__(self, problem: str, solver_name: str, name: str | None = None,
                 **solver_kwargs: Any) -> None:
        self.problem = problem
        self.solver_name = solver_name
        self.solver_kwargs = solver_kwargs
        self.name = name or solver_name
        self._fn: Any = None

    @property
    def fn(self) -> Any:
        if self._fn is None:
            from offload_gym.core.registry import get_solver

            self._fn = get_solver(self.problem, self.solver_name)
        return self._fn

    def act(self, scenario: Any) -> Any:
        return self.fn(scenario, **self.solver_kwargs)


class VecExactPolicy(SolverPolicy):
    """The VEC certified exact solver; ``act_batch`` uses the vectorised
    :func:`~offload_gym.vec.solvers.exact.solve_exact_batch` (instances grouped by n)."""

    def __init__(self, problem: str = "vec", name: str | None = None, rule: str = "optimal",
                 mobcheck: bool = False) -> None:
        super().__init__("vec", "exact", name, rule=rule, mobcheck=mobcheck)
        self.rule, self.mobcheck = rule, mobcheck

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        from offload_gym.vec.batch import ScenarioBatch
        from offload_gym.vec.solvers.exact import solve_exact_batch

        out: list[Any] = [None] * len(scenarios)
        groups: dict[int, list[int]] = {}
        for i, s in enumerate(scenarios):
            groups.setdefault(s.n_rsus, []).append(i)
        for idx in groups.values():
            batch = ScenarioBatch.from_scenarios([scenarios[i] for i in idx])
            res = solve_exact_batch(batch, rule=self.rule, mobcheck=self.mobcheck)
            for i, sol in zip(idx, res.solutions(batch), strict=True):
                out[i] = sol
        return out


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
        return sol if sol.success else _replace_status(sol, Status.FAILED)


def _replace_status(sol: Any, status: Status) -> Any:
    import dataclasses

    return dataclasses.replace(sol, status=status)


class LaenetRandomPolicy(BasePolicy):
    """Random feasible assignment: forced users first, then the others, each in random
    order, each takes a uniformly random option that still fits (LOCAL if allowed, a
    feasible edge whose server has room for mu); shares by water-filling. After
    ``max_tries`` dead ends the last attempt is returned (``evaluate`` repairs or fails it).
    """

    def __init__(self, problem: str = "laenet", name: str | None = None, seed: int = 0,
                 max_tries: int = 20) -> None:
        self.problem, self.name, self.max_tries = "laenet", name or "random", max_tries
        self.rng = np.random.default_rng(seed)

    def _attempt(self, d: Any) -> tuple[np.ndarray, bool]:
        from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL

        forced = np.flatnonzero(~np.asarray(d.lam, dtype=bool))
        free = np.flatnonzero(np.asarray(d.lam, dtype=bool))
        order = np.concatenate([self.rng.permutation(forced), self.rng.permutation(free)])
        load = np.zeros(d.n_servers)
        choice = np.full(d.n_users, LOCAL, dtype=np.int64)
        for u in order:
            opts = [LOCAL] if d.lam[u] else []
            for e in d.user_edges[u]:
                s = int(d.edge_server[e])
                if d.feasible[e] and load[s] + d.mu[e] <= 1.0 + CAPACITY_EPS:
                    opts.append(s)
            if not opts:
                return choice, False
            c = opts[int(self.rng.integers(len(opts)))]
            choice[u] = c
            if c != LOCAL:
                load[c] += d.mu[d.edge_id[u, c]]
        return choice, True

    def act(self, scenario: Any) -> Any:
        from offload_gym.laenet.evaluate import make_solution
        from offload_gym.laenet.physics import derive

        start = time.perf_counter()
        d = derive(scenario)
        for _ in range(self.max_tries):
            choice, ok = self._attempt(d)
            if ok:
                break
        return make_solution(scenario, choice.tolist(), None, self.name, Status.FEASIBLE,
                             time.perf_counter() - start)
