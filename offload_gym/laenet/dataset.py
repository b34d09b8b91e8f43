"""LAENet dataset hooks (:class:`~offload_gym.core.problem.DatasetHooks`): everything the
problem-agnostic ``offload_gym.datasets`` layer needs to build, describe and read LAENet
datasets.

Stored arrays (codec; fixed counts per scale, variable coverage edges): the raw fields of
the exchange format, unpadded since every instance of a scale has the same S + 1 servers and
U users. Scalars ``{key}`` ``[N]``; ``server_{key}`` ``[N, S+1]``; ``user_{key}`` ``[N, U]``;
``server_type_code`` (0 HAP, 1 GS) and ``user_type_code`` (0 GU, 1 AU); ``preset``
(unicode, "" = null); explicit edge lists (the JSON ``edges`` key) as ``edge_list``
``[N, U(S+1), 2]`` padded with -1 and ``edge_count`` ``[N]`` (-1 = null: coverage by
radius, as generated). Coverage edges are NOT stored: ``derive`` recomputes them.

Labels (the registered solver, ``exact`` by default): ``label_choice`` ``[N, U]`` (server
index, -1 = LOCAL), ``label_share`` ``[N, U]`` (NaN when local), ``label_cost``,
``label_lower_bound``, ``label_upper_bound``, ``label_gap`` ``[N]`` (NaN when the solver
gives none), ``label_iterations`` ``[N]`` (-1 when none), ``label_status`` and
``label_validity`` ``[N]`` (strings). Feature statistics per instance for the metadata:
``feat_j_loc`` ``[N, U]``, ``feat_j_tr_max`` / ``feat_j_exe_max`` ``[N]`` (max over the
instance's coverage edges with finite values). Generator counters: ``gen_n_rejected``,
``gen_n_user_redraws`` (0-d). Plus ``instance_index`` ``[N]``.

Metadata: ``features`` (training-split J_loc_max, J_tr_max, J_exe_max and median J_loc: the
spec's padding / normalisation constants) and ``generator_stats`` (rejections).

Torch item (``as_torch()``): ``x`` ``[S+1+U, 4]`` node features, ``edge_features``
``[U, S+1, 6]`` padded with the TRAINING split maxima, ``edge_mask`` ``[U, S+1]``
(coverage), ``choice`` ``[U]`` (-1 = LOCAL), ``share`` ``[U]`` (0 when local), ``cost``
(0-d). Graph (``as_pyg()``, spec "Graph features"): nodes HAP, GSs, GUs, AUs with ``x`` =
``[theta, D, f, w]``; one directed edge user -> server per coverage edge (``edge_index``
``[2, E]``, user node = S + 1 + u), ``edge_attr`` ``[E, 6]`` = ``[flag, J_loc, J_tr, J_exe,
lambda, mu]``; edge labels ``y_edge`` (1.0 on the chosen edge) and ``share_edge``; per user
``choice`` ``[U]`` and ``y_local``; graph-level ``cost``.

Imports neither torch nor the solvers until a hook needs them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.laenet.scenario import SCALAR_KEYS, SERVER_ARRAYS, USER_ARRAYS, Scenario

if TYPE_CHECKING:
    from offload_gym.datasets.spec import DatasetSpec, ShardPlan

# The DatasetSpec field that holds a LAENet dataset's size (the scale name).
SIZE_FIELD = "scale"
LABEL_SETS = ("optimal",)  # one label set: the labelling solver's answer
# Arrays of every shard that the metadata's problem part reads (feature / generator stats).
STAT_KEYS = ("feat_j_loc", "feat_j_tr_max", "feat_j_exe_max", "gen_n_rejected",
             "gen_n_user_redraws")
SERVER_TYPE_CODES = ("hap", "gs")
USER_TYPE_CODES = ("gu", "au")


# ------------------------------------------------------------------ spec
def check_size(spec: DatasetSpec) -> None:
    """A LAENet dataset needs a scale name (ScenarioError naming ``scale``)."""
    if not spec.scale:
        raise ScenarioError("scale", "LAENet datasets need --scale NAME")


def check_spec(spec: DatasetSpec) -> None:
    """No generator overrides; the scale, preset and labelling solver exist (checked here
    so that a bad name fails before the output directory is touched)."""
    from offload_gym.core.registry import solver_names
    from offload_gym.laenet.generator import checked_request

    if spec.overrides:
        raise ScenarioError("overrides", "LAENet presets take no overrides")
    checked_request(spec.scale, 0, None, spec.preset)  # type: ignore[arg-type]
    known = solver_names("laenet")
    if spec.solver not in known:
        raise ScenarioError("solver", f"unknown LAENet solver {spec.solver!r} (known: "
                                      f"{', '.join(known)})")


def command_args(spec: DatasetSpec) -> tuple[str, str]:
    """The size flag of ``offload-gym dataset`` (no override flags)."""
    return f"--scale {spec.scale}", ""


# ------------------------------------------------------------------ codec
def encode(scenarios: Sequence[Scenario]) -> dict[str, np.ndarray]:
    """Stack LAENet scenarios with equal server/user counts into arrays."""
    if not scenarios:
        raise ValueError("no scenarios to encode")
    n_s, n_u = scenarios[0].n_servers, scenarios[0].n_users
    for s in scenarios:
        if (s.n_servers, s.n_users) != (n_s, n_u):
            raise ValueError("every scenario of a shard must have the same counts")
    out: dict[str, np.ndarray] = {}
    for key, *_ in SCALAR_KEYS:
        out[key] = np.array([getattr(s, key) for s in scenarios], dtype=np.float64)
    for key, *_ in SERVER_ARRAYS:
        out[f"server_{key}"] = np.stack([getattr(s, f"server_{key}") for s in scenarios])
    for key, *_ in USER_ARRAYS:
        out[f"user_{key}"] = np.stack([getattr(s, f"user_{key}") for s in scenarios])
    out["server_type_code"] = np.array(
        [[SERVER_TYPE_CODES.index(t) for t in s.server_type] for s in scenarios], dtype=np.int8)
    out["user_type_code"] = np.array(
        [[USER_TYPE_CODES.index(t) for t in s.user_type] for s in scenarios], dtype=np.int8)
    out["preset"] = np.array([s.preset or "" for s in scenarios], dtype="<U32")
    edge_list = np.full((len(scenarios), n_u * n_s, 2), -1, dtype=np.int32)
    edge_count = np.full(len(scenarios), -1, dtype=np.int32)
    for i, s in enumerate(scenarios):
        if s.edges is not None:
            edge_count[i] = len(s.edges)
            if s.edges:
                edge_list[i, :len(s.edges)] = np.array(s.edges, dtype=np.int32)
    out["edge_list"] = edge_list
    out["edge_count"] = edge_count
    return out


def scenario_dict(arrays: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    """Instance ``i`` as the exchange-format dict."""
    preset = str(arrays["preset"][i])
    d: dict[str, Any] = {"problem": "laenet", "preset": preset or None}
    for key, *_ in SCALAR_KEYS:
        d[key] = float(arrays[key][i])
    d["servers"] = {"type": [SERVER_TYPE_CODES[c] for c in arrays["server_type_code"][i]]}
    for key, *_ in SERVER_ARRAYS:
        d["servers"][key] = arrays[f"server_{key}"][i].tolist()
    d["users"] = {"type": [USER_TYPE_CODES[c] for c in arrays["user_type_code"][i]]}
    for key, *_ in USER_ARRAYS:
        d["users"][key] = arrays[f"user_{key}"][i].tolist()
    count = int(arrays["edge_count"][i])
    d["edges"] = None if count < 0 else arrays["edge_list"][i, :count].tolist()
    return d


def decode(arrays: Mapping[str, np.ndarray], i: int) -> Scenario:
    """Instance ``i`` as a validated LAENet Scenario."""
    return Scenario.from_dict(scenario_dict(arrays, i))


# ------------------------------------------------------------------ shards
def _opt(x: Any) -> float:
    return math.nan if x is None else float(x)


def _finite_max(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.max()) if x.size else math.nan


def shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """Generate and label one LAENet shard with the spec's solver."""
    from offload_gym.core.registry import get_solver
    from offload_gym.laenet.generator import generate_batch
    from offload_gym.laenet.physics import derive

    rng = np.random.default_rng(shard.seed_sequence(spec.seed))
    scenarios, stats = generate_batch(shard.count, spec.scale, spec.preset, rng,
                                      return_stats=True)
    solve = get_solver("laenet", spec.solver)
    out = encode(scenarios)
    n, n_users = len(scenarios), scenarios[0].n_users
    choice = np.full((n, n_users), -1, dtype=np.int64)
    share = np.full((n, n_users), np.nan)
    cost, lb, ub, gap = (np.full(n, np.nan) for _ in range(4))
    iterations = np.full(n, -1, dtype=np.int64)
    status, validity = [], []
    j_loc = np.empty((n, n_users))
    j_tr_max, j_exe_max = np.empty(n), np.empty(n)
    for i, sc in enumerate(scenarios):
        sol = solve(sc)
        if sol.choice:
            choice[i] = sol.choice
            share[i] = [np.nan if y is None else y for y in sol.share]
        cost[i] = sol.cost
        lb[i], ub[i], gap[i] = _opt(sol.lower_bound), _opt(sol.upper_bound), _opt(sol.gap)
        iterations[i] = -1 if sol.iterations is None else int(sol.iterations)
        status.append(str(sol.status))
        validity.append(sol.validity)
        d = derive(sc)
        j_loc[i] = d.j_loc
        j_tr_max[i], j_exe_max[i] = _finite_max(d.j_tr), _finite_max(d.j_exe)
    out.update({
        "label_choice": choice, "label_share": share, "label_cost": cost,
        "label_lower_bound": lb, "label_upper_bound": ub, "label_gap": gap,
        "label_iterations": iterations,
        "label_status": np.array(status, dtype="<U16"),
        "label_validity": np.array(validity, dtype="<U16"),
        "feat_j_loc": j_loc, "feat_j_tr_max": j_tr_max, "feat_j_exe_max": j_exe_max,
        "gen_n_rejected": np.array(stats.n_rejected, dtype=np.int64),
        "gen_n_user_redraws": np.array(stats.n_user_redraws, dtype=np.int64),
        "instance_index": np.arange(shard.start, shard.start + shard.count, dtype=np.int64),
    })
    return out


def status_counts(arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    """Instances per solver status (``optimal``, ...) in a shard."""
    return dict(Counter(str(s) for s in arrays["label_status"]))


def reference_cost(arrays: Mapping[str, np.ndarray], label_set: str = "optimal") -> np.ndarray:
    """The labelling solver's cost per instance (LAENet has one label set)."""
    return arrays["label_cost"]


# ------------------------------------------------------------------ metadata
def generator_parameters(spec: DatasetSpec) -> dict[str, Any]:
    """The preset's parameters (what the instances were drawn from)."""
    from offload_gym.laenet import generator as g

    return {"preset": spec.preset, "scale": spec.scale, "counts_s_y_z": g.resolve_scale(
        spec.scale), **g.GADSG2025, "hap_height_m": g.HAP_HEIGHT_M, "au_height_m":
        g.AU_HEIGHT_M, "area_side_m_per_sqrt_gs": g.AREA_PER_GS_M,
        "data_bits_mean_sd_low_high": g.DATA_BITS, "user_cpu_hz_mean_sd_low_high":
        g.USER_CPU_HZ, "delay_weight_range": g.DELAY_WEIGHT, "server_cpu_hz": g.CPU_HZ,
        "active_power_w": g.ACTIVE_POWER_W, "tx_power_w": g.TX_POWER_W}


def solver_extras(spec: DatasetSpec) -> dict[str, Any]:
    """Nothing beyond the registered solver's name and description."""
    return {}


def labels_doc(spec: DatasetSpec) -> dict[str, Any]:
    return {"arrays": ["label_choice", "label_share", "label_cost", "label_lower_bound",
                       "label_upper_bound", "label_gap", "label_iterations", "label_status",
                       "label_validity"], "local_choice": -1}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def feature_stats(train_arrays: list[Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """Spec "Graph features": maxima over the TRAIN split (padding) and the median J_loc
    (normalisation). Maxima are over coverage edges with finite values."""
    if not train_arrays:
        return {"j_loc_max": None, "j_tr_max": None, "j_exe_max": None,
                "j_loc_median": None, "split": "train", "n_instances": 0}
    j_loc = np.concatenate([a["feat_j_loc"].ravel() for a in train_arrays])
    j_tr = np.concatenate([a["feat_j_tr_max"] for a in train_arrays])
    j_exe = np.concatenate([a["feat_j_exe_max"] for a in train_arrays])
    return {"j_loc_max": _finite(float(np.max(j_loc))),
            "j_tr_max": _finite(float(np.nanmax(j_tr))),
            "j_exe_max": _finite(float(np.nanmax(j_exe))),
            "j_loc_median": _finite(float(np.median(j_loc))),
            "split": "train", "n_instances": int(sum(len(a["feat_j_tr_max"])
                                                     for a in train_arrays))}


def metadata_extras(spec: DatasetSpec, records: list[dict[str, Any]],
                    stat_arrays: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """``features`` (training-split statistics) and ``generator_stats`` (rejections);
    ``stat_arrays`` maps shard file name -> its :data:`STAT_KEYS` arrays."""
    train = [stat_arrays[r["file"]] for r in records if r["split"] == "train"]
    rejected = sum(int(a["gen_n_rejected"]) for a in stat_arrays.values())
    redraws = sum(int(a["gen_n_user_redraws"]) for a in stat_arrays.values())
    return {"features": feature_stats(train),
            "generator_stats": {"n_generated": spec.count, "n_rejected": rejected,
                                "n_user_redraws": redraws,
                                "rejection_rate": rejected / (spec.count + rejected)}}


# ------------------------------------------------------------------ model inputs
def padding(metadata: Mapping[str, Any]) -> tuple[float, float, float]:
    """(J_loc_max, J_tr_max, J_exe_max) of the training split, from the metadata."""
    f = metadata.get("features") or {}
    values = (f.get("j_loc_max"), f.get("j_tr_max"), f.get("j_exe_max"))
    if any(v is None for v in values):
        raise ValueError("this dataset has no training-split feature maxima (empty train "
                         "split); pass pad=(j_loc_max, j_tr_max, j_exe_max) explicitly")
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def torch_items(data: Any, label_set: str, dtype: Any,
                pad: tuple[float, float, float] | None = None
                ) -> Callable[[int], dict[str, Any]]:
    """``i`` -> the torch item of instance ``i`` (see the module docstring); ``pad``
    defaults to the training-split maxima of the metadata (``label_set`` is unused)."""
    import torch

    from offload_gym.datasets.torch_views import to_tensor
    from offload_gym.laenet.physics import derive, padded_edge_features

    pad = pad if pad is not None else padding(data.metadata)
    a = data.arrays

    def item(i: int) -> dict[str, Any]:
        d = derive(data.scenario(i))
        mask = np.zeros((d.n_users, d.n_servers), dtype=bool)
        mask[d.edge_user, d.edge_server] = True
        return {"x": to_tensor(d.node_features, dtype),
                "edge_features": to_tensor(padded_edge_features(d, *pad), dtype),
                "edge_mask": torch.as_tensor(mask),
                "choice": torch.as_tensor(np.array(a["label_choice"][i])),
                "share": to_tensor(np.nan_to_num(a["label_share"][i], nan=0.0), dtype),
                "cost": to_tensor(a["label_cost"][i], dtype)}
    return item


def pyg_graphs(data: Any, label_set: str, dtype: Any) -> list[Any]:
    """One torch-geometric ``Data`` per instance (see the module docstring)."""
    import torch
    from torch_geometric.data import Data

    from offload_gym.laenet.physics import derive

    a = data.arrays
    out = []
    for i in range(len(data)):
        d = derive(data.scenario(i))
        choice = a["label_choice"][i]
        share = np.nan_to_num(a["label_share"][i], nan=0.0)
        chosen = choice[d.edge_user] == d.edge_server
        out.append(Data(
            x=torch.as_tensor(np.array(d.node_features), dtype=dtype),
            edge_index=torch.as_tensor(np.stack([d.n_servers + d.edge_user, d.edge_server])),
            edge_attr=torch.as_tensor(np.array(d.edge_features), dtype=dtype),
            y_edge=torch.as_tensor(chosen.astype(np.float64), dtype=dtype),
            share_edge=torch.as_tensor(np.where(chosen, share[d.edge_user], 0.0), dtype=dtype),
            choice=torch.as_tensor(np.array(choice)), y_local=torch.as_tensor(choice < 0),
            cost=torch.tensor([a["label_cost"][i]], dtype=dtype),
            num_nodes=d.n_servers + d.n_users))
    return out
