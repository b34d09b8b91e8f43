"""Small validators that turn untrusted JSON values into numbers/arrays or raise
:class:`~offload_gym.core.errors.ScenarioError` naming the field. Nothing is clipped.

Beyond "finite and of the right sign", both problems bound magnitudes: every non-zero
physical input (SI units; VEC CPUs in GHz and task sizes in Gbit) and every time the models
derive from the inputs must lie in [:data:`MAGNITUDE_MIN`, :data:`MAGNITUDE_MAX`] =
[1e-100, 1e100] (a dB value d stands for 10^(d/10), so |d| <= 1000). Outside that range an
input is physically meaningless and the arithmetic degenerates: a CPU of 1e-320 GHz gives
an infinite time, one of 1e308 GHz a subnormal 1e-308 s, an SNR of -500 dB a spectral
efficiency that rounds to exactly 0.
"""

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


MAGNITUDE_MIN = 1e-100
MAGNITUDE_MAX = 1e100
DB_MAX = 10.0 * math.log10(MAGNITUDE_MAX)  # 1000 dB: 10^(dB/10) within the same range
_RANGE_TEXT = f"[{MAGNITUDE_MIN:g}, {MAGNITUDE_MAX:g}]"


def first_out_of_range(values: Any, *, allow_zero: bool = False, allow_inf: bool = False,
                       low: float = MAGNITUDE_MIN, high: float = MAGNITUDE_MAX) -> int | None:
    """Index of the first entry whose magnitude is outside [low, high] (NaN counts as out;
    0 and +-inf are accepted only when allowed), or None."""
    a = np.abs(np.atleast_1d(np.asarray(values, dtype=np.float64)))
    ok = (a >= low) & (a <= high)
    if allow_zero:
        ok |= a == 0.0
    if allow_inf:
        ok |= np.isposinf(a)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else None


def _indexed(field: str, values: Any, i: int) -> tuple[str, float]:
    """``(field[i], value)`` for an array, ``(field, value)`` for a scalar."""
    if np.ndim(values) == 0:
        return field, float(values)
    return f"{field}[{i}]", float(np.asarray(values)[i])


def check_magnitude(values: Any, field: str, *, allow_zero: bool = False) -> None:
    """Every entry of ``values`` (a scalar or an array) is 0 (if allowed) or has a magnitude
    in [1e-100, 1e100]; else ScenarioError naming the first bad entry."""
    i = first_out_of_range(values, allow_zero=allow_zero)
    if i is not None:
        name, x = _indexed(field, values, i)
        raise ScenarioError(name, f"{x!r} is outside the accepted magnitude range "
                                  f"{_RANGE_TEXT}{' (or 0)' if allow_zero else ''}: "
                                  "physically meaningless, and the arithmetic would "
                                  "overflow or underflow")


def check_db(values: Any, field: str) -> None:
    """Every dB value is within +-1000 dB (10^(dB/10) in [1e-100, 1e100])."""
    a = np.atleast_1d(np.asarray(values, dtype=np.float64))
    bad = np.flatnonzero(~(np.abs(a) <= DB_MAX))
    if bad.size:
        name, x = _indexed(field, values, int(bad[0]))
        raise ScenarioError(name, f"{x!r} dB is outside [-{DB_MAX:g}, {DB_MAX:g}] dB "
                                  f"(10^(dB/10) must lie in {_RANGE_TEXT})")


def check_derived(values: Any, field: str, what: str, *, unit: str = "s",
                  allow_zero: bool = False, allow_inf: bool = False) -> None:
    """A quantity the model derives (per entry of ``values``; a time unless ``unit`` says
    otherwise) is finite (or +inf when ``allow_inf``), 0 only when ``allow_zero``, and its
    magnitude within [1e-100, 1e100]; else ScenarioError naming ``field`` (the input to
    blame, indexed like ``values``) and describing ``what`` was computed."""
    i = first_out_of_range(values, allow_zero=allow_zero, allow_inf=allow_inf)
    if i is not None:
        name, x = _indexed(field, values, i)
        raise ScenarioError(name, f"{what} = {x!r} {unit} is outside {_RANGE_TEXT} {unit} "
                                  "(physically meaningless input; results would overflow, "
                                  "underflow or lose all precision)")
