"""Infeasible outputs are counted (never dropped) and every output goes through evaluate()."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from offload_gym.datasets import DatasetSpec, build_dataset, load
from offload_gym.evaluation import BasePolicy, evaluate_policy, get_policy
from offload_gym.laenet import FAILURE_RATIO


@pytest.fixture(scope="module")
def vec_ds(tmp_path_factory):
    d = tmp_path_factory.mktemp("vecfail")
    build_dataset(DatasetSpec("vec", "mobility_stress", 40, seed=4, size=10, shard_size=40,
                              split=(0.0, 0.0, 1.0)), d, progress=False)
    return load(d, "test")


@pytest.fixture(scope="module")
def laenet_ds(tmp_path_factory):
    d = tmp_path_factory.mktemp("laenetfail")
    build_dataset(DatasetSpec("laenet", "gadsg2025", 16, seed=4, scale="gs2_gu4_au2",
                              solver="brute", shard_size=16, split=(0.0, 0.0, 1.0)), d,
                  progress=False)
    return load(d, "test")


class AllLocal(BasePolicy):
    """Every user LOCAL: forced users make it REPAIRED (never failed: repair can place them)."""

    name, problem = "all-local", "laenet"

    def act(self, scenario):
        exact = get_policy("laenet", "brute").act(scenario)
        return dataclasses.replace(exact, choice=(-1,) * scenario.n_users, share=())


class Impossible(BasePolicy):
    """Choices that name no server: repaired if possible; cost self-reported as 0 (ignored)."""

    name, problem = "liar", "laenet"

    def act(self, scenario):
        exact = get_policy("laenet", "brute").act(scenario)
        return dataclasses.replace(exact, choice=(99,) * scenario.n_users, share=(), cost=0.0)


class Nothing(BasePolicy):
    name, problem = "nothing", "laenet"

    def act(self, scenario):
        exact = get_policy("laenet", "brute").act(scenario)
        return dataclasses.replace(exact, choice=(), share=())


def test_laenet_failed_and_repaired_outputs_are_counted(laenet_ds):
    res = evaluate_policy(Nothing(), laenet_ds, single_samples=0)
    assert res.row["failed_rate"] == 1.0 and res.row["n"] == len(laenet_ds)
    assert res.row["ratio_mean"] == FAILURE_RATIO
    res = evaluate_policy(AllLocal(), laenet_ds, single_samples=0)
    assert res.row["valid_rate"] + res.row["repaired_rate"] + res.row["failed_rate"] == 1.0
    forced = [bool((~__import__("offload_gym").laenet.derive(s).lam).any())
              for s in laenet_ds.scenarios()]
    assert res.row["repaired_rate"] == pytest.approx(np.mean(forced))
    assert np.all(res.scores.ratio >= 1.0 - 1e-9)
    liar = evaluate_policy(Impossible(), laenet_ds, single_samples=0)
    assert liar.row["valid_rate"] == 0.0
    assert np.all(liar.scores.ratio >= 1.0 - 1e-9)  # its self-reported cost 0 is not trusted


class TooLate(BasePolicy):
    """Equal-finish on every RSU without MobCheck: RSUs leave range, the task fails."""

    name, problem = "too-late", "vec"

    def act(self, scenario):
        return get_policy("vec", "all_rsus:rule=equal_finish").act(scenario)


class Malformed(BasePolicy):
    name, problem = "malformed", "vec"

    def act(self, scenario):
        sol = get_policy("vec", "exact").act(scenario)
        return dataclasses.replace(sol, allocation_gbit=(1.0,), success=True)


def test_vec_failed_outputs_score_the_failure_ratio(vec_ds):
    res = evaluate_policy(TooLate(), vec_ds, single_samples=0)
    failed = ~res.scores.success
    assert failed.any(), "mobility_stress should make equal-finish on all RSUs fail"
    assert np.all(res.scores.ratio[failed] == FAILURE_RATIO)
    assert res.row["success_rate"] == pytest.approx(1 - failed.mean())
    bad = evaluate_policy(Malformed(), vec_ds, single_samples=0)
    assert bad.row["success_rate"] == 0.0 and bad.row["ratio_mean"] == FAILURE_RATIO


def test_latency_single_and_batched_are_reported(vec_ds):
    res = evaluate_policy(get_policy("vec", "exact"), vec_ds, single_samples=5)
    assert res.row["latency_single_ms"] > 0 and res.row["latency_batch_ms"] > 0
    assert res.row["ratio_max"] == pytest.approx(1.0, abs=1e-9)
