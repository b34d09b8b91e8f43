"""The LAENet solution record (SPEC-LAENET.md "Scenario exchange format", last paragraph).

Build it with :func:`offload_gym.laenet.evaluate.make_solution`, which re-checks the
output through :func:`~offload_gym.laenet.evaluate.evaluate`; never fill ``cost`` by hand.
JSON keys equal the field names; infinite costs are written as ``null``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from offload_gym.core import jsonio
from offload_gym.core.solution import JsonSolutionMixin
from offload_gym.core.status import Status

VALID, REPAIRED, FAILED = "valid", "repaired", "failed"
VALIDITIES = (VALID, REPAIRED, FAILED)


@dataclasses.dataclass(frozen=True)
class Solution(JsonSolutionMixin):
    """One method's answer on one scenario, as scored by ``evaluate``.

    ``choice[u]``: server index or -1 (LOCAL); ``share[u]``: CPU share, None when local;
    ``cost``: total objective C (inf if failed); ``user_time_s`` / ``user_cost``: per user
    (NaN if failed); ``validity``: "valid" | "repaired" | "failed"; ``lower_bound``,
    ``upper_bound``, ``gap`` (relative, (UB - LB) / max(1, UB)) and ``iterations``: exact
    solvers only (None otherwise).
    """

    choice: tuple[int, ...]
    share: tuple[float | None, ...]
    cost: float
    user_time_s: tuple[float, ...]
    user_cost: tuple[float, ...]
    validity: str
    solver: str
    status: Status
    wall_time_s: float
    lower_bound: float | None = None
    upper_bound: float | None = None
    gap: float | None = None
    iterations: int | None = None

    @property
    def ok(self) -> bool:
        """True if the answer is usable as given or after repair (not failed)."""
        return self.validity != FAILED

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Solution:
        """Inverse of ``to_dict`` (``null`` cost / times read back as inf / NaN)."""
        def num(x: Any, missing: float) -> float:
            return missing if x is None else float(x)

        return cls(
            choice=tuple(int(c) for c in data["choice"]),
            share=tuple(None if y is None else float(y) for y in data["share"]),
            cost=num(data["cost"], math.inf),
            user_time_s=tuple(num(t, math.nan) for t in data["user_time_s"]),
            user_cost=tuple(num(t, math.nan) for t in data["user_cost"]),
            validity=str(data["validity"]),
            solver=str(data["solver"]),
            status=Status(data["status"]),
            wall_time_s=float(data["wall_time_s"]),
            lower_bound=None if data.get("lower_bound") is None else float(data["lower_bound"]),
            upper_bound=None if data.get("upper_bound") is None else float(data["upper_bound"]),
            gap=None if data.get("gap") is None else float(data["gap"]),
            iterations=None if data.get("iterations") is None else int(data["iterations"]),
        )

    @classmethod
    def from_json(cls, text: str) -> Solution:
        return cls.from_dict(jsonio.loads(text))
