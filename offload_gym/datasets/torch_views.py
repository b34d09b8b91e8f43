"""``LabelledDataset.as_torch()``: a ``torch.utils.data.Dataset`` of dicts of tensors.

VEC item: ``x`` ``[1 + n, 4]`` (node rows, see :mod:`features`), ``selected`` ``[n]``
(bool), ``allocation_gbit`` ``[1 + n]``, ``completion_time_s`` and ``success`` (0-d), for
the chosen label set (default ``optimal``; also ``equal_finish``, ``equal_finish_mobcheck``).

LAENet item: ``x`` ``[S+1+U, 4]`` node features, ``edge_features`` ``[U, S+1, 6]`` padded
with the TRAINING split maxima, ``edge_mask`` ``[U, S+1]`` (coverage), ``choice`` ``[U]``
(-1 = LOCAL), ``share`` ``[U]`` (0 when local), ``cost`` (0-d). Raw SI units; features are
float32 by default (``dtype=``).

This module imports torch; ``offload_gym.datasets`` imports it only when asked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from offload_gym.datasets.features import laenet_padding, vec_node_features


class TorchView(Dataset):
    """Per-instance tensors of one split (see the module docstring)."""

    def __init__(self, data: Any, label_set: str = "optimal", dtype: torch.dtype = torch.float32,
                 pad: tuple[float, float, float] | None = None) -> None:
        self.data = data
        self.dtype = dtype
        self.label_set = label_set
        self.problem = data.problem
        if self.problem == "vec":
            self._x = vec_node_features(data.arrays)
        else:
            self._pad = pad if pad is not None else laenet_padding(data.metadata)

    def __len__(self) -> int:
        return len(self.data)

    def _t(self, x: Any) -> torch.Tensor:
        return torch.as_tensor(np.array(x, dtype=np.float64), dtype=self.dtype)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        a = self.data.arrays
        if self.problem == "vec":
            p = f"label_{self.label_set}"
            return {"x": self._t(self._x[i]),
                    "selected": torch.as_tensor(a[f"{p}_selected"][i]),
                    "allocation_gbit": self._t(a[f"{p}_allocation_gbit"][i]),
                    "completion_time_s": self._t(a[f"{p}_completion_time_s"][i]),
                    "success": torch.as_tensor(bool(a[f"{p}_success"][i]))}
        from offload_gym.laenet.physics import derive, padded_edge_features

        d = derive(self.data.scenario(i))
        mask = np.zeros((d.n_users, d.n_servers), dtype=bool)
        mask[d.edge_user, d.edge_server] = True
        return {"x": self._t(d.node_features),
                "edge_features": self._t(padded_edge_features(d, *self._pad)),
                "edge_mask": torch.as_tensor(mask),
                "choice": torch.as_tensor(np.array(a["label_choice"][i])),
                "share": self._t(np.nan_to_num(a["label_share"][i], nan=0.0)),
                "cost": self._t(a["label_cost"][i])}
