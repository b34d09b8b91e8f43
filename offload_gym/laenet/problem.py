"""The LAENet problem as the problem-agnostic layers see it (see
``offload_gym/core/problem.py``)."""

from __future__ import annotations

from offload_gym.core.problem import Problem, SizeSpec


def parse_scale(text: str) -> str:
    """A scale name (``gs3_gu6_au4``), checked against the generator's scale rule."""
    from offload_gym.laenet.generator import resolve_scale

    resolve_scale(text)  # raises naming the scale when unknown
    return str(text)


def scale_label(scale: str) -> str:
    return str(scale)


PROBLEM = Problem(
    name="laenet",
    title="LAENet: whole-task offloading to a HAP or ground servers with CPU shares (GADSG)",
    size=SizeSpec(name="scale", default="gs3_gu6_au4", parse=parse_scale, label=scale_label,
                  help="scale name gsS_guY_auZ (the paper's Table II names)"),
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
)
