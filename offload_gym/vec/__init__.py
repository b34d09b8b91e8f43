"""VEC: partial offloading of a divisible task from a moving vehicle to roadside units
(after KATO; contract: SPEC-VEC). See docs/vec.md."""

from offload_gym.core.registry import register_solver
from offload_gym.vec.allocation import RULES, allocate
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.evaluate import evaluate
from offload_gym.vec.generator import PRESETS, generate, generate_batch
from offload_gym.vec.physics import VecPhysics, derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

_SOLVERS = {
    "exact": ("exact", "solve_exact", "certified optimum (fast exact algorithm)"),
    "milp": ("milp", "solve_milp", "Pyomo MILP, one model per m (HiGHS by default)"),
    "brute": ("brute", "solve_brute", "enumerate every subset (n <= 12)"),
    "local": ("baselines", "solve_local", "vehicle only"),
    "all_rsus": ("baselines", "solve_all_rsus", "vehicle + every RSU"),
    "decc": ("baselines", "solve_decc", "vehicle + best single RSU (DECC)"),
    "lb": ("baselines", "solve_lb", "all RSUs in proportion to CPU (LB)"),
}
for _name, (_module, _fn, _desc) in _SOLVERS.items():
    register_solver("vec", _name, f"offload_gym.vec.solvers.{_module}:{_fn}", _desc)

__all__ = [
    "PRESETS",
    "RULES",
    "Scenario",
    "ScenarioBatch",
    "Solution",
    "VecPhysics",
    "allocate",
    "derive",
    "evaluate",
    "generate",
    "generate_batch",
]
