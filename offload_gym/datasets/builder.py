"""Run a dataset job: plan shards, skip the ones already done, build the rest in parallel
(local processes, or a Dask cluster), then write ``metadata.json``.

Resumable: a shard counts as done only if its file exists and its sha256 matches the one
recorded when it was written (in ``_progress.jsonl`` while the job runs, in
``metadata.json`` once it is finished). Shards are written to a temporary name and moved
into place with ``os.replace``, so a killed job leaves either a whole shard or none; a
shard whose bytes no longer match its checksum is rebuilt. Rerunning a finished job only
re-verifies the checksums. A directory that holds a dataset made with other arguments is
refused.

Failures a user can cause or fix raise :class:`DatasetError` with a one-line message: an
``out_dir`` that is a file, lies under one or cannot be created or written (nothing is left
behind: directories this call created are removed again), an unreachable Dask scheduler
(checked first, within ``connect_timeout_s``, before anything is written), and an
``OSError`` while shards are written (e.g. a full disk: the half-written temporary file is
removed, finished shards are kept, and rerunning the same job resumes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError
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
# How long to try to reach a Dask scheduler before giving up (distributed's own default is
# 30 s); a scheduler that answers at all answers within milliseconds.
DASK_CONNECT_TIMEOUT_S = 5.0


class DatasetError(ValueError):
    """A dataset job cannot run (directory holds another dataset, Dask missing, ...)."""


def _status_counts(spec: DatasetSpec, arrays: dict[str, Any]) -> dict[str, int]:
    """Instances per label status in a shard (the problem's ``status_counts`` hook)."""
    return spec.hooks.status_counts(arrays)


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
def _read_bookkeeping(path: Path) -> dict[str, Any] | None:
    """A bookkeeping JSON object, or None when it is missing or torn (unreadable)."""
    if not path.is_file():
        return None
    try:
        got = jsonio.load_file(path)
    except ScenarioError:
        return None
    return got if isinstance(got, dict) else None


def _check_job(out_dir: Path, spec: DatasetSpec) -> None:
    """Refuse a directory that holds a dataset made with other arguments; record the job."""
    want = json.loads(jsonio.dumps(spec.to_dict()))
    job = None
    for name in (METADATA_FILE, JOB_FILE):
        got = _read_bookkeeping(out_dir / name)
        if got is None:
            continue  # missing or torn: (re)written below or rebuilt
        if name == JOB_FILE:
            job = got
        got = got.get("spec", got)
        if got != want:
            raise DatasetError(f"{out_dir} holds a dataset made with other arguments "
                               f"({name}: {got}); use another --out directory")
    if job is None:
        atomic_write_bytes(out_dir / JOB_FILE, (jsonio.dumps(want) + "\n").encode())


def _prepare_out_dir(out: Path) -> list[Path]:
    """Create ``out`` and its missing parents; returns the directories created (outermost
    first) so that a failed start can remove them. A path that is a file or lies under
    one, or that cannot be created, raises DatasetError."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"--out {out} is a file, not a directory")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise DatasetError(f"--out {out}: {parent} is a file, not a directory")
    missing = [p for p in (*reversed(out.parents), out) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_created(missing)
        raise DatasetError(f"cannot create the output directory {out} "
                           f"({_os_reason(exc)})") from None
    return missing


def _remove_created(created: list[Path]) -> None:
    """Remove directories made by this call (innermost first, only if still empty)."""
    for d in reversed(created):
        if not d.is_dir():
            continue  # never made (creation stopped before it)
        try:
            d.rmdir()
        except OSError:
            return  # not empty any more, or not ours to remove


def _os_reason(exc: OSError) -> str:
    """``strerror: filename`` of an OSError (one line)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {exc.filename}" if exc.filename else reason


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
    if progress.is_file():  # a torn last line may hold any bytes: skipped below
        for line in progress.read_text(encoding="utf-8", errors="replace").splitlines():
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
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:  # on a failure, do not start the shards still queued
            for fut in futures:
                fut.cancel()


def connect_dask(address: str, timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> Any:
    """A ``distributed.Client`` connected to ``address``; a missing dask, a malformed
    address or no answer within ``timeout_s`` raises DatasetError (one line)."""
    try:
        from distributed import Client
    except ImportError:
        raise DatasetError("--scheduler needs dask.distributed; install it with "
                           "pip install 'offload-gym[cluster]'") from None
    if not timeout_s > 0:
        raise DatasetError(f"the Dask connect timeout must be > 0 s, got {timeout_s}")
    try:
        return Client(address, timeout=timeout_s)
    except ValueError as exc:
        raise DatasetError(f"invalid Dask scheduler address {address!r} ({exc}); expected "
                           "e.g. tcp://host:8786") from None
    except OSError as exc:  # no answer in time (distributed raises OSError / TimeoutError)
        raise DatasetError(f"cannot reach the Dask scheduler at {address} within "
                           f"{timeout_s:g} s ({exc}); check --scheduler, or raise "
                           "--connect-timeout") from None


def _run_dask(spec_d: dict, out: str, todo: list[dict[str, Any]], client: Any
              ) -> Iterator[dict]:
    from distributed import as_completed as dask_as_completed

    futures = [client.submit(build_shard, spec_d, s, out, pure=False) for s in todo]
    try:
        for fut in dask_as_completed(futures):
            yield fut.result()
    finally:
        client.cancel(futures)


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="inst", disable=not enabled,
                desc="labelling", smoothing=0.1, dynamic_ncols=True)


# ------------------------------------------------------------------ entry point
def build_dataset(spec: DatasetSpec, out_dir: str | Path, *, workers: int = 1,
                  scheduler: str | None = None, progress: bool = True,
                  connect_timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> dict[str, Any]:
    """Build (or finish, or verify) the dataset of ``spec`` in ``out_dir``; returns the
    metadata dict (also written to ``out_dir/metadata.json``).

    ``workers``: local processes (1 = in this process). ``scheduler``: a Dask scheduler
    address (``tcp://host:8786``), reached within ``connect_timeout_s`` seconds; the workers
    must see ``out_dir`` (shared filesystem). Errors: see the module docstring."""
    if isinstance(workers, bool) or not hasattr(workers, "__index__") or workers < 1:
        raise DatasetError(f"workers must be an integer >= 1, got {workers!r}")
    out = Path(out_dir)
    client = connect_dask(scheduler, connect_timeout_s) if scheduler else None
    try:
        created = _prepare_out_dir(out)
        try:
            _check_job(out, spec)
        except OSError as exc:
            _remove_created(created)
            raise DatasetError(f"cannot write in the output directory {out} "
                               f"({_os_reason(exc)})") from None
        except BaseException:
            _remove_created(created)
            raise
        try:
            return _build(spec, out, workers, client, progress)
        except OSError as exc:
            raise DatasetError(f"cannot write the dataset in {out} ({_os_reason(exc)}); the "
                               "finished shards are kept: fix the cause and rerun the same "
                               "command to resume") from None
    finally:
        if client is not None:
            client.close()


def _build(spec: DatasetSpec, out: Path, workers: int, client: Any, progress: bool
           ) -> dict[str, Any]:
    """Skip the verified shards, build the others, write the metadata."""
    _remove_temporaries(out)
    shards = plan(spec)
    known = _known_records(out)
    done = {s.filename: known[s.filename] for s in shards if _is_done(out, s, known)}
    todo = [vars(s) for s in shards if s.filename not in done]

    spec_d, out_s = spec.to_dict(), str(out)
    runner: Iterator[dict[str, Any]]
    if not todo:
        runner = iter(())
    elif client is not None:
        runner = _run_dask(spec_d, out_s, todo, client)
    elif workers == 1 or len(todo) == 1:
        runner = _run_inline(spec_d, out_s, todo)
    else:
        runner = _run_processes(spec_d, out_s, todo, min(workers, len(todo)))
    bar = _progress_bar(spec.count, sum(r["count"] for r in done.values()), progress)
    try:
        with bar:
            for rec in runner:
                _append_progress(out, rec)
                done[rec["file"]] = rec
                bar.update(rec["count"])
    finally:
        close = getattr(runner, "close", None)
        if close is not None:
            close()  # stops queued work of a failed run (see _run_processes)
    return _finalise(spec, out, shards, done)


def _finalise(spec: DatasetSpec, out: Path, shards: list[ShardPlan],
              done: dict[str, dict[str, Any]]) -> dict[str, Any]:
    records, stats = [], {}
    for s in shards:
        rec = dict(done[s.filename])
        arrays = read_npz(out / s.filename)
        if rec.get("status_counts") is None:  # known from metadata only: recount
            rec["status_counts"] = _status_counts(spec, arrays)
        stats[s.filename] = {k: arrays[k] for k in spec.hooks.STAT_KEYS}
        records.append(rec)
    meta = build_metadata(spec, records, stats)
    write_metadata(out, meta)
    (out / PROGRESS_FILE).unlink(missing_ok=True)
    (out / JOB_FILE).unlink(missing_ok=True)
    return meta
