"""What a dataset job is (:class:`DatasetSpec`) and how it is cut into shards (:func:`plan`).

Splits are by instance index: the first ``floor(train * count)`` instances are the TRAIN
split, the next ``floor(val * count)`` VAL, the rest TEST. Each split is cut into shards of
at most ``shard_size`` instances, named ``{split}-{k:05d}.npz``. Shards are numbered
globally (train first, then val, then test) and shard ``g`` draws its instances from
``numpy.random.SeedSequence(seed, spawn_key=(g,))``, i.e. the ``g``-th child of
``SeedSequence(seed).spawn(...)``. Nothing depends on which worker builds a shard, so the
same spec gives the same bytes with any number of workers or on a Dask cluster.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.core.problem import get_problem, problem_names

SPLITS = ("train", "val", "test")
DEFAULT_SPLIT = (0.7, 0.15, 0.15)  # the KATO paper's 70 / 15 / 15
DEFAULT_SHARD_SIZE = 1000


def _default_check_size(spec: DatasetSpec) -> None:
    if spec.instance_size is None:
        raise ScenarioError("size", f"{spec.problem} datasets need --size")


def _default_command_args(spec: DatasetSpec) -> tuple[str, str]:
    return f"--size {spec.instance_size}", ""


def _default_status_counts(arrays: dict[str, np.ndarray]) -> dict[str, int]:
    return {"labelled": len(arrays["instance_index"])}


# The hooks every problem's dataset module defines (docs/datasets.md, "A problem's dataset
# hooks"): shard generation + labels, the codec's decode, the reference the evaluation
# scores against, and the dataset card's problem parts.
REQUIRED_HOOKS = ("shard_arrays", "decode", "reference_cost", "generator_parameters",
                  "labels_doc")
# Optional dataset hooks and what a problem that does not define them gets.
_OPTIONAL_HOOKS: dict[str, Any] = {
    "SIZE_FIELD": "size",
    "LABEL_SETS": ("optimal",),
    "STAT_KEYS": (),
    "check_size": _default_check_size,
    "check_spec": lambda spec: None,
    "command_args": _default_command_args,
    "status_counts": _default_status_counts,
    "solver_extras": lambda spec: {},
    "metadata_extras": lambda spec, records, stat_arrays: {},
}


class DatasetHooks:
    """A problem's dataset hooks module (``Problem.dataset``; docs/datasets.md, "A
    problem's dataset hooks"), with defaults for the optional hooks.

    Required (:data:`REQUIRED_HOOKS`): ``shard_arrays(spec, shard) -> dict`` (generate the
    shard's instances from ``shard.seed_sequence(spec.seed)`` and label them; every array
    has the shard's instances on axis 0, plus ``instance_index``), ``decode(arrays, i)``
    (instance ``i`` as a validated Scenario), ``reference_cost(arrays, label_set)`` (the
    labelled optimum per instance), ``generator_parameters(spec)`` and ``labels_doc(spec)``
    (the dataset card's ``generator`` and ``labels``).

    Optional: ``SIZE_FIELD`` (the spec field holding the size, default ``size``),
    ``LABEL_SETS`` (the ``label_set`` names ``reference_cost`` takes, default
    ``("optimal",)``; ``offload-gym evaluate --reference`` offers these),
    ``check_size(spec)`` / ``check_spec(spec)`` (raise ScenarioError naming the field),
    ``command_args(spec) -> (size_flags, trailing_flags)``, ``status_counts(arrays)``,
    ``solver_extras(spec)``, ``STAT_KEYS`` + ``metadata_extras(spec, records,
    stat_arrays)`` (extra card keys from per-shard statistics), ``batch(arrays)``,
    ``torch_items(data, label_set, dtype, pad)``, ``pyg_graphs(data, label_set, dtype)``
    (the ``as_torch()`` / ``as_pyg()`` views)."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self.module, name)
        except AttributeError:
            if name in _OPTIONAL_HOOKS:
                return _OPTIONAL_HOOKS[name]
            raise AttributeError(f"{self.module.__name__} defines no dataset hook {name!r}"
                                 ) from None


def dataset_hooks(problem: str) -> DatasetHooks:
    """The dataset hooks of a registered problem."""
    return DatasetHooks(get_problem(problem).hook("dataset"))


def size_label(problem: str, spec: dict[str, Any]) -> str:
    """The problem's size label (``n20``, ``gs2_gu4_au2``) of a spec dict (``to_dict()``)."""
    return get_problem(problem).size.label(spec[dataset_hooks(problem).SIZE_FIELD])


def check_int(field: str, value: Any, low: int, why: str = "") -> None:
    """``value`` is an int (not a bool) >= ``low``, else ScenarioError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ScenarioError(field, f"must be an integer >= {low}, got {value!r}"
                                   + (f" ({why})" if why else ""))


_check_int = check_int  # the former private name

# Former per-problem tables, now read from the problem registry (deprecated).
_DEPRECATED = {
    "PROBLEMS": lambda: tuple(problem_names()),
    "DEFAULT_SOLVER": lambda: {name: "exact" for name in problem_names()},
    "DEFAULT_PRESET": lambda: {name: get_problem(name).default_preset
                               for name in problem_names()},
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        warnings.warn(f"offload_gym.datasets.spec.{name} is deprecated; use the problem "
                      "registry (offload_gym.core.problem)", DeprecationWarning, stacklevel=2)
        return _DEPRECATED[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Everything that determines a dataset's bytes.

    ``size``: the instances' size in the problem's terms (``Problem.size``): VEC number of
    RSUs n (the vehicle is node 0, so graphs have n + 1 nodes), LAENet scale name (e.g.
    ``gs2_gu4_au2``). A problem whose hooks store the size in another field (LAENet:
    ``scale``, its ``SIZE_FIELD``) gets ``size=`` moved there, so the spec (and the
    metadata) read the same whichever name was used. ``overrides``: VEC generator
    overrides (``speed_mps``, ``deadline_s``, ...). ``solver``: registered solver name that
    labels the data (VEC: the batched exact solver is used for ``exact``)."""

    problem: str
    preset: str
    count: int
    seed: int = 0
    size: Any = None
    scale: str | None = None
    solver: str = "exact"
    shard_size: int = DEFAULT_SHARD_SIZE
    split: tuple[float, float, float] = DEFAULT_SPLIT
    overrides: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        """Validate every argument before anything is written (ScenarioError naming it);
        the problem's dataset hooks check its own parts (size, solver, preset, overrides)."""
        known = tuple(problem_names())
        if self.problem not in known:
            raise ScenarioError("problem", f"expected one of {known}, got {self.problem!r}")
        check_int("seed", self.seed, 0, "numpy seeds are non-negative integers")
        check_int("count", self.count, 1)
        check_int("shard_size", self.shard_size, 1)
        hooks = self.hooks
        field = hooks.SIZE_FIELD
        if field != "size" and self.size is not None and getattr(self, field) is None:
            object.__setattr__(self, field, self.size)  # size= given for e.g. scale=
            object.__setattr__(self, "size", None)
        hooks.check_size(self)
        if len(self.split) != 3 or any(not f >= 0 for f in self.split) or not math.isclose(
                sum(self.split), 1.0, abs_tol=1e-9):
            raise ScenarioError("split", f"expected three fractions >= 0 summing to 1, got "
                                         f"{self.split}")
        # preset, overrides, size and labelling solver exist (checked here so that a bad
        # name fails before the output directory is touched, not in the first shard)
        hooks.check_spec(self)

    @property
    def hooks(self) -> DatasetHooks:
        """The problem's dataset hooks module (``offload_gym.<problem>.dataset``)."""
        return dataset_hooks(self.problem)

    @property
    def instance_size(self) -> Any:
        """The instances' size in the problem's own terms (the field the problem's hooks
        name: ``size`` = VEC number of RSUs, ``scale`` = LAENet scale name)."""
        return getattr(self, self.hooks.SIZE_FIELD)

    @property
    def size_label(self) -> str:
        """``n20`` (VEC) or the scale name (LAENet): the row label in evaluation tables."""
        return get_problem(self.problem).size.label(self.instance_size)

    def split_counts(self) -> dict[str, int]:
        """Instances per split (floor for train and val, the rest is test)."""
        n_train = math.floor(self.split[0] * self.count + 1e-9)
        n_val = math.floor(self.split[1] * self.count + 1e-9)
        return {"train": n_train, "val": n_val, "test": self.count - n_train - n_val}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["split"] = list(self.split)
        d["overrides"] = {k: v for k, v in self.overrides}
        return d

    def command(self, out: str) -> str:
        """The ``offload-gym dataset`` command that builds this dataset into ``out`` (the
        bytes do not depend on ``--workers``, so it is left out)."""
        size, extra = self.hooks.command_args(self)
        split = ",".join(f"{f:g}" for f in self.split)
        return (f"offload-gym dataset --problem {self.problem} --preset {self.preset} {size} "
                f"--count {self.count} --seed {self.seed} --solver {self.solver} "
                f"--shard-size {self.shard_size} --split {split}{extra} --out {out}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatasetSpec:
        d = dict(d)
        d["split"] = tuple(d["split"])
        d["overrides"] = tuple(sorted((d.get("overrides") or {}).items()))
        return cls(**d)


@dataclasses.dataclass(frozen=True)
class ShardPlan:
    """One shard: global index, split, first instance index (global), count, file name."""

    index: int
    split: str
    start: int
    count: int
    filename: str

    def seed_sequence(self, seed: int) -> np.random.SeedSequence:
        """The shard's own stream: child ``index`` of ``SeedSequence(seed)``."""
        return np.random.SeedSequence(seed, spawn_key=(self.index,))


def plan(spec: DatasetSpec) -> list[ShardPlan]:
    """The shards of a job, in global order."""
    out: list[ShardPlan] = []
    start = 0
    for split, n in spec.split_counts().items():
        for k, offset in enumerate(range(0, n, spec.shard_size)):
            count = min(spec.shard_size, n - offset)
            out.append(ShardPlan(len(out), split, start + offset, count,
                                 f"{split}-{k:05d}.npz"))
        start += n
    return out
