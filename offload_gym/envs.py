"""Deprecated module (one release): the Gymnasium ids moved to :mod:`offload_gym.registration`,
the env helpers to :mod:`offload_gym.core.env` and :mod:`offload_gym.core.errors`.

Importing it still registers the ids; reading a name from it warns (DeprecationWarning) and
returns the new one.
"""

from __future__ import annotations

import warnings
from typing import Any

import offload_gym.registration  # noqa: F401  (registers the Gymnasium ids)

_MOVED = {
    "ENV_IDS": "offload_gym.registration",
    "NAMESPACE": "offload_gym.registration",
    "register_envs": "offload_gym.registration",
    "INVALID_ACTION_MODES": "offload_gym.core.env",
    "check_invalid_action_mode": "offload_gym.core.env",
    "load_scenario_set": "offload_gym.core.env",
    "InvalidActionError": "offload_gym.core.errors",
}
__all__ = sorted(_MOVED)


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = _MOVED[name]
    warnings.warn(f"offload_gym.envs.{name} is deprecated: use {module}.{name}",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(module), name)
