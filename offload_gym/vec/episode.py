"""The VEC envs' instance pools and per-episode views (docs/envs.md "Instance supply").

A :class:`Pool` holds instances with the same RSU count n and everything the envs need from
them, computed once for the whole pool as arrays; an :class:`Episode` is one instance of a
pool, with Python-float copies for the per-step arithmetic.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.observation import readonly, static_graph
from offload_gym.vec.physics import VecPhysics
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

DEFAULT_POOL_SIZE = 256
INV_COST_POOL_ELEMENTS = 1 << 18  # a pool precomputes 1/c_i(m) up to 2 MB of float64
POOLS_BYTES = 64 << 20  # all pools of an env together stay under about this size
__all__ = ["DEFAULT_POOL_SIZE", "Episode", "Pool", "PoolOptima", "inverse_costs", "pool_instances"]


def inverse_costs(beta: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """[..., n, n + 1]: entry (i, m) = 1/c_i(m) = 1/(beta_i + m tau_i) for m = 1..n, and 0
    for m = 0 (no selection); ``beta``, ``tau`` [..., n]."""
    n = beta.shape[-1]
    m = np.arange(1, n + 1, dtype=np.float64)
    out = np.zeros((*beta.shape, n + 1))
    out[..., 1:] = 1.0 / (beta[..., None] + m * tau[..., None])
    return out


def pool_instances(pool_size: int, n_range: tuple[int, int], n_max: int) -> int:
    """Instances per generated pool: ``pool_size``, fewer when the pools of a wide n_rsus
    range would together exceed POOLS_BYTES (padded features: ~60 bytes per node slot)."""
    n_pools = n_range[1] - n_range[0] + 1
    per_instance = 64 * (n_max + 1) + 120 * n_range[1]
    return int(min(pool_size, max(1, POOLS_BYTES // (n_pools * per_instance))))


@dataclasses.dataclass(frozen=True)
class PoolOptima:
    """The certified optima of a pool's instances as arrays (leading axis = instance)."""

    selected_mask: np.ndarray     # bool [B, n]
    allocation_gbit: np.ndarray   # [B, 1 + n]
    completion_time_s: list[float]
    success: list[bool]
    rule: str
    mobcheck: bool
    wall_time_s: float            # of the whole batch

    @classmethod
    def solve(cls, phys: VecPhysics, rule: str, mobcheck: bool) -> PoolOptima:
        from offload_gym.vec.allocation import allocate
        from offload_gym.vec.evaluate import evaluate_arrays
        from offload_gym.vec.solvers.exact import exact_masks

        start = time.perf_counter()
        masks = exact_masks(phys, rule, mobcheck)
        alloc = allocate(phys, masks, rule).allocation_gbit
        t, success = evaluate_arrays(phys, masks, alloc)
        return cls(readonly(masks), readonly(np.asarray(alloc)), np.asarray(t).tolist(),
                   np.asarray(success, dtype=bool).tolist(), rule, mobcheck,
                   time.perf_counter() - start)

    def solution(self, i: int, scenario: Scenario, phys: VecPhysics) -> Solution:
        """Instance ``i``'s optimum as the ``Solution`` ``solve_exact`` returns (its
        ``wall_time_s``: the batch's wall time per instance)."""
        from offload_gym.vec.evaluate import make_solution

        return make_solution(scenario, self.selected_mask[i], self.allocation_gbit[i],
                             rule=self.rule, solver="exact",
                             wall_time_s=self.wall_time_s / len(self.success),
                             mobcheck=self.mobcheck, phys=phys)


class Pool:
    """Instances with the same number of RSUs n and everything the envs need from them,
    computed once for the whole pool as arrays (leading axis = instance, read-only).

    A generated pool comes from ONE call of ``generate_batch``; its
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
        if scenarios is None:  # what Scenario validation would reject (rounding on the disc)
            dist = np.hypot(batch.rsu_x_m - batch.vehicle_x_m[:, None],
                            batch.rsu_y_m - batch.vehicle_y_m[:, None])
            if np.any(dist > batch.range_m[:, None] * (1 + 1e-12)):
                raise ScenarioError("rsus.x_m", "an RSU starts beyond range_m")
        cpu = batch.rsu_cpu_ghz
        self.order = readonly(np.argsort(-cpu, axis=1, kind="stable"))  # CPU desc, ties: index
        self.avail = readonly(phys.mobcheck() if mobcheck else np.ones((b, n), dtype=bool))
        beta0 = phys.beta0_s_per_gbit
        self.exit_s = readonly(np.asarray(phys.exit_time_s, dtype=np.float64))
        # per-instance scalars as Python floats (cheap to read in step)
        self.size_gbit = batch.size_gbit.tolist()
        self.beta0 = beta0.tolist()
        self.rate0 = (1.0 / beta0).tolist()
        self.local_time_s = phys.local_time_s.tolist()
        self.deadline_s = batch.deadline_s.tolist()
        # 1/c_i(m) of every instance at once when it fits (else per episode)
        self.inv_cost_t: np.ndarray | None = None
        if b * n * (n + 1) <= INV_COST_POOL_ELEMENTS:
            self.inv_cost_t = readonly(inverse_costs(phys.beta_s_per_gbit,
                                                      phys.tau_s_per_gbit))
        self.graph = g = static_graph(batch, phys, self.avail, self.exit_s, n_max)
        self.node_features, self.edge_features, self.allowed = (
            g.node_features, g.edge_features, g.allowed)
        self.deadline_feat = g.deadline_feat
        self.node_mask, self.edge_index, self.edge_mask = g.node_mask, g.edge_index, g.edge_mask
        self.optima: PoolOptima | None = None  # set by solve_optima()

    def solve_optima(self, rule: str, mobcheck: bool) -> PoolOptima:
        """The certified optimum of every instance of the pool in one batched call
        (:func:`~offload_gym.vec.solvers.exact.exact_masks` on the pool's physics, then
        ``allocate`` and ``evaluate_arrays``): bit-identical to ``solve_exact`` per
        scenario (selection, allocation, time, success; tests/envs/test_optimum_batched.py).
        Kept on the pool; computed once."""
        if self.optima is None:
            self.optima = PoolOptima.solve(self.phys, rule, mobcheck)
        return self.optima

    @classmethod
    def of(cls, scenario: Scenario, n_max: int, mobcheck: bool) -> Pool:
        """A single-instance pool of a given scenario."""
        return cls(ScenarioBatch.from_scenarios([scenario]), n_max, mobcheck, [scenario])

    @property
    def exhausted(self) -> bool:
        return self.cursor >= self.size

    def scenario(self, i: int) -> Scenario:
        """Instance ``i`` as a validated Scenario (built on first use)."""
        sc = self.scenarios[i]
        if sc is None:
            sc = self.scenarios[i] = self.batch.scenario(i)
        return sc


class Episode:
    """Per-episode view of one pool instance (no per-episode physics is computed; the
    Scenario and the single-instance VecPhysics are built on first use). Its
    ``size_gbit`` / ``beta0_s_per_gbit`` floats make it usable as the ``phys`` of
    :func:`~offload_gym.vec.allocation.equal_finish_time`."""

    __slots__ = ("_phys", "avail", "avail_list", "beta0_s_per_gbit", "deadline_s", "exit_list",
                 "fail_time_s", "i", "index", "inv_cost_t", "local_time_s", "n", "optimum",
                 "order", "order_list", "pool", "rate0", "scale", "size_gbit")

    def __init__(self, pool: Pool, i: int, index: int | None, failure_time_factor: float,
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
    def edge_features(self) -> np.ndarray:
        return self.pool.edge_features[self.i]

    @property
    def inv_cost(self) -> np.ndarray:
        """[n + 1, n]: row m = 1/c_i(m) (row 0 = 0); a view of :attr:`inv_cost_t`."""
        return self.inverse_costs().T

    def inverse_costs(self) -> np.ndarray:
        """[n, n + 1]: row i = 1/c_i(m) for m = 0..n (m = 0 entry 0), computed once."""
        if self.inv_cost_t is None:
            phys = self.pool.phys
            self.inv_cost_t = inverse_costs(phys.beta_s_per_gbit[self.i],
                                            phys.tau_s_per_gbit[self.i])
        return self.inv_cost_t
