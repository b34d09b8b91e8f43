"""Small experiments behind the figures: success rate vs speed (KATO Fig. 3) and
cross-size / cross-scale generalisation (KATO Fig. 6, GADSG Fig. 6).

Every output goes through the problem's ``evaluate()`` (via :mod:`metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from offload_gym.evaluation.harness import evaluate_policy


def vec_success_vs_speed(policies: Sequence[Any], preset: str, speeds_mps: Sequence[float],
                         n_rsus: int = 20, count: int = 200, seed: int = 0
                         ) -> dict[str, np.ndarray]:
    """Task success rate of each policy on fresh instances of ``preset`` at each speed.
    Returns ``{policy.name: rates[len(speeds)]}``."""
    from offload_gym.vec.evaluate import evaluate
    from offload_gym.vec.generator import generate_batch

    out = {p.name: np.zeros(len(speeds_mps)) for p in policies}
    for k, v in enumerate(speeds_mps):
        scs = generate_batch(count, n_rsus, preset, seed + k, speed_mps=float(v)).scenarios()
        for p in policies:
            sols = p.act_batch(scs)
            ok = [evaluate(s, sol.selected, sol.allocation_gbit).success
                  for s, sol in zip(scs, sols, strict=True)]
            out[p.name][k] = float(np.mean(ok))
    return out


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
