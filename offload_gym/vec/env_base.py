"""What both VEC envs (:mod:`offload_gym.vec.env`) share beyond the core skeleton
(:class:`offload_gym.core.env.OffloadEnv`): kwargs, pools, timing, the final solution and the
optimum.

Rewards: :mod:`offload_gym.vec.reward` (default r_k = T_eff(S_{k-1}) - T_eff(S_k));
observation: :mod:`offload_gym.vec.observation`; pools: :mod:`offload_gym.vec.episode`. The
incremental time keeps A_m = sum_{i in S} 1/c_i(m) for every band share m, so the
equal-finish time is T = Q / (1/beta_0 + A_|S|) (KATO Lemma 1); under ``optimal`` it is the
same unless some selected RSU leaves before it, and then ``allocate`` times the selection.
The final selection is always re-timed by ``allocate`` and checked by ``evaluate``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from offload_gym.core.env import OffloadEnv, RewardFn
from offload_gym.core.env_args import (
    check_bool,
    check_choice,
    check_finite_at_least,
    check_optional_int,
)
from offload_gym.core.errors import ScenarioError
from offload_gym.core.status import Status
from offload_gym.vec import observation, reward
from offload_gym.vec.allocation import RULES, allocate
from offload_gym.vec.episode import DEFAULT_POOL_SIZE, Episode, Pool, pool_instances
from offload_gym.vec.evaluate import make_solution
from offload_gym.vec.generator import generate_batch, get_preset
from offload_gym.vec.observation import global_features
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

REWARD_SCALES = ("seconds", "local")
__all__ = ["REWARD_SCALES", "VecEnvBase"]


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


class VecEnvBase(OffloadEnv):
    """What both VEC envs share beyond the skeleton: pools, timing, the final solution and
    the optimum. Not registered itself."""

    scenario_type = Scenario
    reward_fns = reward.REWARD_FNS
    default_reward_fn = reward.DEFAULT_REWARD_FN
    viewer_module = "offload_gym.vec.viewer"
    observation_schema = observation

    def __init__(self, n_rsus: int | tuple[int, int] = 20, *, n_rsus_max: int | None = None,
                 preset: str = "kato2025", preset_overrides: dict[str, float] | None = None,
                 scenarios: Any = None, rule: str = "optimal", mobcheck: bool = True,
                 reward_scale: str = "seconds", failure_time_factor: float = 2.0,
                 terminate_on_failure: bool = True, invalid_action: str = "penalty",
                 compute_optimum: bool = True, solution_info: bool = True,
                 pool_size: int = DEFAULT_POOL_SIZE, seed: int | None = None,
                 render_mode: str | None = None, reward_fn: str | RewardFn = "objective",
                 generator: Any = None, viewer: Any = None) -> None:
        self.rule = check_choice("rule", rule, RULES)
        self.mobcheck = check_bool("mobcheck", mobcheck)
        self.reward_scale = check_choice("reward_scale", reward_scale, REWARD_SCALES)
        self.failure_time_factor = check_finite_at_least("failure_time_factor",
                                                         failure_time_factor, 1.0)
        self.terminate_on_failure = check_bool("terminate_on_failure", terminate_on_failure)
        self._init_skeleton(scenarios=scenarios, invalid_action=invalid_action,
                            compute_optimum=compute_optimum, solution_info=solution_info,
                            pool_size=pool_size, seed=seed, render_mode=render_mode,
                            reward_fn=reward_fn, generator=generator, viewer=viewer)
        if preset_overrides is not None and not isinstance(preset_overrides, dict):
            raise ValueError(f"preset_overrides must be a dict or None, got "
                             f"{preset_overrides!r}")
        self.preset = preset
        self.preset_overrides = dict(preset_overrides or {})
        get_preset(preset, **self.preset_overrides)  # validate early (errors name the key)
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
        self._pool_instances = pool_instances(self.pool_size, self._n_range, self.n_rsus_max)
        self._pools: dict[int, Pool] = {}       # generated instances, one pool per n
        self._set_pools: dict[int, Pool] = {}   # one single-instance pool per set scenario
        self._init_spaces(self.n_rsus_max + 1, 2 * self.n_rsus_max)

    # ------------------------------------------------------------------ skeleton hooks
    def _check_fits(self, sc: Scenario) -> None:
        if sc.n_rsus > self.n_rsus_max:
            raise ScenarioError("scenario", f"{sc.n_rsus} RSUs > n_rsus_max = "
                                            f"{self.n_rsus_max}")

    def _drop_generated(self) -> None:
        self._pools.clear()

    def _solve_optimum(self, sc: Scenario) -> Solution:
        """The exact optimum under the env's rule and MobCheck flavour (``solve_exact``,
        registered as ``("vec", "exact")``)."""
        from offload_gym.vec.solvers.exact import solve_exact

        return solve_exact(sc, rule=self.rule, mobcheck=self.mobcheck)

    def optimum_solution(self) -> Solution:
        """The certified optimum of the current scenario, as ``solve_exact`` gives it with
        the env's rule and MobCheck flavour, taken from the pool's optima (solved for the
        whole pool in one batched call on first use, bit-identical per instance)."""
        ep = self._require_episode()
        if ep.optimum is None:
            optima = ep.pool.solve_optima(self.rule, self.mobcheck)
            ep.optimum = optima.solution(ep.i, ep.scenario, ep.phys)
        return ep.optimum

    def _render_args(self) -> tuple[Any, ...]:
        return self._ep.scenario, self._ep.phys

    def _next_episode(self, options: dict[str, Any] | None) -> Episode:
        """The next instance: given, the fixed set's next one, or the next one of the pool
        for a freshly drawn n (a new pool is generated when it runs out)."""
        sc, index = self._next_scenario(options)
        i = 0
        if index is not None:
            pool = self._set_pools.get(index)
            if pool is None:
                pool = self._set_pools[index] = Pool.of(sc, self.n_rsus_max, self.mobcheck)
        elif sc is not None:
            pool = Pool.of(sc, self.n_rsus_max, self.mobcheck)
        else:
            lo, hi = self._n_range
            n = lo if lo == hi else int(self.np_random.integers(lo, hi + 1))
            pool = self._pools.get(n)
            if pool is None or pool.exhausted:
                batch = generate_batch(self._pool_instances, n, self.preset, self.np_random,
                                       **self.preset_overrides)
                pool = self._pools[n] = Pool(batch, self.n_rsus_max, self.mobcheck)
            i = pool.cursor
            pool.cursor += 1
        return Episode(pool, i, index, self.failure_time_factor,
                       self.reward_scale == "seconds")

    # ------------------------------------------------------------------ observation
    def _global_features(self, t_eff: float, n_selected: int, decided: int) -> np.ndarray:
        ep = self._ep
        return global_features(t_eff / ep.local_time_s, n_selected, decided, ep.n,
                               self.n_rsus_max, ep.pool.deadline_feat[ep.i])

    def _obs_static(self) -> dict[str, np.ndarray]:
        """Fresh copies of the observation entries that never change during an episode
        (Gymnasium's checker requires that no two observations share an array)."""
        ep = self._ep
        pool = ep.pool
        return {"node_mask": pool.node_mask.copy(), "edge_index": pool.edge_index.copy(),
                "edge_features": ep.edge_features.copy(), "edge_mask": pool.edge_mask.copy()}

    # ------------------------------------------------------------------ timing
    def _effective(self, time_s: float, success: bool) -> float:
        """T_eff: the completion time, or the failure time when the task fails."""
        return time_s if success else self._ep.fail_time_s

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
                sol = dataclasses.replace(sol, status=Status.FAILED)
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
        if self.compute_optimum:  # the pool's optima, solved in one batched call
            optima = ep.pool.solve_optima(self.rule, self.mobcheck)
            t_opt_s, opt_success = optima.completion_time_s[ep.i], optima.success[ep.i]
            t_opt = self._effective(t_opt_s, opt_success)
            info.update(optimum_time_s=t_opt_s, optimum_success=opt_success,
                        optimality_ratio=t_eff / t_opt,
                        max_return=(self._effective(ep.local_time_s, ep.local_time_s
                                                    <= ep.deadline_s) - t_opt) / ep.scale)
        return t_eff, info
