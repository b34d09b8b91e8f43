"""GADSG / GDSG model inputs: one LAENet scenario -> normalised graph arrays; batches of them.

Graph (spec "Graph features", paper eqs. 26-27). Nodes in the spec's order HAP, GS1..GSS,
GUs, AUs; node row = [onehot(theta) (4), D / 1e6, f / 1e9, w] (theta one-hot instead of the
raw code 0..3, so the model sees no false ordering of node types).

Edges are user-centred "slots": per user, slot 0 is the LOCAL option (a user -> self edge,
our choice for including LOCAL as a per-user choice), slot 1 + s the server s. Edge row =
[flag, J_loc, J_tr, J_exe, lambda, mu, is_local]: the spec's six features (every J divided by
the training-split median of J_loc; lambda, mu, flag as is) plus an is_local indicator. The
LOCAL slot is [1, J_loc, 0, 0, lambda, 0, 1].

* ``dense=True``: every user has a slot for every server; missing (u, s) are padded with
  [0, J_loc_max, J_tr_max, J_exe_max, 0, 0, 0] (training-split maxima, normalised the same
  way). The encoder gates them out (flag = 0), so dense and sparse give the same outputs.
* ``dense=False`` (sparse): only the coverage edges and the LOCAL slots.

Per edge we also keep ``allowed`` (LOCAL with lambda = 1, or a feasible coverage edge), the
raw ``mu`` and, when a label is given, ``x0`` (1 on the chosen slot) and ``share`` (the
label's share on the chosen server slot, 0 elsewhere).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from offload_gym.laenet.physics import Derived, derive

N_NODE_FEATURES = 7
N_EDGE_FEATURES = 7


@dataclasses.dataclass(frozen=True)
class Normalisation:
    """Training-split constants (stored in every checkpoint): the median J_loc divides
    every J; the maxima fill the padded slots."""

    j_loc_median: float
    j_loc_max: float
    j_tr_max: float
    j_exe_max: float

    @classmethod
    def from_derived(cls, derived: Sequence[Derived]) -> Normalisation:
        j_loc = np.concatenate([d.j_loc for d in derived])
        j_tr = np.concatenate([d.j_tr[np.isfinite(d.j_tr)] for d in derived])
        j_exe = np.concatenate([d.j_exe[np.isfinite(d.j_exe)] for d in derived])
        return cls(float(np.median(j_loc)), float(j_loc.max()), float(j_tr.max()),
                   float(j_exe.max()))

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> Normalisation:
        f = meta["features"]
        return cls(float(f["j_loc_median"]), float(f["j_loc_max"]), float(f["j_tr_max"]),
                   float(f["j_exe_max"]))


@dataclasses.dataclass
class InstanceGraph:
    """numpy arrays of one instance (see the module docstring)."""

    n_servers: int
    n_users: int
    node_x: np.ndarray  # [N, 7]
    edge_user: np.ndarray  # [E] user index u
    edge_slot: np.ndarray  # [E] 0 = LOCAL, 1 + s = server s
    edge_x: np.ndarray  # [E, 7]
    allowed: np.ndarray  # [E] bool
    mu: np.ndarray  # [E] raw mu (0 on LOCAL / padded)
    x0: np.ndarray | None = None  # [E] int label
    share: np.ndarray | None = None  # [E] label share


def instance_graph(derived: Derived, norm: Normalisation, dense: bool = False,
                   choice: Sequence[int] | np.ndarray | None = None,
                   share: Sequence[float] | np.ndarray | None = None) -> InstanceGraph:
    """The graph of one instance; ``choice`` / ``share`` (per user) add the labels."""
    d, m = derived, norm.j_loc_median
    s1, n_users = d.n_servers, d.n_users
    theta = d.node_features[:, 0].astype(np.int64)
    node_x = np.zeros((s1 + n_users, N_NODE_FEATURES), dtype=np.float32)
    node_x[np.arange(len(theta)), theta] = 1.0
    node_x[:, 4] = d.node_features[:, 1] / 1e6
    node_x[:, 5] = d.node_features[:, 2] / 1e9
    node_x[:, 6] = d.node_features[:, 3]
    lam = d.lam.astype(np.float64)
    users = np.arange(n_users)
    if dense:
        eu = np.repeat(users, s1)
        es = np.tile(np.arange(s1), n_users)
    else:
        eu, es = np.asarray(d.edge_user), np.asarray(d.edge_server)
    eid = d.edge_id[eu, es]
    real = eid >= 0
    ids = np.where(real, eid, 0)
    caps = (norm.j_loc_max / m, norm.j_tr_max / m, norm.j_exe_max / m)
    srv = np.zeros((len(eu), N_EDGE_FEATURES))
    srv[:, 0] = real
    srv[:, 1] = np.where(real, d.j_loc[eu] / m, caps[0])
    srv[:, 2] = np.where(real, np.nan_to_num(d.j_tr[ids] / m, posinf=caps[1]), caps[1])
    srv[:, 3] = np.where(real, np.nan_to_num(d.j_exe[ids] / m, posinf=caps[2]), caps[2])
    srv[:, 4] = np.where(real, lam[eu], 0.0)
    srv[:, 5] = np.where(real, d.mu[ids], 0.0)
    srv[:, 1:4] = np.minimum(srv[:, 1:4], np.array(caps))  # unseen extremes at most the max
    loc = np.zeros((n_users, N_EDGE_FEATURES))
    loc[:, 0], loc[:, 1], loc[:, 4], loc[:, 6] = 1.0, d.j_loc / m, lam, 1.0
    # order: per user, LOCAL slot first, then its server slots (ascending s)
    edge_user = np.concatenate([users, eu])
    edge_slot = np.concatenate([np.zeros(n_users, dtype=np.int64), es + 1])
    order = np.lexsort((edge_slot, edge_user))
    edge_x = np.concatenate([loc, srv])[order].astype(np.float32)
    allowed = np.concatenate([d.lam.astype(bool), real & np.asarray(d.feasible)[ids]])[order]
    mu = np.concatenate([np.zeros(n_users), np.where(real, d.mu[ids], 0.0)])[order]
    g = InstanceGraph(s1, n_users, node_x, edge_user[order], edge_slot[order], edge_x,
                      allowed, mu)
    if choice is not None:
        ch = np.asarray(choice, dtype=np.int64)
        g.x0 = (g.edge_slot == ch[g.edge_user] + 1).astype(np.int64)
        sh = np.nan_to_num(np.asarray(share if share is not None else np.zeros(n_users),
                                      dtype=np.float64), nan=0.0)
        g.share = np.where((g.x0 == 1) & (g.edge_slot > 0), sh[g.edge_user], 0.0)
    return g


@dataclasses.dataclass
class GraphBatch:
    """Several instance graphs as flat tensors (node and edge indices offset per graph).

    ``edge_user_node`` is the user's node, ``edge_other_node`` the server's node (the
    user's own node on LOCAL slots). ``edge_user_id`` numbers users over the batch;
    ``edge_graph`` / ``node_graph`` give the graph of each edge / node.
    """

    node_x: torch.Tensor
    node_graph: torch.Tensor
    edge_x: torch.Tensor
    edge_user_node: torch.Tensor
    edge_other_node: torch.Tensor
    edge_is_local: torch.Tensor
    flag: torch.Tensor
    edge_user: torch.Tensor
    edge_slot: torch.Tensor
    edge_user_id: torch.Tensor
    edge_graph: torch.Tensor
    allowed: torch.Tensor
    mu: torch.Tensor
    n_graphs: int
    n_user_total: int
    x0: torch.Tensor | None = None
    share: torch.Tensor | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.node_x.shape[0])


def collate(graphs: Sequence[InstanceGraph]) -> GraphBatch:
    """Concatenate instance graphs into one :class:`GraphBatch`."""
    node_off = np.cumsum([0] + [g.node_x.shape[0] for g in graphs])
    user_off = np.cumsum([0] + [g.n_users for g in graphs])
    user_node, other_node, graph_id = [], [], []
    for i, g in enumerate(graphs):
        un = node_off[i] + g.n_servers + g.edge_user
        user_node.append(un)
        other_node.append(np.where(g.edge_slot == 0, un, node_off[i] + g.edge_slot - 1))
        graph_id.append(np.full(len(g.edge_user), i))
    cat = np.concatenate
    t = torch.from_numpy
    labelled = all(g.x0 is not None for g in graphs)
    slot = cat([g.edge_slot for g in graphs])
    return GraphBatch(
        node_x=t(cat([g.node_x for g in graphs])),
        node_graph=t(cat([np.full(g.node_x.shape[0], i) for i, g in enumerate(graphs)])),
        edge_x=t(cat([g.edge_x for g in graphs])),
        edge_user_node=t(cat(user_node)), edge_other_node=t(cat(other_node)),
        edge_is_local=t(slot == 0), flag=t(cat([g.edge_x[:, 0] for g in graphs])),
        edge_user=t(cat([g.edge_user for g in graphs])), edge_slot=t(slot),
        edge_user_id=t(cat([user_off[i] + g.edge_user for i, g in enumerate(graphs)])),
        edge_graph=t(cat(graph_id)), allowed=t(cat([g.allowed for g in graphs])),
        mu=t(cat([g.mu for g in graphs])), n_graphs=len(graphs),
        n_user_total=int(user_off[-1]),
        x0=t(cat([g.x0 for g in graphs])) if labelled else None,
        share=t(cat([g.share for g in graphs]).astype(np.float32)) if labelled else None)


def scenario_graph(scenario: Any, norm: Normalisation, dense: bool = False) -> InstanceGraph:
    """Shortcut: :func:`instance_graph` of ``derive(scenario)``."""
    return instance_graph(derive(scenario), norm, dense)
