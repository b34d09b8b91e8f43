"""``offload_gym/VECStream-v0``: tasks arriving while vehicles drive and RSUs stay busy
(SPEC-STREAM "VECStream"; docs/stream.md).

One episode = one trace (a world of RSUs, vehicles and tasks over ``horizon_s`` simulated
seconds); one step = one task, in arrival order. The action is ``MultiBinary(C)`` over the
task's candidate slots (C = the preset's ``max_candidates``; slot c = the c-th nearest RSU in
range); bits set on masked (empty) slots are ignored and counted in
``info["n_ignored"]``, so every action in the space is valid. The task is allocated over
the vehicle and the selection by the simulator (exact allocation with queue waits and exit
times), committed on success or dropped on failure; reward -T_S / D_k on success,
-``fail_penalty`` on failure. After the last task the episode is truncated (not
terminated): it ends because the horizon is reached.

The pieces: :mod:`~offload_gym.vec.stream.observation` (feature schema, named indices),
:mod:`~offload_gym.vec.stream.simulator` (the step), :mod:`offload_gym.core.env` (seeding,
rendering, the reward hook).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from offload_gym.core.env import OffloadEnv, RewardFn
from offload_gym.core.env_args import (
    binary_action,
    check_bool,
    check_choice,
    check_finite_at_least,
    check_int,
)
from offload_gym.vec.stream import observation
from offload_gym.vec.stream.observation import Layout, empty_observation
from offload_gym.vec.stream.oracle import TaskState
from offload_gym.vec.stream.presets import StreamPreset, get_preset
from offload_gym.vec.stream.simulator import StreamSimulator
from offload_gym.vec.stream.trace import StreamTrace, generate_trace, load_trace

MOBILITIES = ("highway", "sumo")
DEFAULT_CONTEXT = 3
__all__ = ["MOBILITIES", "REWARD_FNS", "VecStreamEnv"]


def _task_reward(env: Any, deadline_s: float, completion_time_s: float, reward: float
                 ) -> float:
    """The spec's reward, unchanged (-T/D on success, -fail_penalty on failure)."""
    return reward


REWARD_FNS: dict[str, RewardFn] = {"task": _task_reward}


def _as_trace(trace: Any) -> StreamTrace:
    """A StreamTrace from a StreamTrace, a dict or a ``.json`` / ``.npz`` path (bad data:
    ScenarioError naming the field)."""
    if not isinstance(trace, StreamTrace | dict | str | Path):
        raise ValueError(f"trace must be a StreamTrace, a dict or a path, got "
                         f"{type(trace).__name__}")
    return load_trace(trace)


class _TraceType:
    """What the skeleton's scenario hooks see as the scenario type (traces are loaded by
    :func:`~offload_gym.vec.stream.trace.load_trace`)."""

    from_dict = staticmethod(load_trace)


class VecStreamEnv(OffloadEnv):
    """``offload_gym/VECStream-v0`` (module docstring; docs/stream.md).

    Kwargs: ``preset`` (a name of ``PRESETS`` or a StreamPreset), ``preset_overrides``
    (fields of StreamPreset), ``mobility`` (``"highway"`` or ``"sumo"``), ``horizon_s``
    (None = the preset's), ``n_context`` (context RSU slots), ``traces`` (a fixed set of
    traces, cycled, instead of generated ones), ``myopic_info`` (add the myopic oracle's
    time to ``info``), ``seed``, ``render_mode``, ``reward_fn``, ``generator``
    (``fn(np_random) -> StreamTrace``), ``viewer``."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"],
                                          "render_fps": 4}
    scenario_type = _TraceType
    reward_fns = REWARD_FNS
    default_reward_fn = staticmethod(_task_reward)
    viewer_module = "offload_gym.vec.stream.viewer"
    observation_schema = observation

    def __init__(self, preset: str | StreamPreset = "contended",
                 preset_overrides: dict[str, Any] | None = None, mobility: str = "highway",
                 horizon_s: float | None = None, n_context: int = DEFAULT_CONTEXT,
                 traces: Any = None, myopic_info: bool = True, seed: int | None = None,
                 render_mode: str | None = None, reward_fn: str | RewardFn = "task",
                 generator: Any = None, viewer: Any = None) -> None:
        self.myopic_info = check_bool("myopic_info", myopic_info)
        self._init_skeleton(scenarios=None, invalid_action="penalty",
                            compute_optimum=self.myopic_info, solution_info=False, pool_size=1,
                            seed=seed, render_mode=render_mode, reward_fn=reward_fn,
                            generator=generator, viewer=viewer)
        self.mobility = check_choice("mobility", mobility, MOBILITIES)
        if self.mobility == "sumo":  # fail at gym.make, not at the first reset
            from offload_gym.vec.stream.sumo import require_sumo

            require_sumo()
        if preset_overrides is not None and not isinstance(preset_overrides, dict):
            raise ValueError(f"preset_overrides must be a dict or None, got "
                             f"{preset_overrides!r}")
        overrides = dict(preset_overrides or {})
        if horizon_s is not None:
            overrides["horizon_s"] = check_finite_at_least("horizon_s", horizon_s, 1e-9)
        self.preset = get_preset(preset, **overrides)  # ScenarioError (a ValueError) names it
        self.n_context = check_int("n_context", n_context, 0)
        self.traces = self._load_traces(traces)
        self.layout = Layout(max([self.preset.max_candidates]
                                 + [t.max_candidates for t in self.traces]), self.n_context)
        self._init_spaces(self.layout.n_nodes, self.layout.n_edges)
        self.action_space = spaces.MultiBinary(self.layout.n_candidates)
        self.sim: StreamSimulator | None = None
        self._trace: StreamTrace | None = None

    @staticmethod
    def _load_traces(traces: Any) -> list[StreamTrace]:
        if traces is None:
            return []
        if isinstance(traces, StreamTrace | dict | str | Path):
            items = [traces]
        elif isinstance(traces, list | tuple):
            items = list(traces)
        else:
            raise ValueError(f"traces must be None, a trace, a path or a list of them, "
                             f"got {type(traces).__name__}")
        if not items:
            raise ValueError("traces must not be empty")
        out = []
        for k, t in enumerate(items):
            try:
                out.append(_as_trace(t))
            except ValueError as exc:
                raise ValueError(f"traces[{k}]: {exc}") from exc
        return out

    # ------------------------------------------------------------------ skeleton hooks
    def _action_mask_shape(self) -> tuple[int, ...]:
        return (self.layout.n_candidates, 2)

    def _drop_generated(self) -> None:
        """Generated traces are drawn at each reset: nothing is pooled."""

    def _render_args(self) -> tuple[Any, ...]:
        return (self._trace, self.sim)

    def _render_state(self) -> dict[str, Any]:
        return {"state": self._state, "last": self._last}

    @property
    def scenario(self) -> StreamTrace | None:
        """The current episode's trace (None before the first ``reset()``)."""
        return self._trace

    @property
    def trace(self) -> StreamTrace | None:
        """The current episode's trace (None before the first ``reset()``)."""
        return self._trace

    # ------------------------------------------------------------------ episodes
    def _next_trace(self, options: dict[str, Any] | None) -> StreamTrace:
        if options and options.get("trace") is not None:
            return _as_trace(options["trace"])
        if self.traces:
            trace = self.traces[self._cursor % len(self.traces)]
            self._cursor += 1
            return trace
        if self.generator is not None:
            return _as_trace(self.generator(self.np_random))
        seed = int(self.np_random.integers(0, 2**31 - 1))
        return generate_trace(self.preset, seed, mobility=self.mobility)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        self._seed(seed)
        trace = self._next_trace(options)
        if trace.max_candidates > self.layout.n_candidates:
            raise ValueError(f"trace: max_candidates = {trace.max_candidates} does not fit "
                             f"the env's {self.layout.n_candidates} candidate slots")
        self._trace = trace
        p = self.preset
        self._scales = (p.deadline_s[1], p.task_size_gbit[1],
                        float(getattr(trace, "horizon_s", p.horizon_s)))
        self._ep = trace  # the skeleton's "episode started" marker
        self.sim = StreamSimulator(trace)
        self.sim.reset()
        self._done = False
        self._return = 0.0
        self._n_success = 0
        self._last: dict[str, Any] | None = None
        self._observe()
        return self._obs(), {"n_tasks": trace.n_tasks, "task_index": self.sim.task_index}

    def _observe(self) -> None:
        """The state of the task to decide now (None when there is none left)."""
        sim = self.sim
        self._state: TaskState | None = None if sim.done else sim.task_state()
        n = 0 if self._state is None else self._state.n_candidates
        self._mask = np.zeros((self.layout.n_candidates, 2), dtype=np.int8)
        self._mask[:, 0] = 1
        self._mask[:n, 1] = 1

    def _obs(self) -> dict[str, np.ndarray]:
        if self._state is None:
            obs = empty_observation(self.layout)
        else:
            obs = observation.observe(self._trace, self.sim.rsu_busy_until_s, self._state,
                                      self.layout, self._scales)
        obs["action_mask"] = self._mask.copy()
        obs["decision_index"] = np.int64(0)
        return obs

    def task_state(self) -> TaskState | None:
        """The raw (SI units) state of the task to decide now: sizes, deadline, and per
        candidate slot the RSU index, beta, tau, wait and exit time (None when over)."""
        return self._state

    def action_masks(self) -> np.ndarray:
        """bool [C * 2] = ``obs["action_mask"]`` flattened (per slot: may be 0, may be 1),
        MaskablePPO's layout for ``MultiBinary``."""
        return self._mask.reshape(-1).astype(bool)

    # ------------------------------------------------------------------ step
    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                         dict[str, Any]]:
        self._check_running()
        bits = binary_action(action, self.layout.n_candidates)  # outside the space: raises
        sim, state = self.sim, self._state
        if state is None:  # a trace without tasks: the horizon passes with nothing to do
            self._done = True
            return self._obs(), 0.0, False, True, self._final_info(
                {"n_selected": 0, "n_ignored": int(bits.sum())})
        n = state.n_candidates
        positions = tuple(int(p) for p in np.flatnonzero(bits[:n]))
        res = sim.step(positions, myopic=self.myopic_info)
        reward = float(res.reward)
        if self._reward_hook is not None:
            reward = self._reward_hook(self, state.deadline_s, res.T_s, reward)
        self._return += reward
        self._n_success += bool(res.success)
        info = {"task_index": sim.task_index - 1, "completion_time_s": float(res.T_s),
                "deadline_s": float(state.deadline_s), "success": bool(res.success),
                "selected": res.selected_rsus,
                "selected_slots": positions, "n_selected": len(positions),
                "n_ignored": int(bits[n:].sum()),
                "lower_bound_reward": float(res.lower_bound_reward)}
        if res.myopic_T_s is not None:
            info["myopic_time_s"] = float(res.myopic_T_s)
            info["myopic_success"] = bool(res.myopic_T_s <= state.deadline_s)
        self._last = {"positions": positions, "state": state, "result": res}
        self._observe()
        truncated = sim.done
        if truncated:
            self._done = True
            info = self._final_info(info)
        return self._obs(), reward, False, truncated, info

    def _final_info(self, info: dict[str, Any]) -> dict[str, Any]:
        """Episode totals added to the last step's info."""
        n = self._trace.n_tasks
        return {**info, "lower_bound": float(self.sim.episode_lower_bound()),
                "episode_return": self._return, "n_tasks": n,
                "success_rate": self._n_success / n if n else 1.0}
