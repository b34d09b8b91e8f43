"""``metadata.json``: the dataset card (deterministic: no dates, hosts or wall times).

Keys: ``format``, ``format_version``, ``problem``, ``spec`` (the job's arguments),
``generator`` (preset parameters), ``package_version``, ``solver``, ``counts``, ``split``
(fractions, method, instance-index ranges), ``shards`` (file, split, index, start, count,
bytes, sha256), ``labels`` (what the label arrays are), ``label_status_counts``, then the
problem's own keys (its dataset hooks' ``metadata_extras``; LAENet: ``features``, the
training-split J_loc_max, J_tr_max, J_exe_max and median J_loc, and ``generator_stats``).
The problem parts (``generator``, ``solver`` extras, ``labels``) come from the problem's
dataset hooks module.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core import jsonio
from offload_gym.core.deprecation import moved
from offload_gym.datasets.npzio import atomic_write_bytes
from offload_gym.datasets.spec import DatasetSpec

FORMAT = "offload-gym-dataset"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
SPLIT_METHOD = ("by instance index: the first floor(train*count) instances are train, the "
                "next floor(val*count) val, the rest test; each split is cut into shards")


def generator_parameters(spec: DatasetSpec) -> dict[str, Any]:
    """The preset's parameters after overrides (what the instances were drawn from)."""
    return spec.hooks.generator_parameters(spec)


def _solver_info(spec: DatasetSpec) -> dict[str, Any]:
    from offload_gym.core.registry import entries

    desc = {e.name: e.description for e in entries(spec.problem)}
    info: dict[str, Any] = {"name": spec.solver, "description": desc.get(spec.solver, "")}
    info.update(spec.hooks.solver_extras(spec))
    return info


def build_metadata(spec: DatasetSpec, records: list[dict[str, Any]],
                   shard_arrays: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """The metadata dict; ``shard_arrays`` maps file name -> its arrays (only the keys
    needed for the problem's statistics, its hooks' ``STAT_KEYS``, are read)."""
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
        "labels": spec.hooks.labels_doc(spec),
        "label_status_counts": dict(sorted(status.items())),
    }
    meta.update(spec.hooks.metadata_extras(spec, records, shard_arrays))
    return meta


__getattr__ = moved(__name__, {
    "laenet_feature_stats": "offload_gym.laenet.dataset:feature_stats",
})


def write_metadata(out_dir: Path, meta: dict[str, Any]) -> None:
    atomic_write_bytes(out_dir / METADATA_FILE, (jsonio.dumps(meta) + "\n").encode())


def read_metadata(out_dir: str | Path) -> dict[str, Any]:
    return jsonio.load_file(Path(out_dir) / METADATA_FILE)
