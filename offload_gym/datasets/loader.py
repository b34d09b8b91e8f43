"""Read a dataset: ``load(DIR, split="train")`` -> :class:`LabelledDataset`.

The arrays of the split's shards are concatenated in shard order (so instance ``i`` of the
split is global instance ``split_start + i``). Checksums are verified on load unless
``verify=False``. Torch and torch-geometric views are built on request (imported lazily).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.datasets.metadata import read_metadata
from offload_gym.datasets.npzio import read_npz, sha256_file
from offload_gym.datasets.spec import SPLITS, DatasetHooks, dataset_hooks, size_label


class DatasetLoadError(ValueError):
    """The directory is not a finished dataset, or a shard fails its checksum."""


@dataclasses.dataclass
class LabelledDataset:
    """One split of a dataset: ``arrays`` (every stored array, concatenated over shards),
    ``metadata`` (the parsed ``metadata.json``), and accessors for scenarios and views."""

    directory: Path
    split: str
    metadata: dict[str, Any]
    arrays: dict[str, np.ndarray]

    @property
    def problem(self) -> str:
        return str(self.metadata["problem"])

    @property
    def hooks(self) -> DatasetHooks:
        """The problem's dataset hooks module (``offload_gym.<problem>.dataset``)."""
        return dataset_hooks(self.problem)

    @property
    def size_label(self) -> str:
        """The problem's size label: ``n20`` (VEC) or the scale name (LAENet)."""
        return size_label(self.problem, self.metadata["spec"])

    def __len__(self) -> int:
        return len(self.arrays["instance_index"])

    def scenario(self, i: int) -> Any:
        """Instance ``i`` of this split as a validated Scenario (exact round trip)."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"instance {i} out of range ({len(self)} in split {self.split})")
        return self.hooks.decode(self.arrays, i % len(self))

    def scenarios(self) -> list[Any]:
        return [self.scenario(i) for i in range(len(self))]

    def batch(self) -> Any:
        """The whole split as one batch object, for problems whose hooks have a ``batch``
        (VEC: a :class:`~offload_gym.vec.batch.ScenarioBatch` for the vectorised solvers)."""
        make = getattr(self.hooks, "batch", None)
        if make is None:
            raise TypeError(f"{self.problem} datasets have no batch form")
        return make(self.arrays)

    def vec_batch(self) -> Any:
        """VEC only: the whole split as a :class:`~offload_gym.vec.batch.ScenarioBatch`
        (same as :meth:`batch`)."""
        if getattr(self.hooks, "batch", None) is None:
            raise TypeError("vec_batch() is for VEC datasets")
        return self.batch()

    @property
    def label_sets(self) -> tuple[str, ...]:
        """The label sets of this dataset's problem (its dataset hooks' ``LABEL_SETS``)."""
        return tuple(self.hooks.LABEL_SETS)

    def check_label_set(self, label_set: str) -> str:
        """``label_set`` if this dataset's problem has it, else ScenarioError naming the
        ones it has."""
        if label_set not in self.label_sets:
            raise ScenarioError("label_set", f"{self.problem} datasets have the label sets "
                                f"{', '.join(self.label_sets)}; got {label_set!r}")
        return label_set

    def reference_cost(self, label_set: str = "optimal") -> np.ndarray:
        """The certified optimum per instance (the problem's ``reference_cost`` hook) of
        one of :attr:`label_sets`: VEC completion time of ``label_set`` (``optimal`` |
        ``equal_finish`` | ``equal_finish_mobcheck``); LAENet cost (``optimal``)."""
        return self.hooks.reference_cost(self.arrays, self.check_label_set(label_set))

    def subset(self, limit: int | None) -> LabelledDataset:
        """The first ``limit`` instances (all if None)."""
        if limit is None or limit >= len(self):
            return self
        n = len(self)
        arrays = {k: (v[:limit] if v.ndim and v.shape[0] == n else v)
                  for k, v in self.arrays.items()}
        return dataclasses.replace(self, arrays=arrays)

    def as_torch(self, **kwargs: Any) -> Any:
        """A ``torch.utils.data.Dataset`` of per-instance dicts of tensors
        (see :mod:`offload_gym.datasets.torch_views`)."""
        from offload_gym.datasets.torch_views import TorchView

        return TorchView(self, **kwargs)

    def as_pyg(self, **kwargs: Any) -> Any:
        """A torch-geometric ``InMemoryDataset`` of graphs
        (see :mod:`offload_gym.datasets.pyg_views`)."""
        from offload_gym.datasets.pyg_views import make_pyg_dataset

        return make_pyg_dataset(self, **kwargs)


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        return {}
    out = {}
    for key in parts[0]:
        values = [p[key] for p in parts]
        out[key] = (np.array(sum(int(v) for v in values)) if values[0].ndim == 0
                    else np.concatenate(values))
    return out


def load(directory: str | Path, split: str = "train", *, verify: bool = True
         ) -> LabelledDataset:
    """Load one split (``train``, ``val``, ``test``, or ``all``) of a finished dataset."""
    directory = Path(directory)
    if not (directory / "metadata.json").is_file():
        raise DatasetLoadError(f"{directory} has no metadata.json (not a finished dataset; "
                               "rerun `offload-gym dataset` with the same arguments)")
    meta = read_metadata(directory)
    if split not in (*SPLITS, "all"):
        raise DatasetLoadError(f"unknown split {split!r} (expected one of {SPLITS} or 'all')")
    shards = [s for s in meta["shards"] if split in ("all", s["split"])]
    parts = []
    for s in shards:
        path = directory / s["file"]
        if verify and (not path.is_file() or sha256_file(path) != s["sha256"]):
            raise DatasetLoadError(f"{path} is missing or fails its sha256 check; rerun "
                                   "`offload-gym dataset` with the same arguments to rebuild it")
        parts.append(read_npz(path))
    if not parts:
        raise DatasetLoadError(f"split {split!r} of {directory} is empty")
    return LabelledDataset(directory, split, meta, _concat(parts))
