"""Dataset round trip for every problem with dataset hooks: build a tiny labelled dataset
twice (same bytes), load every split back, every stored scenario survives JSON, and every
stored label is the optimum the labelling solver finds again."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from offload_gym.core.problem import Problem

COUNT = 6


def _spec(problem: Problem):
    from offload_gym.datasets import DatasetSpec

    if problem.dataset is None:
        pytest.skip(f"problem {problem.name!r} declares no dataset hooks")
    return DatasetSpec(problem=problem.name, preset=problem.default_preset, count=COUNT,
                       seed=11, size=problem.small_size, shard_size=2,
                       split=(0.5, 0.25, 0.25))


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_dataset_round_trip(problem, tmp_path):
    from offload_gym.core.registry import get_solver
    from offload_gym.datasets import SPLITS, build_dataset, load

    spec = _spec(problem)
    build_dataset(spec, tmp_path / "a", workers=1, progress=False)
    build_dataset(spec, tmp_path / "b", workers=1, progress=False)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")

    solve = get_solver(problem.name, spec.solver)
    total = 0
    for split in SPLITS:
        ds = load(tmp_path / "a", split)
        assert ds.problem == problem.name
        reference = ds.reference_cost()
        for i in range(len(ds)):
            sc = ds.scenario(i)
            assert isinstance(sc, problem.scenario_type())
            assert problem.scenario_from_dict(sc.to_dict()) == sc
            assert math.isclose(problem.objective_of(solve(sc)), float(reference[i]),
                                rel_tol=1e-9), (split, i)
        total += len(ds)
    assert total == COUNT


def test_dataset_size_label_is_the_problems(problem, tmp_path):
    from offload_gym.datasets import build_dataset, load

    spec = _spec(problem)
    build_dataset(spec, tmp_path, workers=1, progress=False)
    assert load(tmp_path, "train").size_label == problem.size.label(problem.small_size)
