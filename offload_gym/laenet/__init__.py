"""LAENet: joint task offloading and CPU-share allocation with a HAP and ground servers
(SPEC-LAENET.md; after GADSG, Xue et al.).

Data flow: ``generate`` -> :class:`Scenario` -> ``derive`` (physics, cached) -> solver ->
:class:`Solution` (always built through ``evaluate``). Importing this package is light: no
torch, no Pyomo; solvers are registered by name and imported lazily.
"""

from offload_gym.laenet import methods as _methods  # noqa: F401  (registers the methods)
from offload_gym.laenet.evaluate import FAILURE_RATIO, Evaluation, evaluate, make_solution
from offload_gym.laenet.generator import SCALES, GeneratorStats, generate, generate_batch
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.pool import generate_pool
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.waterfill import LOCAL, assignment_cost, assignment_costs, waterfill

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
