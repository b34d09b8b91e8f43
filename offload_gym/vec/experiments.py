"""VEC experiments behind the figures: task success rate vs vehicle speed (KATO Fig. 3).

Every output goes through VEC's ``evaluate()``. The problem-agnostic experiments (the
cross-size / cross-scale generalisation matrix) are in
:mod:`offload_gym.evaluation.experiments`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def success_vs_speed(policies: Sequence[Any], preset: str, speeds_mps: Sequence[float],
                     n_rsus: int = 20, count: int = 200, seed: int = 0
                     ) -> dict[str, np.ndarray]:
    """Task success rate of each policy on fresh instances of ``preset`` at each speed
    (instances of speed ``k`` drawn with seed ``seed + k``). Returns
    ``{policy.name: rates[len(speeds)]}``."""
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
