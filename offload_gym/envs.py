"""Deprecated module (one release): the Gymnasium ids moved to :mod:`offload_gym.registration`,
the env helpers to :mod:`offload_gym.core.env` and :mod:`offload_gym.core.errors`.

Importing it still registers the ids; reading a name from it warns (DeprecationWarning) and
returns the new one.
"""

from __future__ import annotations

import offload_gym.registration  # noqa: F401  (registers the Gymnasium ids)
from offload_gym.core.deprecation import moved

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
__getattr__ = moved(__name__, {name: f"{module}:{name}" for name, module in _MOVED.items()})
