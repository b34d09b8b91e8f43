"""Native vector env of ``offload_gym/LAENetAssign-v0`` (docs/envs.md "Native vector
envs"): ``gym.make_vec(id, num_envs=B, vectorization_mode="vector_entry_point")``.

Each sub-env owns its ``np_random`` and its scenario pool, drawn with the single env's own
code (``generate_pool`` / ``generate``, ``build_episode``), so sub-env i seeded s_i plays
the single env's episodes bit for bit. Observations, masks, global features and rewards are
built on [B, ...] arrays, and the assignments are scored in one batch (``_score_valid``:
``evaluate``'s arithmetic, bit for bit; only a server over capacity is repaired per row
with ``evaluate``'s own repair rule). Still per row: copying a drawn scenario's arrays
into the batch, and the optional extras (``solution``, the certified optimum).
Autoreset: Gymnasium's ``NEXT_STEP`` (``autoreset_mode=`` for ``SAME_STEP``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector.utils import batch_space

from offload_gym.core.errors import InvalidActionError
from offload_gym.core.status import Status
from offload_gym.core.vector_env import InfoBatch, OffloadVectorEnv
from offload_gym.laenet import reward as laenet_reward
from offload_gym.laenet.env import LaenetAssignEnv
from offload_gym.laenet.episode import Episode, build_episode, lower_bound_cost
from offload_gym.laenet.evaluate import FAILURE_RATIO, _repair, make_solution
from offload_gym.laenet.generator import generate
from offload_gym.laenet.observation import J_SCALE_J
from offload_gym.laenet.pool import generate_pool
from offload_gym.laenet.solution import FAILED, REPAIRED, VALID, Solution
from offload_gym.laenet.waterfill import CAPACITY_EPS, waterfill_batch

__all__ = ["LaenetAssignVectorEnv"]
_UNSUPPORTED = ("scenarios", "generator", "render_mode", "viewer")


class LaenetAssignVectorEnv(OffloadVectorEnv):
    """``offload_gym/LAENetAssign-v0`` x B: every user's choice of each sub-env in one step
    (one-step episodes)."""

    def __init__(self, num_envs: int = 1, scale: str | tuple[int, int, int] = "gs3_gu6_au4",
                 *, autoreset_mode: Any = "NextStep", copy_obs: bool = True,
                 **kwargs: Any) -> None:
        for key in _UNSUPPORTED:
            if kwargs.get(key) is not None:
                raise ValueError(f"{key} is not supported by the native vector env (use "
                                 f"gym.make_vec(..., vectorization_mode='sync'))")
        self.proto = proto = LaenetAssignEnv(scale, **kwargs)  # checks every kwarg
        hook = proto._reward_hook
        if hook not in (None, *laenet_reward.REWARD_FNS.values()):
            raise ValueError("reward_fn must be a name of offload_gym.laenet.reward.REWARD_FNS "
                             "for the native vector env (use gym.make_vec(..., "
                             "vectorization_mode='sync'))")
        self._lb_reward = hook is laenet_reward.lower_bound
        self._init_vector(num_envs, kwargs.get("seed"), autoreset_mode)
        if not isinstance(copy_obs, bool):
            raise ValueError(f"copy_obs must be a bool, got {copy_obs!r}")
        self.copy_obs = copy_obs
        b, space = self.num_envs, proto.observation_space
        self.single_observation_space = space
        self.single_action_space = proto.action_space
        self.observation_space = batch_space(space, b)
        self.action_space = batch_space(proto.action_space, b)
        self.u_max, self.s_max = proto.n_users_max, proto.n_servers_max
        self._pools: list[list[Any]] = [[] for _ in range(b)]
        self._eps: list[Episode | None] = [None] * b
        self._buf = {k: np.zeros((b, *space[k].shape), space[k].dtype)
                     for k in ("node_features", "node_mask", "edge_index", "edge_features",
                               "edge_mask", "global_features", "action_mask")}
        self._decision = np.zeros(b, dtype=np.int64)
        self._n_users = np.ones(b, dtype=np.int64)
        self._n_servers = np.ones(b, dtype=np.int64)
        self._cost = np.zeros(b)
        # per (user, server) copies of the scenario's edge arrays for the batched scoring;
        # used when every scenario has n_users_max users (else the per-row evaluate)
        self._fast = proto.counts[1] + proto.counts[2] == self.u_max
        us = (b, self.u_max, self.s_max)
        self._edge = {k: np.zeros(us) for k in ("j_tr", "j_exe", "t_tr", "t_exe", "mu")}
        self._user = {k: np.zeros((b, self.u_max)) for k in ("j_loc", "t_loc")}

    # ------------------------------------------------------------------ hooks
    def action_masks(self) -> np.ndarray:
        """bool [B, n_users_max * (1 + n_servers_max)]: MaskablePPO's layout."""
        return self._buf["action_mask"].reshape(self.num_envs, -1).astype(bool)

    def _obs(self, copy: bool = True) -> dict[str, np.ndarray]:
        obs = {**self._buf, "decision_index": self._decision}
        return {k: v.copy() for k, v in obs.items()} if copy else obs

    def _drop_pools(self, rows: np.ndarray) -> None:
        for r in rows.tolist():
            self._pools[r] = []

    def _draw(self, r: int) -> Episode:
        """Sub-env r's next episode, drawn as the single env's ``_seed_and_draw`` does."""
        proto, rng = self.proto, self._rngs[r]
        if proto.pool_size == 1:
            sc = generate(proto.counts, preset=proto.preset, seed=rng)
        else:
            if not self._pools[r]:
                self._pools[r] = generate_pool(proto.counts, proto.pool_size, rng,
                                               proto.preset)[::-1]
            sc = self._pools[r].pop()
        return build_episode(sc, None, proto._graph, {})

    def _reset_rows(self, rows: np.ndarray) -> InfoBatch:
        buf = self._buf
        for r in rows.tolist():  # the scenario's own arrays (built per drawn scenario)
            ep = self._eps[r] = self._draw(r)
            buf["node_features"][r] = ep.node_features
            buf["edge_features"][r] = ep.edge_features
            for k in ("node_mask", "edge_index", "edge_mask"):
                buf[k][r] = ep.static[k]
            self._n_users[r], self._n_servers[r] = ep.n_users, ep.n_servers
            self._copy_edges(r, ep)
            am = buf["action_mask"][r]
            am[:] = 0
            am[ep.n_users:, 0] = 1
            am[:ep.n_users] = ep.allowed
        self._cost[rows] = 0.0
        self._set_global(rows)
        info = InfoBatch(self.num_envs)
        info.put("cost", rows, np.zeros(len(rows)))
        return info

    def _copy_edges(self, r: int, ep: Episode) -> None:
        """Sub-env r's per-edge arrays laid out [user, server] (0 where no edge)."""
        d, n_u, n_s = ep.derived, ep.n_users, ep.n_servers
        e = d.edge_id[:n_u, :n_s]
        has = e >= 0
        safe = np.where(has, e, 0)
        for k, arr in self._edge.items():
            arr[r] = 0.0
            if d.n_edges:
                arr[r, :n_u, :n_s] = np.where(has, getattr(d, k)[safe], 0.0)
        for k, arr in self._user.items():
            arr[r] = 0.0
            arr[r, :n_u] = getattr(d, k)

    def _set_global(self, rows: np.ndarray) -> None:
        """GLOBAL_FEATURES (``observation.global_features`` with 0 decisions) of ``rows``."""
        gf, n_u = self._buf["global_features"], self._n_users[rows]
        gf[rows, 0] = self._cost[rows] / (J_SCALE_J * n_u)
        gf[rows, 1] = 0.0 / self.u_max
        gf[rows, 2] = n_u / self.u_max
        gf[rows, 3] = self._n_servers[rows] / self.s_max

    def _check(self, actions: Any) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs, self.u_max) or not np.issubdtype(a.dtype, np.integer):
            raise InvalidActionError(f"actions: expected integers of shape "
                                     f"({self.num_envs}, {self.u_max}), got {a.dtype} {a.shape}")
        if np.any((a < 0) | (a > self.s_max)):
            raise InvalidActionError(f"actions: expected integers in [0, {1 + self.s_max})")
        return a.astype(np.int64)

    def _step_rows(self, rows: np.ndarray, actions: Any
                   ) -> tuple[np.ndarray, np.ndarray, InfoBatch]:
        a = self._check(actions)[rows]
        am = self._buf["action_mask"][rows]
        ok = np.take_along_axis(am, a[:, :, None], axis=2)[:, :, 0].astype(bool)
        good = ok.all(axis=1)
        if not good.all() and self.proto.invalid_action == "raise":
            i = int(np.flatnonzero(~good)[0])
            bad = np.flatnonzero(~ok[i]).tolist()
            raise InvalidActionError(f"invalid assignment: users {bad} chose masked actions "
                                     f"{a[i, bad].tolist()}")
        info = InfoBatch(self.num_envs)
        fast = self._score_valid(rows, a - 1, good) if self._fast else {}
        sols: list[Solution | None] = []
        for i, r in enumerate(rows.tolist()):  # the rest: evaluate per sub-env (repair)
            ep = self._eps[r]
            if i in fast:
                sols.append(fast[i])
            elif good[i]:
                sols.append(make_solution(ep.scenario, (a[i, :ep.n_users] - 1).tolist(),
                                          share=None, solver="env", status=Status.FEASIBLE,
                                          wall_time_s=0.0))
            else:
                sols.append(None)
        bad_rows = rows[~good]
        if bad_rows.size:
            whys = []
            for i in np.flatnonzero(~good).tolist():
                bad = np.flatnonzero(~ok[i]).tolist()
                whys.append(f"users {bad} chose masked actions {a[i, bad].tolist()}")
            info.put("invalid_action", bad_rows, whys)
        failed = np.array([s is None or s.validity == FAILED for s in sols], dtype=bool)
        cost = np.array([0.0 if s is None else s.cost for s in sols])
        for i in np.flatnonzero(failed).tolist():
            cost[i] = self._failure_cost(int(rows[i]))
        self._cost[rows] = cost
        info.put("cost", rows, cost)
        info.put("failed", rows, failed)
        info.put("validity", rows, [FAILED if s is None else s.validity for s in sols])
        proto = self.proto
        if proto.solution_info:
            empty = None
            out = []
            for s, r in zip(sols, rows.tolist(), strict=True):
                if s is None:
                    empty = empty or make_solution(self._eps[r].scenario, None, share=None,
                                                   solver="env", status=Status.FEASIBLE,
                                                   wall_time_s=0.0)
                    s = empty
                out.append(s)
            info.put("solution", rows, out)
        if proto.compute_optimum:
            self._optimum_info(rows, cost, info)
        self._set_global(rows)
        rewards = -cost
        if self._lb_reward:
            lb = np.array([lower_bound_cost(self._eps[r]) for r in rows.tolist()])
            rewards = rewards / np.maximum(lb, 1e-12)
        return rewards, np.ones(len(rows), dtype=bool), info

    def _score_valid(self, rows: np.ndarray, ch: np.ndarray, good: np.ndarray
                     ) -> dict[int, Solution]:
        """``evaluate``'s result for the rows whose choices ``ch`` [R, U] (server or -1)
        respect the mask, batched: a server over capacity is repaired with ``evaluate``'s
        own repair rule (per row), then the water-filled shares (``waterfill_batch`` over
        [R x S, U]) and the per-user times / costs of ``_scored`` for all rows at once.
        Returns {position in rows: Solution}; the rest (a repair that fails) is left to
        ``evaluate``."""
        u, s = self.u_max, self.s_max
        servers = np.arange(s)[None, None, :]
        on = (ch[:, :, None] == servers) & (ch >= 0)[:, :, None]  # [R, U, S]
        load = np.cumsum(np.where(on, self._edge["mu"][rows], 0.0), axis=1)[:, -1]
        over = good & (load > 1.0 + CAPACITY_EPS).any(axis=1)  # _load's order: by user
        ch = ch.copy()
        validity = np.where(over, REPAIRED, VALID).astype(object)
        ok = good.copy()
        for i in np.flatnonzero(over).tolist():
            fixed = _repair(self._eps[int(rows[i])].derived, tuple(ch[i].tolist()), [])
            if fixed is None:
                ok[i] = False
            else:
                ch[i] = fixed
        pos = np.flatnonzero(ok)
        if pos.size == 0:
            return {}
        rr, c = rows[pos], ch[pos]
        lo = c < 0
        on = (c[:, :, None] == servers) & ~lo[:, :, None]
        mu = self._edge["mu"][rr]
        member = on.transpose(0, 2, 1).reshape(-1, u)  # [R' x S, U]
        j_exe = self._edge["j_exe"][rr].transpose(0, 2, 1).reshape(-1, u)
        mu_t = mu.transpose(0, 2, 1).reshape(-1, u)
        _, y_rs = waterfill_batch(j_exe, mu_t, member)
        y_rs = np.where(member, y_rs, 0.0).reshape(len(pos), s, u).transpose(0, 2, 1)
        y = y_rs.sum(axis=2)  # one server per offloaded user: its share (0 if local)
        srv = np.where(lo, 0, c)

        def pick(key: str) -> np.ndarray:
            return np.take_along_axis(self._edge[key][rr], srv[:, :, None], axis=2)[:, :, 0]

        with np.errstate(divide="ignore", invalid="ignore"):
            time_s = np.where(lo, self._user["t_loc"][rr], pick("t_tr") + pick("t_exe") / y)
            cost_u = np.where(lo, self._user["j_loc"][rr], pick("j_tr") + pick("j_exe") / y)
        totals = cost_u.sum(axis=1).tolist()
        out: dict[int, Solution] = {}
        for i, p in enumerate(pos.tolist()):
            share = tuple(None if l_ else v for l_, v in zip(lo[i].tolist(), y[i].tolist(),
                                                             strict=True))
            out[p] = Solution(tuple(c[i].tolist()), share, float(totals[i]),
                              tuple(time_s[i].tolist()), tuple(cost_u[i].tolist()), validity[p],
                              "env", Status.FEASIBLE, 0.0)
        return out

    # ------------------------------------------------------------------ optimum
    def _optimum(self, r: int) -> Solution:
        ep = self._eps[r]
        if ep.optimum is None:
            ep.optimum = self.proto._solve_optimum(ep.scenario)
        return ep.optimum

    def _known_optimum(self, r: int) -> Solution | None:
        if not self.proto.compute_optimum:
            return None
        opt = self._optimum(r)
        return opt if opt.status == Status.OPTIMAL and np.isfinite(opt.cost) else None

    def _failure_cost(self, r: int) -> float:
        opt = self._known_optimum(r)
        return FAILURE_RATIO * (opt.cost if opt is not None
                                else lower_bound_cost(self._eps[r]))

    def _optimum_info(self, rows: np.ndarray, cost: np.ndarray, info: InfoBatch) -> None:
        """OPTIMUM_KEYS of the finished ``rows`` (the single env's ``_optimum_info``)."""
        vals: dict[str, list[Any]] = {k: [] for k in ("optimum_cost", "optimality_ratio",
                                                      "max_return", "optimum_status")}
        for r, c in zip(rows.tolist(), cost.tolist(), strict=True):
            opt = self._known_optimum(r)
            if opt is None:
                row = (None, None, None, str(self._optimum(r).status))
            else:
                row = (opt.cost, c / opt.cost, -opt.cost, str(opt.status))
            for k, v in zip(vals, row, strict=True):
                vals[k].append(v)
        for k, v in vals.items():
            info.put(k, rows, np.array(v) if all(isinstance(x, float) for x in v) else v)
