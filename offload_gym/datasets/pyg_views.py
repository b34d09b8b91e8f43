"""``LabelledDataset.as_pyg()``: an in-memory torch-geometric dataset of graphs.

VEC graph: nodes = vehicle + RSUs, ``x`` ``[1 + n, 4]`` = ``[x_m, y_m, beta, snr_db]``
(KATO's rows); star edges vehicle <-> every RSU (both directions, ``edge_index``
``[2, 2n]``; attention models use dense batches instead); node labels ``y`` ``[1 + n]``:
1.0 for the vehicle and each selected RSU of the label set; ``rsu_mask``,
``allocation_gbit`` ``[1 + n]``, graph-level ``completion_time_s``, ``success``.

LAENet graph (spec "Graph features"): nodes HAP, GSs, GUs, AUs with ``x`` = ``[theta, D, f,
w]``; one directed edge user -> server per coverage edge (``edge_index`` ``[2, E]``, user
node = S + 1 + u), ``edge_attr`` ``[E, 6]`` = ``[flag, J_loc, J_tr, J_exe, lambda, mu]``;
edge labels ``y_edge`` (1.0 on the chosen edge) and ``share_edge`` (the optimal share, 0
elsewhere); per user ``choice`` ``[U]`` (-1 = LOCAL) and ``y_local``; graph-level ``cost``.
Use ``torch_geometric.transforms.ToUndirected`` for message passing both ways.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch_geometric.data import Data, InMemoryDataset

from offload_gym.datasets.features import vec_node_features


class GraphDataset(InMemoryDataset):
    """A collated list of ``Data`` objects held in memory."""

    def __init__(self, data_list: list[Data], transform: Any = None) -> None:
        super().__init__(None, transform)
        self._data, self.slices = self.collate(data_list)


def _vec_graphs(data: Any, label_set: str, dtype: torch.dtype) -> list[Data]:
    a = data.arrays
    x = vec_node_features(a)
    n = x.shape[1] - 1
    rsu = torch.arange(1, n + 1)
    star = torch.stack([torch.cat([torch.zeros(n, dtype=torch.long), rsu]),
                        torch.cat([rsu, torch.zeros(n, dtype=torch.long)])])
    rsu_mask = torch.arange(n + 1) > 0
    p = f"label_{label_set}"
    out = []
    for i in range(len(data)):
        y = np.concatenate([[1.0], a[f"{p}_selected"][i].astype(np.float64)])
        out.append(Data(
            x=torch.as_tensor(x[i], dtype=dtype), edge_index=star.clone(),
            y=torch.as_tensor(y, dtype=dtype), rsu_mask=rsu_mask.clone(),
            allocation_gbit=torch.as_tensor(a[f"{p}_allocation_gbit"][i], dtype=dtype),
            completion_time_s=torch.tensor([a[f"{p}_completion_time_s"][i]], dtype=dtype),
            success=torch.tensor([bool(a[f"{p}_success"][i])])))
    return out


def _laenet_graphs(data: Any, dtype: torch.dtype) -> list[Data]:
    from offload_gym.laenet.physics import derive

    a = data.arrays
    out = []
    for i in range(len(data)):
        d = derive(data.scenario(i))
        choice = a["label_choice"][i]
        share = np.nan_to_num(a["label_share"][i], nan=0.0)
        chosen = choice[d.edge_user] == d.edge_server
        out.append(Data(
            x=torch.as_tensor(np.array(d.node_features), dtype=dtype),
            edge_index=torch.as_tensor(np.stack([d.n_servers + d.edge_user, d.edge_server])),
            edge_attr=torch.as_tensor(np.array(d.edge_features), dtype=dtype),
            y_edge=torch.as_tensor(chosen.astype(np.float64), dtype=dtype),
            share_edge=torch.as_tensor(np.where(chosen, share[d.edge_user], 0.0), dtype=dtype),
            choice=torch.as_tensor(np.array(choice)), y_local=torch.as_tensor(choice < 0),
            cost=torch.tensor([a["label_cost"][i]], dtype=dtype),
            num_nodes=d.n_servers + d.n_users))
    return out


def make_pyg_dataset(data: Any, label_set: str = "optimal", dtype: torch.dtype = torch.float32,
                     transform: Any = None) -> GraphDataset:
    """Graphs of one split (see the module docstring)."""
    graphs = (_vec_graphs(data, label_set, dtype) if data.problem == "vec"
              else _laenet_graphs(data, dtype))
    return GraphDataset(graphs, transform)
