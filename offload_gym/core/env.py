"""The env skeleton every problem's Gymnasium envs share (docs/architecture.md "Envs").

A problem's ``env.py`` subclasses :class:`OffloadEnv` and supplies only what is its own:
the episode it builds from a scenario, the observation and the step rule. This module owns
the rest, written once:

- kwarg checks common to every env (``invalid_action``, ``render_mode``, ``seed``,
  ``pool_size``, ``compute_optimum``, ``solution_info``, ``reward_fn``, ``viewer``);
- seeding (a constructor ``seed`` is used by the first ``reset()``; a new seed restarts
  the fixed set and drops the generated pools);
- the scenario source: ``options["scenario"]``, a fixed set (``scenarios=``, cycled, with
  per-index caches), or the generator (injectable ``generator=``);
- the optimum cache per scenario of a fixed set;
- the reward function hook (``reward_fn=``: a name of the problem's ``REWARD_FNS`` or a
  callable ``fn(env, prev_objective, objective, reward) -> float``);
- rendering through an injectable viewer module (``viewer=``) and ``close``;
- the public ``scenario`` of the current episode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError

INVALID_ACTION_MODES = ("raise", "penalty")
RewardFn = Callable[[Any, float, float, float], float]
__all__ = ["INVALID_ACTION_MODES", "RewardFn", "check_invalid_action_mode",
           "load_scenario_set", "resolve_reward_fn"]


def check_invalid_action_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`INVALID_ACTION_MODES`, else ValueError naming it."""
    if mode not in INVALID_ACTION_MODES:
        raise ValueError(f"invalid_action must be one of {INVALID_ACTION_MODES}, got {mode!r}")
    return mode


def resolve_reward_fn(reward_fn: str | RewardFn, known: Mapping[str, RewardFn],
                      default: RewardFn) -> RewardFn | None:
    """The reward hook of ``reward_fn`` (a name of ``known`` or a callable ``fn(env,
    prev_objective, objective, reward) -> float``); None for ``default`` (the env then
    returns its own reward without a call)."""
    if isinstance(reward_fn, str):
        if reward_fn not in known:
            raise ValueError(f"reward_fn must be one of {tuple(known)} or a callable, "
                             f"got {reward_fn!r}")
        reward_fn = known[reward_fn]
    elif not callable(reward_fn):
        raise ValueError(f"reward_fn must be one of {tuple(known)} or a callable, "
                         f"got {reward_fn!r}")
    return None if reward_fn is default else reward_fn


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
