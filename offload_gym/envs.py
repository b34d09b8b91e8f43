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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

from offload_gym.core import jsonio
from offload_gym.core.errors import InvalidActionError, ScenarioError

NAMESPACE = "offload_gym"
ENV_IDS: dict[str, str] = {
    f"{NAMESPACE}/VEC-v0": "offload_gym.vec.env:VecOffloadEnv",
    f"{NAMESPACE}/VECSelect-v0": "offload_gym.vec.env:VecSelectEnv",
    f"{NAMESPACE}/LAENet-v0": "offload_gym.laenet.env:LaenetOffloadEnv",
    f"{NAMESPACE}/LAENetAssign-v0": "offload_gym.laenet.env:LaenetAssignEnv",
}
INVALID_ACTION_MODES = ("raise", "penalty")
__all__ = ["ENV_IDS", "INVALID_ACTION_MODES", "NAMESPACE", "InvalidActionError",
           "check_invalid_action_mode", "load_scenario_set", "register_envs"]


def register_envs() -> None:
    """Register every id of :data:`ENV_IDS` that is not registered yet (idempotent)."""
    for env_id, entry_point in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False)


def check_invalid_action_mode(mode: str) -> str:
    if mode not in INVALID_ACTION_MODES:
        raise ValueError(f"invalid_action must be one of {INVALID_ACTION_MODES}, got {mode!r}")
    return mode


def load_scenario_set(scenarios: Any, from_dict: Callable[[Any], Any],
                      scenario_type: type) -> list[Any] | None:
    """A fixed instance set for evaluation: ``None`` (use the generator), a sequence of
    Scenario objects / JSON dicts, or a path to a ``.json`` file (one scenario dict or a
    list of them) or a ``.jsonl`` file (one scenario dict per line)."""
    if scenarios is None:
        return None
    if isinstance(scenarios, str | Path):
        path = Path(scenarios)  # read by the package's one JSON reader (errors name it)
        if path.suffix == ".jsonl":
            items = jsonio.load_jsonl(path)
        else:
            data = jsonio.load_file(path)
            items = data if isinstance(data, list) else [data]
    elif isinstance(scenarios, scenario_type) or isinstance(scenarios, dict):
        items = [scenarios]
    elif isinstance(scenarios, Sequence):
        items = list(scenarios)
    else:
        raise ScenarioError("scenarios", f"expected a list of scenarios or a path, got "
                                         f"{type(scenarios).__name__}")
    out = [s if isinstance(s, scenario_type) else from_dict(s) for s in items]
    if not out:
        raise ScenarioError("scenarios", "the scenario set is empty")
    return out


register_envs()
