"""`offload-gym dataset` with bad arguments, bad --out paths, an unreachable Dask scheduler or
a full disk: exit status 2, one stderr line naming the problem, no traceback, no stray
files; a job cut short by a full disk resumes to the bytes of an uninterrupted build."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

import offload_gym.datasets.builder as builder
import offload_gym.datasets.npzio as npzio
from offload_gym.cli import build_parser, main
from offload_gym.datasets import DatasetLoadError, DatasetSpec, load

from ..cli_helpers import one_error_line

BASE = ["dataset", "--count", "6", "--size", "3", "--shard-size", "2", "--no-progress"]



def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


@pytest.mark.parametrize(("args", "fragment"), [
    (["--seed", "-1"], "seed: must be an integer >= 0, got -1"),
    (["--size", "-1"], "size: must be an integer >= 0"),
    (["--count", "0"], "count: must be an integer >= 1, got 0"),
    (["--shard-size", "0"], "shard_size: must be an integer >= 1"),
    (["--split", "1,1,1"], "split: expected three fractions >= 0 summing to 1"),
    (["--split", "0.5,0.5"], "split: expected three fractions"),
    (["--split", "a,b,c"], "split: expected three comma-separated fractions"),
    (["--split", "1.2,-0.2,0"], "split: expected three fractions >= 0"),
    (["--preset", "nonsense"], "preset: unknown preset 'nonsense' (known: ['kato2025', "
                               "'mobility_stress'])"),
    (["--speed", "-3"], "speed_mps: must be >= 0"),
    # BASE's --size 3 is a VEC size: the LAENet rows name their scale (--size applies to
    # every problem since the Problem protocol; the problem's own flag wins)
    (["--problem", "laenet", "--scale", "gs2_gu4_au2", "--preset", "nonsense"],
     "preset: unknown preset 'nonsense' (known: ['gadsg2025'])"),
    (["--problem", "laenet", "--scale", "gs1"], "scale: unknown scale 'gs1'"),
    (["--problem", "laenet", "--scale", "gs2_gu4_au2", "--solver", "nosuch"],
     "solver: unknown LAENet solver 'nosuch'"),
    (["--problem", "laenet"], "scale: unknown scale '3'"),
    (["--workers", "0"], "workers must be an integer >= 1, got 0"),
    (["--connect-timeout", "3"], "connect-timeout: only applies with --scheduler"),
])
def test_bad_arguments_write_nothing(tmp_path, capsys, args, fragment):
    out = tmp_path / "out"
    assert main([*BASE, *args, "--out", str(out)]) == 2
    assert fragment in one_error_line(capsys)
    assert not out.exists()


def test_out_is_an_existing_file(tmp_path, capsys):
    target = tmp_path / "data.bin"
    target.write_bytes(b"keep me")
    assert main([*BASE, "--out", str(target)]) == 2
    assert f"--out {target} is a file, not a directory" in one_error_line(capsys)
    assert target.read_bytes() == b"keep me" and _tree(tmp_path) == ["data.bin"]


def test_out_under_a_regular_file(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    out = tmp_path / "f" / "sub" / "ds"
    assert main([*BASE, "--out", str(out)]) == 2
    assert f"{tmp_path / 'f'} is a file, not a directory" in one_error_line(capsys)
    assert _tree(tmp_path) == ["f"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directories_for_real(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main([*BASE, "--out", str(ro)]) == 2
        assert "Permission denied" in one_error_line(capsys)
        assert main([*BASE, "--out", str(ro / "a" / "b")]) == 2
        assert "Permission denied" in one_error_line(capsys)
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_read_only_directory_simulated(tmp_path, capsys, monkeypatch):
    """What a non-root user gets from a read-only --out (simulated: tests may run as root)."""
    def denied(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(builder, "atomic_write_bytes", denied)
    out = tmp_path / "new" / "ds"
    assert main([*BASE, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"cannot write in the output directory {out}" in line
    assert "Permission denied" in line
    assert _tree(tmp_path) == []  # the directories it made are removed again

    ro = tmp_path / "ro"
    ro.mkdir()
    assert main([*BASE, "--out", str(ro)]) == 2
    assert "Permission denied" in one_error_line(capsys)
    assert _tree(tmp_path) == ["ro"]  # an existing directory is kept, and stays empty


def test_path_under_read_only_directory_simulated(tmp_path, capsys, monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    out = tmp_path / "ro" / "ds"
    assert main([*BASE, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"cannot create the output directory {out}" in line and "Permission denied" in line
    assert _tree(tmp_path) == []


def test_unreachable_dask_scheduler(tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    start = time.monotonic()
    code = main([*BASE, "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", "0.5",
                 "--out", str(out)])
    elapsed = time.monotonic() - start
    assert code == 2
    line = one_error_line(capsys)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 0.5 s" in line
    assert elapsed < 20
    assert not out.exists()  # checked before anything is written

    assert main([*BASE, "--scheduler", "nonsense", "--out", str(out)]) == 2
    assert "invalid Dask scheduler address 'nonsense'" in one_error_line(capsys)
    assert not out.exists()


def test_default_dask_connect_timeout_is_documented_and_used(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    assert builder.DASK_CONNECT_TIMEOUT_S == 5.0
    seen = {}

    def fake_client(address, timeout):
        seen.update(address=address, timeout=timeout)
        raise OSError(f"Timed out trying to connect to {address} after {timeout} s")

    monkeypatch.setattr(distributed, "Client", fake_client)
    assert main([*BASE, "--scheduler", "tcp://10.0.0.1:8786", "--out",
                 str(tmp_path / "o")]) == 2
    assert seen == {"address": "tcp://10.0.0.1:8786", "timeout": 5.0}
    help_text = build_parser()._subparsers._group_actions[0].choices["dataset"].format_help()
    assert "default 5" in help_text
    docs = (Path(__file__).parents[2] / "docs" / "datasets.md").read_text()
    assert "--connect-timeout" in docs and "5 s" in docs


@pytest.mark.parametrize("workers", [1, 2])
def test_disk_full_mid_shard_then_resume_is_byte_identical(tmp_path, capsys, monkeypatch,
                                                          workers):
    """ENOSPC while the second train shard is being written: one line, no temporary file
    left, finished shards kept; the rerun completes with the clean build's bytes."""
    real = npzio._write_and_sync

    def disk_full(fh, data):
        if Path(fh.name).name.startswith(".train-00001.npz.tmp-"):
            fh.write(data[: len(data) // 2])  # part of the shard reached the disk
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fh, data)

    monkeypatch.setattr(npzio, "_write_and_sync", disk_full)
    out = tmp_path / "out"
    args = [*BASE, "--workers", str(workers), "--out", str(out)]
    assert main(args) == 2
    line = one_error_line(capsys)
    assert f"cannot write the dataset in {out} (No space left on device)" in line
    assert "rerun the same command to resume" in line
    names = _tree(out)
    assert not [n for n in names if ".tmp-" in n]
    assert "train-00001.npz" not in names and "metadata.json" not in names
    assert "_job.json" in names

    monkeypatch.setattr(npzio, "_write_and_sync", real)
    assert main(args) == 0
    assert main([*BASE, "--out", str(tmp_path / "clean")]) == 0
    capsys.readouterr()
    assert _files(out) == _files(tmp_path / "clean")


def test_leftover_temporary_from_a_killed_writer_is_cleaned_on_rerun(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*BASE, "--out", str(out)]) == 0
    (out / "metadata.json").unlink()  # as if killed before the end
    (out / ".test-00000.npz.tmp-4242").write_bytes(b"half a shard")
    assert main([*BASE, "--out", str(out)]) == 0
    capsys.readouterr()
    assert not list(out.glob(".*tmp*")) and (out / "metadata.json").is_file()


def test_single_split_dataset_works_end_to_end(tmp_path, capsys):
    """--split 1,0,0 is allowed (a training-only set); the empty splits say so clearly."""
    out = tmp_path / "train_only"
    assert main([*BASE, "--split", "1,0,0", "--out", str(out)]) == 0
    assert "6 instances (6 train / 0 val / 0 test)" in capsys.readouterr().out
    assert len(load(out, "train")) == 6 and len(load(out, "all")) == 6
    with pytest.raises(DatasetLoadError, match=r"split 'test' of .* is empty"):
        load(out, "test")
    assert main(["evaluate", "--policy", "local", "--data", str(out), "--split", "test"]) == 2
    assert "split 'test' of" in one_error_line(capsys)


def test_vehicle_only_dataset(tmp_path, capsys):
    """--size 0 gives vehicle-only instances (valid scenarios; every label is local)."""
    out = tmp_path / "n0"
    assert main([*BASE[:3], "--size", "0", *BASE[5:], "--out", str(out)]) == 0
    capsys.readouterr()
    data = load(out, "all")
    assert data.scenario(0).n_rsus == 0
    assert data.arrays["label_optimal_selected"].shape == (6, 0)
    assert data.arrays["label_optimal_success"].all()


def test_spec_checks_seed_type():
    with pytest.raises(ValueError, match="seed"):
        DatasetSpec("vec", "kato2025", 4, seed=1.5, size=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        DatasetSpec("vec", "kato2025", 4, seed=True, size=3)  # type: ignore[arg-type]
