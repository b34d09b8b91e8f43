"""The same job on a Dask cluster (LocalCluster, 2 worker processes) gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from offload_gym.datasets import DatasetSpec, build_dataset

SPEC = DatasetSpec("vec", "kato2025", 90, seed=2, size=7, shard_size=20)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_dask_local_cluster_matches_local_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        build_dataset(SPEC, tmp_path / "dask", scheduler=cluster.scheduler_address,
                      progress=False)
    build_dataset(SPEC, tmp_path / "local", workers=1, progress=False)
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")


def test_missing_dask_gives_a_clear_error(tmp_path, monkeypatch):
    import builtins

    from offload_gym.datasets import DatasetError

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("no dask here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(DatasetError, match="dask"):
        build_dataset(SPEC, tmp_path, scheduler="tcp://127.0.0.1:1", progress=False)
