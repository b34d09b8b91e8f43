"""The VEC problem as the problem-agnostic layers see it (see ``offload_gym/core/problem.py``)."""

from __future__ import annotations

from typing import Any

from offload_gym.core.problem import CliOption, Problem, SizeSpec


def parse_n_rsus(text: str) -> int:
    """``"20"`` -> 20 (the number of RSUs, an integer >= 0; 0 = the vehicle alone)."""
    try:
        n = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"size: expected a number of RSUs (integer >= 0), got {text!r}"
                         ) from None
    if n < 0:
        raise ValueError(f"size: must be an integer >= 0, got {n}")
    return n


def n_rsus_label(n_rsus: int) -> str:
    """``20`` -> ``"n20"`` (dataset and evaluation-row label)."""
    return f"n{n_rsus}"


def check_solution(scenario: Any, solution: Any) -> list[str]:
    """What ``solution`` reports (completion time, success) that ``evaluate()`` does not
    confirm from its selection and allocation alone (empty: they agree)."""
    import math

    from offload_gym.vec.evaluate import evaluate

    ev = evaluate(scenario, list(solution.selected), solution.allocation_gbit)
    out = []
    if not math.isclose(ev.completion_time_s, solution.completion_time_s, rel_tol=1e-9):
        out.append(f"completion_time_s: reported {solution.completion_time_s!r}, "
                   f"evaluate() gives {ev.completion_time_s!r}")
    if ev.success != solution.success:
        out.append(f"success: reported {solution.success}, evaluate() gives {ev.success}")
    return out


PROBLEM = Problem(
    name="vec",
    title="VEC: partial offloading from a moving vehicle to roadside units (KATO)",
    size=SizeSpec(name="n_rsus", default=20, parse=parse_n_rsus, label=n_rsus_label,
                  help="number of RSUs n (integer >= 0)", small=5, aliases=("rsus",)),
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
    check="offload_gym.vec.problem:check_solution",
    objective="completion_time_s",
    cli_options=(CliOption("speed", "speed_mps", float, "vehicle speed (m/s)"),
                 CliOption("deadline", "deadline_s", float, "task deadline (s)"),
                 CliOption("bandwidth", "bandwidth_hz", float, "bandwidth (Hz)")),
)
