"""VEC's success-rate-vs-speed experiment (KATO Fig. 3) lives with VEC; the old
problem-agnostic path is a deprecated alias."""

from __future__ import annotations

import numpy as np
import pytest

from offload_gym.evaluation import get_policy
from offload_gym.vec.experiments import success_vs_speed


def test_exact_succeeds_at_least_as_often_as_a_baseline():
    policies = [get_policy("vec", "exact"), get_policy("vec", "all_rsus:rule=equal_finish")]
    rates = success_vs_speed(policies, "mobility_stress", [13.0, 19.0], n_rsus=6, count=12,
                             seed=3)
    assert set(rates) == {p.name for p in policies}
    for r in rates.values():
        assert r.shape == (2,) and np.all((0.0 <= r) & (r <= 1.0))
    assert np.all(rates[policies[0].name] >= rates[policies[1].name])
    again = success_vs_speed(policies[:1], "mobility_stress", [13.0, 19.0], n_rsus=6,
                             count=12, seed=3)
    assert np.array_equal(again[policies[0].name], rates[policies[0].name])  # seeded


def test_old_path_is_a_deprecated_alias():
    import offload_gym.evaluation.experiments as old

    with pytest.warns(DeprecationWarning, match="offload_gym.vec.experiments.success_vs_speed"):
        assert old.vec_success_vs_speed is success_vs_speed
    assert callable(old.generalisation_matrix)
