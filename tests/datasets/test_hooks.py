"""The dataset layer talks to problems only through their dataset hooks: every registered
problem's hooks module defines the required hooks; a third problem with nothing but the
required hooks builds, describes and loads datasets; ``size=`` is the one size argument;
the former per-problem names keep working with a DeprecationWarning."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import offload_gym.datasets as datasets_pkg
from offload_gym.core.problem import get_problem, problems, register_problem, unregister_problem
from offload_gym.datasets import DatasetSpec, build_dataset, load
from offload_gym.datasets.spec import REQUIRED_HOOKS, dataset_hooks


@pytest.mark.parametrize("name", [p.name for p in problems() if p.dataset])
def test_registered_problems_define_the_required_dataset_hooks(name):
    module = get_problem(name).hook("dataset")
    assert [h for h in REQUIRED_HOOKS if not hasattr(module, h)] == []


def test_the_dataset_package_names_no_problem():
    pattern = re.compile(r"""==\s*["'](vec|laenet)["']|["'](vec|laenet)["']\s*==""")
    for path in Path(datasets_pkg.__file__).parent.glob("*.py"):
        assert not pattern.search(path.read_text()), path.name


def test_size_is_the_one_size_argument():
    by_size = DatasetSpec("laenet", "gadsg2025", 4, size="gs2_gu4_au2", solver="brute")
    by_scale = DatasetSpec("laenet", "gadsg2025", 4, scale="gs2_gu4_au2", solver="brute")
    assert by_size == by_scale and by_size.to_dict() == by_scale.to_dict()
    assert by_size.instance_size == "gs2_gu4_au2" and by_size.size_label == "gs2_gu4_au2"
    vec = DatasetSpec("vec", "kato2025", 4, size=3)
    assert vec.instance_size == 3 and vec.size_label == "n3"


@pytest.fixture
def toy_with_dataset():
    from tests.toy_problem import PROBLEM as TOY

    register_problem(dataclasses.replace(TOY, dataset="tests.toy_problem.dataset"))
    try:
        yield get_problem(TOY.name)
    finally:
        unregister_problem(TOY.name)


def test_a_third_problem_with_only_the_required_hooks_round_trips(tmp_path, toy_with_dataset):
    from tests.toy_problem.toy import solve_exact

    problem = toy_with_dataset
    spec = DatasetSpec(problem.name, problem.default_preset, 8, seed=2, size=4, shard_size=3)
    assert spec.command("OUT").startswith("offload-gym dataset --problem toy --preset "
                                          "uniform --size 4 --count 8")
    meta = build_dataset(spec, tmp_path / "a", progress=False)
    build_dataset(spec, tmp_path / "b", workers=2, progress=False)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {f: (tmp_path / "a" / f).read_bytes() for f in files} == \
        {f: (tmp_path / "b" / f).read_bytes() for f in files}
    assert meta["generator"] == {"preset": "uniform", "n_tasks": 4}
    assert meta["label_status_counts"] == {"labelled": 8}  # the default status_counts
    ds = load(tmp_path / "a", "all")
    assert len(ds) == 8 and ds.size_label == "t4"
    for i in range(len(ds)):
        sc = ds.scenario(i)
        assert isinstance(sc, problem.scenario_type())
        assert ds.reference_cost()[i] == solve_exact(sc).makespan_s
    with pytest.raises(TypeError, match="no batch form"):
        ds.batch()


@pytest.mark.parametrize(("module", "old", "new"), [
    ("codec", "encode_vec", "offload_gym.vec.dataset:encode"),
    ("codec", "vec_batch", "offload_gym.vec.dataset:batch"),
    ("codec", "decode_vec", "offload_gym.vec.dataset:decode"),
    ("codec", "encode_laenet", "offload_gym.laenet.dataset:encode"),
    ("codec", "laenet_dict", "offload_gym.laenet.dataset:scenario_dict"),
    ("codec", "decode_laenet", "offload_gym.laenet.dataset:decode"),
    ("labels", "VEC_LABEL_SETS", "offload_gym.vec.dataset:VEC_LABEL_SETS"),
    ("labels", "vec_shard_arrays", "offload_gym.vec.dataset:shard_arrays"),
    ("labels", "laenet_shard_arrays", "offload_gym.laenet.dataset:shard_arrays"),
    ("features", "vec_node_features", "offload_gym.vec.dataset:node_features"),
    ("features", "laenet_padding", "offload_gym.laenet.dataset:padding"),
    ("metadata", "laenet_feature_stats", "offload_gym.laenet.dataset:feature_stats"),
])
def test_former_names_are_deprecated_aliases(module, old, new):
    import importlib

    from offload_gym.core.problem import load_ref

    mod = importlib.import_module(f"offload_gym.datasets.{module}")
    with pytest.warns(DeprecationWarning, match=new.replace(":", ".")):
        got = getattr(mod, old)
    assert got is load_ref(new)


def test_former_problem_tables_are_deprecated_and_read_the_registry():
    from offload_gym.datasets import spec

    with pytest.warns(DeprecationWarning):
        assert set(spec.PROBLEMS) >= {"vec", "laenet"}
    with pytest.warns(DeprecationWarning):
        assert spec.DEFAULT_PRESET["vec"] == "kato2025"
    with pytest.warns(DeprecationWarning):
        assert spec.DEFAULT_PRESET["laenet"] == "gadsg2025"


def test_codec_decode_reads_any_problem(tmp_path):
    from offload_gym.datasets import codec

    spec = DatasetSpec("vec", "kato2025", 3, seed=1, size=2, shard_size=3, split=(1, 0, 0))
    build_dataset(spec, tmp_path, progress=False)
    ds = load(tmp_path, "train")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the generic decode is not deprecated
        got = codec.decode("vec", ds.arrays, 1)
    assert got == dataset_hooks("vec").decode(ds.arrays, 1) == ds.scenario(1)
    assert np.array_equal(ds.batch().rsu_x_m, ds.vec_batch().rsu_x_m)
