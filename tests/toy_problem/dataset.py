"""Dataset hooks for the toy third problem (``tests/toy_problem``): the required hooks only,
so the generic dataset layer's defaults do the rest (docs/datasets.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.toy_problem.toy import Scenario, generate, solve_exact

_FIELDS = ("device_hz", "server_hz", "rate_bps")


def shard_arrays(spec: Any, shard: Any) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(shard.seed_sequence(spec.seed))
    scenarios = [generate(spec.size, spec.preset, rng) for _ in range(shard.count)]
    solutions = [solve_exact(sc) for sc in scenarios]
    out = {k: np.array([getattr(sc, k) for sc in scenarios]) for k in _FIELDS}
    out["cycles"] = np.array([sc.cycles for sc in scenarios])
    out["data_bits"] = np.array([sc.data_bits for sc in scenarios])
    out["label_offload"] = np.array([sol.offload for sol in solutions], dtype=bool)
    out["label_makespan_s"] = np.array([sol.makespan_s for sol in solutions])
    out["instance_index"] = np.arange(shard.start, shard.start + shard.count)
    return out


def decode(arrays: dict[str, np.ndarray], i: int) -> Scenario:
    return Scenario.from_dict({k: arrays[k][i] for k in (*_FIELDS, "cycles", "data_bits")})


def reference_cost(arrays: dict[str, np.ndarray], label_set: str = "optimal") -> np.ndarray:
    return arrays["label_makespan_s"]


def generator_parameters(spec: Any) -> dict[str, Any]:
    return {"preset": spec.preset, "n_tasks": spec.size}


def labels_doc(spec: Any) -> dict[str, Any]:
    return {"arrays": ["label_offload", "label_makespan_s"]}
