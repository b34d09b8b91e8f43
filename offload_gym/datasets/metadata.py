"""``metadata.json``: the dataset card (deterministic: no dates, hosts or wall times).

Keys: ``format``, ``format_version``, ``problem``, ``spec`` (the job's arguments),
``generator`` (preset parameters), ``package_version``, ``solver``, ``counts``, ``split``
(fractions, method, instance-index ranges), ``shards`` (file, split, index, start, count,
bytes, sha256), ``labels`` (what the label arrays are), ``label_status_counts`` and, for
LAENet, ``features`` (training-split J_loc_max, J_tr_max, J_exe_max and median J_loc, the
spec's padding / normalisation constants) and ``generator_stats`` (rejections).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core import jsonio
from offload_gym.datasets.npzio import atomic_write_bytes
from offload_gym.datasets.spec import DatasetSpec

FORMAT = "offload-gym-dataset"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
SPLIT_METHOD = ("by instance index: the first floor(train*count) instances are train, the "
                "next floor(val*count) val, the rest test; each split is cut into shards")


def generator_parameters(spec: DatasetSpec) -> dict[str, Any]:
    """The preset's parameters after overrides (what the instances were drawn from)."""
    if spec.problem == "vec":
        from offload_gym.vec.generator import get_preset

        return dataclasses.asdict(get_preset(spec.preset, **dict(spec.overrides)))
    from offload_gym.laenet import generator as g

    return {"preset": spec.preset, "scale": spec.scale, "counts_s_y_z": g.resolve_scale(
        spec.scale), **g.GADSG2025, "hap_height_m": g.HAP_HEIGHT_M, "au_height_m":
        g.AU_HEIGHT_M, "area_side_m_per_sqrt_gs": g.AREA_PER_GS_M,
        "data_bits_mean_sd_low_high": g.DATA_BITS, "user_cpu_hz_mean_sd_low_high":
        g.USER_CPU_HZ, "delay_weight_range": g.DELAY_WEIGHT, "server_cpu_hz": g.CPU_HZ,
        "active_power_w": g.ACTIVE_POWER_W, "tx_power_w": g.TX_POWER_W}


def _solver_info(spec: DatasetSpec) -> dict[str, Any]:
    from offload_gym.core.registry import entries

    desc = {e.name: e.description for e in entries(spec.problem)}
    info: dict[str, Any] = {"name": spec.solver, "description": desc.get(spec.solver, "")}
    if spec.problem == "vec":
        info["entry"] = "offload_gym.vec.solvers.exact:solve_exact_batch"
    return info


def _labels_doc(spec: DatasetSpec) -> dict[str, Any]:
    if spec.problem == "vec":
        from offload_gym.datasets.labels import VEC_LABEL_SETS

        return {"sets": {k: {"rule": r, "mobcheck": m} for k, (r, m) in VEC_LABEL_SETS.items()},
                "arrays": ["label_{set}_selected", "label_{set}_allocation_gbit",
                           "label_{set}_completion_time_s", "label_{set}_success"]}
    return {"arrays": ["label_choice", "label_share", "label_cost", "label_lower_bound",
                       "label_upper_bound", "label_gap", "label_iterations", "label_status",
                       "label_validity"], "local_choice": -1}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def laenet_feature_stats(train_arrays: list[dict[str, np.ndarray]]) -> dict[str, Any]:
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


def build_metadata(spec: DatasetSpec, records: list[dict[str, Any]],
                   shard_arrays: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """The metadata dict; ``shard_arrays`` maps file name -> its arrays (only the keys
    needed for statistics are read)."""
    from offload_gym import __version__

    counts = spec.split_counts()
    ranges, start = {}, 0
    for split, n in counts.items():
        ranges[split] = [start, start + n]
        start += n
    status = Counter()
    for rec in records:
        status.update(rec["status_counts"])
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "problem": spec.problem,
        "spec": spec.to_dict(),
        "generator": generator_parameters(spec),
        "package_version": __version__,
        "solver": _solver_info(spec),
        "counts": {"total": spec.count, **counts, "shards": len(records)},
        "split": {"fractions": list(spec.split), "method": SPLIT_METHOD,
                  "index_ranges": ranges, "seeding": "shard g uses numpy.random.SeedSequence("
                  "seed, spawn_key=(g,)); shards are numbered train, val, test"},
        "shards": [{k: rec[k] for k in ("file", "split", "index", "start", "count", "bytes",
                                        "sha256")} for rec in records],
        "labels": _labels_doc(spec),
        "label_status_counts": dict(sorted(status.items())),
    }
    if spec.problem == "laenet":
        train = [shard_arrays[r["file"]] for r in records if r["split"] == "train"]
        meta["features"] = laenet_feature_stats(train)
        rejected = sum(int(a["gen_n_rejected"]) for a in shard_arrays.values())
        redraws = sum(int(a["gen_n_user_redraws"]) for a in shard_arrays.values())
        meta["generator_stats"] = {
            "n_generated": spec.count, "n_rejected": rejected, "n_user_redraws": redraws,
            "rejection_rate": rejected / (spec.count + rejected)}
    return meta


def write_metadata(out_dir: Path, meta: dict[str, Any]) -> None:
    atomic_write_bytes(out_dir / METADATA_FILE, (jsonio.dumps(meta) + "\n").encode())


def read_metadata(out_dir: str | Path) -> dict[str, Any]:
    return jsonio.load_file(Path(out_dir) / METADATA_FILE)
