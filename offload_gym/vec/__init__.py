"""VEC: partial offloading of a divisible task from a moving vehicle to roadside units
(after KATO; contract: SPEC-VEC). See docs/vec.md."""

from offload_gym.vec import methods as _methods  # noqa: F401  (registers the methods)
from offload_gym.vec.allocation import RULES, allocate
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.evaluate import evaluate
from offload_gym.vec.generator import PRESETS, generate, generate_batch
from offload_gym.vec.physics import VecPhysics, derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

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
