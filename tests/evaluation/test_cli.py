"""`offload-gym evaluate` on tiny datasets: exact scores 1, random scores worse."""

from __future__ import annotations

import csv

import pytest

from offload_gym.cli import main
from offload_gym.datasets import DatasetSpec, build_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaldata")
    build_dataset(DatasetSpec("vec", "mobility_stress", 60, seed=1, size=8, shard_size=30),
                  root / "vec", progress=False)
    build_dataset(DatasetSpec("laenet", "gadsg2025", 20, seed=1, scale="gs2_gu4_au2",
                              solver="brute", shard_size=20), root / "laenet", progress=False)
    return root


def _rows(path):
    with open(path) as fh:
        return {r["policy"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("problem", ["vec", "laenet"])
def test_exact_is_one_and_random_is_worse(data, tmp_path, capsys, problem):
    out = tmp_path / problem
    rc = main(["evaluate", "--policy", "exact,random", "--data", str(data / problem),
               "--split", "all", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "| exact |" in printed and "| random |" in printed
    rows = _rows(out / "metrics.csv")
    assert (out / "metrics.md").read_text().startswith("| dataset |")
    exact, rnd = rows["exact"], rows["random"]
    assert abs(float(exact["ratio_mean"]) - 1.0) <= 1e-9
    assert abs(float(exact["ratio_max"]) - 1.0) <= 1e-9
    assert float(exact["accuracy"]) == 1.0
    assert float(rnd["ratio_mean"]) > 1.0
    assert float(rnd["ratio_p50"]) >= 1.0 - 1e-9
    if problem == "laenet":
        assert float(exact["valid_rate"]) == 1.0 and float(exact["failed_rate"]) == 0.0
    else:
        assert float(exact["success_rate"]) == 1.0


def test_vec_reference_choice_and_options(data, tmp_path):
    out = tmp_path / "ref"
    rc = main(["evaluate", "--policy", "exact:rule=equal_finish:mobcheck=true,decc,lb",
               "--data", str(data / "vec"), "--reference", "equal_finish_mobcheck",
               "--limit", "5", "--out", str(out), "--plots"])
    assert rc == 0
    rows = _rows(out / "metrics.csv")
    ef = rows["exact:rule=equal_finish:mobcheck=true"]
    assert abs(float(ef["ratio_mean"]) - 1.0) <= 1e-9 and ef["n"] == "5.0"
    assert (out / "summary.png").stat().st_size > 0


def test_unknown_policy_and_missing_data_exit_2(data, tmp_path, capsys):
    assert main(["evaluate", "--policy", "nope", "--data", str(data / "vec")]) == 2
    assert "unknown policy" in capsys.readouterr().err
    assert main(["evaluate", "--policy", "exact", "--data", str(tmp_path / "none")]) == 2


@pytest.mark.parametrize("problem, good, bad", [
    ("vec", ("optimal", "equal_finish", "equal_finish_mobcheck"), "nonsense"),
    ("laenet", ("optimal",), "equal_finish"),  # a VEC label set: LAENet has one label set
])
def test_reference_choices_come_from_the_datasets_problem(data, capsys, monkeypatch, problem,
                                                         good, bad):
    from offload_gym.datasets import load
    from offload_gym.datasets.spec import dataset_hooks
    from offload_gym.evaluation import registry

    assert dataset_hooks(problem).LABEL_SETS == good
    assert load(data / problem, "test").label_sets == good
    ran = []
    real = registry.get_policy
    monkeypatch.setattr(registry, "get_policy", lambda *a, **k: ran.append(a) or real(*a, **k))
    assert main(["evaluate", "--policy", "random", "--data", str(data / problem),
                 "--reference", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not ran, err  # refused before any policy runs
    assert f"label_set: {problem} datasets have the label sets {', '.join(good)}; " \
           f"got {bad!r}" in err
    assert main(["evaluate", "--policy", "random", "--data", str(data / problem),
                 "--reference", good[-1], "--limit", "3", "--single-samples", "0"]) == 0
    assert ran  # the policy ran this time


def test_a_problem_without_label_sets_gets_optimal():
    from offload_gym.datasets.spec import DatasetHooks

    class Hooks:  # a dataset hooks module that names no LABEL_SETS
        pass

    assert DatasetHooks(Hooks()).LABEL_SETS == ("optimal",)
