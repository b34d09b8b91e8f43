"""What both LAENet envs (:mod:`offload_gym.laenet.env`) share beyond the core skeleton
(:class:`offload_gym.core.env.OffloadEnv`): kwargs, the scenario pool, per-episode arrays
(:mod:`~offload_gym.laenet.episode`), the optimum, the lower bound and the failure cost.

Cost: with shares always optimal for the assignment so far (water-filling per server), the
partial cost after k decisions is C_k = sum_{decided u} (J_loc_u if LOCAL else J_tr_(u,s))
+ sum_s Phi_s(users on s) (C_0 = 0). A masked dead end or an invalid action under
``invalid_action="penalty"`` ends the episode with the failure cost C_fail = FAILURE_RATIO
(10) * C_opt when the optimum is computed and known (an infeasible hand-made scenario has
none; its info then carries ``optimality_ratio = None``), else 10 * C_lb.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from offload_gym.core.env import OffloadEnv, RewardFn
from offload_gym.core.env_args import check_choice, check_int, check_optional_int
from offload_gym.core.errors import ScenarioError
from offload_gym.core.lazy_info import LazyInfo
from offload_gym.core.status import Status
from offload_gym.laenet import episode as episodes
from offload_gym.laenet import observation, reward
from offload_gym.laenet.episode import Episode, build_episode
from offload_gym.laenet.evaluate import FAILURE_RATIO, make_solution
from offload_gym.laenet.generator import PRESETS, generate, resolve_scale
from offload_gym.laenet.observation import GraphBuilder
from offload_gym.laenet.pool import generate_pool
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution

DEFAULT_POOL_SIZE = 256  # generated instances per generate_pool call
# ``optimum_solver`` choices: the registered LAENet solvers that certify optimality (a
# heuristic's cost would make ``optimality_ratio`` meaningless)
OPTIMUM_SOLVERS = ("exact", "brute", "pyomo")
UNDECIDED = -2
# the final info's entries that need the certified optimum (computed on first read)
OPTIMUM_KEYS = ("optimum_cost", "optimality_ratio", "max_return", "optimum_status")
__all__ = ["DEFAULT_POOL_SIZE", "OPTIMUM_KEYS", "OPTIMUM_SOLVERS", "UNDECIDED",
           "LaenetEnvBase"]


class LaenetEnvBase(OffloadEnv):
    """What both LAENet envs share beyond the skeleton. Not registered itself."""

    scenario_type = Scenario
    reward_fns = reward.REWARD_FNS
    default_reward_fn = reward.DEFAULT_REWARD_FN
    viewer_module = "offload_gym.laenet.viewer"
    observation_schema = observation

    def __init__(self, scale: str | tuple[int, int, int] = "gs3_gu6_au4", *,
                 n_gs: int | None = None, n_gu: int | None = None, n_au: int | None = None,
                 n_servers_max: int | None = None, n_users_max: int | None = None,
                 preset: str = "gadsg2025", scenarios: Any = None,
                 compute_optimum: bool = True, optimum_solver: str = "exact",
                 invalid_action: str = "penalty", solution_info: bool = True,
                 pool_size: int = DEFAULT_POOL_SIZE, seed: int | None = None,
                 render_mode: str | None = None, reward_fn: str | RewardFn = "objective",
                 generator: Any = None, viewer: Any = None) -> None:
        self._init_skeleton(scenarios=scenarios, invalid_action=invalid_action,
                            compute_optimum=compute_optimum, solution_info=solution_info,
                            pool_size=pool_size, seed=seed, render_mode=render_mode,
                            reward_fn=reward_fn, generator=generator, viewer=viewer)
        if not isinstance(preset, str) or preset not in PRESETS:
            raise ScenarioError("preset", f"unknown preset {preset!r} (known: {list(PRESETS)})")
        self.preset = preset
        s, y, z = resolve_scale(scale)
        s, y, z = (s if n_gs is None else check_int("n_gs", n_gs, 1),
                   y if n_gu is None else check_int("n_gu", n_gu, 0),
                   z if n_au is None else check_int("n_au", n_au, 0))
        self.counts = resolve_scale((s, y, z))
        self.optimum_solver = check_choice("optimum_solver", optimum_solver, OPTIMUM_SOLVERS)
        n_servers_max = check_optional_int("n_servers_max", n_servers_max, 1)
        n_users_max = check_optional_int("n_users_max", n_users_max, 1)
        if self._scenarios is not None:
            big_s = max(sc.n_servers for sc in self._scenarios)
            big_u = max(sc.n_users for sc in self._scenarios)
        else:
            big_s, big_u = self.counts[0] + 1, self.counts[1] + self.counts[2]
        self.n_servers_max = big_s if n_servers_max is None else n_servers_max
        self.n_users_max = big_u if n_users_max is None else n_users_max
        if self.n_servers_max < big_s or self.n_users_max < big_u:
            raise ValueError(f"n_servers_max / n_users_max ({self.n_servers_max}, "
                             f"{self.n_users_max}) below the instances' ({big_s}, {big_u})")
        self._pool: list[Scenario] = []  # generated scenarios not played yet (reversed)
        self._memo_cache: dict[int, dict[tuple[int, int], float]] = {}
        self._episode_cache: dict[int, Episode] = {}
        self._graph = GraphBuilder(self.n_servers_max, self.n_users_max)
        self._init_spaces(self.n_servers_max + self.n_users_max,
                          2 * self.n_users_max * self.n_servers_max)

    # ------------------------------------------------------------------ skeleton hooks
    def _check_fits(self, sc: Scenario) -> None:
        if sc.n_servers > self.n_servers_max or sc.n_users > self.n_users_max:
            raise ScenarioError("scenario", f"({sc.n_servers} servers, {sc.n_users} "
                                            f"users) does not fit the padding")

    def _drop_generated(self) -> None:
        self._pool = []

    def _solve_optimum(self, sc: Scenario) -> Solution:
        """``get_solver("laenet", optimum_solver)`` on ``sc``."""
        from offload_gym.core.registry import get_solver

        return get_solver("laenet", self.optimum_solver)(sc)

    def _render_args(self) -> tuple[Any, ...]:
        return (self._ep.scenario,)

    # ------------------------------------------------------------------ episodes
    def _seed_and_draw(self, seed: int | None, options: dict[str, Any] | None) -> Episode:
        self._seed(seed)
        sc, index = self._next_scenario(options)
        if sc is None and self.pool_size == 1:  # the pre-pool sequence: one call per episode
            sc = generate(self.counts, preset=self.preset, seed=self.np_random)
        elif sc is None:
            if not self._pool:
                self._pool = generate_pool(self.counts, self.pool_size, self.np_random,
                                           self.preset)[::-1]
            sc = self._pool.pop()
        self._ep = self._start_episode(sc, index)
        return self._ep

    def _start_episode(self, sc: Scenario, index: int | None) -> Episode:
        """The per-episode arrays of ``sc`` (cached per scenario of a fixed set: they do not
        depend on the decisions; the optimum is cached separately)."""
        if index is None:
            return build_episode(sc, None, self._graph, {})
        ep = self._episode_cache.get(index)
        if ep is None:
            memo = self._memo_cache.setdefault(index, {})
            ep = self._episode_cache[index] = build_episode(sc, index, self._graph, memo)
        return dataclasses.replace(ep, optimum=None)

    # ------------------------------------------------------------------ costs
    def _phi(self, s: int, members: list[int], key: int | None = None) -> float:
        """Phi_s of the users (edge ids) on server s (:func:`episode.phi`, memoised)."""
        return episodes.phi(self._ep, s, members, key)

    def lower_bound_cost(self) -> float:
        """C_lb = sum_u min(J_loc_u if lambda_u, min over feasible edges J_tr + J_exe): every
        user alone with y = 1, a lower bound of the optimum (used for the failure cost when
        the optimum is not computed or not known); always finite."""
        return episodes.lower_bound_cost(self._require_episode())

    def _known_optimum(self, ep: Episode | None = None) -> Solution | None:
        """The optimum of ``ep`` (default: the current episode) when computed and certified
        (an infeasible scenario has none)."""
        if not self.compute_optimum:
            return None
        opt = self._optimum_of(self._require_episode() if ep is None else ep)
        return opt if opt.status == Status.OPTIMAL and np.isfinite(opt.cost) else None

    def failure_cost(self) -> float:
        """C_fail = FAILURE_RATIO * C_opt when the optimum is computed and known, else
        FAILURE_RATIO * C_lb (always finite)."""
        opt = self._known_optimum()
        return FAILURE_RATIO * (opt.cost if opt is not None else self.lower_bound_cost())

    def _optimum_info(self, cost: float, ep: Episode | None = None) -> dict[str, Any]:
        """The optimum's entries of the final info (solves the optimum if not known yet)."""
        if not self.compute_optimum:
            return {}
        ep = self._require_episode() if ep is None else ep
        opt = self._known_optimum(ep)
        if opt is None:  # e.g. a hand-made scenario whose forced users cannot be packed
            return {"optimum_cost": None, "optimality_ratio": None, "max_return": None,
                    "optimum_status": str(self._optimum_of(ep).status)}
        return {"optimum_cost": opt.cost, "optimality_ratio": cost / opt.cost,
                "max_return": -opt.cost, "optimum_status": str(opt.status)}

    def _final_info(self, info: dict[str, Any], cost: float) -> dict[str, Any]:
        """``info`` plus the optimum's entries (OPTIMUM_KEYS) when ``compute_optimum``: a
        :class:`~offload_gym.core.lazy_info.LazyInfo` whose entries are solved on first read
        (the same values; a training loop that never reads them never pays the exact
        solve). Known already (a failure cost used it): filled at once."""
        if not self.compute_optimum:
            return info
        ep = self._require_episode()
        if ep.optimum is not None or (ep.index is not None and ep.index in self._opt_cache):
            return {**info, **self._optimum_info(cost, ep)}
        return LazyInfo(info, OPTIMUM_KEYS, lambda: self._optimum_info(cost, ep))

    def raw_features(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spec's raw SI graph features of the current scenario: node features
        [S+1+U, 4] = [theta, D, f, w], edge features [E, 6] = [1, J_loc, J_tr, J_exe, lambda,
        mu] and the edge list [E, 2] = (user, server) (``physics.derive``)."""
        d = self._require_episode().derived
        return d.node_features, d.edge_features, np.column_stack([d.edge_user, d.edge_server])

    def _solution(self, choice: np.ndarray | None) -> Solution:
        return make_solution(self._ep.scenario, None if choice is None else choice.tolist(),
                             share=None, solver="env", status=Status.FEASIBLE,
                             wall_time_s=0.0)
