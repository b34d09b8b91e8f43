"""Run policies on labelled dataset splits and collect the papers' metrics.

``evaluate_policy(policy, dataset)`` runs ``policy.act_batch`` on every instance (timed:
batched latency per instance), times ``policy.act`` alone on up to ``single_samples``
instances when the policy has a real batched path (otherwise single = batched), scores
every output through the problem's ``evaluate()`` (:mod:`metrics`) and returns one row.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from offload_gym.core.problem import get_problem
from offload_gym.evaluation.metrics import Scores, ratio_summary
from offload_gym.evaluation.policy import has_batched_act

DEFAULT_SINGLE_SAMPLES = 20


@dataclasses.dataclass
class PolicyResult:
    """One policy on one dataset split: the summary row and per-instance scores."""

    row: dict[str, Any]
    scores: Scores
    solutions: list[Any]


def evaluate_policy(policy: Any, dataset: Any, *, label_set: str = "optimal",
                    single_samples: int = DEFAULT_SINGLE_SAMPLES,
                    scenarios: Sequence[Any] | None = None) -> PolicyResult:
    """Evaluate ``policy`` on ``dataset`` (a :class:`~offload_gym.datasets.LabelledDataset`).

    ``label_set``: which stored optimum is the reference (problems with one label set
    ignore it); scoring goes through the problem's ``scoring`` hook. ``scenarios``: the
    decoded scenarios, when the caller already has them (they are decoded otherwise)."""
    if policy.problem != dataset.problem:
        raise ValueError(f"policy {policy.name!r} is for {policy.problem!r}, the dataset is "
                         f"{dataset.problem!r}")
    scs = list(scenarios) if scenarios is not None else dataset.scenarios()
    start = time.perf_counter()
    solutions = policy.act_batch(scs)
    batch_s = (time.perf_counter() - start) / max(len(scs), 1)
    single_s = batch_s
    if has_batched_act(policy) and single_samples > 0:
        k = min(single_samples, len(scs))
        start = time.perf_counter()
        for s in scs[:k]:
            policy.act(s)
        single_s = (time.perf_counter() - start) / max(k, 1)
    scoring = get_problem(dataset.problem).hook("scoring")
    scores, reference, uncertified = scoring.score(scs, solutions, dataset, label_set)
    row = {"dataset": dataset.size_label, "split": dataset.split, "policy": policy.name,
           **ratio_summary(scores), **scoring.summary(scores),
           "latency_single_ms": 1e3 * single_s, "latency_batch_ms": 1e3 * batch_s,
           "reference": reference, "uncertified_references": uncertified}
    return PolicyResult(row, scores, solutions)


def evaluate_policies(policies: Sequence[str], data_dirs: Sequence[str | Path], *,
                      split: str = "test", limit: int | None = None,
                      label_set: str = "optimal", single_samples: int = DEFAULT_SINGLE_SAMPLES,
                      policy_kwargs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every policy spec on every dataset directory; one summary row per pair."""
    from offload_gym.datasets import load
    from offload_gym.evaluation.registry import get_policy

    rows = []
    for directory in data_dirs:
        ds = load(directory, split).subset(limit)
        ds.check_label_set(label_set)  # before any policy runs
        scs = ds.scenarios()
        for spec in policies:
            policy = get_policy(ds.problem, spec, **(policy_kwargs or {}))
            rows.append(evaluate_policy(policy, ds, label_set=label_set,
                                        single_samples=single_samples, scenarios=scs).row)
    return rows
