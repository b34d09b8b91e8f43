"""Per-sub-env instance pools of the native VEC vector envs, stacked as arrays.

Sub-env b draws its pools exactly like a single env (one ``generate_batch(P, n, preset,
rng_b)`` call per pool, the same :class:`~offload_gym.vec.episode.Pool` arithmetic), and
the parts the step needs are kept in [B, P, ...] arrays so that the instances of any set of
sub-envs are gathered with one fancy index. Memory: B x P instances (about 2.3 kB each at
n = 20; ``pool_size=`` trades it against generation speed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.episode import Pool, inverse_costs
from offload_gym.vec.generator import generate_batch
from offload_gym.vec.physics import VecPhysics
from offload_gym.vec.scenario import Scenario

__all__ = ["Instances", "PoolStore"]
_SCALARS = ("size_gbit", "beta0", "local_time_s", "deadline_s", "deadline_feat")
_RSU = ("beta", "tau", "exit_s")


@dataclass
class Instances:
    """The current instances of some sub-envs (leading axis = row)."""

    node_features: np.ndarray   # float32 [R, n_max + 1, F]
    edge_features: np.ndarray   # float32 [R, 2 n_max, G]
    order: np.ndarray           # [R, n]: visiting order (CPU desc)
    avail: np.ndarray           # bool [R, n]
    allowed: np.ndarray         # int8 [R, n_max]
    beta: np.ndarray
    tau: np.ndarray
    exit_s: np.ndarray          # [R, n]
    size_gbit: np.ndarray
    beta0: np.ndarray
    local_time_s: np.ndarray
    deadline_s: np.ndarray
    deadline_feat: np.ndarray   # [R]

    def inverse_costs(self) -> np.ndarray:
        """[R, n, n + 1]: 1/c_i(m) (what the single env's pool computes, elementwise)."""
        return inverse_costs(self.beta, self.tau)

    def physics(self) -> VecPhysics:
        return VecPhysics(self.beta0, self.beta, self.tau, self.exit_s, self.size_gbit,
                          self.deadline_s)


class PoolStore:
    """B pools of P instances with n RSUs, one per sub-env (module docstring)."""

    def __init__(self, num_envs: int, pool_instances: int, n: int, n_max: int, preset: str,
                 overrides: dict[str, float], mobcheck: bool, keep_scenarios: bool) -> None:
        self.b, self.p, self.n, self.n_max = num_envs, pool_instances, n, n_max
        self.preset, self.overrides, self.mobcheck = preset, overrides, mobcheck
        self.cursor = np.full(num_envs, pool_instances, dtype=np.int64)  # empty
        self.batches: list[ScenarioBatch | None] = [None] * num_envs
        self.keep_scenarios = keep_scenarios
        self.arrays: dict[str, np.ndarray] | None = None

    def _allocate(self, pool: Pool) -> None:
        shape = (self.b, self.p)
        parts = self._parts(pool)
        self.arrays = {k: np.zeros(shape + v.shape[1:], dtype=v.dtype) for k, v in parts.items()}

    @staticmethod
    def _parts(pool: Pool) -> dict[str, np.ndarray]:
        phys = pool.phys
        return {"node_features": pool.node_features, "edge_features": pool.edge_features,
                "order": pool.order, "avail": pool.avail, "allowed": pool.allowed,
                "beta": phys.beta_s_per_gbit, "tau": phys.tau_s_per_gbit,
                "exit_s": pool.exit_s, "size_gbit": np.asarray(pool.size_gbit),
                "beta0": np.asarray(pool.beta0), "local_time_s": np.asarray(pool.local_time_s),
                "deadline_s": np.asarray(pool.deadline_s),
                "deadline_feat": np.asarray(pool.deadline_feat, dtype=np.float64)}

    def drop(self, rows: np.ndarray) -> None:
        self.cursor[rows] = self.p

    def refill(self, b: int, rng: np.random.Generator) -> None:
        """Sub-env b's next pool, drawn from its own generator like a single env's."""
        batch = generate_batch(self.p, self.n, self.preset, rng, **self.overrides)
        pool = Pool(batch, self.n_max, self.mobcheck)
        if self.arrays is None:
            self._allocate(pool)
        for key, value in self._parts(pool).items():
            self.arrays[key][b] = value
        self.batches[b] = batch if self.keep_scenarios else None
        self.cursor[b] = 0

    def take(self, rows: np.ndarray, rngs: list[Any]) -> tuple[Instances, np.ndarray]:
        """The next instance of each sub-env in ``rows`` (refilling exhausted pools first);
        returns the instances and their indices in the pools."""
        idx = self._advance(rows, rngs)
        return Instances(**{k: v[rows, idx] for k, v in self.arrays.items()}), idx

    def take_into(self, rows: np.ndarray, rngs: list[Any], dest: dict[str, np.ndarray]
                  ) -> np.ndarray:
        """Write the next instance of each sub-env in ``rows`` (sorted, unique) into rows
        ``rows`` of the [B, ...] arrays ``dest`` (one per key of the pool arrays); returns
        the instances' indices in the pools. One flat ``take`` per key, straight into
        ``dest`` when ``rows`` is every sub-env."""
        idx = self._advance(rows, rngs)
        flat = rows * self.p + idx
        every = len(rows) == self.b
        for key, arr in self.arrays.items():
            pool = arr.reshape(self.b * self.p, *arr.shape[2:])
            if every:
                np.take(pool, flat, axis=0, out=dest[key], mode="clip")
            else:
                dest[key][rows] = np.take(pool, flat, axis=0, mode="clip")
        return idx

    def _advance(self, rows: np.ndarray, rngs: list[Any]) -> np.ndarray:
        """Refill the exhausted pools of ``rows``; the next indices, cursors moved on."""
        for b in rows[self.cursor[rows] >= self.p].tolist():  # once per P episodes
            self.refill(b, rngs[b])
        idx = self.cursor[rows]
        self.cursor[rows] += 1
        return idx

    def scenario(self, b: int, i: int) -> Scenario:
        """Instance i of sub-env b's current pool as a validated Scenario."""
        return self.batches[b].scenario(int(i))
