"""VEC dataset hooks (:class:`~offload_gym.core.problem.DatasetHooks`): everything the
problem-agnostic ``offload_gym.datasets`` layer needs to build, describe and read VEC
datasets.

Stored arrays (codec): the fields of :class:`~offload_gym.vec.batch.ScenarioBatch` (per
instance ``[N]``, per RSU ``[N, n]``), under the same names, float64 as they are.

Labels (batched certified exact solver, :func:`solve_exact_batch`), one set per (rule,
MobCheck flavour) in :data:`VEC_LABEL_SETS`, each with ``label_{set}_selected`` ``[N, n]``
(bool), ``label_{set}_allocation_gbit`` ``[N, 1 + n]`` (vehicle first),
``label_{set}_completion_time_s`` ``[N]`` and ``label_{set}_success`` ``[N]``; plus
``instance_index`` ``[N]`` (global index).

Model-input node rows (KATO): ``[x_m, y_m, beta_s_per_gbit, snr_db]``, the vehicle first
(its SNR is 0), then the RSUs; beta = cycles_per_bit / cpu_ghz
(``physics.compute_time_s_per_gbit``). SNR is given in dB, as drawn.

Torch item (``LabelledDataset.as_torch()``): ``x`` ``[1 + n, 4]``, ``selected`` ``[n]``
(bool), ``allocation_gbit`` ``[1 + n]``, ``completion_time_s`` and ``success`` (0-d), for
the chosen label set. Graph (``as_pyg()``): nodes = vehicle + RSUs with the node rows as
``x``; star edges vehicle <-> every RSU (both directions, ``edge_index`` ``[2, 2n]``); node
labels ``y`` ``[1 + n]``: 1.0 for the vehicle and each selected RSU; ``rsu_mask``,
``allocation_gbit`` ``[1 + n]``, graph-level ``completion_time_s``, ``success``.

Imports neither torch nor the solvers until a hook needs them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.scenario import Scenario

if TYPE_CHECKING:
    from offload_gym.datasets.spec import DatasetSpec, ShardPlan

# The DatasetSpec field that holds a VEC dataset's size (the number of RSUs n).
SIZE_FIELD = "size"
# Arrays of every shard that the metadata's problem part reads (none for VEC).
STAT_KEYS: tuple[str, ...] = ()
VEC_FIELDS = tuple(f.name for f in fields(ScenarioBatch))
# label set -> (allocation rule, mobcheck)
VEC_LABEL_SETS: dict[str, tuple[str, bool]] = {
    "optimal": ("optimal", False),
    "equal_finish": ("equal_finish", False),
    "equal_finish_mobcheck": ("equal_finish", True),
}
LABEL_SETS: tuple[str, ...] = tuple(VEC_LABEL_SETS)  # what `evaluate --reference` offers
# generator override -> its `offload-gym dataset` flag
_OVERRIDE_FLAGS = {"speed_mps": "--speed", "deadline_s": "--deadline",
                   "bandwidth_hz": "--bandwidth"}


# ------------------------------------------------------------------ spec
def check_size(spec: DatasetSpec) -> None:
    """A VEC dataset needs ``size`` = n >= 0 (ScenarioError naming ``size``)."""
    from offload_gym.datasets.spec import check_int

    if spec.size is None:
        raise ScenarioError("size", "VEC datasets need --size N (number of RSUs)")
    check_int("size", spec.size, 0, "n = 0 gives vehicle-only instances")


def check_spec(spec: DatasetSpec) -> None:
    """The labelling solver is the certified batched exact one; the preset and overrides
    give valid instances (one is drawn through the full Scenario validation: an override
    such as --bandwidth 1e-95 passes its own check but gives absurd transmit times)."""
    from offload_gym.vec.generator import generate

    if spec.solver != "exact":
        raise ScenarioError("solver", "VEC labels come from the certified batched exact "
                                      "solver; only --solver exact is supported")
    generate(max(int(spec.size or 0), 1), spec.preset, 0, **dict(spec.overrides))


def command_args(spec: DatasetSpec) -> tuple[str, str]:
    """The size flag and the trailing override flags of ``offload-gym dataset``."""
    extra = "".join(f" {_OVERRIDE_FLAGS[k]} {v!r}" for k, v in spec.overrides)
    return f"--size {spec.size}", extra


# ------------------------------------------------------------------ codec
def encode(batch: ScenarioBatch) -> dict[str, np.ndarray]:
    """The batch's arrays (float64), keyed by field name."""
    return {name: np.asarray(getattr(batch, name), dtype=np.float64) for name in VEC_FIELDS}


def batch(arrays: Mapping[str, np.ndarray]) -> ScenarioBatch:
    """A :class:`ScenarioBatch` from stored arrays (``LabelledDataset.vec_batch()``)."""
    return ScenarioBatch(**{name: arrays[name] for name in VEC_FIELDS})


def decode(arrays: Mapping[str, np.ndarray], i: int) -> Scenario:
    """Instance ``i`` as a validated VEC Scenario."""
    return batch({name: arrays[name][i:i + 1] for name in VEC_FIELDS}).scenario(0)


# ------------------------------------------------------------------ shards
def shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """Generate and label one VEC shard (every label set)."""
    from offload_gym.vec.generator import generate_batch
    from offload_gym.vec.solvers.exact import solve_exact_batch

    rng = np.random.default_rng(shard.seed_sequence(spec.seed))
    instances = generate_batch(shard.count, int(spec.size or 0), spec.preset, rng,
                               **dict(spec.overrides))
    out = encode(instances)
    for name, (rule, mobcheck) in VEC_LABEL_SETS.items():
        res = solve_exact_batch(instances, rule=rule, mobcheck=mobcheck)
        out[f"label_{name}_selected"] = np.asarray(res.selected_mask, dtype=bool)
        out[f"label_{name}_allocation_gbit"] = np.asarray(res.allocation_gbit, dtype=np.float64)
        out[f"label_{name}_completion_time_s"] = np.asarray(res.completion_time_s,
                                                            dtype=np.float64)
        out[f"label_{name}_success"] = np.asarray(res.success, dtype=bool)
    out["instance_index"] = np.arange(shard.start, shard.start + shard.count, dtype=np.int64)
    return out


def status_counts(arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    """``{set}:success`` / ``{set}:failed`` counts of a shard, per label set."""
    out = {}
    for name in VEC_LABEL_SETS:
        ok = int(arrays[f"label_{name}_success"].sum())
        out[f"{name}:success"] = ok
        out[f"{name}:failed"] = len(arrays[f"label_{name}_success"]) - ok
    return out


def reference_cost(arrays: Mapping[str, np.ndarray], label_set: str = "optimal") -> np.ndarray:
    """The certified optimal completion time of ``label_set`` per instance."""
    return arrays[f"label_{label_set}_completion_time_s"]


# ------------------------------------------------------------------ metadata
def generator_parameters(spec: DatasetSpec) -> dict[str, Any]:
    """The preset's parameters after overrides (what the instances were drawn from)."""
    from offload_gym.vec.generator import get_preset

    return dataclasses.asdict(get_preset(spec.preset, **dict(spec.overrides)))


def solver_extras(spec: DatasetSpec) -> dict[str, Any]:
    """The function that really labels VEC data (whatever the registered name)."""
    return {"entry": "offload_gym.vec.solvers.exact:solve_exact_batch"}


def labels_doc(spec: DatasetSpec) -> dict[str, Any]:
    return {"sets": {k: {"rule": r, "mobcheck": m} for k, (r, m) in VEC_LABEL_SETS.items()},
            "arrays": ["label_{set}_selected", "label_{set}_allocation_gbit",
                       "label_{set}_completion_time_s", "label_{set}_success"]}


def metadata_extras(spec: DatasetSpec, records: list[dict[str, Any]],
                    stat_arrays: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """No VEC-only metadata keys."""
    return {}


# ------------------------------------------------------------------ model inputs
def node_features(arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    """``[N, 1 + n, 4]`` node rows for a VEC split (vehicle first)."""
    from offload_gym.vec.physics import compute_time_s_per_gbit

    cpb = arrays["cycles_per_bit"]
    veh = np.stack([arrays["vehicle_x_m"], arrays["vehicle_y_m"],
                    compute_time_s_per_gbit(cpb, arrays["vehicle_cpu_ghz"]),
                    np.zeros_like(cpb)], axis=-1)[:, None, :]
    rsu = np.stack([arrays["rsu_x_m"], arrays["rsu_y_m"],
                    compute_time_s_per_gbit(cpb[:, None], arrays["rsu_cpu_ghz"]),
                    arrays["rsu_snr_db"]], axis=-1)
    return np.concatenate([veh, rsu], axis=1)


def torch_items(data: Any, label_set: str, dtype: Any, pad: Any = None
                ) -> Callable[[int], dict[str, Any]]:
    """``i`` -> the torch item of instance ``i`` (see the module docstring; ``pad`` is
    unused)."""
    import torch

    from offload_gym.datasets.torch_views import to_tensor

    a, x, p = data.arrays, node_features(data.arrays), f"label_{label_set}"

    def item(i: int) -> dict[str, Any]:
        return {"x": to_tensor(x[i], dtype),
                "selected": torch.as_tensor(a[f"{p}_selected"][i]),
                "allocation_gbit": to_tensor(a[f"{p}_allocation_gbit"][i], dtype),
                "completion_time_s": to_tensor(a[f"{p}_completion_time_s"][i], dtype),
                "success": torch.as_tensor(bool(a[f"{p}_success"][i]))}
    return item


def pyg_graphs(data: Any, label_set: str, dtype: Any) -> list[Any]:
    """One torch-geometric ``Data`` per instance (see the module docstring)."""
    import torch
    from torch_geometric.data import Data

    a = data.arrays
    x = node_features(a)
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
