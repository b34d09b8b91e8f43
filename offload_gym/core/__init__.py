"""What both problems share: errors, validation, statuses, JSON, the solver registry."""

from offload_gym.core import highs as _highs  # noqa: F401  (its fork hook; highspy lazily)
from offload_gym.core.errors import ScenarioError, SolverError
from offload_gym.core.registry import get_solver, register_solver, solver_names
from offload_gym.core.scenario_io import load_scenario, scenario_from_dict
from offload_gym.core.status import Status

__all__ = [
    "ScenarioError",
    "SolverError",
    "Status",
    "get_solver",
    "load_scenario",
    "register_solver",
    "scenario_from_dict",
    "solver_names",
]
