"""The LAENet problem as the problem-agnostic layers see it (see
``offload_gym/core/problem.py``)."""

from __future__ import annotations

from typing import Any

from offload_gym.core.problem import Problem, SizeSpec


def parse_scale(text: str) -> str:
    """A scale name (``gs3_gu6_au4``), checked against the generator's scale rule."""
    from offload_gym.laenet.generator import resolve_scale

    resolve_scale(text)  # raises naming the scale when unknown
    return str(text)


def scale_label(scale: str) -> str:
    return str(scale)


def check_solution(scenario: Any, solution: Any) -> list[str]:
    """What ``solution`` reports (cost, validity) that ``evaluate()`` does not confirm from
    its choice and shares alone (empty: they agree). A repaired solution stores the
    repaired choice, which re-evaluates as valid."""
    import math

    from offload_gym.laenet.evaluate import evaluate
    from offload_gym.laenet.solution import FAILED, VALID

    if not solution.choice:  # the method produced nothing
        ok = solution.validity == FAILED and math.isinf(solution.cost)
        return [] if ok else [f"empty choice reported as {solution.validity} with cost "
                              f"{solution.cost!r}"]
    share = None if all(y is None for y in solution.share) else solution.share
    ev = evaluate(scenario, solution.choice, share)
    want = FAILED if solution.validity == FAILED else VALID
    out = []
    if ev.validity != want:
        out.append(f"validity: reported {solution.validity}, evaluate() gives {ev.validity}")
    if not (math.isclose(ev.cost, solution.cost, rel_tol=1e-9) or ev.cost == solution.cost):
        out.append(f"cost: reported {solution.cost!r}, evaluate() gives {ev.cost!r}")
    return out


PROBLEM = Problem(
    name="laenet",
    title="LAENet: whole-task offloading to a HAP or ground servers with CPU shares (GADSG)",
    size=SizeSpec(name="scale", default="gs3_gu6_au4", parse=parse_scale, label=scale_label,
                  help="scale name gsS_guY_auZ (the paper's Table II names)",
                  small="gs2_gu4_au2", aliases=("scale",)),
    presets=("gadsg2025",),
    default_preset="gadsg2025",
    scenario="offload_gym.laenet.scenario:Scenario",
    solution="offload_gym.laenet.solution:Solution",
    generate="offload_gym.laenet.generator:generate",
    evaluate="offload_gym.laenet.evaluate:evaluate",
    methods="offload_gym.laenet",
    dataset="offload_gym.laenet.dataset",
    scoring="offload_gym.laenet.scoring",
    env_ids={"offload_gym/LAENet-v0": "offload_gym.laenet.env:LaenetOffloadEnv",
             "offload_gym/LAENetAssign-v0": "offload_gym.laenet.env:LaenetAssignEnv"},
    doc="docs/laenet.md",
    check="offload_gym.laenet.problem:check_solution",
    objective="cost",
)
