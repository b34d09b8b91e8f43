"""The VEC envs' observation: feature schema with named indices (docs/envs.md "VEC
observation") and the static part of the graph, computed for a whole pool at once.

Node slot 0 = the vehicle, slot 1 + i = RSU i (scenario order), padded to n_rsus_max; edges
vehicle -> RSU i (slots 0..n-1) then RSU i -> vehicle (slots n..2n-1), padded to 2
n_rsus_max. Index a feature by its name: ``obs["global_features"][G_TIME]``,
``obs["node_features"][:, N_SELECTED]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from offload_gym.core.graph import FEATURE_DTYPE
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.physics import VecPhysics, distance_m, spectral_efficiency

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
(N_IS_VEHICLE, N_DX, N_DY, N_CPU, N_SNR, N_LOG_COMPUTE, N_LOG_TRANSMIT, N_EXIT, N_AVAILABLE,
 N_SELECTED, N_DECIDED, N_CURRENT) = range(len(NODE_FEATURES))
E_DISTANCE, E_SPECTRAL_EFF, E_REVERSE = range(len(EDGE_FEATURES))
G_TIME, G_NSEL, G_PROG, G_NRSUS, G_DEADLINE = range(len(GLOBAL_FEATURES))
F_SEL, F_DEC, F_CUR = N_SELECTED, N_DECIDED, N_CURRENT  # the former short names
__all__ = [
    "EDGE_FEATURES",
    "GLOBAL_FEATURES",
    "NODE_FEATURES",
    "StaticGraph",
    "global_features",
    "readonly",
    "static_graph",
]


def readonly(a: np.ndarray) -> np.ndarray:
    """``a``, made read-only (pool arrays are shared by episodes; observations copy them)."""
    a.setflags(write=False)
    return a


@dataclass
class StaticGraph:
    """What never changes during an episode, for every instance of a pool (leading axis =
    instance, read-only) or shared by them (masks, edge index)."""

    node_features: np.ndarray    # [b, n_max + 1, len(NODE_FEATURES)]
    edge_features: np.ndarray    # [b, 2 n_max, len(EDGE_FEATURES)]
    allowed: np.ndarray          # int8 [b, n_max]: VECSelect-v0's may-be-1 column
    deadline_feat: list[float]   # per instance: GLOBAL_FEATURES["deadline"]
    node_mask: np.ndarray        # int8 [n_max + 1]
    edge_index: np.ndarray       # int64 [2, 2 n_max]
    edge_mask: np.ndarray        # int8 [2 n_max]


def static_graph(batch: ScenarioBatch, phys: VecPhysics, avail: np.ndarray,
                 exit_s: np.ndarray, n_max: int) -> StaticGraph:
    """The static graph of every instance of ``batch`` (same RSU count n), padded to
    ``n_max`` RSUs; ``avail`` [b, n] = not removed by MobCheck, ``exit_s`` [b, n]."""
    b, n = len(batch), batch.n_rsus
    vx, vy = batch.vehicle_x_m[:, None], batch.vehicle_y_m[:, None]
    range_m = batch.range_m[:, None]
    beta0, t_local = phys.beta0_s_per_gbit, phys.local_time_s
    d0 = distance_m(batch.rsu_x_m, batch.rsu_y_m, vx, vy, batch.speed_mps[:, None])
    r = spectral_efficiency(batch.rsu_snr_db, d0)
    with np.errstate(invalid="ignore"):
        exit_feat = np.where(np.isinf(exit_s), 1.0, exit_s / (exit_s + t_local[:, None]))
    nf = np.zeros((b, n_max + 1, len(NODE_FEATURES)), dtype=FEATURE_DTYPE)
    nf[:, 0, N_IS_VEHICLE] = 1.0
    nf[:, 0, N_CPU] = batch.vehicle_cpu_ghz / 10
    nf[:, 0, N_EXIT:N_SELECTED + 1] = 1.0  # exit, available, selected
    rsu = nf[:, 1:n + 1]
    rsu[..., N_DX] = (batch.rsu_x_m - vx) / range_m
    rsu[..., N_DY] = (batch.rsu_y_m - vy) / range_m
    rsu[..., N_CPU] = batch.rsu_cpu_ghz / 10
    rsu[..., N_SNR] = batch.rsu_snr_db / 30
    rsu[..., N_LOG_COMPUTE] = np.log10(phys.beta_s_per_gbit / beta0[:, None])
    rsu[..., N_LOG_TRANSMIT] = np.log10(phys.tau_s_per_gbit / beta0[:, None])
    rsu[..., N_EXIT] = exit_feat
    rsu[..., N_AVAILABLE] = avail
    ef = np.zeros((b, 2 * n_max, len(EDGE_FEATURES)), dtype=FEATURE_DTYPE)
    for part, rev in ((slice(0, n), 0.0), (slice(n, 2 * n), 1.0)):
        ef[:, part, E_DISTANCE] = d0 / range_m
        ef[:, part, E_SPECTRAL_EFF] = r / 10
        ef[:, part, E_REVERSE] = rev
    allowed = np.zeros((b, n_max), dtype=np.int8)
    allowed[:, :n] = avail
    with np.errstate(divide="ignore"):
        deadline_feat = np.where(np.isfinite(batch.deadline_s), t_local / batch.deadline_s, 0.0)
    slots = np.arange(1, n + 1)
    edge_index = np.zeros((2, 2 * n_max), dtype=np.int64)
    edge_index[0, :n], edge_index[1, :n] = 0, slots
    edge_index[0, n:2 * n], edge_index[1, n:2 * n] = slots, 0
    node_mask = np.zeros(n_max + 1, dtype=np.int8)
    node_mask[:n + 1] = 1
    edge_mask = np.zeros(2 * n_max, dtype=np.int8)
    edge_mask[:2 * n] = 1
    return StaticGraph(readonly(nf), readonly(ef), readonly(allowed), deadline_feat.tolist(),
                       readonly(node_mask), readonly(edge_index), readonly(edge_mask))


def global_features(time_ratio: float, n_selected: int, decided: int, n_rsus: int,
                    n_max: int, deadline_feat: float) -> np.ndarray:
    """GLOBAL_FEATURES: ``time_ratio`` = T_eff / T_local, the rest counted in RSUs."""
    return np.array([time_ratio, n_selected / n_max, decided / n_max, n_rsus / n_max,
                     deadline_feat], dtype=FEATURE_DTYPE)
