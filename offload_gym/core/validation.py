"""Small validators that turn untrusted JSON values into numbers/arrays or raise
:class:`~offload_gym.core.errors.ScenarioError` naming the field. Nothing is clipped."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError


def require_mapping(data: Any, field: str) -> Mapping[str, Any]:
    """Return ``data`` if it is a JSON object, else raise naming ``field``."""
    if not isinstance(data, Mapping):
        raise ScenarioError(field, f"expected a JSON object, got {type(data).__name__}")
    return data


def require_key(data: Mapping[str, Any], key: str, prefix: str = "") -> Any:
    """``data[key]`` or a ScenarioError naming ``prefix.key`` as missing."""
    if key not in data:
        raise ScenarioError(f"{prefix}{key}", "missing required key")
    return data[key]


def check_no_extra_keys(data: Mapping[str, Any], allowed: set[str], prefix: str = "") -> None:
    """Reject unknown keys (a typo such as ``speed_ms`` must not be silently ignored)."""
    extra = sorted(set(data) - allowed)
    if extra:
        raise ScenarioError(f"{prefix}{extra[0]}", f"unknown key (allowed: {sorted(allowed)})")


def as_float(
    value: Any,
    field: str,
    *,
    min_value: float | None = None,
    strict_min: bool = False,
    allow_inf: bool = False,
) -> float:
    """Convert a JSON scalar to float; reject bools, strings, NaN, inf (unless allowed),
    and values below ``min_value`` (or equal to it when ``strict_min``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ScenarioError(field, f"expected a number, got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ScenarioError(field, "is NaN")
    if math.isinf(x) and not allow_inf:
        raise ScenarioError(field, f"must be finite, got {x}")
    if min_value is not None:
        if strict_min and not x > min_value:
            raise ScenarioError(field, f"must be > {min_value}, got {x}")
        if not strict_min and not x >= min_value:
            raise ScenarioError(field, f"must be >= {min_value}, got {x}")
    return x


def as_float_array(
    values: Any,
    field: str,
    *,
    length: int | None = None,
    min_value: float | None = None,
    strict_min: bool = False,
) -> np.ndarray:
    """Convert a JSON list of numbers to a read-only float64 array, checking each entry
    (finite, bound) and the length; errors name the first bad index, e.g. ``rsus.x_m[2]``."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise ScenarioError(field, f"expected a list of numbers, got {type(values).__name__}")
    if length is not None and len(values) != length:
        raise ScenarioError(field, f"expected {length} entries, got {len(values)}")
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        out[i] = as_float(v, f"{field}[{i}]", min_value=min_value, strict_min=strict_min)
    out.setflags(write=False)
    return out


def frozen(array: np.ndarray) -> np.ndarray:
    """Return a read-only float64 copy (scenarios are immutable)."""
    out = np.array(array, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out
