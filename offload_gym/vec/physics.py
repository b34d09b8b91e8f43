"""VEC physics (SPEC-VEC "Physics"): every formula once, vectorised over leading batch axes.

Units: times in s, task sizes in Gbit, CPU in GHz, bandwidth in Hz, positions in m.

- distance            d_i(t) = sqrt((x_i - (x0 + v t))^2 + (y_i - y0)^2)
- spectral efficiency r_i = log2(1 + eta_lin_i / max(d_i(0), 1 m)^2), eta_lin = 10^(eta_dB/10)
- transmit time       tau_i = 1e9 / (B r_i)           [s per Gbit, whole band]
- compute time        beta_i = b / f_i                 [s per Gbit; b cycles/bit, f in GHz]
- per-Gbit cost       c_i(m) = beta_i + m tau_i        (m selected RSUs share the band)
- exit time           e_i = ((x_i - x0) + sqrt(xi^2 - (y_i - y0)^2)) / v   (inf if v = 0)
- MobCheck            keep RSU i iff e_i >= min(T, Q beta_0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # physics needs no Scenario at run time (no scenario <-> physics cycle)
    from offload_gym.vec.scenario import Scenario

MIN_DISTANCE_M = 1.0


def distance_m(rsu_x_m, rsu_y_m, vehicle_x_m, vehicle_y_m, speed_mps, t_s=0.0) -> np.ndarray:
    """d_i(t): RSU-vehicle distance at time t (vehicle moves along +x)."""
    return np.hypot(rsu_x_m - (vehicle_x_m + speed_mps * t_s), rsu_y_m - vehicle_y_m)


def spectral_efficiency(snr_db, distance0_m) -> np.ndarray:
    """r_i = log2(1 + 10^(eta_dB/10) / max(d_i(0), 1)^2)  [bit/s/Hz]."""
    d = np.maximum(distance0_m, MIN_DISTANCE_M)
    return np.log2(1.0 + 10.0 ** (np.asarray(snr_db) / 10.0) / (d * d))


def transmit_time_s_per_gbit(bandwidth_hz, spectral_eff) -> np.ndarray:
    """tau_i = 1e9 / (B r_i): seconds to send one Gbit over the whole band."""
    return 1e9 / (np.asarray(bandwidth_hz) * spectral_eff)


def compute_time_s_per_gbit(cycles_per_bit, cpu_ghz) -> np.ndarray:
    """beta_i = b / f_i: seconds to process one Gbit (b cycles/bit, f in GHz)."""
    return np.asarray(cycles_per_bit) / np.asarray(cpu_ghz)


def cost_s_per_gbit(beta_s_per_gbit, tau_s_per_gbit, m) -> np.ndarray:
    """c_i(m) = beta_i + m tau_i (m RSUs share the band equally; m broadcasts)."""
    return beta_s_per_gbit + np.asarray(m, dtype=np.float64) * tau_s_per_gbit


def exit_time_s(rsu_x_m, rsu_y_m, vehicle_x_m, vehicle_y_m, speed_mps, range_m) -> np.ndarray:
    """e_i = ((x_i - x0) + sqrt(xi^2 - (y_i - y0)^2)) / v, the last moment RSU i is in range.

    Infinite when v = 0. Requires every RSU in range at t = 0 (|y_i - y0| <= xi); a tiny
    negative radicand from rounding on the circle is treated as 0."""
    dx = rsu_x_m - vehicle_x_m
    dy = rsu_y_m - vehicle_y_m
    half_chord = np.sqrt(np.maximum(np.asarray(range_m) ** 2 - dy * dy, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        e = (dx + half_chord) / speed_mps
    return np.where(np.asarray(speed_mps) > 0, np.maximum(e, 0.0), np.inf)


def mobcheck_mask(exit_time, deadline_s, size_gbit, beta0_s_per_gbit) -> np.ndarray:
    """MobCheck (KATO): keep RSU i iff e_i >= min(T, T_loc) with T_loc = Q beta_0.

    Per-instance arguments have shape [...], ``exit_time`` has shape [..., n]."""
    horizon = np.minimum(deadline_s, np.asarray(size_gbit) * beta0_s_per_gbit)
    return exit_time >= np.asarray(horizon)[..., None]


@dataclass(frozen=True)
class VecPhysics:
    """Everything the solvers need, derived once from a scenario (or a batch of them).

    Arrays have shape ``[..., n]`` (RSU axis last); scalars have shape ``[...]``."""

    beta0_s_per_gbit: np.ndarray
    beta_s_per_gbit: np.ndarray
    tau_s_per_gbit: np.ndarray
    exit_time_s: np.ndarray
    size_gbit: np.ndarray
    deadline_s: np.ndarray

    @property
    def n_rsus(self) -> int:
        return int(self.beta_s_per_gbit.shape[-1])

    @property
    def local_time_s(self) -> np.ndarray:
        """T_loc = Q beta_0 (vehicle alone)."""
        return self.size_gbit * self.beta0_s_per_gbit

    def cost(self, m) -> np.ndarray:
        """c_i(m) for every RSU; ``m`` has shape [...] (one band share per instance)."""
        return cost_s_per_gbit(self.beta_s_per_gbit, self.tau_s_per_gbit,
                               np.asarray(m, dtype=np.float64)[..., None])

    def take(self, index) -> VecPhysics:
        """Index the leading (instance) axis: ``phys.take(idx)``; ``take(None)`` adds one."""
        return VecPhysics(*(np.asarray(getattr(self, f))[index]
                            for f in self.__dataclass_fields__))

    def mobcheck(self) -> np.ndarray:
        return mobcheck_mask(self.exit_time_s, self.deadline_s, self.size_gbit,
                             self.beta0_s_per_gbit)


def derive_arrays(vehicle_x_m, vehicle_y_m, speed_mps, vehicle_cpu_ghz, rsu_x_m, rsu_y_m,
                  rsu_cpu_ghz, rsu_snr_db, size_gbit, deadline_s, bandwidth_hz, range_m,
                  cycles_per_bit) -> VecPhysics:  # argument order = Scenario field order
    """Physics from raw arrays: per-instance values have shape [...], RSU values [..., n]."""
    def col(x):
        x = np.asarray(x, dtype=np.float64)
        return x[..., None] if x.ndim else x

    d0 = distance_m(rsu_x_m, rsu_y_m, col(vehicle_x_m), col(vehicle_y_m), 0.0)
    r = spectral_efficiency(rsu_snr_db, d0)
    return VecPhysics(
        beta0_s_per_gbit=np.asarray(compute_time_s_per_gbit(cycles_per_bit, vehicle_cpu_ghz),
                                    dtype=np.float64),
        beta_s_per_gbit=compute_time_s_per_gbit(col(cycles_per_bit), rsu_cpu_ghz),
        tau_s_per_gbit=transmit_time_s_per_gbit(col(bandwidth_hz), r),
        exit_time_s=exit_time_s(rsu_x_m, rsu_y_m, col(vehicle_x_m), col(vehicle_y_m),
                                col(speed_mps), col(range_m)),
        size_gbit=np.asarray(size_gbit, dtype=np.float64),
        deadline_s=np.asarray(deadline_s, dtype=np.float64),
    )


def derive(scenario: Scenario) -> VecPhysics:
    """Physics of one scenario (RSU arrays of shape [n])."""
    s = scenario
    return derive_arrays(s.vehicle_x_m, s.vehicle_y_m, s.speed_mps, s.vehicle_cpu_ghz,
                         s.rsu_x_m, s.rsu_y_m, s.rsu_cpu_ghz, s.rsu_snr_db, s.size_gbit,
                         s.deadline_s, s.bandwidth_hz, s.range_m, s.cycles_per_bit)
