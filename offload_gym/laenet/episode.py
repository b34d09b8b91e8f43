"""The LAENet envs' per-episode data: everything an episode needs from its scenario,
computed once (and cached per scenario of a fixed set: it does not depend on the
decisions), with Python-float copies for the per-step arithmetic."""

from __future__ import annotations

import dataclasses

import numpy as np

from offload_gym.laenet.observation import GraphBuilder
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.waterfill import waterfill_small

__all__ = ["Episode", "build_episode", "lower_bound_cost", "phi"]


@dataclasses.dataclass
class Episode:
    scenario: Scenario
    derived: Derived
    index: int | None
    n_users: int
    n_servers: int
    order: np.ndarray          # users in decision order (forced first)
    allowed: np.ndarray        # bool [U, 1 + n_servers_max]: LOCAL / feasible edge
    mu_us: np.ndarray          # [U, n_servers_max]: mu of edge (u, s) (0 if none)
    static: dict[str, np.ndarray]
    node_features: np.ndarray
    edge_features: np.ndarray
    phi_memo: dict[tuple[int, int], float]
    # Python-float copies for the per-step arithmetic (same values, same operation order)
    order_list: list[int]
    lam_list: list[bool]
    j_loc: list[float]
    j_tr: list[float]
    j_exe: list[float]
    mu: list[float]
    options: list[list[tuple[int, int, float]]]  # per user: (server, edge, mu) if feasible
    optimum: Solution | None = None
    lower_bound: float | None = None  # lower_bound_cost(), computed on first use


def build_episode(sc: Scenario, index: int | None, graph: GraphBuilder,
                  phi_memo: dict[tuple[int, int], float]) -> Episode:
    """The per-episode arrays of ``sc`` padded as ``graph`` pads (read-only)."""
    d = derive(sc)
    n_u, n_s, s_max = d.n_users, d.n_servers, graph.s_max
    order = np.argsort(d.lam, kind="stable")  # forced users (lambda = 0) first, by index
    allowed = np.zeros((n_u, 1 + s_max), dtype=bool)
    allowed[:, 0] = d.lam
    allowed[:, 1:][d.edge_user, d.edge_server] = d.feasible
    mu_us = np.zeros((n_u, s_max))
    mu_us[d.edge_user, d.edge_server] = d.mu
    nf, ef, static = graph.build(sc.server_type, sc.user_type, d)
    for a in (allowed, mu_us, nf, ef, static["edge_index"]):
        a.setflags(write=False)  # shared by the episodes of a fixed-set scenario
    mu_list = d.mu.tolist()
    feas = d.feasible.tolist()
    options: list[list[tuple[int, int, float]]] = [[] for _ in range(n_u)]
    for e, (u, srv) in enumerate(zip(d.edge_user.tolist(), d.edge_server.tolist(),
                                     strict=True)):
        if feas[e]:
            options[u].append((srv, e, mu_list[e]))
    return Episode(scenario=sc, derived=d, index=index, n_users=n_u, n_servers=n_s,
                   order=order, allowed=allowed, mu_us=mu_us, static=static,
                   node_features=nf, edge_features=ef, phi_memo=phi_memo,
                   order_list=order.tolist(), lam_list=d.lam.tolist(),
                   j_loc=d.j_loc.tolist(), j_tr=d.j_tr.tolist(), j_exe=d.j_exe.tolist(),
                   mu=mu_list, options=options)


def phi(ep: Episode, s: int, members: list[int], key: int | None = None) -> float:
    """Phi_s for the users (edge ids, in the order they joined) on server s: water-filling
    (:func:`~offload_gym.laenet.waterfill.waterfill_small`, bit-identical to
    ``waterfill_batch``), memoised per scenario by the set of users (``key``: its bitmask,
    computed here if not given)."""
    if key is None:
        key = sum(1 << int(ep.derived.edge_user[e]) for e in members)
    value = ep.phi_memo.get((s, key))
    if value is None:
        value = waterfill_small([ep.j_exe[e] for e in members],
                                [ep.mu[e] for e in members])[0]
        ep.phi_memo[(s, key)] = value
    return value


def lower_bound_cost(ep: Episode) -> float:
    """C_lb = sum_u min(J_loc_u if lambda_u, min over feasible edges J_tr + J_exe): every
    user alone with y = 1, a lower bound of the optimum; a user with no option at all (only
    in hand-made scenarios) counts with its J_loc, so the value is always finite. Computed
    once per episode."""
    if ep.lower_bound is None:
        d = ep.derived
        best = np.where(d.lam, d.j_loc, np.inf)
        alone = np.where(d.feasible, d.j_tr + d.j_exe, np.inf)
        np.minimum.at(best, d.edge_user, alone)
        ep.lower_bound = float(np.where(np.isfinite(best), best, d.j_loc).sum())
    return ep.lower_bound
