"""load() round-trips scenarios exactly, labels equal a fresh solve, metadata and views."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym import get_solver
from offload_gym.datasets import DatasetSpec, build_dataset, load, plan
from offload_gym.vec.dataset import VEC_LABEL_SETS

VEC = DatasetSpec("vec", "mobility_stress", 80, seed=7, size=6, shard_size=30)
LAENET = DatasetSpec("laenet", "gadsg2025", 30, seed=9, scale="gs2_gu4_au2", solver="brute",
                     shard_size=10)


@pytest.fixture(scope="module")
def vec_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("vec")
    build_dataset(VEC, d, progress=False)
    return d


@pytest.fixture(scope="module")
def laenet_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("laenet")
    build_dataset(LAENET, d, progress=False)
    return d


def test_vec_scenarios_round_trip_exactly(vec_dir):
    from offload_gym.vec.generator import generate_batch

    ds = load(vec_dir, "all")
    assert len(ds) == 80
    for shard in plan(VEC):
        rng = np.random.default_rng(shard.seed_sequence(VEC.seed))
        fresh = generate_batch(shard.count, 6, "mobility_stress", rng).scenarios()
        for k, sc in enumerate(fresh):
            assert ds.scenario(shard.start + k).to_dict() == sc.to_dict()


def test_vec_labels_equal_a_fresh_solve(vec_dir):
    ds = load(vec_dir, "test")
    a = ds.arrays
    for i, sc in enumerate(ds.scenarios()):
        for name, (rule, mobcheck) in VEC_LABEL_SETS.items():
            sol = get_solver("vec", "exact")(sc, rule=rule, mobcheck=mobcheck)
            assert math.isclose(sol.completion_time_s,
                                a[f"label_{name}_completion_time_s"][i], rel_tol=1e-12)
            assert sol.success == bool(a[f"label_{name}_success"][i])
            assert tuple(np.flatnonzero(a[f"label_{name}_selected"][i])) == sol.selected


def test_laenet_scenarios_round_trip_and_labels(laenet_dir):
    from offload_gym.laenet.generator import generate_batch

    ds = load(laenet_dir, "all")
    brute = get_solver("laenet", "brute")
    for shard in plan(LAENET):
        rng = np.random.default_rng(shard.seed_sequence(LAENET.seed))
        for k, sc in enumerate(generate_batch(shard.count, "gs2_gu4_au2", seed=rng)):
            i = shard.start + k
            got = ds.scenario(i)
            assert got.to_dict() == sc.to_dict()
            sol = brute(got)
            assert tuple(ds.arrays["label_choice"][i]) == sol.choice
            assert math.isclose(ds.arrays["label_cost"][i], sol.cost, rel_tol=1e-12)
            assert ds.arrays["label_status"][i] == "optimal"


def test_laenet_explicit_edges_round_trip():
    from offload_gym.laenet import dataset as codec
    from offload_gym.laenet import generate
    from offload_gym.laenet.scenario import Scenario

    d = generate("gs2_gu4_au2", 1).to_dict()
    d["edges"] = [[3, 0], [0, 1], [1, 0]]
    d["preset"] = None
    sc = Scenario.from_dict(d)
    plain = generate("gs2_gu4_au2", 2)
    arrays = codec.encode([sc, plain])
    assert codec.decode(arrays, 0).to_dict() == sc.to_dict()
    assert codec.decode(arrays, 1).to_dict() == plain.to_dict()


def test_metadata_keys_and_training_feature_stats(laenet_dir):
    from offload_gym.laenet.physics import derive

    ds = load(laenet_dir, "train")
    meta = ds.metadata
    for key in ("format", "format_version", "problem", "spec", "generator", "package_version",
                "solver", "counts", "split", "shards", "labels", "features",
                "generator_stats"):
        assert key in meta
    assert meta["counts"] == {"total": 30, "train": 21, "val": 4, "test": 5, "shards": 5}
    assert all(len(s["sha256"]) == 64 for s in meta["shards"])
    derived = [derive(s) for s in ds.scenarios()]
    f = meta["features"]
    assert f["j_loc_max"] == max(float(d.j_loc.max()) for d in derived)
    assert f["j_tr_max"] == max(float(d.j_tr.max()) for d in derived)
    assert f["j_exe_max"] == max(float(d.j_exe.max()) for d in derived)
    assert f["j_loc_median"] == float(np.median(np.concatenate([d.j_loc for d in derived])))


def test_splits_are_index_ranges(vec_dir):
    seen = []
    for split in ("train", "val", "test"):
        idx = load(vec_dir, split).arrays["instance_index"]
        seen.extend(idx.tolist())
    assert seen == list(range(80))


def test_torch_and_pyg_views(vec_dir, laenet_dir):
    pytest.importorskip("torch_geometric")
    v = load(vec_dir, "train")
    item = v.as_torch()[0]
    assert tuple(item["x"].shape) == (7, 4) and tuple(item["selected"].shape) == (6,)
    g = v.as_pyg(label_set="equal_finish_mobcheck")[3]
    assert tuple(g.x.shape) == (7, 4) and g.edge_index.shape[1] == 12
    assert g.y[1:].bool().tolist() == v.arrays["label_equal_finish_mobcheck_selected"][3].tolist()

    ds = load(laenet_dir, "train")
    item = ds.as_torch()[2]
    assert tuple(item["edge_features"].shape) == (6, 3, 6)
    pad = item["edge_features"][~item["edge_mask"]]
    if len(pad):
        assert float(pad[0, 1]) == pytest.approx(ds.metadata["features"]["j_loc_max"], rel=1e-6)
    g = ds.as_pyg()[2]
    assert g.x.shape[0] == 9 and g.edge_attr.shape[1] == 6
    chosen = g.edge_index[:, g.y_edge.bool()]
    choice = ds.arrays["label_choice"][2]
    assert sorted((int(u) - 3, int(s)) for u, s in chosen.T) == \
        sorted((u, int(c)) for u, c in enumerate(choice) if c >= 0)


def test_laenet_default_exact_labels_are_certified(tmp_path):
    spec = DatasetSpec("laenet", "gadsg2025", 6, seed=21, scale="gs2_gu4_au2", shard_size=3)
    assert spec.solver == "exact"
    build_dataset(spec, tmp_path, progress=False)
    ds = load(tmp_path, "all")
    brute = get_solver("laenet", "brute")
    for i, sc in enumerate(ds.scenarios()):
        assert ds.arrays["label_status"][i] == "optimal"
        assert math.isclose(ds.arrays["label_cost"][i], brute(sc).cost, rel_tol=1e-9)
        assert ds.arrays["label_gap"][i] <= 1e-7
        assert ds.arrays["label_lower_bound"][i] <= ds.arrays["label_cost"][i] * (1 + 1e-9)
