"""Gymnasium registration of the offload-gym environments, and what the envs share.

``import offload_gym`` registers (idempotently) the four ids below. Gymnasium 1.x has no
entry-point plugin loader, so without a prior import use the ``"module:ID"`` form, which
makes Gymnasium import the module first::

    gym.make("offload_gym:offload_gym/VEC-v0")          # no import needed
    import offload_gym; gym.make("offload_gym/VEC-v0")  # after an import

| id | problem | episode |
|---|---|---|
| ``offload_gym/VEC-v0`` | VEC | constructive: one RSU per step, Discrete(2) |
| ``offload_gym/VECSelect-v0`` | VEC | one shot: MultiBinary(n_rsus_max) |
| ``offload_gym/LAENet-v0`` | LAENet | constructive: one user per step, Discrete(1 + S_max) |
| ``offload_gym/LAENetAssign-v0`` | LAENet | one shot: MultiDiscrete over users |

Entry points are strings, so importing this module imports neither the env modules nor
torch. See docs/envs.md.
"""

from __future__ import annotations

import gymnasium as gym

from offload_gym.core.env import (
    INVALID_ACTION_MODES,
    check_invalid_action_mode,
    load_scenario_set,
)
from offload_gym.core.errors import InvalidActionError

NAMESPACE = "offload_gym"
ENV_IDS: dict[str, str] = {
    f"{NAMESPACE}/VEC-v0": "offload_gym.vec.env:VecOffloadEnv",
    f"{NAMESPACE}/VECSelect-v0": "offload_gym.vec.env:VecSelectEnv",
    f"{NAMESPACE}/LAENet-v0": "offload_gym.laenet.env:LaenetOffloadEnv",
    f"{NAMESPACE}/LAENetAssign-v0": "offload_gym.laenet.env:LaenetAssignEnv",
}
__all__ = ["ENV_IDS", "INVALID_ACTION_MODES", "NAMESPACE", "InvalidActionError",
           "check_invalid_action_mode", "load_scenario_set", "register_envs"]


def register_envs() -> None:
    """Register every id of :data:`ENV_IDS` that is not registered yet (idempotent)."""
    for env_id, entry_point in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False)


register_envs()
