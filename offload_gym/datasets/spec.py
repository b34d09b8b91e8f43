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
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError

PROBLEMS = ("vec", "laenet")
SPLITS = ("train", "val", "test")
DEFAULT_SPLIT = (0.7, 0.15, 0.15)  # the KATO paper's 70 / 15 / 15
DEFAULT_SHARD_SIZE = 1000
DEFAULT_SOLVER = {"vec": "exact", "laenet": "exact"}
DEFAULT_PRESET = {"vec": "kato2025", "laenet": "gadsg2025"}


def _check_int(field: str, value: Any, low: int, why: str = "") -> None:
    """``value`` is an int (not a bool) >= ``low``, else ScenarioError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ScenarioError(field, f"must be an integer >= {low}, got {value!r}"
                                   + (f" ({why})" if why else ""))


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Everything that determines a dataset's bytes.

    ``size``: VEC number of RSUs n (the vehicle is node 0, so graphs have n + 1 nodes);
    ``scale``: LAENet scale name (e.g. ``gs2_gu4_au2``). ``overrides``: VEC generator
    overrides (``speed_mps``, ``deadline_s``, ...). ``solver``: registered solver name that
    labels the data (VEC: the batched exact solver is used for ``exact``)."""

    problem: str
    preset: str
    count: int
    seed: int = 0
    size: int | None = None
    scale: str | None = None
    solver: str = "exact"
    shard_size: int = DEFAULT_SHARD_SIZE
    split: tuple[float, float, float] = DEFAULT_SPLIT
    overrides: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        """Validate every argument before anything is written (ScenarioError naming it)."""
        if self.problem not in PROBLEMS:
            raise ScenarioError("problem", f"expected one of {PROBLEMS}, got {self.problem!r}")
        _check_int("seed", self.seed, 0, "numpy seeds are non-negative integers")
        _check_int("count", self.count, 1)
        _check_int("shard_size", self.shard_size, 1)
        if self.problem == "vec":
            if self.size is None:
                raise ScenarioError("size", "VEC datasets need --size N (number of RSUs)")
            _check_int("size", self.size, 0, "n = 0 gives vehicle-only instances")
        if self.problem == "laenet" and not self.scale:
            raise ScenarioError("scale", "LAENet datasets need --scale NAME")
        if len(self.split) != 3 or any(not f >= 0 for f in self.split) or not math.isclose(
                sum(self.split), 1.0, abs_tol=1e-9):
            raise ScenarioError("split", f"expected three fractions >= 0 summing to 1, got "
                                         f"{self.split}")
        if self.problem == "laenet" and self.overrides:
            raise ScenarioError("overrides", "LAENet presets take no overrides")
        if self.problem == "vec" and self.solver != "exact":
            raise ScenarioError("solver", "VEC labels come from the certified batched exact "
                                          "solver; only --solver exact is supported")
        self._check_generator_and_solver()

    def _check_generator_and_solver(self) -> None:
        """Preset, overrides, scale and labelling solver exist (checked here so that a bad
        name fails before the output directory is touched, not in the first shard)."""
        if self.problem == "vec":
            from offload_gym.vec.generator import generate

            # one instance through the full Scenario validation: an override such as
            # --bandwidth 1e-95 passes its own check but gives absurd transmit times
            generate(max(int(self.size or 0), 1), self.preset, 0, **dict(self.overrides))
            return
        from offload_gym.core.registry import solver_names
        from offload_gym.laenet.generator import checked_request

        checked_request(self.scale, 0, None, self.preset)  # type: ignore[arg-type]
        known = solver_names("laenet")
        if self.solver not in known:
            raise ScenarioError("solver", f"unknown LAENet solver {self.solver!r} (known: "
                                          f"{', '.join(known)})")

    @property
    def size_label(self) -> str:
        """``n20`` (VEC) or the scale name (LAENet): the row label in evaluation tables."""
        return f"n{self.size}" if self.problem == "vec" else str(self.scale)

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
        size = f"--size {self.size}" if self.problem == "vec" else f"--scale {self.scale}"
        flags = {"speed_mps": "--speed", "deadline_s": "--deadline",
                 "bandwidth_hz": "--bandwidth"}
        extra = "".join(f" {flags[k]} {v!r}" for k, v in self.overrides)
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
