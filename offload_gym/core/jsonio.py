"""JSON helpers: strict parsing (NaN/Infinity literals rejected) and numpy-aware dumping."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError


def _reject_constant(name: str) -> Any:
    raise ScenarioError("json", f"non-standard literal {name} is not allowed")


def loads(text: str) -> Any:
    """Parse JSON text; malformed text raises ScenarioError('json', ...)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError("json", f"malformed JSON ({exc.msg} at line {exc.lineno} "
                                    f"column {exc.colno})") from None


def load_file(path: str | Path) -> Any:
    """Read and parse a JSON file; a missing file raises ScenarioError('path', ...)."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError("path", f"no such file: {p}")
    return loads(p.read_text())


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays and tuples into plain JSON types.

    Infinite floats become ``None`` (JSON has no infinity); callers document where that
    applies (e.g. an infinite deadline is ``null`` in the spec's format)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        x = float(obj)
        return None if math.isinf(x) or math.isnan(x) else x
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)
