"""Small problem-agnostic experiments behind the figures: cross-size / cross-scale
generalisation (KATO Fig. 6, GADSG Fig. 6). A problem's own experiments live with it
(VEC's success rate vs speed, KATO Fig. 3: :mod:`offload_gym.vec.experiments`).

Every output goes through the problem's ``evaluate()`` (via :mod:`metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from offload_gym.core.deprecation import moved
from offload_gym.evaluation.harness import evaluate_policy

# Deprecated names (one release): reading one warns and returns the moved object.
__getattr__ = moved(__name__, {
    "vec_success_vs_speed": "offload_gym.vec.experiments:success_vs_speed",
})


def generalisation_matrix(policies_by_train: Mapping[str, Any | Callable[[], Any]],
                          datasets_by_test: Mapping[str, Any], metric: str = "ratio_mean",
                          label_set: str = "optimal") -> tuple[list[str], list[str], np.ndarray]:
    """``M[i, j]`` = ``metric`` of the policy trained on size/scale ``i`` evaluated on the
    test split of size/scale ``j``. Values of ``policies_by_train`` are policies or
    zero-argument callables that load one (e.g. a checkpoint loader). For methods without
    training (solvers, heuristics) every row is the same policy, so the rows are equal."""
    rows, cols = list(policies_by_train), list(datasets_by_test)
    m = np.full((len(rows), len(cols)), np.nan)
    scenarios = {c: datasets_by_test[c].scenarios() for c in cols}
    for i, r in enumerate(rows):
        pol = policies_by_train[r]
        pol = pol() if callable(pol) and not hasattr(pol, "act") else pol
        for j, c in enumerate(cols):
            res = evaluate_policy(pol, datasets_by_test[c], label_set=label_set,
                                  single_samples=0, scenarios=scenarios[c])
            m[i, j] = res.row[metric]
    return rows, cols, m
