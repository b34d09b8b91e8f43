"""Fingerprint a fixed set of small datasets: the sha256 of every file they are made of, and
of what the loader makes of them (decoded scenarios, reference costs, size labels, torch and
torch-geometric views).

Used two ways:

* ``tests/datasets/test_bytes.py`` compares today's fingerprints with the ones
  recorded in ``golden_dataset_digests.json`` (built by the code before the Problem-protocol
  refactor of issue 14), so any change to the dataset bytes fails a test;
* by hand, to compare two checkouts (e.g. before / after a refactor)::

      PYTHONPATH=/path/to/old/checkout python tests/datasets/dataset_digests.py old.json
      python tests/datasets/dataset_digests.py new.json && cmp old.json new.json

The fingerprints depend on numpy's floating-point kernels, so they are compared only on the
numpy version and machine type they were recorded with (recorded in the file).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

# (name, DatasetSpec keyword arguments): every problem, several shards and splits, VEC
# generator overrides, LAENet labelled by two solvers.
SPECS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("vec_mobility", dict(problem="vec", preset="mobility_stress", count=60, seed=3, size=6,
                          shard_size=25)),
    ("vec_overrides", dict(problem="vec", preset="kato2025", count=30, seed=1, size=4,
                           shard_size=30, split=(0.5, 0.25, 0.25),
                           overrides=(("deadline_s", 0.5), ("speed_mps", 25.0)))),
    ("laenet_brute", dict(problem="laenet", preset="gadsg2025", count=14, seed=5,
                          scale="gs2_gu4_au2", solver="brute", shard_size=5)),
    ("laenet_exact", dict(problem="laenet", preset="gadsg2025", count=6, seed=21,
                          scale="gs2_gu4_au2", shard_size=3)),
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _array_digest(values: Any) -> str:
    a = np.ascontiguousarray(np.asarray(values))
    return _sha(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())


def _views_digest(ds: Any) -> dict[str, str]:
    """Digests of the torch and torch-geometric views (skipped when not installed)."""
    out: dict[str, str] = {}
    try:
        import torch  # noqa: F401
    except ImportError:
        return out
    h = hashlib.sha256()
    view = ds.as_torch()
    for i in range(len(view)):
        for key, t in sorted(view[i].items()):
            h.update(key.encode() + _array_digest(t.numpy()).encode())
    out["torch"] = h.hexdigest()
    try:
        graphs = ds.as_pyg()
    except ImportError:
        return out
    h = hashlib.sha256()
    for i in range(len(graphs)):
        g = graphs[i]
        for key in sorted(g.keys()):
            value = g[key]
            h.update(key.encode() + (_array_digest(value.numpy()) if hasattr(value, "numpy")
                                     else repr(value)).encode())
    out["pyg"] = h.hexdigest()
    return out


def dataset_digests(spec_kwargs: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Build one dataset into ``out_dir`` and fingerprint its files and loaded views."""
    from offload_gym.datasets import DatasetSpec, build_dataset, load

    spec = DatasetSpec(**spec_kwargs)
    build_dataset(spec, out_dir, progress=False)
    files = {p.name: _sha(p.read_bytes()) for p in sorted(out_dir.iterdir())}
    ds = load(out_dir, "all")
    scenarios = hashlib.sha256()
    for sc in ds.scenarios():
        scenarios.update(sc.to_json().encode())
    train = load(out_dir, "train")
    return {"files": files, "size_label": ds.size_label, "n": len(ds),
            "scenarios": scenarios.hexdigest(),
            "reference_cost": _array_digest(ds.reference_cost()),
            "spec_command": spec.command("OUT"), "views_train": _views_digest(train)}


def all_digests() -> dict[str, Any]:
    """Fingerprints of every dataset of :data:`SPECS`, with the platform they hold for."""
    out: dict[str, Any] = {"numpy": np.__version__, "machine": platform.machine(),
                           "datasets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kwargs in SPECS:
            out["datasets"][name] = dataset_digests(kwargs, Path(tmp) / name)
    return out


if __name__ == "__main__":
    text = json.dumps(all_digests(), indent=1, sort_keys=True) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        sys.stdout.write(text)
