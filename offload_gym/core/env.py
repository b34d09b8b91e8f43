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

import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from offload_gym.core import jsonio
from offload_gym.core.env_args import check_bool, check_int, check_seed
from offload_gym.core.errors import InvalidActionError, ScenarioError
from offload_gym.core.graph import decision_space

INVALID_ACTION_MODES = ("raise", "penalty")
RewardFn = Callable[[Any, float, float, float], float]
__all__ = ["INVALID_ACTION_MODES", "OffloadEnv", "RewardFn", "check_invalid_action_mode",
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


def _check_render_mode(render_mode: str | None, modes: Sequence[str]) -> str | None:
    if render_mode is not None and render_mode not in modes:
        raise ValueError(f"render_mode must be one of {list(modes)}")
    return render_mode


def _check_hook(name: str, value: Any, attr: str | None = None) -> Any:
    """None, or a callable (``attr is None``) / an object with ``attr``; else ValueError."""
    ok = value is None or (callable(value) if attr is None else hasattr(value, attr))
    if not ok:
        what = "a callable" if attr is None else f"an object with {attr}()"
        raise ValueError(f"{name} must be None or {what}, got {value!r}")
    return value


class OffloadEnv(gym.Env):
    """The skeleton of every offload-gym env (module docstring). Subclasses set the class
    attributes, call :meth:`_init_skeleton` then :meth:`_init_spaces` in ``__init__``, and
    implement the hooks ``_action_mask_shape``, ``action_masks``, ``_check_fits``,
    ``_drop_generated``, ``_solve_optimum``, ``_render_args`` and ``_render_state``."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"],
                                          "render_fps": 2}
    scenario_type: ClassVar[type]           # the problem's Scenario class
    reward_fns: ClassVar[Mapping[str, RewardFn]]
    default_reward_fn: ClassVar[RewardFn]
    viewer_module: ClassVar[str]            # the problem's default viewer module
    observation_schema: ClassVar[Any]       # node / edge / global feature names

    # ------------------------------------------------------------------ construction
    def _init_skeleton(self, *, scenarios: Any, invalid_action: str, compute_optimum: bool,
                       solution_info: bool, pool_size: int, seed: int | None,
                       render_mode: str | None, reward_fn: str | RewardFn,
                       generator: Callable[[Any], Any] | None, viewer: Any) -> None:
        """Check and store the kwargs every env takes (a bad one fails at ``gym.make``,
        naming itself) and set up the scenario source."""
        self.set_reward_fn(reward_fn)
        self.invalid_action = check_invalid_action_mode(invalid_action)
        self.compute_optimum = check_bool("compute_optimum", compute_optimum)
        self.solution_info = check_bool("solution_info", solution_info)
        self.pool_size = check_int("pool_size", pool_size, 1)
        self.render_mode = _check_render_mode(render_mode, self.metadata["render_modes"])
        self.generator = _check_hook("generator", generator)
        self.viewer = _check_hook("viewer", viewer, "render_rgb")
        self._init_seed = check_seed(seed)
        self._scenarios: list[Any] | None = load_scenario_set(
            scenarios, self.scenario_type.from_dict, self.scenario_type)
        self._cursor = 0
        self._opt_cache: dict[int, Any] = {}
        self._ep: Any = None
        self._done = False
        self._fig: Any = None

    def _init_spaces(self, n_nodes: int, n_edges: int) -> None:
        """The padded graph observation space (``core.graph.decision_space``)."""
        schema = self.observation_schema
        self.observation_space = decision_space(
            n_nodes, len(schema.NODE_FEATURES), n_edges, len(schema.EDGE_FEATURES),
            len(schema.GLOBAL_FEATURES), self._action_mask_shape())
        self._decisions = tuple(np.int64(k) for k in range(n_nodes))  # immutable, shared

    def set_reward_fn(self, reward_fn: str | RewardFn) -> None:
        """Use ``reward_fn`` (a name of the problem's ``REWARD_FNS`` or a callable ``fn(env,
        prev_objective, objective, reward) -> float``) from the next step on."""
        # read on the class: on the instance a plain-function attribute is a bound method,
        # which is never ``is`` the registered function
        self._reward_hook = resolve_reward_fn(reward_fn, self.reward_fns,
                                              type(self).default_reward_fn)

    # ------------------------------------------------------------------ public state
    @property
    def scenario(self) -> Any:
        """The current episode's scenario (None before the first ``reset()``)."""
        return None if self._ep is None else self._ep.scenario

    @property
    def episode(self) -> Any:
        """The current episode's per-instance data (read it, do not change it)."""
        return self._ep

    # ------------------------------------------------------------------ subclass hooks
    def _action_mask_shape(self) -> tuple[int, ...]:
        """Shape of ``obs["action_mask"]`` (docs/envs.md "Masks")."""
        raise NotImplementedError

    def action_masks(self) -> np.ndarray:
        """``obs["action_mask"]`` of the current state flattened, as bool: the layout of
        sb3-contrib's ``MaskablePPO``."""
        raise NotImplementedError

    def _check_fits(self, scenario: Any) -> None:
        """Raise ScenarioError when ``scenario`` does not fit the env's padding."""
        raise NotImplementedError

    def _drop_generated(self) -> None:
        """Forget the generated scenarios not played yet (a new seed was given)."""
        raise NotImplementedError

    def _solve_optimum(self, scenario: Any) -> Any:
        raise NotImplementedError

    def _render_args(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _render_state(self) -> dict[str, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------------ scenarios
    def _seed(self, seed: int | None) -> None:
        """Gymnasium seeding (the constructor's seed is used by the first reset); a new
        seed restarts the fixed set and drops the generated scenarios."""
        if seed is None and self._init_seed is not None:
            seed, self._init_seed = self._init_seed, None
        super().reset(seed=seed)
        if seed is not None:
            self._cursor = 0
            self._drop_generated()

    def _as_scenario(self, sc: Any) -> Any:
        sc = sc if isinstance(sc, self.scenario_type) else self.scenario_type.from_dict(sc)
        self._check_fits(sc)
        return sc

    def _next_scenario(self, options: dict[str, Any] | None) -> tuple[Any, int | None]:
        """(scenario, fixed-set index): ``options["scenario"]``, the fixed set's next one, or
        the injected ``generator``'s; (None, None) when the problem's own generator (its
        pools) supplies the next instance."""
        if options and options.get("scenario") is not None:
            return self._as_scenario(options["scenario"]), None
        if self._scenarios is not None:
            index = self._cursor % len(self._scenarios)
            self._cursor += 1
            return self._scenarios[index], index
        if self.generator is not None:
            return self._as_scenario(self.generator(self.np_random)), None
        return None, None

    def _require_episode(self) -> Any:
        if self._ep is None:
            raise RuntimeError("call reset() first")
        return self._ep

    def _check_running(self) -> None:
        if self._ep is None or self._done:
            raise RuntimeError("the episode is over (or not started): call reset()")

    # ------------------------------------------------------------------ steps
    def _reject(self, message: str) -> None:
        """A masked action: raise under ``invalid_action="raise"`` (else the caller ends
        the episode with the problem's penalty)."""
        if self.invalid_action == "raise":
            raise InvalidActionError(message)

    def _reward(self, prev_objective: float, objective: float, reward: float) -> float:
        """The injected reward function's value (the env's own ``reward`` by default)."""
        if self._reward_hook is None:
            return reward
        return self._reward_hook(self, prev_objective, objective, reward)

    def optimum_solution(self) -> Any:
        """The certified optimum of the current scenario (the problem's ``_solve_optimum``),
        cached per scenario of a fixed set."""
        return self._optimum_of(self._require_episode())

    def _optimum_of(self, ep: Any) -> Any:
        """The certified optimum of episode ``ep`` (the current one or an earlier one whose
        info is read late), cached on the episode and per scenario of a fixed set."""
        if ep.optimum is None:
            if ep.index is not None and ep.index in self._opt_cache:
                ep.optimum = self._opt_cache[ep.index]
            else:
                ep.optimum = self._solve_optimum(ep.scenario)
                if ep.index is not None:
                    self._opt_cache[ep.index] = ep.optimum
        return ep.optimum

    # ------------------------------------------------------------------ rendering
    def _viewer(self) -> Any:
        return self.viewer if self.viewer is not None \
            else importlib.import_module(self.viewer_module)

    def render(self) -> np.ndarray | None:
        """``rgb_array``: an H x W x 3 uint8 picture (the viewer's ``render_rgb``);
        ``human``: the same in a matplotlib window (no-op without a display)."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode")
            return None
        viewer = self._viewer()
        self._require_episode()
        args = self._render_args()
        if self.render_mode == "rgb_array":
            return viewer.render_rgb(*args, **self._render_state())
        self._fig = viewer.render_human(*args, fig=self._fig, **self._render_state())
        return None

    def close(self) -> None:
        if self._fig is not None:
            self._viewer().close(self._fig)
            self._fig = None
