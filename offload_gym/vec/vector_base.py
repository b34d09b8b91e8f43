"""What the native VEC vector envs (:mod:`offload_gym.vec.vector_env`) share: kwargs
(checked by one single env), per-sub-env pools, observations' static parts, the final
timing and the per-episode extras (Solution, certified optimum)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from gymnasium.vector.utils import batch_space

from offload_gym.core.errors import InvalidActionError
from offload_gym.core.graph import FEATURE_DTYPE
from offload_gym.core.status import Status
from offload_gym.core.vector_env import InfoBatch, OffloadVectorEnv
from offload_gym.vec import reward as vec_reward
from offload_gym.vec.allocation import allocate
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.physics import VecPhysics
from offload_gym.vec.vector_pool import Instances, PoolStore

__all__ = ["VecVectorBase"]
_UNSUPPORTED = ("scenarios", "generator", "render_mode", "viewer")


def _log(x: np.ndarray) -> np.ndarray:
    """math.log of every entry (bit-equal to the single env's reward)."""
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=len(x))


def _selected_tuples(mask: np.ndarray) -> list[tuple[int, ...]]:
    """``tuple(np.flatnonzero(row).tolist())`` of every row of a bool [R, n] mask, with
    one nonzero call for all rows."""
    cols = np.nonzero(mask)[1].tolist()
    out, pos = [], 0
    for count in np.count_nonzero(mask, axis=1).tolist():
        out.append(tuple(cols[pos:pos + count]))
        pos += count
    return out


class VecVectorBase(OffloadVectorEnv):
    """What both VEC vector envs share: kwargs (checked by one single env), pools, the
    final timing and the per-episode extras."""

    single_cls: type

    def __init__(self, num_envs: int = 1, n_rsus: int | tuple[int, int] = 20, *,
                 autoreset_mode: Any = "NextStep", copy_obs: bool = True,
                 **kwargs: Any) -> None:
        for key in _UNSUPPORTED:
            if kwargs.get(key) is not None:
                raise ValueError(f"{key} is not supported by the native vector env (use "
                                 f"gym.make_vec(..., vectorization_mode='sync'))")
        self.proto = proto = self.single_cls(n_rsus, **kwargs)  # checks every kwarg
        lo, hi = proto._n_range
        if lo != hi:
            raise ValueError(f"n_rsus must be one int for the native vector env, got {n_rsus!r}"
                             f" (use gym.make_vec(..., vectorization_mode='sync'))")
        hook = proto._reward_hook
        self._log_reward = hook is vec_reward.log_time
        if hook not in (None, vec_reward.time_decrease, vec_reward.log_time):
            raise ValueError("reward_fn must be a name of offload_gym.vec.reward.REWARD_FNS "
                             "for the native vector env (a callable needs one env per call)")
        self._init_vector(num_envs, kwargs.get("seed"), autoreset_mode)
        if not isinstance(copy_obs, bool):
            raise ValueError(f"copy_obs must be a bool, got {copy_obs!r}")
        self.copy_obs = copy_obs
        self.n, self.n_max = lo, proto.n_rsus_max
        self.single_observation_space = proto.observation_space
        self.single_action_space = proto.action_space
        self.observation_space = batch_space(proto.observation_space, self.num_envs)
        self.action_space = batch_space(proto.action_space, self.num_envs)
        self.store = PoolStore(self.num_envs, proto._pool_instances, lo, self.n_max,
                               proto.preset, proto.preset_overrides, proto.mobcheck,
                               proto.solution_info or proto.compute_optimum)
        b = self.num_envs
        self._inst: Instances | None = None
        self._pool_index = np.zeros(b, dtype=np.int64)
        self._nf = np.zeros((b, *proto.observation_space["node_features"].shape), FEATURE_DTYPE)
        self._ef = np.zeros((b, *proto.observation_space["edge_features"].shape), FEATURE_DTYPE)
        self._static = {k: np.ascontiguousarray(np.broadcast_to(v, (b, *v.shape)))
                        for k, v in ((k, self._static_of(k))
                                     for k in ("node_mask", "edge_index", "edge_mask"))}
        self._mask = np.zeros((b, lo), dtype=bool)
        self._teff = np.zeros(b)
        self._gf = np.zeros((b, len(proto.observation_schema.GLOBAL_FEATURES)), FEATURE_DTYPE)

    def _obs_dict(self, amask: np.ndarray, decision: np.ndarray, copy: bool
                  ) -> dict[str, np.ndarray]:
        """The observation dict over the env's buffers (copied unless ``copy`` is False;
        views are overwritten by the next step / reset)."""
        obs = {"node_features": self._nf, "node_mask": self._static["node_mask"],
               "edge_index": self._static["edge_index"], "edge_features": self._ef,
               "edge_mask": self._static["edge_mask"], "global_features": self._gf,
               "action_mask": amask, "decision_index": decision}
        return {k: v.copy() for k, v in obs.items()} if copy else obs

    def _static_of(self, key: str) -> np.ndarray:
        """node_mask / edge_index / edge_mask: the same for every instance with n RSUs (the
        layout of ``observation.static_graph``)."""
        n, nm = self.n, self.n_max
        if key == "node_mask":
            return np.r_[np.ones(n + 1, np.int8), np.zeros(nm - n, np.int8)]
        if key == "edge_mask":
            return np.r_[np.ones(2 * n, np.int8), np.zeros(2 * (nm - n), np.int8)]
        ei = np.zeros((2, 2 * nm), dtype=np.int64)
        slots = np.arange(1, n + 1)
        ei[1, :n], ei[0, n:2 * n] = slots, slots
        return ei

    # ------------------------------------------------------------------ pools
    def _drop_pools(self, rows: np.ndarray) -> None:
        self.store.drop(rows)

    def _gather(self, rows: np.ndarray) -> None:
        """Draw the next instance of each sub-env in ``rows`` (sorted) into ``_inst``, whose
        node / edge features are the observation's buffers ``_nf`` / ``_ef``."""
        if self._inst is None:
            new, _ = self.store.take(rows[:1], self._rngs)  # fills pools, learns the dtypes
            self.store.cursor[rows[:1]] -= 1
            self._inst = Instances(**{
                f.name: np.zeros((self.num_envs, *getattr(new, f.name).shape[1:]),
                                 getattr(new, f.name).dtype)
                for f in dataclasses.fields(Instances)
                if f.name not in ("node_features", "edge_features")},
                node_features=self._nf, edge_features=self._ef)
        dest = {f.name: getattr(self._inst, f.name) for f in dataclasses.fields(Instances)}
        self._pool_index[rows] = self.store.take_into(rows, self._rngs, dest)
        self._mask[rows] = False

    def _fail_time(self, rows: np.ndarray) -> np.ndarray:
        return self.proto.failure_time_factor * self._inst.local_time_s[rows]

    def _scale(self, rows: np.ndarray) -> np.ndarray:
        return (np.ones(len(rows)) if self.proto.reward_scale == "seconds"
                else self._inst.local_time_s[rows])

    def _set_global(self, rows: np.ndarray, n_selected: np.ndarray, decided: Any) -> None:
        """GLOBAL_FEATURES of these rows (as ``observation.global_features`` computes)."""
        inst, nm = self._inst, self.n_max
        self._gf[rows, 0] = self._teff[rows] / inst.local_time_s[rows]
        self._gf[rows, 1] = n_selected / nm
        self._gf[rows, 2] = decided / nm
        self._gf[rows, 3] = self.n / nm
        self._gf[rows, 4] = inst.deadline_feat[rows]

    def _reward(self, rows: np.ndarray, prev_eff: np.ndarray, t_eff: np.ndarray
                ) -> np.ndarray:
        """The step reward (default, or ``log_time`` on the float32 time feature)."""
        if not self._log_reward:
            return (prev_eff - t_eff) / self._scale(rows)
        local = self._inst.local_time_s[rows]
        prev = (prev_eff / local).astype(FEATURE_DTYPE).astype(np.float64)
        cur = (t_eff / local).astype(FEATURE_DTYPE).astype(np.float64)
        # math.log per row: numpy's SIMD log may differ from it in the last bit
        return _log(np.maximum(prev, 1e-12)) - _log(np.maximum(cur, 1e-12))

    # ------------------------------------------------------------------ episode end
    def _final(self, rows: np.ndarray, forced: np.ndarray, lean: tuple[Any, Any] | None,
               info: InfoBatch) -> np.ndarray:
        """Time the final selections of ``rows`` (as the single env's ``_final``); fills
        ``info`` and returns T_eff."""
        proto, inst, mask = self.proto, self._inst, self._mask[rows]
        info.put("local_time_s", rows, inst.local_time_s[rows])
        if proto.solution_info:
            sols = [self._solution(int(b), m, bool(f)) for b, m, f in zip(rows, mask, forced,
                                                                        strict=True)]
            t = np.array([s.completion_time_s for s in sols])
            success = np.array([s.success for s in sols], dtype=bool)
            info.put("solution", rows, sols)
        elif lean is not None:
            t, success = lean
        else:
            alloc = allocate(self._rows_physics(rows), mask, proto.rule)
            t, success = alloc.time_s.astype(np.float64), alloc.success.astype(bool)
        failed = forced | ~success
        t_eff = np.where(failed, self._fail_time(rows), t)
        info.put("completion_time_s", rows, t)
        info.put("success", rows, ~failed)
        info.put("failed", rows, failed)
        info.put("selected", rows, _selected_tuples(mask))
        if proto.compute_optimum:
            self._optimum_info(rows, t_eff, info)
        return t_eff

    def _rows_physics(self, rows: np.ndarray) -> Any:
        i = self._inst
        return VecPhysics(i.beta0[rows], i.beta[rows], i.tau[rows], i.exit_s[rows],
                          i.size_gbit[rows], i.deadline_s[rows])

    def _solution(self, b: int, mask: np.ndarray, forced: bool) -> Any:
        proto = self.proto
        sc = self.store.scenario(b, self._pool_index[b])
        phys = self._rows_physics(np.array([b])).take(0)
        alloc = allocate(phys, mask, proto.rule)
        sol = make_solution(sc, mask, alloc.allocation_gbit, rule=proto.rule, solver="env",
                            wall_time_s=0.0, mobcheck=proto.mobcheck, status=Status.FEASIBLE,
                            phys=phys)
        if not sol.success or forced:
            sol = dataclasses.replace(sol, status=Status.FAILED)
        return sol

    def _optimum_info(self, rows: np.ndarray, t_eff: np.ndarray, info: InfoBatch) -> None:
        """The certified optimum of each finished episode (the single env's solver)."""
        inst, proto = self._inst, self.proto
        opts = [proto._solve_optimum(self.store.scenario(int(b), self._pool_index[b]))
                for b in rows]
        t_opt_raw = np.array([o.completion_time_s for o in opts])
        ok = np.array([o.success for o in opts], dtype=bool)
        t_opt = np.where(ok, t_opt_raw, self._fail_time(rows))
        local = inst.local_time_s[rows]
        t0 = np.where(local <= inst.deadline_s[rows], local, self._fail_time(rows))
        info.put("optimum_time_s", rows, t_opt_raw)
        info.put("optimum_success", rows, ok)
        info.put("optimality_ratio", rows, t_eff / t_opt)
        info.put("max_return", rows, (t0 - t_opt) / self._scale(rows))

    def _check_actions(self, actions: Any, shape: tuple[int, ...]) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs, *shape):
            raise InvalidActionError(f"actions: expected an array of shape "
                                     f"{(self.num_envs, *shape)}, got {a.shape}")
        return a
