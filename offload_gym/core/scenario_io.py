"""Problem-agnostic scenario loading: the ``"problem"`` key picks the problem package."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError
from offload_gym.core.validation import require_key, require_mapping

PROBLEMS = {"vec": "offload_gym.vec.scenario", "laenet": "offload_gym.laenet.scenario"}


def problem_of(data: Any) -> str:
    """The validated ``problem`` key of a scenario dict."""
    data = require_mapping(data, "scenario")
    problem = require_key(data, "problem")
    if problem not in PROBLEMS:
        raise ScenarioError("problem", f"unknown problem kind {problem!r} "
                                       f"(expected one of {sorted(PROBLEMS)})")
    return str(problem)


def scenario_from_dict(data: Any) -> Any:
    """Build the right problem's Scenario from a JSON dict."""
    module = importlib.import_module(PROBLEMS[problem_of(data)])
    return module.Scenario.from_dict(data)


def load_scenario(path: str | Path) -> Any:
    """Read a scenario JSON file of either problem."""
    return scenario_from_dict(jsonio.load_file(path))
