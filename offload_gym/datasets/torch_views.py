"""``LabelledDataset.as_torch()``: a ``torch.utils.data.Dataset`` of dicts of tensors.

Each item is built by the problem's ``torch_items`` hook (the keys per problem: its dataset
module, ``offload_gym/vec/dataset.py``, ``offload_gym/laenet/dataset.py``, and
docs/datasets.md). VEC items hold the chosen label set (default ``optimal``; also
``equal_finish``, ``equal_finish_mobcheck``); LAENet items pad the edge features with the
TRAINING split maxima (``pad=`` overrides them). Raw SI units; float32 by default
(``dtype=``).

This module imports torch; ``offload_gym.datasets`` imports it only when asked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset


def to_tensor(x: Any, dtype: torch.dtype) -> torch.Tensor:
    """A float tensor of ``x`` (through float64, so that every view rounds alike)."""
    return torch.as_tensor(np.array(x, dtype=np.float64), dtype=dtype)


class TorchView(Dataset):
    """Per-instance tensors of one split (see the module docstring)."""

    def __init__(self, data: Any, label_set: str = "optimal", dtype: torch.dtype = torch.float32,
                 pad: tuple[float, float, float] | None = None) -> None:
        self.data = data
        self.dtype = dtype
        self.label_set = label_set
        self.problem = data.problem
        self._item = data.hooks.torch_items(data, label_set, dtype, pad)

    def __len__(self) -> int:
        return len(self.data)

    def _t(self, x: Any) -> torch.Tensor:
        return to_tensor(x, self.dtype)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return self._item(i)
