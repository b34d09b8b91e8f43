"""Deterministic ``.npz`` shards: same arrays -> same bytes, whichever process writes them.

``numpy.savez`` stamps every zip member with the current time, so two runs of the same job
would differ. :func:`write_npz` writes the same layout (one ``NAME.npy`` member per array,
readable by ``numpy.load``) with a fixed timestamp (1980-01-01 00:00:00), members in
sorted name order, and DEFLATE level 6. Files are written to a temporary name in the same
directory and moved into place with ``os.replace``, so a killed job never leaves a
half-written shard under the final name. Object arrays are refused (no pickles).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """The bytes of an ``.npz`` holding ``arrays`` (deterministic)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=COMPRESS_LEVEL) as zf:
        for name in sorted(arrays):
            arr = np.asarray(arrays[name])
            if arr.dtype == object:
                raise TypeError(f"array {name!r} has dtype object (not storable without pickle)")
            member = io.BytesIO()
            np.lib.format.write_array(member, np.array(arr, order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=COMPRESS_LEVEL)
    return buf.getvalue()


def _write_and_sync(fh: BinaryIO, data: bytes) -> None:
    """Write ``data`` and force it to disk (a full disk raises OSError here)."""
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory + ``os.replace``.

    If writing fails (disk full, ...), the temporary file is removed and the error re-raised:
    ``path`` keeps its old content (or stays absent)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            _write_and_sync(fh, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # never mask the original error
            tmp.unlink(missing_ok=True)
        raise


def write_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> str:
    """Write a deterministic ``.npz`` atomically; returns its sha256 (hex)."""
    data = npz_bytes(arrays)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` (no pickles)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def sha256_file(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
