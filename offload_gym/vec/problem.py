"""The VEC problem as the problem-agnostic layers see it (see ``offload_gym/core/problem.py``)."""

from __future__ import annotations

from offload_gym.core.problem import Problem, SizeSpec


def parse_n_rsus(text: str) -> int:
    """``"20"`` -> 20 (the number of RSUs, an integer >= 1)."""
    try:
        n = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"size: expected a number of RSUs (integer >= 1), got {text!r}"
                         ) from None
    if n < 1:
        raise ValueError(f"size: expected a number of RSUs (integer >= 1), got {n}")
    return n


def n_rsus_label(n_rsus: int) -> str:
    """``20`` -> ``"n20"`` (dataset and evaluation-row label)."""
    return f"n{n_rsus}"


PROBLEM = Problem(
    name="vec",
    title="VEC: partial offloading from a moving vehicle to roadside units (KATO)",
    size=SizeSpec(name="n_rsus", default=20, parse=parse_n_rsus, label=n_rsus_label,
                  help="number of RSUs n (integer >= 1)"),
    presets=("kato2025", "mobility_stress"),
    default_preset="kato2025",
    scenario="offload_gym.vec.scenario:Scenario",
    solution="offload_gym.vec.solution:Solution",
    generate="offload_gym.vec.generator:generate",
    evaluate="offload_gym.vec.evaluate:evaluate",
    methods="offload_gym.vec",
    dataset="offload_gym.vec.dataset",
    scoring="offload_gym.vec.scoring",
    env_ids={"offload_gym/VEC-v0": "offload_gym.vec.env:VecOffloadEnv",
             "offload_gym/VECSelect-v0": "offload_gym.vec.env:VecSelectEnv"},
    doc="docs/vec.md",
)
