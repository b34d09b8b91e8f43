"""Gymnasium environments for LAENet offloading (SPEC-LAENET "RL episode view";
docs/envs.md).

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

Cost and reward. With shares always optimal for the assignment so far (water-filling per
server, :func:`~offload_gym.laenet.waterfill.waterfill_batch`), the partial cost after k
decisions is

    C_k = sum_{decided u} (J_loc_u if LOCAL else J_tr_(u,s)) + sum_s Phi_s(users on s)

(C_0 = 0) and the reward is r_k = -(C_k - C_{k-1}), so the return is exactly -C, the
objective of problem P. A masked dead end (a forced user with no allowed action left; only
forced users can meet one, since the others may always stay LOCAL) or an invalid action
under ``invalid_action="penalty"`` ends the episode with the failure cost
C_fail = FAILURE_RATIO (10) * C_opt when the optimum is computed (``compute_optimum``) and
known (an infeasible hand-made scenario has none; its info then carries
``optimality_ratio = None``), else 10 * C_lb with
C_lb = sum_u min(J_loc_u if lambda_u, min_e J_tr_e + J_exe_e) (each user alone with the
whole server, y = 1: a lower bound of C_opt); the return is then -C_fail.

Observation (normalised; the spec's raw SI features stay available through
:meth:`raw_features`): node slots 0..n_servers_max-1 are the servers (HAP first), then one
slot per user (GUs, then AUs); see :data:`NODE_FEATURES`, :data:`EDGE_FEATURES`,
:data:`GLOBAL_FEATURES`. D is divided by 1e6, CPU frequencies by 1e9 and every cost J (and
Phi) by :data:`J_SCALE_J` = 30, a constant close to the median J_loc of the gadsg2025 preset
(34 on 200 gs3_gu6_au4 instances); lambda, mu, w and flags are kept as they are.
"""

from __future__ import annotations

import dataclasses
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
    check_bool,
    check_choice,
    check_int,
    check_optional_int,
    check_seed,
    discrete_action,
    multi_discrete_action,
)
from offload_gym.core.errors import InvalidActionError, ScenarioError
from offload_gym.core.graph import FEATURE_DTYPE, decision_space
from offload_gym.core.status import Status
from offload_gym.laenet.evaluate import FAILURE_RATIO, make_solution
from offload_gym.laenet.generator import PRESETS, generate, resolve_scale
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.pool import generate_pool
from offload_gym.laenet.reward import DEFAULT_REWARD_FN, REWARD_FNS
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import FAILED, Solution
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL, waterfill_small

J_SCALE_J = 30.0  # cost normaliser (J = w T + (1 - w) E; about the preset's median J_loc)
DATA_SCALE_BITS = 1e6
CPU_SCALE_HZ = 1e9
NODE_FEATURES = (
    "is_hap", "is_gs", "is_au", "is_gu",  # theta (spec: 0 HAP, 1 GS, 2 AU, 3 GU), one-hot
    "data",          # D / 1e6 (users; 0 for servers)
    "cpu",           # f / 1e9 (F_s for servers, f_u for users)
    "weight",        # w (users; 0 for servers)
    "lam",           # lambda_u: local run allowed (users)
    "j_loc",         # J_loc_u / J_SCALE_J (users)
    "used_mu",       # partial state, servers: sum of mu of the users on s
    "phi",           # partial state, servers: Phi_s / J_SCALE_J (water-filling cost)
    "decided",       # partial state, users
    "local",         # partial state, users: decided LOCAL
    "current",       # the user decided at this step
)
EDGE_FEATURES = (
    "flag",          # 1 on coverage edges (spec)
    "j_loc",         # J_loc_u / J_SCALE_J (spec: repeated on each of u's edges)
    "j_tr",          # J_tr_e / J_SCALE_J
    "j_exe",         # J_exe_e / J_SCALE_J
    "lam",           # lambda_u
    "mu",            # mu_e (0 on infeasible edges, spec)
    "feasible",      # the edge can meet the deadline
    "chosen",        # partial state: u decided to offload to s
    "reverse",       # 0: user -> server, 1: server -> user
)
GLOBAL_FEATURES = (
    "cost",          # C_k / (J_SCALE_J * n_users)
    "progress",      # decisions taken / n_users_max
    "n_users",       # n_users / n_users_max
    "n_servers",     # n_servers / n_servers_max
)
_NF = {k: i for i, k in enumerate(NODE_FEATURES)}
_EF = {k: i for i, k in enumerate(EDGE_FEATURES)}
UNDECIDED = -2
DEFAULT_POOL_SIZE = 256  # generated instances per generate_pool call
# ``optimum_solver`` choices: the registered LAENet solvers that certify optimality (a
# heuristic's cost would make ``optimality_ratio`` meaningless)
OPTIMUM_SOLVERS = ("exact", "brute", "pyomo")
# Divisors of Derived.node_features[:, 1:4] (D, f, w) and of Derived.edge_features (x / 1 = x).
_NODE_SCALES = np.array([DATA_SCALE_BITS, CPU_SCALE_HZ, 1.0])
_EDGE_SCALES = np.array([1.0, J_SCALE_J, J_SCALE_J, J_SCALE_J, 1.0, 1.0])


@dataclasses.dataclass
class _Episode:
    scenario: Scenario
    derived: Derived
    index: int | None
    n_users: int
    n_servers: int
    order: np.ndarray          # users in decision order (forced first)
    allowed: np.ndarray        # bool [U, 1 + n_servers_max]: LOCAL / feasible edge
    mu_us: np.ndarray          # [U, n_servers_max]: mu of edge (u, s) (0 if none)
    static: dict[str, np.ndarray]
    node_features: np.ndarray
    edge_features: np.ndarray
    phi_memo: dict[tuple[int, int], float]
    # Python-float copies for the per-step arithmetic (same values, same operation order)
    order_list: list[int]
    lam_list: list[bool]
    j_loc: list[float]
    j_tr: list[float]
    j_exe: list[float]
    mu: list[float]
    options: list[list[tuple[int, int, float]]]  # per user: (server, edge, mu) if feasible
    optimum: Solution | None = None
    lower_bound: float | None = None  # lower_bound_cost(), computed on first use


class _LaenetEnvBase(gym.Env):
    """What both LAENet envs share: scenario source, per-episode arrays, observation,
    optimum, failure cost and rendering. Not registered itself."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"],
                                          "render_fps": 2}

    def __init__(
        self,
        scale: str | tuple[int, int, int] = "gs3_gu6_au4",
        *,
        n_gs: int | None = None,
        n_gu: int | None = None,
        n_au: int | None = None,
        n_servers_max: int | None = None,
        n_users_max: int | None = None,
        preset: str = "gadsg2025",
        scenarios: Any = None,
        compute_optimum: bool = True,
        optimum_solver: str = "exact",
        invalid_action: str = "penalty",
        solution_info: bool = True,
        pool_size: int = DEFAULT_POOL_SIZE,
        seed: int | None = None,
        render_mode: str | None = None,
        reward_fn: str | RewardFn = "objective",
    ) -> None:
        # every kwarg is checked here, so that a bad one fails at gym.make, naming itself
        self.set_reward_fn(reward_fn)
        self.pool_size = check_int("pool_size", pool_size, 1)
        if not isinstance(preset, str) or preset not in PRESETS:
            raise ScenarioError("preset", f"unknown preset {preset!r} (known: {list(PRESETS)})")
        self.preset = preset
        s, y, z = resolve_scale(scale)
        s, y, z = (s if n_gs is None else check_int("n_gs", n_gs, 1),
                   y if n_gu is None else check_int("n_gu", n_gu, 0),
                   z if n_au is None else check_int("n_au", n_au, 0))
        self.counts = resolve_scale((s, y, z))
        self.compute_optimum = check_bool("compute_optimum", compute_optimum)
        self.optimum_solver = check_choice("optimum_solver", optimum_solver, OPTIMUM_SOLVERS)
        self.invalid_action = check_invalid_action_mode(invalid_action)
        self.solution_info = check_bool("solution_info", solution_info)
        seed = check_seed(seed)
        n_servers_max = check_optional_int("n_servers_max", n_servers_max, 1)
        n_users_max = check_optional_int("n_users_max", n_users_max, 1)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
        self._scenarios: list[Scenario] | None = load_scenario_set(
            scenarios, Scenario.from_dict, Scenario)
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
        self._init_seed = seed
        self._cursor = 0
        self._pool: list[Scenario] = []  # generated scenarios not played yet (reversed)
        self._opt_cache: dict[int, Solution] = {}
        self._memo_cache: dict[int, dict[tuple[int, int], float]] = {}
        self._episode_cache: dict[int, _Episode] = {}
        self._node_templates: dict[tuple[tuple[str, ...], tuple[str, ...]],
                                   tuple[np.ndarray, np.ndarray]] = {}
        self._edge_masks: dict[int, np.ndarray] = {}
        n_nodes = self.n_servers_max + self.n_users_max
        n_edges = 2 * self.n_users_max * self.n_servers_max
        self.observation_space = decision_space(n_nodes, len(NODE_FEATURES), n_edges,
                                                len(EDGE_FEATURES), len(GLOBAL_FEATURES),
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

    def _action_mask_shape(self) -> tuple[int, ...]:
        """Shape of ``obs["action_mask"]`` (docs/envs.md "Masks")."""
        raise NotImplementedError

    def action_masks(self) -> np.ndarray:
        """``obs["action_mask"]`` of the current state flattened, as bool: the layout of
        sb3-contrib's ``MaskablePPO``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ scenarios
    def _next_scenario(self, options: dict[str, Any] | None) -> tuple[Scenario, int | None]:
        if options and options.get("scenario") is not None:
            sc = options["scenario"]
            sc = sc if isinstance(sc, Scenario) else Scenario.from_dict(sc)
            if sc.n_servers > self.n_servers_max or sc.n_users > self.n_users_max:
                raise ScenarioError("scenario", f"({sc.n_servers} servers, {sc.n_users} "
                                                f"users) does not fit the padding")
            return sc, None
        if self._scenarios is not None:
            idx = self._cursor % len(self._scenarios)
            self._cursor += 1
            return self._scenarios[idx], idx
        if self.pool_size == 1:  # the pre-pool sequence: one generator call per episode
            return generate(self.counts, self.np_random, self.preset), None
        if not self._pool:
            self._pool = generate_pool(self.counts, self.pool_size, self.np_random,
                                       self.preset)[::-1]
        return self._pool.pop(), None

    def _seed_and_draw(self, seed: int | None, options: dict[str, Any] | None) -> _Episode:
        if seed is None and self._init_seed is not None:
            seed, self._init_seed = self._init_seed, None
        super().reset(seed=seed)
        if seed is not None:
            self._cursor = 0
            self._pool = []
        sc, idx = self._next_scenario(options)
        self._ep = self._start_episode(sc, idx)
        return self._ep

    def _start_episode(self, sc: Scenario, index: int | None) -> _Episode:
        """The per-episode arrays of ``sc`` (cached per scenario of a fixed set: they do not
        depend on the decisions; the optimum is cached separately)."""
        if index is not None:
            ep = self._episode_cache.get(index)
            if ep is None:
                ep = self._episode_cache[index] = self._build_episode(sc, index)
            return dataclasses.replace(ep, optimum=None)
        return self._build_episode(sc, None)

    def _build_episode(self, sc: Scenario, index: int | None) -> _Episode:
        d = derive(sc)
        n_u, n_s = d.n_users, d.n_servers
        s_max, u_max = self.n_servers_max, self.n_users_max
        order = np.argsort(d.lam, kind="stable")  # forced users (lambda = 0) first, by index
        allowed = np.zeros((n_u, 1 + s_max), dtype=bool)
        allowed[:, 0] = d.lam
        allowed[:, 1:][d.edge_user, d.edge_server] = d.feasible
        mu_us = np.zeros((n_u, s_max))
        mu_us[d.edge_user, d.edge_server] = d.mu

        # nodes: servers in slots 0..s_max-1, users from slot s_max; the type one-hot and
        # the node mask come from a per-type template
        nf_template, node_mask = self._node_template(sc.server_type, sc.user_type)
        nf = nf_template.copy()
        scaled = d.node_features[:, 1:4] / _NODE_SCALES  # data, cpu, weight
        nf[:n_s, _NF["data"]:_NF["weight"] + 1] = scaled[:n_s]
        users = slice(s_max, s_max + n_u)
        nf[users, _NF["data"]:_NF["weight"] + 1] = scaled[n_s:]
        nf[users, _NF["lam"]] = d.lam
        nf[users, _NF["j_loc"]] = d.j_loc / J_SCALE_J

        # edges: user -> server, then the same edges server -> user
        n_e, e_max = d.n_edges, 2 * u_max * s_max
        edge_index = np.zeros((2, e_max), dtype=np.int64)
        user_slot = s_max + d.edge_user
        edge_index[0, :n_e] = edge_index[1, n_e:2 * n_e] = user_slot
        edge_index[1, :n_e] = edge_index[0, n_e:2 * n_e] = d.edge_server
        ef = np.zeros((e_max, len(EDGE_FEATURES)), dtype=FEATURE_DTYPE)
        # [1, J_loc, J_tr, J_exe, lambda, mu] -> flag, j_loc, j_tr, j_exe, lam, mu
        ef[:n_e, :6] = d.edge_features / _EDGE_SCALES
        ef[:n_e, _EF["feasible"]] = d.feasible
        ef[n_e:2 * n_e] = ef[:n_e]
        ef[n_e:2 * n_e, _EF["reverse"]] = 1.0
        edge_mask = self._edge_mask(n_e)
        static = {"node_mask": node_mask, "edge_index": edge_index, "edge_mask": edge_mask}
        for a in (allowed, mu_us, nf, ef, edge_index):
            a.setflags(write=False)  # shared by the episodes of a fixed-set scenario
        if index is not None:
            memo = self._memo_cache.setdefault(index, {})
        else:
            memo = {}
        mu_list = d.mu.tolist()
        feas = d.feasible.tolist()
        options: list[list[tuple[int, int, float]]] = [[] for _ in range(n_u)]
        for e, (u, srv) in enumerate(zip(d.edge_user.tolist(), d.edge_server.tolist(),
                                         strict=True)):
            if feas[e]:
                options[u].append((srv, e, mu_list[e]))
        return _Episode(scenario=sc, derived=d, index=index, n_users=n_u, n_servers=n_s,
                        order=order, allowed=allowed, mu_us=mu_us, static=static,
                        node_features=nf, edge_features=ef, phi_memo=memo,
                        order_list=order.tolist(), lam_list=d.lam.tolist(),
                        j_loc=d.j_loc.tolist(), j_tr=d.j_tr.tolist(), j_exe=d.j_exe.tolist(),
                        mu=mu_list, options=options)

    def _node_template(self, server_type: tuple[str, ...], user_type: tuple[str, ...]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """(node features with only the type one-hot set, node mask) for these entity
        types; read-only, cached per env (they depend on the types and the padding only)."""
        key = (server_type, user_type)
        out = self._node_templates.get(key)
        if out is None:
            s_max, n_s = self.n_servers_max, len(server_type)
            nf = np.zeros((s_max + self.n_users_max, len(NODE_FEATURES)), dtype=FEATURE_DTYPE)
            slots = [*range(n_s), *range(s_max, s_max + len(user_type))]
            column = {"hap": _NF["is_hap"], "gs": _NF["is_gs"], "au": _NF["is_au"],
                      "gu": _NF["is_gu"]}
            nf[slots, [column[t] for t in (*server_type, *user_type)]] = 1.0
            node_mask = np.zeros(s_max + self.n_users_max, dtype=np.int8)
            node_mask[slots] = 1
            for a in (nf, node_mask):
                a.setflags(write=False)
            out = self._node_templates[key] = (nf, node_mask)
        return out

    def _edge_mask(self, n_edges: int) -> np.ndarray:
        """int8 [e_max]: 1 on the first 2 n_edges slots; read-only, cached per count."""
        out = self._edge_masks.get(n_edges)
        if out is None:
            out = np.zeros(2 * self.n_users_max * self.n_servers_max, dtype=np.int8)
            out[:2 * n_edges] = 1
            out.setflags(write=False)
            self._edge_masks[n_edges] = out
        return out

    # ------------------------------------------------------------------ costs
    def _phi(self, s: int, members: list[int], key: int | None = None) -> float:
        """Phi_s for the users (edge ids, in the order they joined) on server s: water-filling
        (:func:`~offload_gym.laenet.waterfill.waterfill_small`, bit-identical to
        ``waterfill_batch``), memoised per scenario by the set of users (``key``: its
        bitmask, computed here if not given)."""
        ep = self._ep
        if key is None:
            key = sum(1 << int(ep.derived.edge_user[e]) for e in members)
        phi = ep.phi_memo.get((s, key))
        if phi is None:
            phi = waterfill_small([ep.j_exe[e] for e in members],
                                  [ep.mu[e] for e in members])[0]
            ep.phi_memo[(s, key)] = phi
        return phi

    def lower_bound_cost(self) -> float:
        """C_lb = sum_u min(J_loc_u if lambda_u, min over feasible edges J_tr + J_exe): every
        user alone with y = 1, a lower bound of the optimum (used for the failure cost when
        the optimum is not computed or not known).
        A user with no option at all (only in hand-made scenarios) counts with its J_loc, so
        the value is always finite."""
        ep = self._require_episode()
        if ep.lower_bound is None:
            d = ep.derived
            best = np.where(d.lam, d.j_loc, np.inf)
            alone = np.where(d.feasible, d.j_tr + d.j_exe, np.inf)
            np.minimum.at(best, d.edge_user, alone)
            ep.lower_bound = float(np.where(np.isfinite(best), best, d.j_loc).sum())
        return ep.lower_bound

    def optimum_solution(self) -> Solution:
        """The certified optimum of the current scenario (``get_solver("laenet",
        optimum_solver)``), cached per scenario of a fixed set."""
        from offload_gym.core.registry import get_solver

        ep = self._require_episode()
        if ep.optimum is None:
            if ep.index is not None and ep.index in self._opt_cache:
                ep.optimum = self._opt_cache[ep.index]
            else:
                ep.optimum = get_solver("laenet", self.optimum_solver)(ep.scenario)
                if ep.index is not None:
                    self._opt_cache[ep.index] = ep.optimum
        return ep.optimum

    def _known_optimum(self) -> Solution | None:
        """The optimum when computed and certified (an infeasible scenario has none)."""
        if not self.compute_optimum:
            return None
        opt = self.optimum_solution()
        return opt if opt.status == Status.OPTIMAL and np.isfinite(opt.cost) else None

    def failure_cost(self) -> float:
        """C_fail = FAILURE_RATIO * C_opt when the optimum is computed and known, else
        FAILURE_RATIO * C_lb (always finite)."""
        opt = self._known_optimum()
        return FAILURE_RATIO * (opt.cost if opt is not None else self.lower_bound_cost())

    def _optimum_info(self, cost: float) -> dict[str, Any]:
        if not self.compute_optimum:
            return {}
        opt = self._known_optimum()
        if opt is None:  # e.g. a hand-made scenario whose forced users cannot be packed
            return {"optimum_cost": None, "optimality_ratio": None, "max_return": None,
                    "optimum_status": str(self.optimum_solution().status)}
        return {"optimum_cost": opt.cost, "optimality_ratio": cost / opt.cost,
                "max_return": -opt.cost, "optimum_status": str(opt.status)}

    def raw_features(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spec's raw SI graph features of the current scenario: node features
        [S+1+U, 4] = [theta, D, f, w], edge features [E, 6] = [1, J_loc, J_tr, J_exe, lambda,
        mu] and the edge list [E, 2] = (user, server) (``physics.derive``)."""
        d = self._require_episode().derived
        return d.node_features, d.edge_features, np.column_stack([d.edge_user, d.edge_server])

    def _require_episode(self) -> _Episode:
        if self._ep is None:
            raise RuntimeError("call reset() first")
        return self._ep

    def _solution(self, choice: np.ndarray | None) -> Solution:
        ep = self._ep
        return make_solution(ep.scenario, None if choice is None else choice.tolist(), None,
                             "env", Status.FEASIBLE, 0.0)

    # ------------------------------------------------------------------ rendering
    def _render_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def render(self) -> np.ndarray | None:
        """``rgb_array``: H x W x 3 uint8 (offload_gym.laenet.viewer); ``human``: a
        matplotlib window (no-op without a display)."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode")
            return None
        from offload_gym.laenet import viewer

        ep = self._require_episode()
        if self.render_mode == "rgb_array":
            return viewer.render_rgb(ep.scenario, **self._render_state())
        self._fig = viewer.render_human(ep.scenario, fig=self._fig, **self._render_state())
        return None

    def close(self) -> None:
        if self._fig is not None:
            from offload_gym.laenet import viewer

            viewer.close(self._fig)
            self._fig = None


class LaenetOffloadEnv(_LaenetEnvBase):
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
            self._nf[self.n_servers_max + u, _NF["current"]] = 1.0
            self._decision = self.n_servers_max + u
        else:
            mask[0] = True  # keeps the space's "some action exists" convention
            self._decision = 0
            self._any_allowed = True
        self._mask = mask

    def _obs(self) -> dict[str, np.ndarray]:
        ep = self._ep
        st = ep.static
        gf = np.array([self._cost / (J_SCALE_J * ep.n_users), self._k / self.n_users_max,
                       ep.n_users / self.n_users_max, ep.n_servers / self.n_servers_max],
                      dtype=FEATURE_DTYPE)
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
        ep = self._ep
        if ep is None or self._done:
            raise RuntimeError("the episode is over (or not started): call reset()")
        u = ep.order_list[self._k]
        a = discrete_action(action, 1 + self.n_servers_max)  # outside the space: raises
        if not self._mask[a]:
            why = (f"action {a} ({'LOCAL' if a == 0 else f'server {a - 1}'}) is masked "
                   f"for user {u} (action_mask = {self._mask.astype(int).tolist()})")
            if self.invalid_action == "raise":
                raise InvalidActionError(f"invalid action at decision {self._k}: {why}")
            return self._fail({"invalid_action": why})
        nf = self._nf
        slot = self.n_servers_max + u
        nf[slot, _NF["decided"]] = 1.0
        nf[slot, _NF["current"]] = 0.0
        if a == 0:
            delta = ep.j_loc[u]
            self._choice[u] = LOCAL
            nf[slot, _NF["local"]] = 1.0
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
            nf[s, _NF["used_mu"]] = self._used_mu[s]
            nf[s, _NF["phi"]] = phi / J_SCALE_J
            self._ef[e, _EF["chosen"]] = 1.0
            self._ef[ep.derived.n_edges + e, _EF["chosen"]] = 1.0
        prev = self._cost
        self._cost = prev + delta
        self._k += 1
        if self._k == ep.n_users:
            return self._finish(prev)
        self._set_current()
        if not self._any_allowed:  # a forced user with no action left: masked dead end
            return self._fail({"dead_end_user": ep.order_list[self._k]}, prev=prev)
        reward = -delta
        if self._reward_hook is not None:
            reward = self._reward_hook(self, prev, self._cost, reward)
        return self._obs(), reward, False, False, self._info()

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
        self._nf[:, _NF["current"]] = 0.0
        self._k_end = self._k
        self._k = self._ep.n_users
        self._set_current()
        out = {**self._info(), **info, **self._optimum_info(self._cost)}
        reward = -(self._cost - prev)
        if self._reward_hook is not None:
            reward = self._reward_hook(self, prev, self._cost, reward)
        return self._obs(), reward, True, False, out

    def _render_state(self) -> dict[str, Any]:
        ep = self._ep
        current = None
        if not self._done and self._k < ep.n_users:
            current = int(ep.order[self._k])
        return {"choice": self._choice.copy(), "current": current, "cost": self._cost}


class LaenetAssignEnv(_LaenetEnvBase):
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
        gf = np.array([self._cost / (J_SCALE_J * ep.n_users), 0.0,
                       ep.n_users / self.n_users_max, ep.n_servers / self.n_servers_max],
                      dtype=FEATURE_DTYPE)
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
        if self._ep is None or self._done:
            raise RuntimeError("the episode is over (or not started): call reset()")
        ep = self._ep
        # outside the space: raises in every mode
        a = multi_discrete_action(action, 1 + self.n_servers_max, self.n_users_max)
        ok = self._mask[np.arange(self.n_users_max), a]
        info: dict[str, Any] = {}
        if not ok.all():
            bad = np.flatnonzero(~ok).tolist()
            why = f"users {bad} chose masked actions {a[bad].tolist()}"
            if self.invalid_action == "raise":
                raise InvalidActionError(f"invalid assignment: {why}")
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
        info.update(self._optimum_info(self._cost))
        reward = -self._cost
        if self._reward_hook is not None:
            reward = self._reward_hook(self, 0.0, self._cost, reward)
        return self._obs(), reward, True, False, info

    def _render_state(self) -> dict[str, Any]:
        return {"choice": self._choice.copy(), "current": None,
                "cost": self._cost if self._done else math.nan}
