"""offload-gym: Gymnasium environments, certified exact solvers and agents for edge-computing
task offloading (VEC after KATO, LAENet after GADSG)."""

import offload_gym.registration  # noqa: F401  (registers the Gymnasium ids)
from offload_gym.core import (
    ScenarioError,
    SolverError,
    Status,
    get_solver,
    load_scenario,
    scenario_from_dict,
    solver_names,
)
from offload_gym.core.problem import get_problem, problems
from offload_gym.core.registry import get_method, methods, register_method

__version__ = "0.1.0"


def make_sb3_vec(env_id: str, n_envs: int = 64, **kwargs):  # returns NativeSB3VecEnv
    """A stable-baselines3 ``VecEnv`` over the native vector env of ``env_id``
    (:mod:`offload_gym.sb3_vec`; imports stable-baselines3 and torch on call)."""
    from offload_gym.sb3_vec import make_sb3_vec as make

    return make(env_id, n_envs=n_envs, **kwargs)


__all__ = [
    "ScenarioError",
    "SolverError",
    "Status",
    "__version__",
    "get_method",
    "get_problem",
    "get_solver",
    "load_scenario",
    "make_sb3_vec",
    "methods",
    "problems",
    "register_method",
    "scenario_from_dict",
    "solver_names",
]
