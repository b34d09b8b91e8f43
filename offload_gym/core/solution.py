"""The conventions every problem's ``Solution`` dataclass follows.

Each problem defines its own frozen dataclass (``offload_gym.vec.Solution``,
``offload_gym.laenet.Solution``) with the problem's decision fields, plus the common
``solver`` (registry name), ``status`` (:class:`~offload_gym.core.status.Status`) and
``wall_time_s``. This mixin gives both the same JSON output.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from offload_gym.core import jsonio


class JsonSolutionMixin:
    """``to_dict`` / ``to_json`` for a solution dataclass (numpy values become plain JSON)."""

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return jsonio.to_jsonable(out)

    def to_json(self, indent: int | None = 2) -> str:
        return jsonio.dumps(self.to_dict(), indent=indent)
