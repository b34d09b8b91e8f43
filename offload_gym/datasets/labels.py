"""Build one shard's arrays: generate its instances from the shard's seed and label them,
with the problem's own ``shard_arrays`` hook (what is stored: the problem's dataset module,
``offload_gym/vec/dataset.py``, ``offload_gym/laenet/dataset.py``, and docs/datasets.md).

Every shard has ``instance_index`` ``[N]`` (global index; splits are index ranges). No wall
times are stored: they would break byte-identical reruns.
"""

from __future__ import annotations

import numpy as np

from offload_gym.core.deprecation import moved
from offload_gym.datasets.spec import DatasetSpec, ShardPlan


def shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """One shard's arrays, from the spec's problem."""
    return spec.hooks.shard_arrays(spec, shard)


__getattr__ = moved(__name__, {
    "VEC_LABEL_SETS": "offload_gym.vec.dataset:VEC_LABEL_SETS",
    "vec_shard_arrays": "offload_gym.vec.dataset:shard_arrays",
    "laenet_shard_arrays": "offload_gym.laenet.dataset:shard_arrays",
})
