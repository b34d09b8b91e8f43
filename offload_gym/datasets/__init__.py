"""Labelled datasets: sharded, deterministic, resumable label generation and loaders.

``build_dataset(DatasetSpec(...), out_dir, workers=..., scheduler=...)`` writes
deterministic ``.npz`` shards plus ``metadata.json``; ``load(out_dir, split)`` reads one
split back (``.scenario(i)``, ``.arrays``, ``.as_torch()``, ``.as_pyg()``). See
docs/datasets.md. Importing this package loads neither torch nor dask.
"""

from offload_gym.datasets.builder import DatasetError, build_dataset
from offload_gym.datasets.loader import DatasetLoadError, LabelledDataset, load
from offload_gym.datasets.spec import DEFAULT_SPLIT, SPLITS, DatasetSpec, plan

__all__ = [
    "DEFAULT_SPLIT",
    "SPLITS",
    "DatasetError",
    "DatasetLoadError",
    "DatasetSpec",
    "LabelledDataset",
    "build_dataset",
    "load",
    "plan",
]
