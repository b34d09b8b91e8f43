"""Scoring policy outputs against the dataset's certified optima (spec "Metrics").

Every output is re-checked by the problem's one ``evaluate()``; nothing a policy reports
about itself is trusted, and infeasible outputs are counted, never dropped. The per-instance
rules live with each problem, in its scoring module (the Problem's ``scoring`` hook:
``offload_gym/vec/scoring.py``, ``offload_gym/laenet/scoring.py``): a ratio to the certified
optimum per instance, ``FAILURE_RATIO`` = 10 for a failed output.

Summary (:func:`summarise`): mean and p50 / p90 / p99 / max of the ratio over ALL
instances, accuracy = share with ratio < 1.1, then the problem's own metrics (VEC: success
rate; LAENet: valid / repaired / failed rates and share quality).
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from typing import Any

import numpy as np

ACCURACY_THRESHOLD = 1.1
QUANTILES = (0.5, 0.9, 0.99)
FAILURE_RATIO = 10.0  # the ratio a failed output scores (both problems)


@dataclasses.dataclass
class Scores:
    """Per-instance scores of one policy on one dataset split."""

    ratio: np.ndarray
    value: np.ndarray  # the evaluated objective (VEC completion time s, LAENet cost); inf if failed
    success: np.ndarray  # the output did not fail
    validity: list[str]  # per-instance validity label (the problem's vocabulary)
    share_quality: np.ndarray  # LAENet valid outputs; NaN elsewhere


def ratio_summary(scores: Scores) -> dict[str, float]:
    """The problem-independent metrics: ratio mean / quantiles / max and accuracy."""
    r = scores.ratio
    out: dict[str, float] = {"n": float(len(r)), "ratio_mean": float(np.mean(r))}
    for q in QUANTILES:
        out[f"ratio_p{round(q * 100)}"] = float(np.quantile(r, q))
    out["ratio_max"] = float(np.max(r))
    out["accuracy"] = float(np.mean(r < ACCURACY_THRESHOLD))
    return out


def summarise(scores: Scores, problem: str) -> dict[str, float]:
    """The papers' metrics over all instances: :func:`ratio_summary` plus the problem's own
    (its scoring hook's ``summary``)."""
    from offload_gym.core.problem import get_problem

    return {**ratio_summary(scores), **get_problem(problem).hook("scoring").summary(scores)}


# Moved to the problems' scoring modules; kept one release under the old names.
_MOVED = {"score_vec": "offload_gym.vec.scoring", "score_laenet": "offload_gym.laenet.scoring"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warnings.warn(f"offload_gym.evaluation.metrics.{name} moved to "
                      f"{_MOVED[name]}.score_instances", DeprecationWarning, stacklevel=2)
        return importlib.import_module(_MOVED[name]).score_instances
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
