"""``LabelledDataset.as_pyg()``: an in-memory torch-geometric dataset of graphs.

The graphs are built by the problem's ``pyg_graphs`` hook (nodes, edges and labels per
problem: its dataset module, ``offload_gym/vec/dataset.py``, ``offload_gym/laenet/dataset.py``,
and docs/datasets.md). VEC: a star vehicle <-> RSUs with node labels of the chosen label
set; LAENet: user -> server coverage edges with edge labels (use
``torch_geometric.transforms.ToUndirected`` for message passing both ways).
"""

from __future__ import annotations

from typing import Any

import torch
from torch_geometric.data import Data, InMemoryDataset


class GraphDataset(InMemoryDataset):
    """A collated list of ``Data`` objects held in memory."""

    def __init__(self, data_list: list[Data], transform: Any = None) -> None:
        super().__init__(None, transform)
        self._data, self.slices = self.collate(data_list)


def make_pyg_dataset(data: Any, label_set: str = "optimal", dtype: torch.dtype = torch.float32,
                     transform: Any = None) -> GraphDataset:
    """Graphs of one split (see the module docstring)."""
    return GraphDataset(data.hooks.pyg_graphs(data, label_set, dtype), transform)
