"""VECStream: the VEC problem as a sequential episode (SPEC-STREAM, docs/stream.md).

Tasks arrive while vehicles drive and RSUs are still busy with earlier work. A sub-package of
``offload_gym.vec`` sharing its physics (``vec/physics.py``).

- :mod:`.presets`: :class:`StreamPreset`, ``PRESETS``, :func:`get_preset`
- :mod:`.mobility`: :class:`HighwayMobility`, :class:`SampledMobility`
- :mod:`.trace`: :class:`StreamTrace`, :func:`generate_trace`, :func:`load_trace`
- :mod:`.allocation`: :func:`finish_time` (exact T_S and shares for one chosen set)
- :mod:`.oracle`: :class:`TaskState`, :func:`myopic_exact`, :func:`brute`
- :mod:`.simulator`: :class:`StreamSimulator` (queues, commit / drop, rewards, lower bound)
"""

from offload_gym.vec.stream.allocation import finish_time
from offload_gym.vec.stream.mobility import HighwayMobility, Mobility, SampledMobility
from offload_gym.vec.stream.oracle import (
    Decision,
    TaskState,
    brute,
    lower_bound_state,
    myopic_exact,
)
from offload_gym.vec.stream.presets import PRESETS, StreamPreset, get_preset
from offload_gym.vec.stream.simulator import StepResult, StreamSimulator
from offload_gym.vec.stream.trace import StreamTrace, generate_trace, load_trace

__all__ = [
    "PRESETS", "Decision", "HighwayMobility", "Mobility", "SampledMobility", "StepResult",
    "StreamPreset", "StreamSimulator", "StreamTrace", "TaskState", "brute", "finish_time",
    "generate_trace", "get_preset", "load_trace", "lower_bound_state", "myopic_exact",
]
