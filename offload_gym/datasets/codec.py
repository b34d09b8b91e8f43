"""Scenarios <-> stored arrays, exactly (float64 values are stored as they are).

Each problem's layout is its own: ``encode`` / ``decode`` in its dataset hooks module
(``offload_gym/vec/dataset.py``, ``offload_gym/laenet/dataset.py``; see docs/datasets.md).
:func:`decode` reads instance ``i`` of any registered problem. The former per-problem names
(``encode_vec``, ``decode_laenet``, ...) are deprecated aliases of the hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from offload_gym.core.deprecation import moved
from offload_gym.datasets.spec import dataset_hooks


def decode(problem: str, arrays: Mapping[str, np.ndarray], i: int) -> Any:
    """Instance ``i`` of stored arrays as a validated Scenario of ``problem``."""
    return dataset_hooks(problem).decode(arrays, i)


__getattr__ = moved(__name__, {
    "VEC_FIELDS": "offload_gym.vec.dataset:VEC_FIELDS",
    "encode_vec": "offload_gym.vec.dataset:encode",
    "vec_batch": "offload_gym.vec.dataset:batch",
    "decode_vec": "offload_gym.vec.dataset:decode",
    "SERVER_TYPE_CODES": "offload_gym.laenet.dataset:SERVER_TYPE_CODES",
    "USER_TYPE_CODES": "offload_gym.laenet.dataset:USER_TYPE_CODES",
    "encode_laenet": "offload_gym.laenet.dataset:encode",
    "laenet_dict": "offload_gym.laenet.dataset:scenario_dict",
    "decode_laenet": "offload_gym.laenet.dataset:decode",
})
