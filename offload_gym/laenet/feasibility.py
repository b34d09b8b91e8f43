"""Instance feasibility (SPEC-LAENET.md "Problem P", instance feasibility).

A user with lambda_u = 0 is FORCED: it must offload via a feasible edge. Users who are not
forced can always stay local, so an instance is feasible iff the forced users can be packed:
an assignment of each forced user to one of its feasible edges with sum mu <= 1 per server
(up to ``CAPACITY_EPS``). :func:`pack_forced_users` decides this by an exact DFS.
"""

from __future__ import annotations

import numpy as np

from offload_gym.laenet.physics import Derived
from offload_gym.laenet.waterfill import CAPACITY_EPS


def forced_users(derived: Derived) -> np.ndarray:
    """Indices of users with lambda_u = 0 (they must offload)."""
    return np.flatnonzero(~derived.lam)


def users_without_options(derived: Derived) -> np.ndarray:
    """Users with neither a local option (lambda = 0) nor a feasible edge."""
    has_edge = np.zeros(derived.n_users, dtype=bool)
    has_edge[derived.edge_user[derived.feasible]] = True
    return np.flatnonzero(~derived.lam & ~has_edge)


def pack_forced_users(derived: Derived) -> dict[int, int] | None:
    """An assignment {forced user: server} fitting every server (sum mu <= 1), or None if
    none exists. Exact DFS; users with fewer options go first, options by ascending mu."""
    d = derived
    forced = forced_users(d)
    opts: list[list[tuple[int, float]]] = []
    for u in forced:
        edges = d.user_edges[u][d.feasible[d.user_edges[u]]]
        pairs = sorted(zip(d.edge_server[edges].tolist(), d.mu[edges].tolist(), strict=True),
                       key=lambda p: p[1])
        if not pairs:
            return None
        opts.append(pairs)
    order = sorted(range(len(forced)), key=lambda i: len(opts[i]))
    load = [0.0] * d.n_servers
    chosen: dict[int, int] = {}

    def dfs(k: int) -> bool:
        if k == len(order):
            return True
        i = order[k]
        for s, m in opts[i]:
            if load[s] + m <= 1.0 + CAPACITY_EPS:
                load[s] += m
                chosen[int(forced[i])] = s
                if dfs(k + 1):
                    return True
                load[s] -= m
                del chosen[int(forced[i])]
        return False

    return dict(sorted(chosen.items())) if dfs(0) else None
