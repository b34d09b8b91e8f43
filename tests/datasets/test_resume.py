"""Resumability: kill mid-way and rerun; corrupted shards are rebuilt; other args refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from offload_gym.datasets import DatasetError, DatasetSpec, build_dataset, load

ARGS = ["--problem", "laenet", "--scale", "gs2_gu4_au2", "--solver", "brute", "--count",
        "240", "--shard-size", "8", "--seed", "11"]
SPEC = DatasetSpec("laenet", "gadsg2025", 240, seed=11, scale="gs2_gu4_au2", solver="brute",
                   shard_size=8)
SMALL = DatasetSpec("vec", "kato2025", 60, seed=1, size=5, shard_size=20)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_kill_and_resume_completes_without_duplicates(tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "offload_gym.cli", "dataset", *ARGS, "--out", str(out),
           "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    progress = out / "_progress.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if progress.is_file() and len(progress.read_text().splitlines()) >= 3:
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if (out / "metadata.json").exists():
        pytest.skip("the job finished before it could be killed (machine too fast)")
    n_before = len(list(out.glob("*.npz")))
    assert 0 < n_before < 30
    build_dataset(SPEC, out, workers=2, progress=False)
    build_dataset(SPEC, tmp_path / "clean", workers=1, progress=False)
    assert _files(out) == _files(tmp_path / "clean")  # nothing duplicated, nothing torn
    assert len(load(out, "all")) == 240


def test_corrupted_shard_is_rebuilt_identically(tmp_path):
    build_dataset(SMALL, tmp_path, progress=False)
    original = _files(tmp_path)
    victim = tmp_path / "train-00001.npz"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    build_dataset(SMALL, tmp_path, progress=False)
    assert _files(tmp_path) == original


def test_missing_shard_is_rebuilt_and_load_refuses_corruption(tmp_path):
    from offload_gym.datasets import DatasetLoadError

    build_dataset(SMALL, tmp_path, progress=False)
    original = _files(tmp_path)
    (tmp_path / "test-00000.npz").unlink()
    with pytest.raises(DatasetLoadError):
        load(tmp_path, "test")
    build_dataset(SMALL, tmp_path, progress=False)
    assert _files(tmp_path) == original


def test_leftover_temporaries_are_removed(tmp_path):
    build_dataset(SMALL, tmp_path, progress=False)
    (tmp_path / ".train-00000.npz.tmp-999").write_bytes(b"torn")
    build_dataset(SMALL, tmp_path, progress=False)
    assert not list(tmp_path.glob(".*tmp*"))


def test_other_arguments_are_refused(tmp_path):
    build_dataset(SMALL, tmp_path, progress=False)
    other = DatasetSpec.from_dict({**SMALL.to_dict(), "count": 61})
    with pytest.raises(DatasetError, match="other arguments"):
        build_dataset(other, tmp_path, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["spec"]["count"] == 60
