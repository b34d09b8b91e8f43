"""Gymnasium environments for VEC partial offloading (SPEC-VEC; docs/envs.md).

``offload_gym/VEC-v0`` (:class:`VecOffloadEnv`, constructive)
    One episode = one task of one scenario. The RSUs are visited one per step in descending
    CPU frequency (ties: lower index first), the order in which KATO ranks them; the action
    ``Discrete(2)`` is 0 = skip, 1 = select. RSUs removed by MobCheck (``mobcheck=True``,
    the default, as in KATO: keep RSU i iff e_i >= min(T, Q beta_0)) are still visited but
    only "skip" is allowed. When every RSU is decided, the allocation rule (``rule=
    "optimal"`` or ``"equal_finish"``) allocates the task over the vehicle and S.

``offload_gym/VECSelect-v0`` (:class:`VecSelectEnv`, one shot)
    One step; the action ``MultiBinary(n_rsus_max)`` is the whole selection (bit i = RSU i,
    scenario order); MobCheck-removed and padded RSUs must be 0.

Reward (both): with T(S) the completion time of selection S under the rule (SPEC-VEC
"Two allocation rules") and T_eff(S) = T(S) if S succeeds, else ``failure_time_factor`` *
T_local (a failed task counts as finishing that late),

    r_k = T_eff(S_{k-1}) - T_eff(S_k)   [s]   (divided by T_local if reward_scale="local")

so the return telescopes to T_eff(empty) - T_eff(S_final) = T_local - T_final whenever the
vehicle alone meets the deadline (always without a deadline). A selection that makes a
succeeding task fail (an RSU leaves range first under ``equal_finish``, or the deadline is
missed) ends the episode (``terminate_on_failure=True``) with that penalty.

The incremental time: with A_m = sum_{i in S} 1/c_i(m) kept for every band share m
(c_i(m) from :meth:`VecPhysics.cost`, computed once at reset), the equal-finish time is
T = Q / (1/beta_0 + A_|S|) (allocation.equal_finish, KATO Lemma 1); under ``optimal`` it is
the same unless some selected RSU leaves before it, and then :func:`allocation.allocate`
times the selection. The final selection is always re-timed by ``allocate`` and checked by
``evaluate`` (through ``make_solution``); the last reward uses that time.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from offload_gym.core.env import (
    RewardFn,
    check_invalid_action_mode,
    load_scenario_set,
    resolve_reward_fn,
)
from offload_gym.core.env_args import (
    binary_action,
    check_bool,
    check_choice,
    check_finite_at_least,
    check_int,
    check_optional_int,
    check_seed,
    discrete_action,
)
from offload_gym.core.errors import InvalidActionError, ScenarioError
from offload_gym.core.graph import FEATURE_DTYPE, decision_space
from offload_gym.core.status import Status
from offload_gym.vec.allocation import RULES, allocate, equal_finish_time
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.generator import generate_batch, get_preset
from offload_gym.vec.physics import VecPhysics, distance_m, spectral_efficiency
from offload_gym.vec.reward import DEFAULT_REWARD_FN, REWARD_FNS
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

# Observation layout (docs/envs.md "VEC observation"). Node slot 0 = vehicle, 1 + i = RSU i.
NODE_FEATURES = (
    "is_vehicle",      # 1 for the vehicle
    "dx",              # (x_i - x0) / range_m at t = 0
    "dy",              # (y_i - y0) / range_m
    "cpu",             # f_i / 10 GHz
    "snr",             # eta_i [dB] / 30 (0 for the vehicle)
    "log_compute",     # log10(beta_i / beta_0): RSU compute time relative to the vehicle's
    "log_transmit",    # log10(tau_i / beta_0): whole-band transmit time relative (0 vehicle)
    "exit",            # e_i / (e_i + T_local) in [0, 1] (1 = never leaves; vehicle 1)
    "available",       # 1 unless removed by MobCheck (vehicle 1)
    "selected",        # partial decision: in S (vehicle 1: it always computes)
    "decided",         # partial decision: already visited
    "current",         # the RSU decided at this step
)
EDGE_FEATURES = (
    "distance",        # d_i(0) / range_m
    "spectral_eff",    # r_i / 10 [bit/s/Hz]
    "reverse",         # 0: vehicle -> RSU, 1: RSU -> vehicle
)
GLOBAL_FEATURES = (
    "time",            # T_eff(S_k) / T_local (1 at the start when local meets the deadline)
    "n_selected",      # |S_k| / n_rsus_max
    "progress",        # decisions taken / n_rsus_max
    "n_rsus",          # n / n_rsus_max
    "deadline",        # T_local / deadline (0 without a deadline)
)
F_SEL, F_DEC, F_CUR = (NODE_FEATURES.index(k) for k in ("selected", "decided", "current"))
G_TIME, G_NSEL, G_PROG = 0, 1, 2
REWARD_SCALES = ("seconds", "local")
SKIP, SELECT = 0, 1


def _readonly(a: np.ndarray) -> np.ndarray:
    """``a``, made read-only (pool arrays are shared by episodes; observations copy them)."""
    a.setflags(write=False)
    return a


_MASK_BOTH = _readonly(np.array([1, 1], dtype=np.int8))
_MASK_SKIP = _readonly(np.array([1, 0], dtype=np.int8))
DEFAULT_POOL_SIZE = 256
INV_COST_POOL_ELEMENTS = 1 << 18  # a pool precomputes 1/c_i(m) up to 2 MB of float64
POOLS_BYTES = 64 << 20  # all pools of an env together stay under about this size


def _inverse_costs(beta: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """[..., n, n + 1]: entry (i, m) = 1/c_i(m) = 1/(beta_i + m tau_i) for m = 1..n, and 0
    for m = 0 (no selection); ``beta``, ``tau`` [..., n]."""
    n = beta.shape[-1]
    m = np.arange(1, n + 1, dtype=np.float64)
    out = np.zeros((*beta.shape, n + 1))
    out[..., 1:] = 1.0 / (beta[..., None] + m * tau[..., None])
    return out


class _Pool:
    """Instances with the same number of RSUs n and everything the envs need from them,
    computed once for the whole pool as arrays (leading axis = instance, read-only).

    A generated pool comes from ONE call of :func:`generate_batch`; its
    :class:`~offload_gym.vec.scenario.Scenario` objects are built (and validated) lazily,
    only when something needs them (the final ``Solution``, the optimum, rendering). A
    pool made from given scenarios keeps them."""

    def __init__(self, batch: ScenarioBatch, n_max: int, mobcheck: bool,
                 scenarios: list[Scenario] | None = None) -> None:
        b, n = len(batch), batch.n_rsus
        if n < 1:
            raise ScenarioError("rsus", "the VEC envs need at least one RSU")
        self.batch, self.size, self.n, self.cursor = batch, b, n, 0
        self.scenarios: list[Scenario | None] = list(scenarios) if scenarios else [None] * b
        self.phys = phys = batch.physics()
        vx, vy = batch.vehicle_x_m[:, None], batch.vehicle_y_m[:, None]
        range_m = batch.range_m[:, None]
        if scenarios is None:  # what Scenario validation would reject (rounding on the disc)
            dist = np.hypot(batch.rsu_x_m - vx, batch.rsu_y_m - vy)
            if np.any(dist > range_m * (1 + 1e-12)):
                raise ScenarioError("rsus.x_m", "an RSU starts beyond range_m")
        cpu = batch.rsu_cpu_ghz
        self.order = _readonly(np.argsort(-cpu, axis=1, kind="stable"))  # CPU desc, ties: index
        self.avail = _readonly(phys.mobcheck() if mobcheck else np.ones((b, n), dtype=bool))
        beta0 = phys.beta0_s_per_gbit
        t_local = phys.local_time_s
        self.exit_s = _readonly(np.asarray(phys.exit_time_s, dtype=np.float64))
        # per-instance scalars as Python floats (cheap to read in step)
        self.size_gbit = batch.size_gbit.tolist()
        self.beta0 = beta0.tolist()
        self.rate0 = (1.0 / beta0).tolist()
        self.local_time_s = t_local.tolist()
        self.deadline_s = batch.deadline_s.tolist()
        # 1/c_i(m) of every instance at once when it fits (else per episode)
        self.inv_cost_t: np.ndarray | None = None
        if b * n * (n + 1) <= INV_COST_POOL_ELEMENTS:
            self.inv_cost_t = _readonly(_inverse_costs(phys.beta_s_per_gbit,
                                                       phys.tau_s_per_gbit))

        # static graph (docs/envs.md "VEC observation"), all instances at once
        d0 = distance_m(batch.rsu_x_m, batch.rsu_y_m, vx, vy, batch.speed_mps[:, None])
        r = spectral_efficiency(batch.rsu_snr_db, d0)
        with np.errstate(invalid="ignore"):
            exit_feat = np.where(np.isinf(self.exit_s), 1.0,
                                 self.exit_s / (self.exit_s + t_local[:, None]))
        nf = np.zeros((b, n_max + 1, len(NODE_FEATURES)), dtype=FEATURE_DTYPE)
        nf[:, 0, 0] = 1.0
        nf[:, 0, 3] = batch.vehicle_cpu_ghz / 10
        nf[:, 0, 7:10] = 1.0
        rsu = nf[:, 1:n + 1]
        rsu[..., 1] = (batch.rsu_x_m - vx) / range_m
        rsu[..., 2] = (batch.rsu_y_m - vy) / range_m
        rsu[..., 3] = cpu / 10
        rsu[..., 4] = batch.rsu_snr_db / 30
        rsu[..., 5] = np.log10(phys.beta_s_per_gbit / beta0[:, None])
        rsu[..., 6] = np.log10(phys.tau_s_per_gbit / beta0[:, None])
        rsu[..., 7] = exit_feat
        rsu[..., 8] = self.avail
        self.node_features = _readonly(nf)
        ef = np.zeros((b, 2 * n_max, len(EDGE_FEATURES)), dtype=FEATURE_DTYPE)
        for part, rev in ((slice(0, n), 0.0), (slice(n, 2 * n), 1.0)):
            ef[:, part, 0] = d0 / range_m
            ef[:, part, 1] = r / 10
            ef[:, part, 2] = rev
        self.edge_features = _readonly(ef)
        allowed = np.zeros((b, n_max), dtype=np.int8)
        allowed[:, :n] = self.avail
        self.allowed = _readonly(allowed)  # VECSelect-v0's action mask
        with np.errstate(divide="ignore"):
            deadline_feat = np.where(np.isfinite(batch.deadline_s), t_local / batch.deadline_s,
                                     0.0)
        self.deadline_feat = deadline_feat.tolist()
        slots = np.arange(1, n + 1)
        edge_index = np.zeros((2, 2 * n_max), dtype=np.int64)
        edge_index[0, :n], edge_index[1, :n] = 0, slots
        edge_index[0, n:2 * n], edge_index[1, n:2 * n] = slots, 0
        node_mask = np.zeros(n_max + 1, dtype=np.int8)
        node_mask[:n + 1] = 1
        edge_mask = np.zeros(2 * n_max, dtype=np.int8)
        edge_mask[:2 * n] = 1
        self.node_mask, self.edge_index, self.edge_mask = (
            _readonly(node_mask), _readonly(edge_index), _readonly(edge_mask))

    @property
    def exhausted(self) -> bool:
        return self.cursor >= self.size

    def scenario(self, i: int) -> Scenario:
        """Instance ``i`` as a validated Scenario (built on first use)."""
        sc = self.scenarios[i]
        if sc is None:
            sc = self.scenarios[i] = self.batch.scenario(i)
        return sc


class _Episode:
    """Per-episode view of one pool instance (no per-episode physics is computed; the
    Scenario and the single-instance VecPhysics are built on first use). Its
    ``size_gbit`` / ``beta0_s_per_gbit`` floats make it usable as the ``phys`` of
    :func:`~offload_gym.vec.allocation.equal_finish_time`."""

    __slots__ = ("_phys", "avail", "avail_list", "beta0_s_per_gbit", "deadline_s", "exit_list",
                 "fail_time_s", "i", "index", "inv_cost_t", "local_time_s", "n", "optimum",
                 "order", "order_list", "pool", "rate0", "scale", "size_gbit")

    def __init__(self, pool: _Pool, i: int, index: int | None, failure_time_factor: float,
                 seconds: bool) -> None:
        self.pool, self.i, self.index, self.n = pool, i, index, pool.n
        self.order = pool.order[i]
        self.avail = pool.avail[i]
        self.size_gbit = pool.size_gbit[i]
        self.beta0_s_per_gbit = pool.beta0[i]
        self.rate0 = pool.rate0[i]
        self.local_time_s = t_local = pool.local_time_s[i]
        self.deadline_s = pool.deadline_s[i]
        self.fail_time_s = failure_time_factor * t_local
        self.scale = 1.0 if seconds else t_local
        self.optimum: Solution | None = None
        self._phys: VecPhysics | None = None
        self.inv_cost_t = None if pool.inv_cost_t is None else pool.inv_cost_t[i]
        self.order_list: list[int] = self.order.tolist()
        self.avail_list: list[bool] = self.avail.tolist()
        self.exit_list: list[float] = pool.exit_s[i].tolist()

    def set_reward_fn(self, reward_fn: str | RewardFn) -> None:
        """Use ``reward_fn`` (a name of :data:`REWARD_FNS` or a callable ``fn(env,
        prev_objective, objective, reward) -> float``) from the next step on."""
        self._reward_hook = resolve_reward_fn(reward_fn, REWARD_FNS, DEFAULT_REWARD_FN)

    @property
    def scenario(self) -> Scenario:
        return self.pool.scenario(self.i)

    @property
    def phys(self) -> VecPhysics:
        """The instance's physics (RSU arrays [n]), sliced from the pool's."""
        if self._phys is None:
            self._phys = self.pool.phys.take(self.i)
        return self._phys

    @property
    def exit_s(self) -> np.ndarray:
        return self.pool.exit_s[self.i]

    @property
    def node_features(self) -> np.ndarray:
        return self.pool.node_features[self.i]

    @property
    def inv_cost(self) -> np.ndarray:
        """[n + 1, n]: row m = 1/c_i(m) (row 0 = 0); a view of :attr:`inv_cost_t`."""
        return self.inverse_costs().T

    def inverse_costs(self) -> np.ndarray:
        """[n, n + 1]: row i = 1/c_i(m) for m = 0..n (m = 0 entry 0), computed once."""
        if self.inv_cost_t is None:
            phys = self.pool.phys
            self.inv_cost_t = _inverse_costs(phys.beta_s_per_gbit[self.i],
                                             phys.tau_s_per_gbit[self.i])
        return self.inv_cost_t


class _VecEnvBase(gym.Env):
    """What both VEC envs share: scenario source, per-episode physics, observation, info,
    optimum and rendering. Not registered itself."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"],
                                          "render_fps": 2}

    def __init__(
        self,
        n_rsus: int | tuple[int, int] = 20,
        *,
        n_rsus_max: int | None = None,
        preset: str = "kato2025",
        preset_overrides: dict[str, float] | None = None,
        scenarios: Any = None,
        rule: str = "optimal",
        mobcheck: bool = True,
        reward_scale: str = "seconds",
        failure_time_factor: float = 2.0,
        terminate_on_failure: bool = True,
        invalid_action: str = "penalty",
        compute_optimum: bool = True,
        solution_info: bool = True,
        pool_size: int = DEFAULT_POOL_SIZE,
        seed: int | None = None,
        render_mode: str | None = None,
        reward_fn: str | RewardFn = "objective",
    ) -> None:
        # every kwarg is checked here, so that a bad one fails at gym.make, naming itself
        self.set_reward_fn(reward_fn)
        self.rule = check_choice("rule", rule, RULES)
        self.mobcheck = check_bool("mobcheck", mobcheck)
        self.reward_scale = check_choice("reward_scale", reward_scale, REWARD_SCALES)
        self.failure_time_factor = check_finite_at_least("failure_time_factor",
                                                         failure_time_factor, 1.0)
        self.terminate_on_failure = check_bool("terminate_on_failure", terminate_on_failure)
        self.invalid_action = check_invalid_action_mode(invalid_action)
        self.compute_optimum = check_bool("compute_optimum", compute_optimum)
        self.solution_info = check_bool("solution_info", solution_info)
        self.pool_size = check_int("pool_size", pool_size, 1)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
        if preset_overrides is not None and not isinstance(preset_overrides, dict):
            raise ValueError(f"preset_overrides must be a dict or None, got "
                             f"{preset_overrides!r}")
        self.preset = preset
        self.preset_overrides = dict(preset_overrides or {})
        get_preset(preset, **self.preset_overrides)  # validate early (errors name the key)
        seed = check_seed(seed)

        self._scenarios: list[Scenario] | None = load_scenario_set(
            scenarios, Scenario.from_dict, Scenario)
        if self._scenarios is not None:
            largest = max(s.n_rsus for s in self._scenarios)
            self._n_range = (min(s.n_rsus for s in self._scenarios), largest)
        else:
            self._n_range = _rsu_range(n_rsus)
            largest = self._n_range[1]
        n_rsus_max = check_optional_int("n_rsus_max", n_rsus_max, 1)
        self.n_rsus_max = n_rsus_max if n_rsus_max is not None else largest
        if self.n_rsus_max < largest:
            raise ValueError(f"n_rsus_max = {self.n_rsus_max} < largest scenario ({largest})")
        # instances per generated pool: pool_size, fewer when the pools of a wide n_rsus range
        # would together exceed POOLS_BYTES (padded features: ~60 bytes per node slot)
        n_pools = self._n_range[1] - self._n_range[0] + 1
        per_instance = 64 * (self.n_rsus_max + 1) + 120 * self._n_range[1]
        self._pool_instances = int(min(self.pool_size,
                                       max(1, POOLS_BYTES // (n_pools * per_instance))))
        self._init_seed = seed
        self._cursor = 0
        self._opt_cache: dict[int, Solution] = {}
        self._pools: dict[int, _Pool] = {}       # generated instances, one pool per n
        self._set_pools: dict[int, _Pool] = {}   # one single-instance pool per set scenario

        n_nodes = self.n_rsus_max + 1
        self.observation_space = decision_space(n_nodes, len(NODE_FEATURES),
                                                2 * self.n_rsus_max, len(EDGE_FEATURES),
                                                len(GLOBAL_FEATURES),
                                                self._action_mask_shape())
        self._decisions = tuple(np.int64(k) for k in range(n_nodes))  # immutable, shared
        self._ep: _Episode | None = None
        self._fig: Any = None

    def set_reward_fn(self, reward_fn: str | RewardFn) -> None:
        """Use ``reward_fn`` (a name of :data:`REWARD_FNS` or a callable ``fn(env,
        prev_objective, objective, reward) -> float``) from the next step on."""
        self._reward_hook = resolve_reward_fn(reward_fn, REWARD_FNS, DEFAULT_REWARD_FN)

    @property
    def scenario(self) -> Scenario | None:
        """The current episode's scenario (None before the first ``reset()``)."""
        return None if self._ep is None else self._ep.scenario

    @property
    def episode(self) -> _Episode | None:
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

    # ------------------------------------------------------------------ scenarios
    def _seed(self, seed: int | None) -> None:
        """Gymnasium seeding; a new seed restarts the fixed set and drops the pools."""
        if seed is None and self._init_seed is not None:
            seed, self._init_seed = self._init_seed, None
        super().reset(seed=seed)
        if seed is not None:
            self._cursor = 0
            self._pools.clear()

    def _scenario_pool(self, sc: Scenario) -> _Pool:
        return _Pool(ScenarioBatch.from_scenarios([sc]), self.n_rsus_max, self.mobcheck, [sc])

    def _next_episode(self, options: dict[str, Any] | None) -> _Episode:
        """The next instance: ``options["scenario"]``, the fixed set's next one, or the next
        one of the pool for a freshly drawn n (a new pool is generated when it runs out)."""
        index = None
        if options and options.get("scenario") is not None:
            sc = options["scenario"]
            sc = sc if isinstance(sc, Scenario) else Scenario.from_dict(sc)
            if sc.n_rsus > self.n_rsus_max:
                raise ScenarioError("scenario", f"{sc.n_rsus} RSUs > n_rsus_max = "
                                                f"{self.n_rsus_max}")
            pool, i = self._scenario_pool(sc), 0
        elif self._scenarios is not None:
            index = self._cursor % len(self._scenarios)
            self._cursor += 1
            pool = self._set_pools.get(index)
            if pool is None:
                pool = self._set_pools[index] = self._scenario_pool(self._scenarios[index])
            i = 0
        else:
            lo, hi = self._n_range
            n = lo if lo == hi else int(self.np_random.integers(lo, hi + 1))
            pool = self._pools.get(n)
            if pool is None or pool.exhausted:
                batch = generate_batch(self._pool_instances, n, self.preset, self.np_random,
                                       **self.preset_overrides)
                pool = self._pools[n] = _Pool(batch, self.n_rsus_max, self.mobcheck)
            i = pool.cursor
            pool.cursor += 1
        return _Episode(pool, i, index, self.failure_time_factor,
                        self.reward_scale == "seconds")

    # ------------------------------------------------------------------ observation
    def _global_features(self, t_eff: float, n_selected: int, decided: int) -> np.ndarray:
        ep = self._ep
        n_max = self.n_rsus_max
        return np.array([t_eff / ep.local_time_s, n_selected / n_max, decided / n_max,
                         ep.n / n_max, ep.pool.deadline_feat[ep.i]], dtype=FEATURE_DTYPE)

    def _obs_static(self) -> dict[str, np.ndarray]:
        """Fresh copies of the observation entries that never change during an episode
        (Gymnasium's checker requires that no two observations share an array)."""
        ep = self._ep
        pool = ep.pool
        return {"node_mask": pool.node_mask.copy(), "edge_index": pool.edge_index.copy(),
                "edge_features": pool.edge_features[ep.i].copy(),
                "edge_mask": pool.edge_mask.copy()}

    # ------------------------------------------------------------------ timing
    def _effective(self, time_s: float, success: bool) -> float:
        """T_eff: the completion time, or the failure time when the task fails."""
        return time_s if success else self._ep.fail_time_s

    # ------------------------------------------------------------------ episode end
    def optimum_solution(self) -> Solution:
        """The exact optimum of the current scenario under the env's rule and MobCheck
        flavour (:func:`offload_gym.vec.solvers.exact.solve_exact`, registered as
        ``("vec", "exact")``), cached per scenario of a fixed set."""
        from offload_gym.vec.solvers.exact import solve_exact

        ep = self._require_episode()
        if ep.optimum is None:
            if ep.index is not None and ep.index in self._opt_cache:
                ep.optimum = self._opt_cache[ep.index]
            else:
                ep.optimum = solve_exact(ep.scenario, rule=self.rule, mobcheck=self.mobcheck)
                if ep.index is not None:
                    self._opt_cache[ep.index] = ep.optimum
        return ep.optimum

    def _final(self, mask: np.ndarray, forced_failure: bool,
               lean: tuple[float, bool] | None = None) -> tuple[float, dict[str, Any]]:
        """Time the final selection (allocate + evaluate); returns (T_eff_final, info).
        ``lean``: (time, success) already known, used when ``solution_info=False``."""
        ep = self._ep
        info: dict[str, Any] = {"local_time_s": ep.local_time_s}
        if self.solution_info:
            alloc = allocate(ep.phys, mask, self.rule)
            sol = make_solution(ep.scenario, mask, alloc.allocation_gbit, rule=self.rule,
                                solver="env", wall_time_s=0.0, mobcheck=self.mobcheck,
                                status=Status.FEASIBLE, phys=ep.phys)
            if not sol.success or forced_failure:
                sol = _replace_status(sol, Status.FAILED)
            t, success = sol.completion_time_s, sol.success
            info["solution"] = sol
        elif lean is not None:  # the incremental time (equal to allocate's to ~1e-15)
            t, success = lean
        else:
            alloc = allocate(ep.phys, mask, self.rule)
            t, success = float(alloc.time_s), bool(alloc.success)
        failed = forced_failure or not success
        t_eff = ep.fail_time_s if failed else t
        info.update(completion_time_s=t, success=not failed, failed=failed,
                    selected=tuple(np.flatnonzero(mask).tolist()))
        if self.compute_optimum:
            opt = self.optimum_solution()
            t_opt = self._effective(opt.completion_time_s, opt.success)
            info.update(optimum_time_s=opt.completion_time_s, optimum_success=opt.success,
                        optimality_ratio=t_eff / t_opt,
                        max_return=(self._effective(ep.local_time_s, ep.local_time_s
                                                    <= ep.deadline_s) - t_opt) / ep.scale)
        return t_eff, info

    def _require_episode(self) -> _Episode:
        if self._ep is None:
            raise RuntimeError("call reset() first")
        return self._ep

    # ------------------------------------------------------------------ rendering
    def _render_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def render(self) -> np.ndarray | None:
        """``rgb_array``: an H x W x 3 uint8 picture (offload_gym.vec.viewer);
        ``human``: the same in a matplotlib window (no-op without a display)."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode")
            return None
        from offload_gym.vec import viewer

        ep = self._require_episode()
        state = self._render_state()
        if self.render_mode == "rgb_array":
            return viewer.render_rgb(ep.scenario, ep.phys, **state)
        self._fig = viewer.render_human(ep.scenario, ep.phys, fig=self._fig, **state)
        return None

    def close(self) -> None:
        if self._fig is not None:
            from offload_gym.vec import viewer

            viewer.close(self._fig)
            self._fig = None


def _replace_status(sol: Solution, status: Status) -> Solution:
    import dataclasses

    return dataclasses.replace(sol, status=status)


def _rsu_range(n_rsus: Any) -> tuple[int, int]:
    """``n_rsus`` (an int >= 1 or (low, high) with 1 <= low <= high) as (low, high)."""
    if isinstance(n_rsus, int | np.integer) and not isinstance(n_rsus, bool):
        lo = hi = n_rsus
    elif isinstance(n_rsus, tuple | list) and len(n_rsus) == 2:
        lo, hi = n_rsus
    else:
        lo = hi = None
    ok = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (lo, hi))
    if not ok or not 1 <= lo <= hi:
        raise ValueError(f"n_rsus must be an int >= 1 or (low, high) ints with "
                         f"1 <= low <= high, got {n_rsus!r}")
    return int(lo), int(hi)


class VecOffloadEnv(_VecEnvBase):
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
        n_max = self.n_rsus_max
        return {"node_features": self._nf.copy(), "node_mask": pool.node_mask.copy(),
                "edge_index": pool.edge_index.copy(),
                "edge_features": pool.edge_features[ep.i].copy(),
                "edge_mask": pool.edge_mask.copy(),
                "global_features": np.array(
                    [self._t_eff / ep.local_time_s, self._m / n_max, self._k / n_max,
                     ep.n / n_max, pool.deadline_feat[ep.i]], dtype=FEATURE_DTYPE),
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
            raise RuntimeError("the episode is over (or not started): call reset()")
        j = self._decision - 1
        if type(action) is int and 0 <= action < 2:  # fast path of discrete_action
            a = action
        else:
            a = discrete_action(action, 2)  # outside the space: raises in every mode
        if a == SELECT and self._action_mask is _MASK_SKIP:
            why = f"RSU {j} was removed by MobCheck (action_mask = {self._action_mask})"
            if self.invalid_action == "raise":
                raise InvalidActionError(f"invalid action at decision {self._k}: {why}")
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
        if self._reward_hook is not None:
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
        reward = (prev_eff - t_eff) / ep.scale
        if self._reward_hook is not None:
            reward = self._reward_hook(self, prev_eff, t_eff, reward)
        return self._obs(), reward, True, False, info

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        current = None if self._done or self._k >= ep.n else int(ep.order[self._k])
        return {"selected": self._mask.copy(), "available": ep.avail, "current": current,
                "completion_time_s": self._time_s, "rule": self.rule}


class VecSelectEnv(_VecEnvBase):
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
        if self._ep is None or self._done:
            raise RuntimeError("the episode is over (or not started): call reset()")
        ep = self._ep
        bits = binary_action(action, self.n_rsus_max)  # outside the space: raises in every mode
        bad = np.flatnonzero(bits & (self._allowed == 0))
        if bad.size:
            why = (f"bits {bad.tolist()} may not be set (may-be-1 column of action_mask = "
                   f"{self._allowed.tolist()})")
            if self.invalid_action == "raise":
                raise InvalidActionError(f"invalid selection: {why}")
        self._done = True
        if bad.size:
            t_eff, info = self._final(self._mask, forced_failure=True)
            info["invalid_action"] = why
        else:
            self._mask = bits[:ep.n].astype(bool)
            t_eff, info = self._final(self._mask, forced_failure=False)
        info["n_selected"] = int(self._mask.sum())
        obs = self._obs(t_eff, int(self._mask.sum()))
        reward = (self._t_eff0 - t_eff) / ep.scale
        if self._reward_hook is not None:
            reward = self._reward_hook(self, self._t_eff0, t_eff, reward)
        return obs, reward, True, False, info

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        t = (float(allocate(ep.phys, self._mask, self.rule).time_s) if self._mask.any()
             else ep.local_time_s)
        return {"selected": self._mask.copy(), "available": ep.avail, "current": None,
                "completion_time_s": t, "rule": self.rule}
