"""Native vector envs of ``offload_gym/VEC-v0`` and ``offload_gym/VECSelect-v0``
(docs/envs.md "Native vector envs"): ``gym.make_vec(id, num_envs=B,
vectorization_mode="vector_entry_point")``.

B sub-envs step in lock-step with numpy arrays; sub-env i seeded s_i plays exactly the
episodes (observations, rewards, terminations, infos) of the single env seeded s_i. Only
the per-episode extras (``solution``, the optimum, the ``selected`` tuple) are built per
finished episode. Autoreset: Gymnasium's ``NEXT_STEP`` (``autoreset_mode=`` for
``SAME_STEP``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from offload_gym.core.errors import InvalidActionError
from offload_gym.core.vector_env import InfoBatch
from offload_gym.vec.allocation import allocate
from offload_gym.vec.env import VecOffloadEnv, VecSelectEnv
from offload_gym.vec.observation import F_CUR, F_DEC, F_SEL
from offload_gym.vec.vector_base import VecVectorBase

__all__ = ["VecOffloadVectorEnv", "VecSelectVectorEnv"]


class VecOffloadVectorEnv(VecVectorBase):
    """``offload_gym/VEC-v0`` x B: one RSU decision per sub-env per step."""

    single_cls = VecOffloadEnv

    def __init__(self, num_envs: int = 1, n_rsus: int | tuple[int, int] = 20,
                 **kwargs: Any) -> None:
        super().__init__(num_envs, n_rsus, **kwargs)
        b, n = self.num_envs, self.n
        self._k = np.zeros(b, dtype=np.int64)
        self._m = np.zeros(b, dtype=np.int64)
        self._asum = np.zeros((b, n + 1))
        self._m_grid = np.arange(1, n + 1, dtype=np.float64)
        self._min_exit = np.full(b, np.inf)
        self._time = np.zeros(b)
        self._succ = np.zeros(b, dtype=bool)
        self._amask = np.zeros((b, 2), dtype=np.int8)
        self._decision = np.zeros(b, dtype=np.int64)

    def action_masks(self) -> np.ndarray:
        """bool [B, 2]: (skip allowed, select allowed) per sub-env."""
        return self._amask.astype(bool)

    def _obs(self, copy: bool = True) -> dict[str, np.ndarray]:
        return self._obs_dict(self._amask, self._decision, copy)

    def _reset_rows(self, rows: np.ndarray) -> InfoBatch:
        self._gather(rows)
        local, deadline = self._inst.local_time_s[rows], self._inst.deadline_s[rows]
        self._k[rows] = 0
        self._m[rows] = 0
        self._asum[rows] = 0.0
        self._min_exit[rows] = np.inf
        self._time[rows] = local
        self._succ[rows] = local <= deadline
        self._teff[rows] = np.where(self._succ[rows], local, self._fail_time(rows))
        self._set_current(rows)
        self._set_global(rows, 0, 0)
        info = InfoBatch(self.num_envs)
        info.put("completion_time_s", rows, self._time[rows])
        info.put("success", rows, self._succ[rows])
        info.put("n_selected", rows, np.zeros(len(rows), dtype=np.int64))
        return info

    def _set_current(self, rows: np.ndarray) -> None:
        j = self._inst.order[rows, self._k[rows]]
        self._nf[rows, 1 + j, F_CUR] = 1.0
        self._amask[rows, 0] = 1
        self._amask[rows, 1] = self._inst.avail[rows, j]
        self._decision[rows] = 1 + j

    def _step_rows(self, rows: np.ndarray, actions: Any
                   ) -> tuple[np.ndarray, np.ndarray, InfoBatch]:
        a_all = self._check_actions(actions, ())
        if not np.issubdtype(a_all.dtype, np.integer) or np.any((a_all < 0) | (a_all > 1)):
            raise InvalidActionError("actions: expected integers in [0, 2)")
        a = a_all[rows]
        j = self._decision[rows] - 1
        invalid = (a == 1) & (self._amask[rows, 1] == 0)
        if invalid.any() and self.proto.invalid_action == "raise":
            r = int(rows[invalid][0])
            raise InvalidActionError(f"invalid action at decision {self._k[r]} of sub-env {r}: "
                                     f"RSU {j[invalid][0]} was removed by MobCheck")
        prev_eff, prev_succ = self._teff[rows].copy(), self._succ[rows].copy()
        ok, bad = rows[~invalid], rows[invalid]
        jo = j[~invalid]
        self._nf[ok, 1 + jo, F_DEC] = 1.0
        self._nf[ok, 1 + jo, F_CUR] = 0.0
        sel = a[~invalid] == 1
        self._select(ok[sel], jo[sel])
        self._k[ok] += 1
        ended = (self._k[rows] == self.n) | (self.proto.terminate_on_failure & prev_succ
                                             & ~self._succ[rows]) | invalid
        go, end = rows[~ended], rows[ended]
        self._set_current(go)
        rewards = np.empty(len(rows))
        t_eff = self._teff[rows]
        info = InfoBatch(self.num_envs)
        if end.size:
            forced = invalid[ended]
            t_eff_end = self._final(end, forced, (self._time[end], self._succ[end]), info)
            self._teff[end] = t_eff_end
            self._nf[end, :, F_CUR] = 0.0
            self._amask[end] = (1, 0)
            self._decision[end] = 0
            t_eff[ended] = t_eff_end
            if bad.size:
                why = [f"RSU {jj} was removed by MobCheck (action_mask = {np.array([1, 0])})"
                       for jj in j[invalid]]
                info.put("invalid_action", bad, why)
        rewards[:] = self._reward(rows, prev_eff, t_eff)
        self._set_global(rows, self._m[rows], self._k[rows])
        info.put("completion_time_s", go, self._time[go])
        info.put("success", go, self._succ[go])
        info.put("n_selected", rows, self._m[rows])
        return rewards, ended, info

    def _select(self, rows: np.ndarray, j: np.ndarray) -> None:
        """Add RSU j of each row (as the single env's ``_select``)."""
        if rows.size == 0:
            return
        inst = self._inst
        self._nf[rows, 1 + j, F_SEL] = 1.0
        self._mask[rows, j] = True
        self._m[rows] += 1
        # 1/c_j(m) for m = 1..n: inverse_costs' arithmetic, for the selected RSU only
        self._asum[rows, 1:] += 1.0 / (inst.beta[rows, j][:, None]
                                       + self._m_grid * inst.tau[rows, j][:, None])
        self._min_exit[rows] = np.minimum(self._min_exit[rows], inst.exit_s[rows, j])
        t = inst.size_gbit[rows] / (1.0 / inst.beta0[rows] + self._asum[rows, self._m[rows]])
        ok = t <= self._min_exit[rows]
        if self.proto.rule == "optimal" and not ok.all():
            late = rows[~ok]
            t[~ok] = allocate(self._rows_physics(late), self._mask[late], "optimal").time_s
            ok[:] = True
        self._time[rows] = t
        self._succ[rows] = ok & (t <= inst.deadline_s[rows])
        self._teff[rows] = np.where(self._succ[rows], t, self._fail_time(rows))


class VecSelectVectorEnv(VecVectorBase):
    """``offload_gym/VECSelect-v0`` x B: the whole selection per sub-env in one step."""

    single_cls = VecSelectEnv

    def __init__(self, num_envs: int = 1, n_rsus: int | tuple[int, int] = 20,
                 **kwargs: Any) -> None:
        super().__init__(num_envs, n_rsus, **kwargs)
        self._amask = np.ones((self.num_envs, self.n_max, 2), dtype=np.int8)
        self._teff0 = np.zeros(self.num_envs)
        self._decision0 = np.zeros(self.num_envs, dtype=np.int64)

    def action_masks(self) -> np.ndarray:
        """bool [B, n_rsus_max * 2]: per bit (may be 0, may be 1), MaskablePPO's layout."""
        return self._amask.reshape(self.num_envs, -1).astype(bool)

    def _obs(self, copy: bool = True) -> dict[str, np.ndarray]:
        return self._obs_dict(self._amask, self._decision0, copy)

    def _reset_rows(self, rows: np.ndarray) -> InfoBatch:
        self._gather(rows)
        self._amask[rows, :, 1] = self._inst.allowed[rows]
        local = self._inst.local_time_s[rows]
        success = local <= self._inst.deadline_s[rows]
        self._teff0[rows] = self._teff[rows] = np.where(success, local, self._fail_time(rows))
        self._set_global(rows, 0, 0)
        info = InfoBatch(self.num_envs)
        info.put("completion_time_s", rows, local)
        info.put("success", rows, success)
        return info

    def _step_rows(self, rows: np.ndarray, actions: Any
                   ) -> tuple[np.ndarray, np.ndarray, InfoBatch]:
        a = self._check_actions(actions, (self.n_max,))[rows]
        if a.dtype != bool and np.any((a != 0) & (a != 1)):
            raise InvalidActionError("actions: expected 0 / 1 values")
        bits = a == 1
        bad = (bits & (self._inst.allowed[rows] == 0)).any(axis=1)
        if bad.any() and self.proto.invalid_action == "raise":
            raise InvalidActionError(f"invalid selection of sub-env {int(rows[bad][0])}: a bit "
                                     f"whose may-be-1 column of action_mask is 0")
        good = rows[~bad]
        self._mask[good] = bits[~bad, :self.n]
        info = InfoBatch(self.num_envs)
        t_eff = self._final(rows, bad, None, info)
        if bad.any():
            allowed = self._inst.allowed[rows[bad]]
            why = [f"bits {np.flatnonzero(bb & (al == 0)).tolist()} may not be set (may-be-1 "
                   f"column of action_mask = {al.tolist()})" for bb, al in zip(bits[bad], allowed,
                                                                                strict=True)]
            info.put("invalid_action", rows[bad], why)
        n_sel = self._mask[rows].sum(axis=1)
        info.put("n_selected", rows, n_sel)
        self._teff[rows] = t_eff
        self._set_global(rows, n_sel, 0)
        rewards = self._reward(rows, self._teff0[rows], t_eff)
        return rewards, np.ones(len(rows), dtype=bool), info
