"""Gymnasium environments for LAENet offloading (SPEC-LAENET "RL episode view";
docs/envs.md "LAENet-v0 and LAENetAssign-v0").

``offload_gym/LAENet-v0`` (:class:`LaenetOffloadEnv`, constructive)
    One episode = one scenario; one step = one user decision, users visited in a fixed
    order: forced users (lambda_u = 0) first, then the others, each group by index. The
    action ``Discrete(1 + n_servers_max)`` is 0 = LOCAL or 1 + s = offload to server s
    (s = 0 the HAP, s >= 1 the GSs). Masked: LOCAL when lambda_u = 0; servers without a
    coverage edge to u, with an infeasible edge (the deadline cannot be met), or whose
    remaining capacity 1 - sum mu is below mu_(u,s) (``CAPACITY_EPS`` tolerance).

``offload_gym/LAENetAssign-v0`` (:class:`LaenetAssignEnv`, one shot)
    ``MultiDiscrete([1 + n_servers_max] * n_users_max)``: every user's choice at once, with
    the same per-user masks except capacity (which couples users). The assignment is scored
    by the problem's ``evaluate``: valid, REPAIRED (by the contract's repair rule, scored
    with its repaired cost) or FAILED.

The pieces: :mod:`~offload_gym.laenet.observation` (feature schema, named indices),
:mod:`~offload_gym.laenet.reward` (injectable ``reward_fn``; default r_k = -(C_k - C_{k-1}),
return -C), :mod:`~offload_gym.laenet.episode` (per-episode arrays),
:mod:`~offload_gym.laenet.env_base` (what both envs share, costs),
:mod:`offload_gym.core.env` (the skeleton of every env).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium import spaces

from offload_gym.core.env_args import discrete_action, multi_discrete_action
from offload_gym.laenet.env_base import (
    DEFAULT_POOL_SIZE,
    OPTIMUM_SOLVERS,
    UNDECIDED,
    LaenetEnvBase,
)
from offload_gym.laenet.observation import (
    CPU_SCALE_HZ,
    DATA_SCALE_BITS,
    E_CHOSEN,
    EDGE_FEATURES,
    GLOBAL_FEATURES,
    J_SCALE_J,
    N_CURRENT,
    N_DECIDED,
    N_LOCAL,
    N_PHI,
    N_USED_MU,
    NODE_FEATURES,
    global_features,
)
from offload_gym.laenet.solution import FAILED
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL

__all__ = ["CPU_SCALE_HZ", "DATA_SCALE_BITS", "DEFAULT_POOL_SIZE", "EDGE_FEATURES",
           "GLOBAL_FEATURES", "J_SCALE_J", "NODE_FEATURES", "OPTIMUM_SOLVERS",
           "LaenetAssignEnv", "LaenetOffloadEnv"]


class LaenetOffloadEnv(LaenetEnvBase):
    """``offload_gym/LAENet-v0``: assign users one at a time (module docstring).

    ``action_mask`` [1 + n_servers_max]; ``decision_index`` = node slot of the current user
    (0 once over). Info every step: ``cost`` (C_k), ``user`` (the user decided next, -1 at
    the end); at the end also ``solution`` (through ``evaluate``), ``failed``,
    ``optimum_cost``, ``optimality_ratio``, ``max_return``."""

    def __init__(self, scale: str | tuple[int, int, int] = "gs3_gu6_au4", **kwargs: Any
                 ) -> None:
        super().__init__(scale, **kwargs)
        self.action_space = spaces.Discrete(1 + self.n_servers_max)

    def _action_mask_shape(self) -> tuple[int, ...]:
        return (1 + self.n_servers_max,)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        ep = self._seed_and_draw(seed, options)
        self._k = 0
        self._choice = np.full(ep.n_users, UNDECIDED, dtype=np.int64)
        self._members: list[list[int]] = [[] for _ in range(self.n_servers_max)]
        self._member_key = [0] * self.n_servers_max   # bitmask of the users on each server
        self._used_mu = [0.0] * self.n_servers_max
        self._phi_s = [0.0] * self.n_servers_max
        self._cost = 0.0
        self._done = False
        self._nf = ep.node_features.copy()
        self._ef = ep.edge_features.copy()
        self._set_current()
        return self._obs(), self._info()

    def _set_current(self) -> None:
        ep = self._ep
        mask = np.zeros(1 + self.n_servers_max, dtype=bool)
        if self._k < ep.n_users:
            u = ep.order_list[self._k]
            used = self._used_mu
            any_allowed = mask[0] = ep.lam_list[u]
            for srv, _, mu in ep.options[u]:  # feasible edges that still fit
                if used[srv] + mu <= 1.0 + CAPACITY_EPS:
                    mask[1 + srv] = any_allowed = True
            self._any_allowed = any_allowed
            self._nf[self.n_servers_max + u, N_CURRENT] = 1.0
            self._decision = self.n_servers_max + u
        else:
            mask[0] = True  # keeps the space's "some action exists" convention
            self._decision = 0
            self._any_allowed = True
        self._mask = mask

    def _obs(self) -> dict[str, np.ndarray]:
        ep = self._ep
        st = ep.static
        gf = global_features(self._cost, self._k, ep.n_users, ep.n_servers, self.n_users_max,
                             self.n_servers_max)
        return {"node_features": self._nf.copy(), "node_mask": st["node_mask"].copy(),
                "edge_index": st["edge_index"].copy(), "edge_features": self._ef.copy(),
                "edge_mask": st["edge_mask"].copy(), "global_features": gf,
                "action_mask": self._mask.astype(np.int8),
                "decision_index": self._decisions[self._decision]}

    def _info(self) -> dict[str, Any]:
        ep = self._ep
        return {"cost": self._cost,
                "user": ep.order_list[self._k] if self._k < ep.n_users else -1}

    def action_masks(self) -> np.ndarray:
        """bool [1 + n_servers_max] = ``obs["action_mask"]``."""
        return self._mask.copy()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                         dict[str, Any]]:
        self._check_running()
        ep = self._ep
        u = ep.order_list[self._k]
        a = discrete_action(action, 1 + self.n_servers_max)  # outside the space: raises
        if not self._mask[a]:
            why = (f"action {a} ({'LOCAL' if a == 0 else f'server {a - 1}'}) is masked "
                   f"for user {u} (action_mask = {self._mask.astype(int).tolist()})")
            self._reject(f"invalid action at decision {self._k}: {why}")
            return self._fail({"invalid_action": why})
        nf = self._nf
        slot = self.n_servers_max + u
        nf[slot, N_DECIDED] = 1.0
        nf[slot, N_CURRENT] = 0.0
        if a == 0:
            delta = ep.j_loc[u]
            self._choice[u] = LOCAL
            nf[slot, N_LOCAL] = 1.0
        else:
            s = a - 1
            e = next(e for srv, e, _ in ep.options[u] if srv == s)
            self._members[s].append(e)
            self._member_key[s] |= 1 << u
            phi = self._phi(s, self._members[s], self._member_key[s])
            delta = ep.j_tr[e] + phi - self._phi_s[s]  # only server s changes: Phi_s update
            self._phi_s[s] = phi
            self._used_mu[s] += ep.mu[e]
            self._choice[u] = s
            nf[s, N_USED_MU] = self._used_mu[s]
            nf[s, N_PHI] = phi / J_SCALE_J
            self._ef[e, E_CHOSEN] = 1.0
            self._ef[ep.derived.n_edges + e, E_CHOSEN] = 1.0
        prev = self._cost
        self._cost = prev + delta
        self._k += 1
        if self._k == ep.n_users:
            return self._finish(prev)
        self._set_current()
        if not self._any_allowed:  # a forced user with no action left: masked dead end
            return self._fail({"dead_end_user": ep.order_list[self._k]}, prev=prev)
        return self._obs(), self._reward(prev, self._cost, -delta), False, False, self._info()

    def _finish(self, prev: float) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                            dict[str, Any]]:
        info: dict[str, Any] = {}
        if self.solution_info:
            sol = self._solution(self._choice)
            info["solution"] = sol
            self._cost = sol.cost
        info.update(failed=False, choice=tuple(int(c) for c in self._choice))
        return self._end(prev, info)

    def _fail(self, extra: dict[str, Any], prev: float | None = None
              ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        prev = self._cost if prev is None else prev
        self._cost = self.failure_cost()
        info: dict[str, Any] = {"failed": True, **extra}
        if self.solution_info:
            info["solution"] = self._solution(None)
        return self._end(prev, info)

    def _end(self, prev: float, info: dict[str, Any]
             ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        self._done = True
        self._nf[:, N_CURRENT] = 0.0
        self._k_end = self._k
        self._k = self._ep.n_users
        self._set_current()
        out = self._final_info({**self._info(), **info}, self._cost)
        reward = self._reward(prev, self._cost, -(self._cost - prev))
        return self._obs(), reward, True, False, out

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        current = None
        if not self._done and self._k < ep.n_users:
            current = int(ep.order[self._k])
        return {"choice": self._choice.copy(), "current": current, "cost": self._cost}


class LaenetAssignEnv(LaenetEnvBase):
    """``offload_gym/LAENetAssign-v0``: every user's choice in one step.

    Action ``MultiDiscrete([1 + n_servers_max] * n_users_max)``, entry u = 0 (LOCAL) or 1 + s;
    padded user slots must be 0. ``action_mask`` [n_users_max, 1 + n_servers_max] (row u
    = allowed choices of user u, capacity not included; the shape torchrl's ``ActionMask``
    expects); ``decision_index`` = 0. The
    assignment is scored by ``evaluate`` (info ``validity``: valid / repaired / failed);
    reward = -cost (the repaired cost when repaired; -C_fail when it fails or, under
    ``invalid_action="penalty"``, when a masked choice is made)."""

    def __init__(self, scale: str | tuple[int, int, int] = "gs3_gu6_au4", **kwargs: Any
                 ) -> None:
        super().__init__(scale, **kwargs)
        self.action_space = spaces.MultiDiscrete(
            np.full(self.n_users_max, 1 + self.n_servers_max, dtype=np.int64))

    def _action_mask_shape(self) -> tuple[int, ...]:
        return (self.n_users_max, 1 + self.n_servers_max)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        ep = self._seed_and_draw(seed, options)
        mask = np.zeros((self.n_users_max, 1 + self.n_servers_max), dtype=bool)
        mask[ep.n_users:, 0] = True  # padding users: LOCAL only
        mask[:ep.n_users] = ep.allowed
        self._mask = mask
        self._choice = np.full(ep.n_users, UNDECIDED, dtype=np.int64)
        self._cost = 0.0
        self._done = False
        return self._obs(), {"cost": 0.0}

    def _obs(self) -> dict[str, np.ndarray]:
        ep = self._ep
        st = ep.static
        gf = global_features(self._cost, 0, ep.n_users, ep.n_servers, self.n_users_max,
                             self.n_servers_max)
        return {"node_features": ep.node_features.copy(), "node_mask": st["node_mask"].copy(),
                "edge_index": st["edge_index"].copy(),
                "edge_features": ep.edge_features.copy(), "edge_mask": st["edge_mask"].copy(),
                "global_features": gf, "action_mask": self._mask.astype(np.int8),
                "decision_index": np.int64(0)}

    def action_masks(self) -> np.ndarray:
        """bool [n_users_max * (1 + n_servers_max)] = ``obs["action_mask"]`` flattened (the
        rows concatenated), MaskablePPO's layout for ``MultiDiscrete``."""
        return self._mask.reshape(-1).copy()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool,
                                         dict[str, Any]]:
        self._check_running()
        ep = self._ep
        # outside the space: raises in every mode
        a = multi_discrete_action(action, 1 + self.n_servers_max, self.n_users_max)
        ok = self._mask[np.arange(self.n_users_max), a]
        info: dict[str, Any] = {}
        if not ok.all():
            bad = np.flatnonzero(~ok).tolist()
            why = f"users {bad} chose masked actions {a[bad].tolist()}"
            self._reject(f"invalid assignment: {why}")
            info["invalid_action"] = why
            sol = None
        else:
            self._choice = a[:ep.n_users].astype(np.int64) - 1
            sol = self._solution(self._choice)
        self._done = True
        if sol is None or sol.validity == FAILED:
            self._cost = self.failure_cost()
        else:
            self._cost = sol.cost
        info.update(cost=self._cost, failed=sol is None or sol.validity == FAILED,
                    validity=FAILED if sol is None else sol.validity)
        if self.solution_info:
            info["solution"] = sol if sol is not None else self._solution(None)
        info = self._final_info(info, self._cost)
        return self._obs(), self._reward(0.0, self._cost, -self._cost), True, False, info

    def _render_state(self) -> dict[str, Any]:
        return {"choice": self._choice.copy(), "current": None,
                "cost": self._cost if self._done else math.nan}
