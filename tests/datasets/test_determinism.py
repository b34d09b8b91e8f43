"""Same arguments -> byte-identical shards and metadata, whatever the number of workers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from offload_gym.datasets import DatasetSpec, build_dataset, plan
from offload_gym.datasets.npzio import FIXED_DATE_TIME

VEC = DatasetSpec("vec", "mobility_stress", 120, seed=3, size=6, shard_size=25)
LAENET = DatasetSpec("laenet", "gadsg2025", 24, seed=5, scale="gs2_gu4_au2", solver="brute",
                     shard_size=5)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


@pytest.mark.parametrize("spec", [VEC, LAENET], ids=["vec", "laenet"])
def test_workers_1_and_2_give_identical_bytes(tmp_path, spec):
    build_dataset(spec, tmp_path / "w1", workers=1, progress=False)
    build_dataset(spec, tmp_path / "w2", workers=2, progress=False)
    a, b = _files(tmp_path / "w1"), _files(tmp_path / "w2")
    assert sorted(a) == sorted([s.filename for s in plan(spec)] + ["metadata.json"])
    assert a == b


def test_zip_members_have_fixed_timestamps(tmp_path):
    build_dataset(VEC, tmp_path, progress=False)
    with zipfile.ZipFile(tmp_path / "train-00000.npz") as zf:
        infos = zf.infolist()
    assert infos and all(i.date_time == FIXED_DATE_TIME for i in infos)
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)


def test_other_seed_changes_the_data(tmp_path):
    build_dataset(VEC, tmp_path / "a", progress=False)
    other = DatasetSpec.from_dict({**VEC.to_dict(), "seed": 4})
    build_dataset(other, tmp_path / "b", progress=False)
    assert (tmp_path / "a" / "train-00000.npz").read_bytes() != \
        (tmp_path / "b" / "train-00000.npz").read_bytes()


def test_plan_splits_by_index_and_shards():
    shards = plan(VEC)
    assert VEC.split_counts() == {"train": 84, "val": 18, "test": 18}
    assert [s.filename for s in shards][:4] == [f"train-0000{k}.npz" for k in range(4)]
    assert [s.index for s in shards] == list(range(len(shards)))
    starts = [s.start for s in shards]
    assert starts == sorted(starts) and sum(s.count for s in shards) == 120
    big = DatasetSpec("vec", "kato2025", 100_000, size=50)
    assert big.split_counts() == {"train": 70_000, "val": 15_000, "test": 15_000}


@pytest.mark.parametrize("spec", [
    DatasetSpec("vec", "mobility_stress", 12, seed=3, size=4, shard_size=5,
                overrides=(("speed_mps", 15.0),)),
    DatasetSpec("laenet", "gadsg2025", 6, seed=5, scale="gs2_gu4_au2", solver="brute",
                shard_size=3, split=(0.5, 0.0, 0.5)),
], ids=["vec", "laenet"])
def test_spec_command_rebuilds_the_same_bytes(tmp_path, spec):
    import shlex

    from offload_gym.cli import main as cli_main

    build_dataset(spec, tmp_path / "api", workers=1, progress=False)
    command = spec.command(str(tmp_path / "cli"))
    words = shlex.split(command)
    assert words[:2] == ["offload-gym", "dataset"]
    assert cli_main([*words[1:], "--no-progress"]) == 0
    assert _files(tmp_path / "api") == _files(tmp_path / "cli")
