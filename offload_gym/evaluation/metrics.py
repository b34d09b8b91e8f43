"""Scoring policy outputs against the dataset's certified optima (spec "Metrics").

Every output is re-checked by the problem's one ``evaluate()``; nothing a policy reports
about itself is trusted, and infeasible outputs are counted, never dropped.

VEC (per instance): time = ``vec.evaluate(...).completion_time_s``; ratio = time / T* with
T* the label set's optimum (default: ``optimal`` rule, all RSUs, the true optimum of P).
A task that FAILS (an RSU leaves range before finishing, or the deadline is missed, or the
output is malformed) is scored at ``FAILURE_RATIO`` = 10, as LAENet failures are; when the
reference itself fails (no selection meets the deadline) the plain time ratio is used.

LAENet (per instance): cost = ``laenet.evaluate(...).cost`` (valid outputs with their own
shares, repaired ones after the spec's repair); ratio = cost / C*; FAILED outputs score
``FAILURE_RATIO`` = 10. Share quality = cost with own shares / cost with water-filling
shares, over valid outputs.

Summary: mean and p50 / p90 / p99 / max of the ratio over ALL instances, accuracy = share
with ratio < 1.1, success rate (VEC), valid / repaired / failed rates (LAENet).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.laenet.evaluate import FAILURE_RATIO

ACCURACY_THRESHOLD = 1.1
QUANTILES = (0.5, 0.9, 0.99)


@dataclasses.dataclass
class Scores:
    """Per-instance scores of one policy on one dataset split."""

    ratio: np.ndarray
    value: np.ndarray  # VEC completion time (s) / LAENet cost, as evaluated (inf if failed)
    success: np.ndarray  # VEC: task succeeded; LAENet: not failed
    validity: list[str]  # LAENet: valid / repaired / failed; VEC: success / failed
    share_quality: np.ndarray  # LAENet valid outputs; NaN elsewhere


def score_vec(scenarios: Sequence[Any], solutions: Sequence[Any], reference: np.ndarray,
              reference_success: np.ndarray) -> Scores:
    """Re-check VEC outputs with ``vec.evaluate`` and score them against ``reference``."""
    from offload_gym.core.errors import ScenarioError
    from offload_gym.vec.evaluate import evaluate

    n = len(scenarios)
    value, ratio = np.full(n, math.inf), np.full(n, FAILURE_RATIO)
    success = np.zeros(n, dtype=bool)
    for i, (sc, sol) in enumerate(zip(scenarios, solutions, strict=True)):
        try:
            ev = evaluate(sc, sol.selected, sol.allocation_gbit)
        except (ScenarioError, AttributeError, TypeError, ValueError):
            continue  # malformed output: failed
        value[i], success[i] = ev.completion_time_s, ev.success
        if ev.success or not reference_success[i]:
            ratio[i] = ev.completion_time_s / reference[i]
    validity = ["success" if s else "failed" for s in success]
    return Scores(ratio, value, success, validity, np.full(n, np.nan))


def score_laenet(scenarios: Sequence[Any], solutions: Sequence[Any], reference: np.ndarray
                 ) -> Scores:
    """Re-check LAENet outputs with ``laenet.evaluate`` and score them."""
    from offload_gym.core.errors import ScenarioError
    from offload_gym.laenet.evaluate import evaluate

    n = len(scenarios)
    value, ratio = np.full(n, math.inf), np.full(n, FAILURE_RATIO)
    quality = np.full(n, np.nan)
    validity = ["failed"] * n
    for i, (sc, sol) in enumerate(zip(scenarios, solutions, strict=True)):
        choice = getattr(sol, "choice", None)
        if not choice:
            continue
        share = getattr(sol, "share", None)
        try:
            ev = evaluate(sc, choice, share if share else None)
        except (ScenarioError, TypeError, ValueError):
            continue
        validity[i] = ev.validity
        if ev.failed:
            continue
        value[i] = ev.cost
        ratio[i] = ev.cost / reference[i]
        if ev.valid and ev.waterfill_cost > 0:
            quality[i] = ev.cost / ev.waterfill_cost
    success = np.array([v != "failed" for v in validity], dtype=bool)
    return Scores(ratio, value, success, validity, quality)


def summarise(scores: Scores, problem: str) -> dict[str, float]:
    """The papers' metrics over all instances (see the module docstring)."""
    r = scores.ratio
    out: dict[str, float] = {"n": float(len(r)), "ratio_mean": float(np.mean(r))}
    for q in QUANTILES:
        out[f"ratio_p{round(q * 100)}"] = float(np.quantile(r, q))
    out["ratio_max"] = float(np.max(r))
    out["accuracy"] = float(np.mean(r < ACCURACY_THRESHOLD))
    if problem == "vec":
        out["success_rate"] = float(np.mean(scores.success))
    else:
        v = np.array(scores.validity)
        for name in ("valid", "repaired", "failed"):
            out[f"{name}_rate"] = float(np.mean(v == name))
        q = scores.share_quality[np.isfinite(scores.share_quality)]
        out["share_quality"] = float(np.mean(q)) if q.size else math.nan
    return out
