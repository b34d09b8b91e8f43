"""Batched LAENet instance generation for the environments' pools (docs/envs.md).

:func:`generate_pool` draws ``n`` instances of the ``gadsg2025`` preset with the SAME
procedure as :mod:`offload_gym.laenet.generator` (uniform positions, D and f_u truncated
normals redrawn until in range, w uniform; users without any option get (D, f_u) redrawn;
instances whose forced users cannot be packed are rejected and replaced), so the instances
have the same distribution, but it makes every draw for the whole batch at once and computes
the physics of all candidates on one (instance, server, user) grid
(:func:`~offload_gym.laenet.physics.pair_grid`). The random stream is consumed in a
different order than :func:`~offload_gym.laenet.generator.generate_batch`'s, so a seed gives
other instances (still deterministic: same seed -> same pool).

Each returned :class:`~offload_gym.laenet.scenario.Scenario` comes with its derived physics
already in the physics cache (``physics.derive`` returns it at once), equal bit for bit to
``compute_derived`` of that scenario (``tests/laenet/test_pool.py``): the batch's
grid is computed by the same elementwise operations.

Forced-user packing: an instance is accepted at once when giving every forced user its
least-mu feasible server fits every server (sum mu <= 1 + CAPACITY_EPS), which is a packing;
otherwise the exact DFS :func:`~offload_gym.laenet.feasibility.pack_forced_users` decides, so
the accept / reject decision is the generator's.
"""

from __future__ import annotations

import math

import numpy as np

from offload_gym.laenet.feasibility import pack_forced_users
from offload_gym.laenet.generator import (
    AREA_PER_GS_M,
    DATA_BITS,
    DELAY_WEIGHT,
    GADSG2025,
    MAX_INSTANCE_ATTEMPTS,
    MAX_USER_REDRAWS,
    USER_CPU_HZ,
    GeneratorStats,
    _check_generated,
    _constants,
    checked_request,
    scenario_from_arrays,
)
from offload_gym.laenet.physics import (
    _R_MU_RAW,
    PairGrid,
    _type_constants,
    derived_batch,
    pair_grid,
    remember_derived,
    scalar_constants,
)
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.waterfill import CAPACITY_EPS

_CONSTANT_ORDER = ("cycles_per_bit", "deadline_s", "kappa", "bandwidth_hz", "noise_w",
                   "carrier_hz", "g0", "eta_los_db", "eta_nlos_db", "los_k1", "los_k2")


def truncated_normal_array(rng: np.random.Generator, mean: float, sd: float, low: float,
                           high: float, shape: tuple[int, ...]) -> np.ndarray:
    """Normal(mean, sd) draws of ``shape``; every out-of-[low, high] entry is redrawn (all of
    them in one call per round) until none is left."""
    out = rng.normal(mean, sd, shape)
    bad = (out < low) | (out > high)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < low) | (out > high)
    return out


class _Candidates:
    """Draws of ``b`` candidate instances and their grid."""

    def __init__(self, counts: tuple[int, int, int], rng: np.random.Generator, b: int) -> None:
        s, y, z = counts
        self.counts, self.b = counts, b
        n_users = y + z
        side_m = AREA_PER_GS_M * math.sqrt(s)
        # draw order per batch: GS (x, y); user (x, y); D; f; w (each for all candidates)
        self.gs_xy = rng.uniform(0.0, side_m, (b, s, 2))
        self.user_xy = rng.uniform(0.0, side_m, (b, n_users, 2))
        self.d_bits = truncated_normal_array(rng, *DATA_BITS, (b, n_users))
        self.cpu_hz = truncated_normal_array(rng, *USER_CPU_HZ, (b, n_users))
        self.w = rng.uniform(*DELAY_WEIGHT, (b, n_users))
        const = _constants(counts)
        self.const = const
        self.server_x = np.concatenate([np.broadcast_to(const["centre"], (b, 1)),
                                        self.gs_xy[:, :, 0]], axis=1)
        self.server_y = np.concatenate([np.broadcast_to(const["centre"], (b, 1)),
                                        self.gs_xy[:, :, 1]], axis=1)
        self.tc = _type_constants(const["server_type"], const["user_type"])
        self.scalars = scalar_constants(*(float(GADSG2025[k]) for k in _CONSTANT_ORDER))
        self.grid = self._grid(slice(None))
        # bool [b, S+1, U]; positions are never redrawn, so this holds for the batch's life
        self.covered = self.grid.covered(GADSG2025["coverage_m"])

    def _grid(self, rows: slice | np.ndarray) -> PairGrid:
        c = self.const
        return pair_grid((self.server_x[rows], self.server_y[rows], c["server_z_m"]),
                         (self.user_xy[rows, :, 0], self.user_xy[rows, :, 1], c["user_z_m"]),
                         self.d_bits[rows], self.cpu_hz[rows], self.w[rows],
                         c["user_tx_power_w"], c["server_cpu_hz"],
                         c["server_active_power_w"], self.tc, self.scalars)

    def redraw_stuck_users(self, rng: np.random.Generator, stats: GeneratorStats) -> None:
        """Redraw (D, f_u) of every user with neither a local option nor a feasible covered
        edge, and recompute those instances' grids, until none is left."""
        for _ in range(MAX_USER_REDRAWS):
            has_edge = (self.covered & self.grid.feasible()).any(axis=-2)
            stuck = ~self.grid.lam & ~has_edge
            n_stuck = int(stuck.sum())
            if n_stuck == 0:
                return
            stats.n_user_redraws += n_stuck
            self.d_bits[stuck] = truncated_normal_array(rng, *DATA_BITS, (n_stuck,))
            self.cpu_hz[stuck] = truncated_normal_array(rng, *USER_CPU_HZ, (n_stuck,))
            rows = np.flatnonzero(stuck.any(axis=1))
            sub = self._grid(rows)
            buf = self.grid.buf.copy()
            buf[rows] = sub.buf
            buf.setflags(write=False)
            raw = self.grid.raw_distance_m  # positions did not change
            lam = self.grid.lam.copy()
            lam[rows] = sub.lam
            self.grid = PairGrid(buf=buf, raw_distance_m=raw, lam=lam)
        raise RuntimeError("user redraw did not terminate")  # pragma: no cover

    def surely_packable(self) -> np.ndarray:
        """bool [b]: every forced user on its least-mu feasible covered server fits every
        server (then a packing exists; False means: ask the exact DFS)."""
        mu = np.where(self.covered & self.grid.feasible(),
                      self.grid.buf[:, _R_MU_RAW], np.inf)  # [b, S+1, U]
        forced = ~self.grid.lam
        best = mu.argmin(axis=1)  # [b, U]
        best_mu = np.take_along_axis(mu, best[:, None, :], axis=1)[:, 0]
        load = np.zeros((self.b, mu.shape[1]))
        bi = np.broadcast_to(np.arange(self.b)[:, None], best.shape)
        np.add.at(load, (bi[forced], best[forced]), best_mu[forced])
        return (load <= 1.0 + CAPACITY_EPS).all(axis=1)

    def scenarios(self, keep: np.ndarray) -> list[Scenario]:
        """The kept candidates as Scenarios holding read-only views of the batch arrays,
        validated for the whole batch at once, with their derived physics computed from the
        grid (:func:`~offload_gym.laenet.physics.derived_batch`) and handed to the physics
        cache, so that ``derive`` returns it."""
        rows = np.flatnonzero(keep)
        arrays = [self.server_x[rows], self.server_y[rows], self.user_xy[rows, :, 0],
                  self.user_xy[rows, :, 1], self.d_bits[rows], self.cpu_hz[rows],
                  self.w[rows]]
        for a in arrays:
            a.setflags(write=False)
        sx, sy, ux, uy, d_bits, cpu_hz, w = arrays
        if not (np.isfinite(np.concatenate([sx, sy, ux, uy], axis=1)).all()
                and (np.isfinite(d_bits) & (d_bits > 0) & np.isfinite(cpu_hz) & (cpu_hz > 0)
                     & (w >= 0.0) & (w <= 1.0)).all()):
            for k in range(rows.size):  # pragma: no cover - only a broken preset gets here
                _check_generated(self._scenario(arrays, k))  # names the bad field
        covered = self.covered[rows]
        eb, eu, es = np.nonzero(covered.transpose(0, 2, 1))  # by instance, user, server
        derived = derived_batch(self.grid.buf[rows], self.grid.lam[rows], eb, eu, es,
                                self.const["server_cpu_hz"], d_bits, cpu_hz, w, self.tc,
                                float(GADSG2025["deadline_s"]))
        out = []
        for k, d in enumerate(derived):
            sc = self._scenario(arrays, k)
            out.append(sc)
            remember_derived(sc, d)
        return out

    def _scenario(self, arrays: list[np.ndarray], k: int) -> Scenario:
        return scenario_from_arrays(self.counts, *(a[k] for a in arrays))


def generate_pool(
    scale: str | tuple[int, int, int],
    n: int,
    seed: int | np.random.Generator | None = None,
    preset: str = "gadsg2025",
    *,
    return_stats: bool = False,
) -> list[Scenario] | tuple[list[Scenario], GeneratorStats]:
    """``n`` feasible instances drawn in batches (module docstring), each with its physics
    already derived. Same seed -> same list. Returns the list, or ``(list, GeneratorStats)``
    with ``return_stats=True``."""
    counts, n, rng = checked_request(scale, n, seed, preset)
    stats = GeneratorStats()
    out: list[Scenario] = []
    for _ in range(MAX_INSTANCE_ATTEMPTS):
        need = n - len(out)
        if need <= 0:
            break
        cand = _Candidates(counts, rng, need)
        cand.redraw_stuck_users(rng, stats)
        keep = cand.surely_packable()
        if not keep.all():  # the exact DFS decides the others
            unsure = np.flatnonzero(~keep)
            for i, sc in zip(unsure.tolist(), cand.scenarios(~keep), strict=True):
                keep[i] = pack_forced_users(sc.derived) is not None
        accepted = cand.scenarios(keep)
        out.extend(accepted)
        stats.n_generated += len(accepted)
        stats.n_rejected += need - len(accepted)
    else:  # pragma: no cover - needs a pathological preset
        raise RuntimeError("instance rejection did not terminate")
    return (out, stats) if return_stats else out
