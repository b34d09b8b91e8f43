"""LAENet policies of the evaluation harness: the random baseline (the ``random`` method)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from offload_gym.core.status import Status
from offload_gym.evaluation.policy import BasePolicy


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
        return make_solution(scenario, choice.tolist(), None, solver=self.name,
                             status=Status.FEASIBLE, wall_time_s=time.perf_counter() - start)
