"""LAENet scoring hooks for the evaluation harness (see
:class:`~offload_gym.core.problem.ScoringHooks`).

Per instance: cost = ``laenet.evaluate(...).cost`` (valid outputs with their own shares,
repaired ones after the spec's repair); ratio = cost / C*; FAILED outputs score
``FAILURE_RATIO`` = 10. Share quality = cost with own shares / cost with water-filling
shares, over valid outputs. Summary: valid / repaired / failed rates and the share quality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.evaluation.metrics import FAILURE_RATIO, Scores

VALIDITIES = ("valid", "repaired", "failed")


def score_instances(scenarios: Sequence[Any], solutions: Sequence[Any], reference: np.ndarray
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


def score(scenarios: Sequence[Any], solutions: Sequence[Any], dataset: Any,
          label_set: str) -> tuple[Scores, str, int]:
    """Scores against the stored labels (``label_set`` does not apply: one label set); the
    reference is the labelling solver, and labels it could not certify are counted."""
    scores = score_instances(scenarios, solutions, dataset.reference_cost())
    reference = str(dataset.metadata["spec"]["solver"])
    uncertified = int(np.sum(dataset.arrays["label_status"] != "optimal"))
    return scores, reference, uncertified


def summary(scores: Scores) -> dict[str, float]:
    """LAENet's own summary metrics: validity rates and share quality."""
    v = np.array(scores.validity)
    out = {f"{name}_rate": float(np.mean(v == name)) for name in VALIDITIES}
    q = scores.share_quality[np.isfinite(scores.share_quality)]
    out["share_quality"] = float(np.mean(q)) if q.size else math.nan
    return out


# ``offload-gym demo`` table (offload_gym/demo.py): the columns between solver and wall_ms.
DEMO_COLUMNS = ("#offloaded", "cost", "ratio", "validity")
DEMO_NOTE = "cost ratio = solver / certified optimum"


def demo_row(solution: Any, ratio: str) -> list[str]:
    """One demo-table row's middle cells (``ratio`` already formatted, or ``n/a``)."""
    n_offloaded = sum(c >= 0 for c in solution.choice)
    return [str(n_offloaded), f"{solution.cost:.6f}", ratio, solution.validity]
