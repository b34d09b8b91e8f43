"""LAENet: joint task offloading and CPU-share allocation with a HAP and ground servers
(SPEC-LAENET.md; after GADSG, Xue et al.).

Data flow: ``generate`` -> :class:`Scenario` -> ``derive`` (physics, cached) -> solver ->
:class:`Solution` (always built through ``evaluate``). Importing this package is light: no
torch, no Pyomo; solvers are registered by name and imported lazily.
"""

from offload_gym.core.registry import register_solver
from offload_gym.laenet.evaluate import FAILURE_RATIO, Evaluation, evaluate, make_solution
from offload_gym.laenet.generator import SCALES, GeneratorStats, generate, generate_batch
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.pool import generate_pool
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.waterfill import LOCAL, assignment_cost, assignment_costs, waterfill

_SOLVERS = {
    "brute": ("brute:solve_brute", "exhaustive enumeration (tiny instances)"),
    "exact": ("exact:solve_exact", "certified optimum: set-partition MILP (HiGHS)"),
    "pyomo": ("pyomo_model:solve_pyomo", "Pyomo model, any installed solver by name"),
    "mcmf": ("heuristics:solve_mcmf", "paper's min-cost-flow label generator + water-filling"),
    "greedy": ("heuristics:solve_greedy", "greedy by regret"),
    "local-search": ("heuristics:solve_local_search", "1-move / swap local search"),
    "re": ("heuristics:solve_re", "random feasible, best of 8 (RE baseline)"),
    "ao": ("heuristics:solve_ao", "alternating optimisation (AO baseline)"),
}
for _name, (_target, _desc) in _SOLVERS.items():
    register_solver("laenet", _name, f"offload_gym.laenet.solvers.{_target}", _desc)

__all__ = [
    "FAILURE_RATIO",
    "LOCAL",
    "SCALES",
    "Derived",
    "Evaluation",
    "GeneratorStats",
    "Scenario",
    "Solution",
    "assignment_cost",
    "assignment_costs",
    "derive",
    "evaluate",
    "generate",
    "generate_batch",
    "generate_pool",
    "make_solution",
    "waterfill",
]
