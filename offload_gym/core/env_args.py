"""What the four envs check at their boundary: constructor kwargs and actions.

Constructor kwargs are checked when the env is built, so that a typo fails at
``gym.make`` with a ``ValueError`` naming the kwarg rather than episodes later.

Actions (docs/envs.md "Actions and invalid actions"): an action OUTSIDE the action space
(wrong shape, non-integer, out of range, a ``MultiBinary`` entry other than 0 / 1) always
raises :class:`~offload_gym.core.errors.InvalidActionError` naming the expected form; every
action INSIDE the space is accepted, and a masked one is then handled by the env's
``invalid_action`` mode. Accepted forms, chosen to take what the common clients send
(stable-baselines3, ``gym.make_vec``, torchrl, CleanRL-style loops):

- ``Discrete(n)``: a Python or numpy integer, or an integer array of shape ``()`` or
  ``(1,)``;
- ``MultiBinary(n)``: an array of shape ``(n,)`` of any numeric or bool dtype whose values are
  exactly 0 or 1 (SB3 emits float32 for ``MultiBinary``);
- ``MultiDiscrete``: an integer array of the space's shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.core.errors import InvalidActionError

__all__ = ["binary_action", "check_bool", "check_choice", "check_finite_at_least",
           "check_int", "check_optional_int", "check_seed", "discrete_action",
           "multi_discrete_action"]


# ---------------------------------------------------------------------------- kwargs
def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else ValueError naming ``name``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a bool if it is a Python or numpy bool, else ValueError naming ``name``
    (``bool("no")`` is True, so strings and numbers are refused rather than coerced)."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int if it is an integer >= ``minimum``, else ValueError naming it."""
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_optional_int(name: str, value: Any, minimum: int) -> int | None:
    """None, or :func:`check_int`."""
    return None if value is None else check_int(name, value, minimum)


def check_seed(value: Any) -> int | None:
    """The constructor's ``seed``: None or an int >= 0 (numpy's seeding rule)."""
    return check_optional_int("seed", value, 0)


def check_finite_at_least(name: str, value: Any, minimum: float) -> float:
    """``value`` as a float if it is a finite real number >= ``minimum``."""
    if not isinstance(value, int | float | np.integer | np.floating) \
            or isinstance(value, bool) or not math.isfinite(value) or value < minimum:
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- actions
def _as_array(action: Any, expected: str) -> np.ndarray:
    """``action`` as a numpy array of a numeric or bool dtype, else InvalidActionError."""
    try:
        a = np.asarray(action)
    except Exception as exc:  # e.g. a ragged list
        raise InvalidActionError(f"expected {expected}, got {action!r}") from exc
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise InvalidActionError(f"expected {expected}, got {action!r}")
    return a


def discrete_action(action: Any, n: int) -> int:
    """The integer of a ``Discrete(n)`` action (module docstring); anything else (another
    shape, a float or bool, a value outside [0, n)) raises InvalidActionError."""
    expected = f"one integer in [0, {n}) (a scalar or an array of shape (1,))"
    if isinstance(action, int | np.integer) and not isinstance(action, bool | np.bool_):
        v = int(action)
    else:
        a = _as_array(action, expected)
        if a.shape not in ((), (1,)):
            raise InvalidActionError(f"expected {expected}, got an array of shape {a.shape}")
        if not np.issubdtype(a.dtype, np.integer):
            raise InvalidActionError(f"expected {expected}, got {action!r} ({a.dtype})")
        v = int(a.reshape(-1)[0])
    if not 0 <= v < n:
        raise InvalidActionError(f"action {v} out of range: expected {expected}")
    return v


def binary_action(action: Any, n: int) -> np.ndarray:
    """bool [n] of a ``MultiBinary(n)`` action: any numeric or bool array of shape (n,) whose
    values are exactly 0 or 1; anything else raises InvalidActionError."""
    expected = f"an array of shape ({n},) of 0 / 1 values"
    a = _as_array(action, expected)
    if a.shape != (n,):
        raise InvalidActionError(f"expected {expected}, got an array of shape {a.shape}")
    if a.dtype == bool:
        return a.copy()
    bad = np.flatnonzero((a != 0) & (a != 1))
    if bad.size:
        raise InvalidActionError(f"expected {expected}, got {a[bad[:5]].tolist()} at "
                                 f"entries {bad[:5].tolist()}")
    return a == 1


def multi_discrete_action(action: Any, n_choices: int, n_entries: int) -> np.ndarray:
    """int64 [n_entries] of a ``MultiDiscrete([n_choices] * n_entries)`` action: an integer
    array of that shape with every entry in [0, n_choices); else InvalidActionError."""
    expected = f"an integer array of shape ({n_entries},) with entries in [0, {n_choices})"
    a = _as_array(action, expected)
    if a.shape != (n_entries,):
        raise InvalidActionError(f"expected {expected}, got an array of shape {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        raise InvalidActionError(f"expected {expected}, got dtype {a.dtype}")
    bad = np.flatnonzero((a < 0) | (a >= n_choices))
    if bad.size:
        raise InvalidActionError(f"expected {expected}, got {a[bad[:5]].tolist()} at "
                                 f"entries {bad[:5].tolist()}")
    return a.astype(np.int64, copy=False)
