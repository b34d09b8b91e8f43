"""VEC scoring hooks for the evaluation harness (:class:`~offload_gym.core.problem.ScoringHooks`).

Per instance: time = ``vec.evaluate(...).completion_time_s``; ratio = time / T* with T* the
label set's stored optimum (default ``optimal``: the true optimum of P). A task that FAILS
(an RSU leaves range before finishing, the deadline is missed, or the output is malformed)
scores ``FAILURE_RATIO`` = 10; when the reference itself fails (no selection meets the
deadline) the plain time ratio is used. Summary: the task success rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.evaluation.metrics import FAILURE_RATIO, Scores


def score_instances(scenarios: Sequence[Any], solutions: Sequence[Any], reference: np.ndarray,
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


def score(scenarios: Sequence[Any], solutions: Sequence[Any], dataset: Any,
          label_set: str) -> tuple[Scores, str, int]:
    """Scores against the dataset's ``label_set`` optimum (every VEC label is certified)."""
    scores = score_instances(scenarios, solutions, dataset.reference_cost(label_set),
                             dataset.arrays[f"label_{label_set}_success"])
    return scores, f"exact:{label_set}", 0


def summary(scores: Scores) -> dict[str, float]:
    """VEC's own summary metric: the task success rate."""
    return {"success_rate": float(np.mean(scores.success))}


# ``offload-gym demo`` table (offload_gym/demo.py): the columns between solver and wall_ms.
DEMO_COLUMNS = ("#RSUs", "time_s", "ratio", "success")
DEMO_NOTE = "rule: optimal; time ratio = solver / exact optimum"


def demo_row(solution: Any, ratio: str) -> list[str]:
    """One demo-table row's middle cells (``ratio`` already formatted, or ``n/a``)."""
    return [str(len(solution.selected)), f"{solution.completion_time_s:.6f}", ratio,
            str(solution.success)]
