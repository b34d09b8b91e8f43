"""Gymnasium environments for VEC partial offloading (SPEC-VEC; docs/envs.md "VEC-v0 and
VECSelect-v0").

``offload_gym/VEC-v0`` (:class:`VecOffloadEnv`, constructive): one episode = one task; the
RSUs are visited one per step in descending CPU frequency (ties: lower index first), as
KATO ranks them; ``Discrete(2)``: 0 = skip, 1 = select. RSUs removed by MobCheck
(``mobcheck=True``: keep RSU i iff e_i >= min(T, Q beta_0)) are visited but only "skip" is
allowed. When every RSU is decided, the allocation rule (``rule="optimal"`` or
``"equal_finish"``) allocates the task over the vehicle and S. A selection that makes a
succeeding task fail ends the episode (``terminate_on_failure=True``).

``offload_gym/VECSelect-v0`` (:class:`VecSelectEnv`, one shot): ``MultiBinary(n_rsus_max)``
is the whole selection (bit i = RSU i); MobCheck-removed and padded RSUs must be 0.

The pieces: :mod:`~offload_gym.vec.observation` (feature schema, named indices),
:mod:`~offload_gym.vec.reward` (injectable ``reward_fn``), :mod:`~offload_gym.vec.episode`
(pools), :mod:`~offload_gym.vec.env_base` (what both envs share),
:mod:`offload_gym.core.env` (the skeleton of every env).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium import spaces

from offload_gym.core.env_args import binary_action, discrete_action
from offload_gym.vec.allocation import allocate, equal_finish_time
from offload_gym.vec.env_base import REWARD_SCALES, VecEnvBase
from offload_gym.vec.episode import DEFAULT_POOL_SIZE
from offload_gym.vec.observation import (
    EDGE_FEATURES,
    F_CUR,
    F_DEC,
    F_SEL,
    G_NSEL,
    G_PROG,
    G_TIME,
    GLOBAL_FEATURES,
    NODE_FEATURES,
    global_features,
    readonly,
)

__all__ = [
    "DEFAULT_POOL_SIZE",
    "EDGE_FEATURES",
    "F_CUR",
    "F_DEC",
    "F_SEL",
    "GLOBAL_FEATURES",
    "G_NSEL",
    "G_PROG",
    "G_TIME",
    "NODE_FEATURES",
    "REWARD_SCALES",
    "VecOffloadEnv",
    "VecSelectEnv",
]
SKIP, SELECT = 0, 1
_MASK_BOTH = readonly(np.array([1, 1], dtype=np.int8))
_MASK_SKIP = readonly(np.array([1, 0], dtype=np.int8))


class VecOffloadEnv(VecEnvBase):
    """``offload_gym/VEC-v0``: select RSUs one at a time (module docstring; docs/envs.md).

    Observation: the padded star graph (vehicle <-> RSUs) of :data:`NODE_FEATURES`,
    :data:`EDGE_FEATURES`, :data:`GLOBAL_FEATURES`; ``action_mask`` [2] = (skip allowed,
    select allowed); ``decision_index`` = node slot (1 + i) of the RSU being decided
    (0 once the episode is over). Info at every step: ``completion_time_s``, ``success``
    (of the current selection), ``n_selected``; at the end also ``solution`` (a
    :class:`~offload_gym.vec.solution.Solution` checked by ``evaluate``), ``failed``,
    ``local_time_s``, ``optimum_time_s``, ``optimality_ratio``, ``max_return``."""

    def __init__(self, n_rsus: int | tuple[int, int] = 20, **kwargs: Any) -> None:
        super().__init__(n_rsus, **kwargs)
        self.action_space = spaces.Discrete(2)

    def _action_mask_shape(self) -> tuple[int, ...]:
        return (2,)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        self._seed(seed)
        self._ep = ep = self._next_episode(options)
        ep.inverse_costs()
        self._k = 0
        self._mask = np.zeros(ep.n, dtype=bool)
        self._m = 0
        self._a_sum = np.zeros(ep.n + 1)       # A_m = sum_{i in S} 1/c_i(m), every m
        self._min_exit = math.inf
        self._time_s = ep.local_time_s
        self._success = ep.local_time_s <= ep.deadline_s
        self._t_eff = self._effective(self._time_s, self._success)
        self._done = False
        self._nf = ep.node_features.copy()
        self._set_current()
        return self._obs(), self._info()

    # ------------------------------------------------------------------ helpers
    def _set_current(self) -> None:
        ep = self._ep
        if self._k < ep.n:
            j = ep.order_list[self._k]
            self._nf[1 + j, F_CUR] = 1.0
            self._action_mask = _MASK_BOTH if ep.avail_list[j] else _MASK_SKIP
            self._decision = 1 + j
        else:
            self._action_mask = _MASK_SKIP
            self._decision = 0

    def _obs(self) -> dict[str, np.ndarray]:
        ep = self._ep
        pool = ep.pool
        return {"node_features": self._nf.copy(), "node_mask": pool.node_mask.copy(),
                "edge_index": pool.edge_index.copy(), "edge_features": ep.edge_features.copy(),
                "edge_mask": pool.edge_mask.copy(),
                "global_features": global_features(
                    self._t_eff / ep.local_time_s, self._m, self._k, ep.n, self.n_rsus_max,
                    pool.deadline_feat[ep.i]),
                "action_mask": self._action_mask.copy(),
                "decision_index": self._decisions[self._decision]}

    def _info(self) -> dict[str, Any]:
        return {"completion_time_s": self._time_s, "success": self._success,
                "n_selected": self._m}

    def action_masks(self) -> np.ndarray:
        """bool [2] (skip allowed, select allowed) = ``obs["action_mask"]``."""
        return self._action_mask.astype(bool)

    def _select(self, j: int) -> None:
        """Add RSU j: A_m += 1/c_j(m) for every m, then time the new selection."""
        ep = self._ep
        self._mask[j] = True
        self._m += 1
        self._a_sum += ep.inv_cost_t[j]
        exit_j = ep.exit_list[j]
        if exit_j < self._min_exit:
            self._min_exit = exit_j
        # Lemma 1; the episode carries size_gbit and beta0_s_per_gbit as Python floats
        t = float(equal_finish_time(ep, self._a_sum[self._m]))
        mobility_ok = t <= self._min_exit
        if not mobility_ok and self.rule == "optimal":
            t = float(allocate(ep.phys, self._mask, "optimal").time_s)
            mobility_ok = True
        self._time_s = t
        self._success = bool(mobility_ok and t <= ep.deadline_s)

    # ------------------------------------------------------------------ step
    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                         dict[str, Any]]:
        ep = self._ep
        if ep is None or self._done:
            self._check_running()
        j = self._decision - 1
        if type(action) is int and 0 <= action < 2:  # fast path of discrete_action
            a = action
        else:
            a = discrete_action(action, 2)  # outside the space: raises in every mode
        if a == SELECT and self._action_mask is _MASK_SKIP:
            why = f"RSU {j} was removed by MobCheck (action_mask = {self._action_mask})"
            self._reject(f"invalid action at decision {self._k}: {why}")
            return self._end(forced_failure=True, extra={"invalid_action": why})
        prev_eff, prev_success = self._t_eff, self._success
        row = self._nf[1 + j]
        row[F_DEC] = 1.0
        row[F_CUR] = 0.0
        if a == SELECT:
            row[F_SEL] = 1.0
            self._select(j)
            self._t_eff = self._time_s if self._success else ep.fail_time_s
        self._k += 1
        if self._k == ep.n or (self.terminate_on_failure and prev_success
                               and not self._success):
            return self._end(forced_failure=False, extra={}, prev_eff=prev_eff)
        self._set_current()
        reward = (prev_eff - self._t_eff) / ep.scale
        if self._reward_hook is not None:  # (inline: the hot path)
            reward = self._reward_hook(self, prev_eff, self._t_eff, reward)
        return self._obs(), reward, False, False, self._info()

    def _end(self, forced_failure: bool, extra: dict[str, Any], prev_eff: float | None = None
             ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        ep = self._ep
        prev_eff = self._t_eff if prev_eff is None else prev_eff
        t_eff, final = self._final(self._mask, forced_failure,
                                   lean=(self._time_s, self._success))
        self._t_eff = t_eff
        self._done = True
        self._nf[:, F_CUR] = 0.0
        self._action_mask = _MASK_SKIP
        self._decision = 0
        info = {**self._info(), **final, **extra}
        reward = self._reward(prev_eff, t_eff, (prev_eff - t_eff) / ep.scale)
        return self._obs(), reward, True, False, info

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        current = None if self._done or self._k >= ep.n else int(ep.order[self._k])
        return {"selected": self._mask.copy(), "available": ep.avail, "current": current,
                "completion_time_s": self._time_s, "rule": self.rule}


class VecSelectEnv(VecEnvBase):
    """``offload_gym/VECSelect-v0``: choose the whole selection in one step.

    Action ``MultiBinary(n_rsus_max)``: bit i selects RSU i (scenario order); bits of
    MobCheck-removed RSUs and of padding slots must be 0 (masked). Any numeric array of 0 / 1
    values is accepted (SB3 sends float32). Observation as in VEC-v0 with no partial decision
    (``action_mask`` [n_rsus_max, 2] = per bit (may be 0, may be 1); ``decision_index`` = 0).
    Reward T_eff(empty) - T_eff(S) (same total as VEC-v0); the episode always ends after the
    step. :meth:`action_masks` is the same mask flattened, MaskablePPO's [n_rsus_max * 2]."""

    def __init__(self, n_rsus: int | tuple[int, int] = 20, **kwargs: Any) -> None:
        super().__init__(n_rsus, **kwargs)
        self.action_space = spaces.MultiBinary(self.n_rsus_max)

    def _action_mask_shape(self) -> tuple[int, ...]:
        return (self.n_rsus_max, 2)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        self._seed(seed)
        self._ep = ep = self._next_episode(options)
        self._allowed = ep.pool.allowed[ep.i]
        self._mask_2 = np.ones((self.n_rsus_max, 2), dtype=np.int8)  # (may be 0, may be 1)
        self._mask_2[:, 1] = self._allowed
        self._mask = np.zeros(ep.n, dtype=bool)
        self._done = False
        t_local = ep.local_time_s
        self._t_eff0 = self._effective(t_local, t_local <= ep.deadline_s)
        return self._obs(self._t_eff0, 0), {"completion_time_s": t_local,
                                            "success": t_local <= ep.deadline_s}

    def _obs(self, t_eff: float, n_selected: int) -> dict[str, np.ndarray]:
        return {"node_features": self._ep.node_features.copy(), **self._obs_static(),
                "global_features": self._global_features(t_eff, n_selected, 0),
                "action_mask": self._mask_2.copy(), "decision_index": np.int64(0)}

    def action_masks(self) -> np.ndarray:
        """bool [n_rsus_max * 2] = ``obs["action_mask"]`` flattened (per bit: may be 0, may
        be 1), MaskablePPO's layout for ``MultiBinary``."""
        return self._mask_2.reshape(-1).astype(bool)

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                         dict[str, Any]]:
        self._check_running()
        ep = self._ep
        bits = binary_action(action, self.n_rsus_max)  # outside the space: raises in every mode
        bad = np.flatnonzero(bits & (self._allowed == 0))
        if bad.size:
            why = (f"bits {bad.tolist()} may not be set (may-be-1 column of action_mask = "
                   f"{self._allowed.tolist()})")
            self._reject(f"invalid selection: {why}")
        self._done = True
        if bad.size:
            t_eff, info = self._final(self._mask, forced_failure=True)
            info["invalid_action"] = why
        else:
            self._mask = bits[:ep.n].astype(bool)
            t_eff, info = self._final(self._mask, forced_failure=False)
        info["n_selected"] = int(self._mask.sum())
        obs = self._obs(t_eff, int(self._mask.sum()))
        reward = self._reward(self._t_eff0, t_eff, (self._t_eff0 - t_eff) / ep.scale)
        return obs, reward, True, False, info

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        t = (float(allocate(ep.phys, self._mask, self.rule).time_s) if self._mask.any()
             else ep.local_time_s)
        return {"selected": self._mask.copy(), "available": ep.avail, "current": None,
                "completion_time_s": t, "rule": self.rule}
