"""Fixed-shape graph observations shared by every env, and their torch-geometric form.

Every offload-gym env observes a padded graph so that ``spaces.Dict`` has a fixed shape
(stable-baselines3's ``MultiInputPolicy`` works out of the box). The common keys
(:data:`GRAPH_KEYS`) are::

    node_features   float32 [N_max, F]   padded rows are 0
    node_mask       int8    [N_max]      1 = real node
    edge_index      int64   [2, E_max]   (source, target) node SLOTS; padded columns are 0
    edge_features   float32 [E_max, G]   padded rows are 0
    edge_mask       int8    [E_max]      1 = real edge
    global_features float32 [K]          per-episode / partial-decision scalars
    action_mask     int8    [...]        1 = action allowed; [n] for Discrete(n),
                                         [entries, choices] for MultiBinary /
                                         MultiDiscrete (docs/envs.md "Masks")
    decision_index  int64   (Discrete)   node slot of the decision being taken now

Node slots need not be contiguous (e.g. LAENet keeps servers in slots 0..S_max and users
after them); :func:`to_pyg` drops padded nodes and renumbers the edges with the masks.

``import offload_gym`` must stay torch-free: torch and torch-geometric are imported inside
:func:`to_pyg` / :func:`batch_to_pyg` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Batch, Data

GRAPH_KEYS = ("node_features", "node_mask", "edge_index", "edge_features", "edge_mask")
FEATURE_DTYPE = np.float32


def graph_spaces(n_nodes_max: int, n_node_features: int, n_edges_max: int,
                 n_edge_features: int, n_global_features: int) -> dict[str, spaces.Space]:
    """The padded-graph part of an observation space (keys of :data:`GRAPH_KEYS` plus
    ``global_features``). Feature boxes are unbounded float32: each env documents the
    normalisation that keeps its features of order one."""
    inf = np.inf
    return {
        "node_features": spaces.Box(-inf, inf, (n_nodes_max, n_node_features), FEATURE_DTYPE),
        "node_mask": spaces.MultiBinary(n_nodes_max),
        "edge_index": spaces.Box(0, max(n_nodes_max - 1, 0), (2, n_edges_max), np.int64),
        "edge_features": spaces.Box(-inf, inf, (n_edges_max, n_edge_features), FEATURE_DTYPE),
        "edge_mask": spaces.MultiBinary(n_edges_max),
        "global_features": spaces.Box(-inf, inf, (n_global_features,), FEATURE_DTYPE),
    }


def decision_space(n_nodes_max: int, n_node_features: int, n_edges_max: int,
                   n_edge_features: int, n_global_features: int,
                   action_mask_shape: int | tuple[int, ...]) -> spaces.Dict:
    """The full observation space of an env: the padded graph (:func:`graph_spaces`) plus
    ``action_mask`` and ``decision_index`` (the node decided).

    ``action_mask`` is ``MultiBinary(n)`` for a 1-D shape (n,) and an int8
    ``Box(0, 1, shape)`` for a 2-D one: torchrl cannot convert a multi-dimensional
    ``MultiBinary``, and the same bits in a Box work with every client."""
    obs = graph_spaces(n_nodes_max, n_node_features, n_edges_max, n_edge_features,
                       n_global_features)
    shape = (action_mask_shape,) if isinstance(action_mask_shape, int) else action_mask_shape
    if len(shape) == 1:  # MultiBinary(n), not MultiBinary((n,)): those compare unequal
        obs["action_mask"] = spaces.MultiBinary(int(shape[0]))
    else:
        obs["action_mask"] = spaces.Box(0, 1, tuple(shape), np.int8)
    obs["decision_index"] = spaces.Discrete(n_nodes_max)
    return spaces.Dict(obs)


def pad_rows(x: np.ndarray, n_rows: int, fill: float = 0.0,
             dtype: Any = FEATURE_DTYPE) -> np.ndarray:
    """``x`` ([n, ...] with n <= n_rows) padded with ``fill`` rows to [n_rows, ...]."""
    x = np.asarray(x)
    if x.shape[0] > n_rows:
        raise ValueError(f"{x.shape[0]} rows do not fit in {n_rows}")
    out = np.full((n_rows, *x.shape[1:]), fill, dtype=dtype)
    out[: x.shape[0]] = x
    return out


def pad_mask(n: int, n_max: int) -> np.ndarray:
    """int8 [n_max] with ones in the first ``n`` entries."""
    out = np.zeros(n_max, dtype=np.int8)
    out[:n] = 1
    return out


def pad_edge_index(edge_index: np.ndarray, n_edges_max: int) -> np.ndarray:
    """[2, E] int edge list padded with zero columns to [2, n_edges_max] (int64)."""
    edge_index = np.asarray(edge_index, dtype=np.int64).reshape(2, -1)
    if edge_index.shape[1] > n_edges_max:
        raise ValueError(f"{edge_index.shape[1]} edges do not fit in {n_edges_max}")
    out = np.zeros((2, n_edges_max), dtype=np.int64)
    out[:, : edge_index.shape[1]] = edge_index
    return out


# ---------------------------------------------------------------------------- torch-geometric
def _np(x: Any) -> np.ndarray:
    """A numpy view of a numpy array or a (CPU or GPU) torch tensor."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _unpad(obs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Real nodes and edges of ONE observation (numpy), edges renumbered to compact node
    ids, plus the renumbered ``decision_index`` (-1 when it points at a padded node)."""
    node_mask = _np(obs["node_mask"]).astype(bool)
    edge_mask = _np(obs["edge_mask"]).astype(bool)
    new_id = np.cumsum(node_mask) - 1  # slot -> compact id (valid on real nodes)
    ei = _np(obs["edge_index"]).astype(np.int64)[:, edge_mask]
    if ei.size and not node_mask[ei].all():
        raise ValueError("a real edge (edge_mask = 1) touches a padded node")
    out = {
        "x": _np(obs["node_features"])[node_mask].astype(np.float32),
        "edge_index": new_id[ei],
        "edge_attr": _np(obs["edge_features"])[edge_mask].astype(np.float32),
        "slot": np.flatnonzero(node_mask),
    }
    if "decision_index" in obs:
        k = int(np.asarray(_np(obs["decision_index"])).reshape(-1)[0])
        out["decision_index"] = np.array([new_id[k] if node_mask[k] else -1], dtype=np.int64)
    return out


def to_pyg(obs: Mapping[str, Any]) -> Data:
    """One padded observation -> ``torch_geometric.data.Data``.

    ``x`` = real node features, ``edge_index`` / ``edge_attr`` = real edges with node ids
    renumbered 0..n-1 (padding removed using ``node_mask`` / ``edge_mask``), ``slot`` = the
    original node slot of each node, ``decision_index`` [1] = compact id of the node being
    decided (PyG offsets it in a batch, because its name contains "index"), and every other
    key of the observation (``action_mask``, ``global_features``, env-specific extras) as a
    tensor with a leading axis of 1 so that batches stack them to [B, ...]."""
    import torch
    from torch_geometric.data import Data

    parts = _unpad(obs)
    data = Data(x=torch.from_numpy(parts["x"]),
                edge_index=torch.from_numpy(parts["edge_index"]),
                edge_attr=torch.from_numpy(parts["edge_attr"]),
                num_nodes=int(parts["x"].shape[0]))
    data.slot = torch.from_numpy(parts["slot"])
    if "decision_index" in parts:
        data.decision_index = torch.from_numpy(parts["decision_index"])
    for key, value in obs.items():
        if key in GRAPH_KEYS or key == "decision_index":
            continue
        arr = np.ascontiguousarray(_np(value))
        data[key] = torch.from_numpy(arr.copy())[None]
    return data


def batch_to_pyg(batched_obs: Mapping[str, Any]) -> Batch:
    """A batch of padded observations (every value has a leading batch axis, as from
    ``gym.make_vec`` or stable-baselines3's observation tensors) -> ``Batch``."""
    from torch_geometric.data import Batch

    size = len(_np(batched_obs["node_mask"]))
    items = [{k: _np(v)[i] for k, v in batched_obs.items()} for i in range(size)]
    return Batch.from_data_list([to_pyg(o) for o in items])
