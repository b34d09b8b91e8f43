"""The VEC solution type returned by every solver, baseline and policy."""

from __future__ import annotations

from dataclasses import dataclass

from offload_gym.core.solution import JsonSolutionMixin
from offload_gym.core.status import Status


@dataclass(frozen=True)
class Solution(JsonSolutionMixin):
    """A selection and allocation for one VEC scenario.

    ``selected``: RSU indices, 0-based into the scenario's ``rsus`` lists, ascending.
    ``allocation_gbit``: length 1 + n_rsus, the vehicle's share first, then one entry per
    RSU in ``rsus`` order (0 for RSUs not selected); sums to the task size.
    ``completion_time_s``: when the last node finishes (SPEC-VEC), as re-checked by
    :func:`offload_gym.vec.evaluate.evaluate`. ``success``: every selected RSU finishes
    before leaving range and the deadline is met.
    ``lower_bound_s`` / ``gap``: a proven bound when a MILP stopped early (else None)."""

    selected: tuple[int, ...]
    allocation_gbit: tuple[float, ...]
    completion_time_s: float
    success: bool
    rule: str
    solver: str
    status: Status
    wall_time_s: float
    mobcheck: bool = False
    lower_bound_s: float | None = None
    gap: float | None = None
