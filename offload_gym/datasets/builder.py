"""Run a dataset job: plan shards, skip the ones already done, build the rest in parallel
(local processes, or a Dask cluster), then write ``metadata.json``.

Resumable: a shard counts as done only if its file exists and its sha256 matches the one
recorded when it was written (in ``_progress.jsonl`` while the job runs, in
``metadata.json`` once it is finished). Shards are written to a temporary name and moved
into place with ``os.replace``, so a killed job leaves either a whole shard or none; a
shard whose bytes no longer match its checksum is rebuilt. Rerunning a finished job only
re-verifies the checksums. A directory that holds a dataset made with other arguments is
refused.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from offload_gym.core import jsonio
from offload_gym.datasets.metadata import (
    METADATA_FILE,
    build_metadata,
    read_metadata,
    write_metadata,
)
from offload_gym.datasets.npzio import atomic_write_bytes, read_npz, sha256_file, write_npz
from offload_gym.datasets.spec import DatasetSpec, ShardPlan, plan

JOB_FILE = "_job.json"
PROGRESS_FILE = "_progress.jsonl"
_STAT_KEYS = ("feat_j_loc", "feat_j_tr_max", "feat_j_exe_max", "gen_n_rejected",
              "gen_n_user_redraws")


class DatasetError(ValueError):
    """A dataset job cannot run (directory holds another dataset, Dask missing, ...)."""


def _status_counts(spec: DatasetSpec, arrays: dict[str, Any]) -> dict[str, int]:
    if spec.problem == "laenet":
        return dict(Counter(str(s) for s in arrays["label_status"]))
    from offload_gym.datasets.labels import VEC_LABEL_SETS

    out = {}
    for name in VEC_LABEL_SETS:
        ok = int(arrays[f"label_{name}_success"].sum())
        out[f"{name}:success"] = ok
        out[f"{name}:failed"] = len(arrays[f"label_{name}_success"]) - ok
    return out


def build_shard(spec_dict: dict[str, Any], shard_dict: dict[str, Any], out_dir: str
                ) -> dict[str, Any]:
    """Build, write and checksum one shard (runs in a worker; plain-dict arguments so that
    it pickles for process pools and Dask)."""
    from offload_gym.datasets.labels import shard_arrays

    spec = DatasetSpec.from_dict(spec_dict)
    shard = ShardPlan(**shard_dict)
    arrays = shard_arrays(spec, shard)
    path = Path(out_dir) / shard.filename
    digest = write_npz(path, arrays)
    return {"file": shard.filename, "split": shard.split, "index": shard.index,
            "start": shard.start, "count": shard.count, "bytes": path.stat().st_size,
            "sha256": digest, "status_counts": _status_counts(spec, arrays)}


# ------------------------------------------------------------------ bookkeeping
def _check_job(out_dir: Path, spec: DatasetSpec) -> None:
    """Refuse a directory that holds a dataset made with other arguments."""
    want = spec.to_dict()
    for name in (METADATA_FILE, JOB_FILE):
        path = out_dir / name
        if path.is_file():
            try:
                got = json.loads(path.read_text())
            except json.JSONDecodeError:
                continue  # a torn bookkeeping file: rewritten below
            got = got.get("spec", got)
            if got != json.loads(jsonio.dumps(want)):
                raise DatasetError(f"{out_dir} holds a dataset made with other arguments "
                                   f"({name}: {got}); use another --out directory")
    if not (out_dir / JOB_FILE).is_file():
        atomic_write_bytes(out_dir / JOB_FILE, (jsonio.dumps(want) + "\n").encode())


def _known_records(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Checksummed records of shards written earlier (metadata first, then progress)."""
    known: dict[str, dict[str, Any]] = {}
    meta_path = out_dir / METADATA_FILE
    if meta_path.is_file():
        try:
            meta = read_metadata(out_dir)
            for rec in meta.get("shards", []):
                known[rec["file"]] = dict(rec, status_counts=None)
        except Exception:  # a damaged metadata file is rebuilt
            known = {}
    progress = out_dir / PROGRESS_FILE
    if progress.is_file():
        for line in progress.read_text().splitlines():
            try:
                rec = json.loads(line)
                known[rec["file"]] = rec
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line torn by a kill
    return known


def _append_progress(out_dir: Path, record: dict[str, Any]) -> None:
    with open(out_dir / PROGRESS_FILE, "a") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _remove_temporaries(out_dir: Path) -> None:
    for tmp in out_dir.glob(".*.tmp-*"):
        tmp.unlink(missing_ok=True)


def _is_done(out_dir: Path, shard: ShardPlan, known: dict[str, dict[str, Any]]) -> bool:
    rec = known.get(shard.filename)
    path = out_dir / shard.filename
    return bool(rec and path.is_file() and rec.get("count") == shard.count
                and sha256_file(path) == rec.get("sha256"))


# ------------------------------------------------------------------ executors
Runner = Callable[[list[dict[str, Any]]], Iterator[dict[str, Any]]]


def _run_inline(spec_d: dict, out: str, todo: list[dict[str, Any]]) -> Iterator[dict]:
    for shard_d in todo:
        yield build_shard(spec_d, shard_d, out)


def _run_processes(spec_d: dict, out: str, todo: list[dict[str, Any]], workers: int
                   ) -> Iterator[dict]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(build_shard, spec_d, s, out) for s in todo]
        for fut in as_completed(futures):
            yield fut.result()


def _run_dask(spec_d: dict, out: str, todo: list[dict[str, Any]], address: str
              ) -> Iterator[dict]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_as_completed
    except ImportError:
        raise DatasetError("--scheduler needs dask.distributed; install it with "
                           "pip install 'offload-gym[cluster]'") from None
    with Client(address) as client:
        futures = [client.submit(build_shard, spec_d, s, out, pure=False) for s in todo]
        for fut in dask_as_completed(futures):
            yield fut.result()


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="inst", disable=not enabled,
                desc="labelling", smoothing=0.1, dynamic_ncols=True)


# ------------------------------------------------------------------ entry point
def build_dataset(spec: DatasetSpec, out_dir: str | Path, *, workers: int = 1,
                  scheduler: str | None = None, progress: bool = True) -> dict[str, Any]:
    """Build (or finish, or verify) the dataset of ``spec`` in ``out_dir``; returns the
    metadata dict (also written to ``out_dir/metadata.json``).

    ``workers``: local processes (1 = in this process). ``scheduler``: a Dask scheduler
    address (``tcp://host:8786``); the workers must see ``out_dir`` (shared filesystem)."""
    if workers < 1:
        raise DatasetError(f"workers must be >= 1, got {workers}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _check_job(out, spec)
    _remove_temporaries(out)
    shards = plan(spec)
    known = _known_records(out)
    done = {s.filename: known[s.filename] for s in shards if _is_done(out, s, known)}
    todo = [vars(s) for s in shards if s.filename not in done]

    spec_d, out_s = spec.to_dict(), str(out)
    runner: Iterable[dict[str, Any]]
    if not todo:
        runner = iter(())
    elif scheduler:
        runner = _run_dask(spec_d, out_s, todo, scheduler)
    elif workers == 1 or len(todo) == 1:
        runner = _run_inline(spec_d, out_s, todo)
    else:
        runner = _run_processes(spec_d, out_s, todo, min(workers, len(todo)))
    bar = _progress_bar(spec.count, sum(r["count"] for r in done.values()), progress)
    with bar:
        for rec in runner:
            _append_progress(out, rec)
            done[rec["file"]] = rec
            bar.update(rec["count"])

    return _finalise(spec, out, shards, done)


def _finalise(spec: DatasetSpec, out: Path, shards: list[ShardPlan],
              done: dict[str, dict[str, Any]]) -> dict[str, Any]:
    records, stats = [], {}
    for s in shards:
        rec = dict(done[s.filename])
        arrays = read_npz(out / s.filename)
        if rec.get("status_counts") is None:  # known from metadata only: recount
            rec["status_counts"] = _status_counts(spec, arrays)
        if spec.problem == "laenet":
            stats[s.filename] = {k: arrays[k] for k in _STAT_KEYS}
        records.append(rec)
    meta = build_metadata(spec, records, stats)
    write_metadata(out, meta)
    (out / PROGRESS_FILE).unlink(missing_ok=True)
    (out / JOB_FILE).unlink(missing_ok=True)
    return meta
