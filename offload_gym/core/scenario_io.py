"""Problem-agnostic scenario loading: the ``"problem"`` key picks the registered problem
(:func:`offload_gym.core.problem.get_problem`), whose Scenario type reads the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError
from offload_gym.core.problem import get_problem, problem_names
from offload_gym.core.validation import require_key, require_mapping


def problem_of(data: Any) -> str:
    """The validated ``problem`` key of a scenario dict (a registered problem's name)."""
    data = require_mapping(data, "scenario")
    problem = require_key(data, "problem")
    known = problem_names()
    if not isinstance(problem, str) or problem not in known:
        raise ScenarioError("problem", f"unknown problem kind {problem!r} "
                                       f"(expected one of {known})")
    return problem


def scenario_from_dict(data: Any) -> Any:
    """Build the right problem's Scenario from a JSON dict."""
    return get_problem(problem_of(data)).scenario_from_dict(data)


def load_scenario(path: str | Path) -> Any:
    """Read a scenario JSON file of any registered problem."""
    return scenario_from_dict(jsonio.load_file(path))


def __getattr__(name: str) -> Any:
    if name == "PROBLEMS":  # the old hard-coded table, kept one release
        import warnings

        warnings.warn("offload_gym.core.scenario_io.PROBLEMS is deprecated: use "
                      "offload_gym.core.problem.problem_names()", DeprecationWarning,
                      stacklevel=2)
        return {p: get_problem(p).scenario.partition(":")[0] for p in problem_names()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
