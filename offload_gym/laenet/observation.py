"""The LAENet envs' observation: feature schema with named indices (docs/envs.md "LAENet
observation") and the per-scenario static graph.

Normalised features (the spec's raw SI features stay available through the env's
``raw_features()``): node slots 0..n_servers_max-1 are the servers (HAP first), then one
slot per user (GUs, then AUs). D is divided by 1e6, CPU frequencies by 1e9 and every cost J
(and Phi) by :data:`J_SCALE_J` = 30, a constant close to the median J_loc of the gadsg2025
preset (34 on 200 gs3_gu6_au4 instances); lambda, mu, w and flags are kept as they are.
Index a feature by its name: ``obs["global_features"][G_COST]``,
``obs["node_features"][:, N_USED_MU]``.
"""

from __future__ import annotations

import numpy as np

from offload_gym.core.graph import FEATURE_DTYPE
from offload_gym.laenet.physics import Derived

J_SCALE_J = 30.0  # cost normaliser (J = w T + (1 - w) E; about the preset's median J_loc)
DATA_SCALE_BITS = 1e6
CPU_SCALE_HZ = 1e9
NODE_FEATURES = (
    "is_hap", "is_gs", "is_au", "is_gu",  # theta (spec: 0 HAP, 1 GS, 2 AU, 3 GU), one-hot
    "data",          # D / 1e6 (users; 0 for servers)
    "cpu",           # f / 1e9 (F_s for servers, f_u for users)
    "weight",        # w (users; 0 for servers)
    "lam",           # lambda_u: local run allowed (users)
    "j_loc",         # J_loc_u / J_SCALE_J (users)
    "used_mu",       # partial state, servers: sum of mu of the users on s
    "phi",           # partial state, servers: Phi_s / J_SCALE_J (water-filling cost)
    "decided",       # partial state, users
    "local",         # partial state, users: decided LOCAL
    "current",       # the user decided at this step
)
EDGE_FEATURES = (
    "flag",          # 1 on coverage edges (spec)
    "j_loc",         # J_loc_u / J_SCALE_J (spec: repeated on each of u's edges)
    "j_tr",          # J_tr_e / J_SCALE_J
    "j_exe",         # J_exe_e / J_SCALE_J
    "lam",           # lambda_u
    "mu",            # mu_e (0 on infeasible edges, spec)
    "feasible",      # the edge can meet the deadline
    "chosen",        # partial state: u decided to offload to s
    "reverse",       # 0: user -> server, 1: server -> user
)
GLOBAL_FEATURES = (
    "cost",          # C_k / (J_SCALE_J * n_users)
    "progress",      # decisions taken / n_users_max
    "n_users",       # n_users / n_users_max
    "n_servers",     # n_servers / n_servers_max
)
(N_IS_HAP, N_IS_GS, N_IS_AU, N_IS_GU, N_DATA, N_CPU, N_WEIGHT, N_LAM, N_J_LOC, N_USED_MU,
 N_PHI, N_DECIDED, N_LOCAL, N_CURRENT) = range(len(NODE_FEATURES))
(E_FLAG, E_J_LOC, E_J_TR, E_J_EXE, E_LAM, E_MU, E_FEASIBLE, E_CHOSEN,
 E_REVERSE) = range(len(EDGE_FEATURES))
G_COST, G_PROGRESS, G_NUSERS, G_NSERVERS = range(len(GLOBAL_FEATURES))
_TYPE_COLUMN = {"hap": N_IS_HAP, "gs": N_IS_GS, "au": N_IS_AU, "gu": N_IS_GU}
# Divisors of Derived.node_features[:, 1:4] (D, f, w) and of Derived.edge_features (x / 1 = x).
_NODE_SCALES = np.array([DATA_SCALE_BITS, CPU_SCALE_HZ, 1.0])
_EDGE_SCALES = np.array([1.0, J_SCALE_J, J_SCALE_J, J_SCALE_J, 1.0, 1.0])


def global_features(cost: float, decided: int, n_users: int, n_servers: int,
                    n_users_max: int, n_servers_max: int) -> np.ndarray:
    """GLOBAL_FEATURES of a partial cost ``cost`` after ``decided`` decisions."""
    return np.array([cost / (J_SCALE_J * n_users), decided / n_users_max,
                     n_users / n_users_max, n_servers / n_servers_max], dtype=FEATURE_DTYPE)


class GraphBuilder:
    """The static graph of scenarios padded to (n_servers_max, n_users_max), with the
    per-type node templates and the edge masks cached (they depend on the padding only)."""

    def __init__(self, n_servers_max: int, n_users_max: int) -> None:
        self.s_max, self.u_max = n_servers_max, n_users_max
        self._node_templates: dict[tuple[tuple[str, ...], tuple[str, ...]],
                                   tuple[np.ndarray, np.ndarray]] = {}
        self._edge_masks: dict[int, np.ndarray] = {}

    def build(self, server_type: tuple[str, ...], user_type: tuple[str, ...], d: Derived
              ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """(node features, edge features, {node_mask, edge_index, edge_mask}) of a scenario
        with these entity types and derived physics ``d``."""
        n_u, n_s, s_max = d.n_users, d.n_servers, self.s_max
        # nodes: servers in slots 0..s_max-1, users from slot s_max; the type one-hot and
        # the node mask come from a per-type template
        nf_template, node_mask = self._node_template(server_type, user_type)
        nf = nf_template.copy()
        scaled = d.node_features[:, 1:4] / _NODE_SCALES  # data, cpu, weight
        nf[:n_s, N_DATA:N_WEIGHT + 1] = scaled[:n_s]
        users = slice(s_max, s_max + n_u)
        nf[users, N_DATA:N_WEIGHT + 1] = scaled[n_s:]
        nf[users, N_LAM] = d.lam
        nf[users, N_J_LOC] = d.j_loc / J_SCALE_J

        # edges: user -> server, then the same edges server -> user
        n_e, e_max = d.n_edges, 2 * self.u_max * s_max
        edge_index = np.zeros((2, e_max), dtype=np.int64)
        user_slot = s_max + d.edge_user
        edge_index[0, :n_e] = edge_index[1, n_e:2 * n_e] = user_slot
        edge_index[1, :n_e] = edge_index[0, n_e:2 * n_e] = d.edge_server
        ef = np.zeros((e_max, len(EDGE_FEATURES)), dtype=FEATURE_DTYPE)
        # [1, J_loc, J_tr, J_exe, lambda, mu] -> flag, j_loc, j_tr, j_exe, lam, mu
        ef[:n_e, E_FLAG:E_MU + 1] = d.edge_features / _EDGE_SCALES
        ef[:n_e, E_FEASIBLE] = d.feasible
        ef[n_e:2 * n_e] = ef[:n_e]
        ef[n_e:2 * n_e, E_REVERSE] = 1.0
        static = {"node_mask": node_mask, "edge_index": edge_index,
                  "edge_mask": self._edge_mask(n_e)}
        return nf, ef, static

    def _node_template(self, server_type: tuple[str, ...], user_type: tuple[str, ...]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """(node features with only the type one-hot set, node mask) for these entity
        types; read-only, cached."""
        key = (server_type, user_type)
        out = self._node_templates.get(key)
        if out is None:
            s_max, n_s = self.s_max, len(server_type)
            nf = np.zeros((s_max + self.u_max, len(NODE_FEATURES)), dtype=FEATURE_DTYPE)
            slots = [*range(n_s), *range(s_max, s_max + len(user_type))]
            nf[slots, [_TYPE_COLUMN[t] for t in (*server_type, *user_type)]] = 1.0
            node_mask = np.zeros(s_max + self.u_max, dtype=np.int8)
            node_mask[slots] = 1
            for a in (nf, node_mask):
                a.setflags(write=False)
            out = self._node_templates[key] = (nf, node_mask)
        return out

    def _edge_mask(self, n_edges: int) -> np.ndarray:
        """int8 [e_max]: 1 on the first 2 n_edges slots; read-only, cached per count."""
        out = self._edge_masks.get(n_edges)
        if out is None:
            out = np.zeros(2 * self.u_max * self.s_max, dtype=np.int8)
            out[:2 * n_edges] = 1
            out.setflags(write=False)
            self._edge_masks[n_edges] = out
        return out
