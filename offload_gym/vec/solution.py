"""The VEC solution type returned by every solver, baseline and policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from offload_gym.core import jsonio
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

    @property
    def lower_bound(self) -> float | None:
        """``lower_bound_s`` under the name LAENet's Solution uses (the same API shape)."""
        return self.lower_bound_s

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Solution:
        """Inverse of ``to_dict`` (a ``null`` completion time is read back as inf)."""
        def opt(x: Any) -> float | None:
            return None if x is None else float(x)

        time_s = data["completion_time_s"]
        return cls(
            selected=tuple(int(i) for i in data["selected"]),
            allocation_gbit=tuple(float(x) for x in data["allocation_gbit"]),
            completion_time_s=math.inf if time_s is None else float(time_s),
            success=bool(data["success"]),
            rule=str(data["rule"]),
            solver=str(data["solver"]),
            status=Status(data["status"]),
            wall_time_s=float(data["wall_time_s"]),
            mobcheck=bool(data.get("mobcheck", False)),
            lower_bound_s=opt(data.get("lower_bound_s")),
            gap=opt(data.get("gap")),
        )

    @classmethod
    def from_json(cls, text: str) -> Solution:
        return cls.from_dict(jsonio.loads(text))
