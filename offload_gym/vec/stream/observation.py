"""VECStream-v0's observation: the feature schema with named indices and the padded graph of
one task (SPEC-STREAM "Observation"; docs/stream.md "Observation").

Node slots: 0 = the task's vehicle; 1..C = its candidate RSUs (in range at the task's
arrival, sorted by distance, C = ``max_candidates``; action bit c = slot 1 + c); C+1..C+A =
context RSUs: the A nearest RSUs NOT in range that lie ahead of the vehicle (their queues are
what the vehicle will meet next). Edges: vehicle -> node then node -> vehicle for every real
node, padded to 2 (C + A). Times are divided by the task's deadline D_k and capped at
:data:`RATIO_CAP`; the raw values are ``env.unwrapped.task_state()``.
Index a feature by name: ``obs["node_features"][:, N_WAIT]``, ``obs["global_features"][G_LOAD]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from offload_gym.core.graph import FEATURE_DTYPE
from offload_gym.vec.physics import compute_time_s_per_gbit, spectral_efficiency

RATIO_CAP = 10.0   # time ratios (wait / D, exit / D) are capped here
NODE_FEATURES = (
    "is_vehicle",     # 1 for the vehicle (slot 0)
    "is_candidate",   # 1 for a candidate RSU (selectable)
    "is_context",     # 1 for a context RSU (out of range, ahead)
    "dx",             # (x_i - x_vehicle) / range_m at the task's arrival
    "dy",             # (y_i - y_vehicle) / range_m
    "cpu",            # f / 10 GHz (vehicle: its own CPU)
    "snr",            # eta_i [dB] / 30 (vehicle 0)
    "log_compute",    # log10(beta_i / beta_0) (vehicle 0)
    "log_transmit",   # log10(tau_i / beta_0), whole band (vehicle and context 0)
    "wait",           # queue wait w_i / D_k, capped (vehicle: w_0 / D_k)
    "exit",           # exit time e_i / D_k, capped (vehicle and context: 0)
)
EDGE_FEATURES = (
    "distance",       # d_i / range_m at the task's arrival
    "spectral_eff",   # r_i / 10 [bit/s/Hz] (context edges 0)
    "reverse",        # 0: vehicle -> RSU, 1: RSU -> vehicle
    "in_range",       # 1 for a candidate's edge, 0 for a context RSU's
)
GLOBAL_FEATURES = (
    "local_time",     # Q_k beta_0 / D_k: the vehicle alone on an empty queue
    "vehicle_wait",   # w_0 / D_k, capped
    "deadline",       # D_k / the preset's largest deadline
    "size",           # Q_k / the preset's largest task size
    "n_candidates",   # candidates / C
    "progress",       # t_k / horizon
    "load",           # fraction of all RSUs busy at t_k
    "mean_wait",      # mean over all RSUs of w_i / D_k, capped
)
(N_IS_VEHICLE, N_IS_CANDIDATE, N_IS_CONTEXT, N_DX, N_DY, N_CPU, N_SNR, N_LOG_COMPUTE,
 N_LOG_TRANSMIT, N_WAIT, N_EXIT) = range(len(NODE_FEATURES))
E_DISTANCE, E_SPECTRAL_EFF, E_REVERSE, E_IN_RANGE = range(len(EDGE_FEATURES))
(G_LOCAL_TIME, G_VEHICLE_WAIT, G_DEADLINE, G_SIZE, G_N_CANDIDATES, G_PROGRESS, G_LOAD,
 G_MEAN_WAIT) = range(len(GLOBAL_FEATURES))
__all__ = ["EDGE_FEATURES", "GLOBAL_FEATURES", "NODE_FEATURES", "RATIO_CAP", "Layout",
           "RsuBlock", "TaskView", "build_observation", "context_rsus", "empty_observation",
           "observe"]


@dataclass(frozen=True)
class Layout:
    """Padding: ``n_candidates`` selectable slots and ``n_context`` context slots."""

    n_candidates: int
    n_context: int

    @property
    def n_nodes(self) -> int:
        return 1 + self.n_candidates + self.n_context

    @property
    def n_edges(self) -> int:
        return 2 * (self.n_candidates + self.n_context)


@dataclass(frozen=True)
class RsuBlock:
    """Raw per-RSU rows (SI units) of the candidates or of the context RSUs."""

    dxdy_m: np.ndarray          # [n, 2] RSU - vehicle
    cpu_ghz: np.ndarray         # [n]
    snr_db: np.ndarray          # [n]
    beta_s_per_gbit: np.ndarray  # [n]
    tau_s_per_gbit: np.ndarray  # [n] (context: unused)
    wait_s: np.ndarray          # [n]
    exit_s: np.ndarray          # [n] (context: unused)
    distance_m: np.ndarray      # [n]
    spectral_eff: np.ndarray    # [n] (context: unused)

    def __len__(self) -> int:
        return len(self.cpu_ghz)


@dataclass(frozen=True)
class TaskView:
    """The task and world scalars the observation normalises by."""

    size_gbit: float
    deadline_s: float
    beta0_s_per_gbit: float
    vehicle_wait_s: float
    vehicle_cpu_ghz: float
    range_m: float
    arrival_s: float
    horizon_s: float
    deadline_scale_s: float
    size_scale_gbit: float
    load: float                 # fraction of RSUs busy
    mean_wait_ratio: float      # mean of min(w_i / D_k, cap) over all RSUs


def _ratio(x: np.ndarray | float, d: float) -> np.ndarray:
    return np.minimum(np.asarray(x, dtype=np.float64) / d, RATIO_CAP)


def _fill_rsus(nf: np.ndarray, rows: slice, block: RsuBlock, task: TaskView, kind: int,
               linked: bool) -> None:
    part = nf[rows]
    d, beta0 = task.deadline_s, task.beta0_s_per_gbit
    part[:, kind] = 1.0
    part[:, N_DX] = block.dxdy_m[:, 0] / task.range_m
    part[:, N_DY] = block.dxdy_m[:, 1] / task.range_m
    part[:, N_CPU] = block.cpu_ghz / 10.0
    part[:, N_SNR] = block.snr_db / 30.0
    part[:, N_LOG_COMPUTE] = np.log10(block.beta_s_per_gbit / beta0)
    part[:, N_WAIT] = _ratio(block.wait_s, d)
    if linked:
        part[:, N_LOG_TRANSMIT] = np.log10(block.tau_s_per_gbit / beta0)
        part[:, N_EXIT] = _ratio(block.exit_s, d)


def build_observation(layout: Layout, task: TaskView, candidates: RsuBlock,
                      context: RsuBlock) -> dict[str, np.ndarray]:
    """The padded graph of one task (no ``action_mask`` / ``decision_index``: the env adds
    them)."""
    n, a = len(candidates), len(context)
    c_max = layout.n_candidates
    nf = np.zeros((layout.n_nodes, len(NODE_FEATURES)), dtype=FEATURE_DTYPE)
    nf[0, N_IS_VEHICLE] = 1.0
    nf[0, N_CPU] = task.vehicle_cpu_ghz / 10.0
    nf[0, N_WAIT] = _ratio(task.vehicle_wait_s, task.deadline_s)
    _fill_rsus(nf, slice(1, 1 + n), candidates, task, N_IS_CANDIDATE, linked=True)
    _fill_rsus(nf, slice(1 + c_max, 1 + c_max + a), context, task, N_IS_CONTEXT,
               linked=False)
    slots = np.concatenate([np.arange(1, 1 + n), np.arange(1 + c_max, 1 + c_max + a)])
    k = n + a
    edge_index = np.zeros((2, layout.n_edges), dtype=np.int64)
    edge_index[1, :k] = slots
    edge_index[0, k:2 * k] = slots
    ef = np.zeros((layout.n_edges, len(EDGE_FEATURES)), dtype=FEATURE_DTYPE)
    dist = np.concatenate([candidates.distance_m, context.distance_m]) / task.range_m
    for part, rev in ((slice(0, k), 0.0), (slice(k, 2 * k), 1.0)):
        ef[part, E_DISTANCE] = dist
        ef[part, E_REVERSE] = rev
        ef[part.start:part.start + n, E_SPECTRAL_EFF] = candidates.spectral_eff / 10.0
        ef[part.start:part.start + n, E_IN_RANGE] = 1.0
    node_mask = np.zeros(layout.n_nodes, dtype=np.int8)
    node_mask[0] = 1
    node_mask[slots] = 1
    edge_mask = np.zeros(layout.n_edges, dtype=np.int8)
    edge_mask[:2 * k] = 1
    return {"node_features": nf, "node_mask": node_mask, "edge_index": edge_index,
            "edge_features": ef, "edge_mask": edge_mask,
            "global_features": _globals(task, n, c_max)}


def _globals(task: TaskView, n: int, c_max: int) -> np.ndarray:
    d = task.deadline_s
    return np.array([min(task.size_gbit * task.beta0_s_per_gbit / d, RATIO_CAP),
                     min(task.vehicle_wait_s / d, RATIO_CAP),
                     d / task.deadline_scale_s, task.size_gbit / task.size_scale_gbit,
                     n / c_max, task.arrival_s / task.horizon_s, task.load,
                     task.mean_wait_ratio], dtype=FEATURE_DTYPE)


def empty_observation(layout: Layout) -> dict[str, np.ndarray]:
    """All-zero graph with only the vehicle slot real: the observation when there is no
    task (an episode whose trace has no task, or after the last one)."""
    node_mask = np.zeros(layout.n_nodes, dtype=np.int8)
    node_mask[0] = 1
    return {"node_features": np.zeros((layout.n_nodes, len(NODE_FEATURES)), FEATURE_DTYPE),
            "node_mask": node_mask,
            "edge_index": np.zeros((2, layout.n_edges), dtype=np.int64),
            "edge_features": np.zeros((layout.n_edges, len(EDGE_FEATURES)), FEATURE_DTYPE),
            "edge_mask": np.zeros(layout.n_edges, dtype=np.int8),
            "global_features": np.zeros(len(GLOBAL_FEATURES), dtype=FEATURE_DTYPE)}


# ---------------------------------------------------------------------------- from the world
def _heading(mobility: Any, vehicle: int, t_s: float) -> np.ndarray:
    """Unit direction of travel (+x when the mobility gives no usable velocity)."""
    v = np.asarray(mobility.velocity_mps(vehicle, t_s), dtype=np.float64)
    norm = float(np.hypot(v[0], v[1])) if np.isfinite(v).all() else 0.0
    return v / norm if norm > 0 else np.array([1.0, 0.0])


def context_rsus(trace: Any, vehicle_xy_m: np.ndarray, heading: np.ndarray,
                 candidates: np.ndarray, n_context: int) -> np.ndarray:
    """The ``n_context`` nearest RSUs that are not candidates and lie ahead of the vehicle
    (positive projection on its heading), nearest first."""
    rel = np.asarray(trace.rsu_xy_m, dtype=np.float64) - vehicle_xy_m
    ahead = rel @ heading > 0
    ahead[np.asarray(candidates, dtype=np.int64)] = False
    idx = np.flatnonzero(ahead)
    dist = np.hypot(rel[idx, 0], rel[idx, 1])
    return idx[np.argsort(dist, kind="stable")[:n_context]]


def observe(trace: Any, busy_until_s: np.ndarray, state: Any, layout: Layout,
            scales: tuple[float, float, float]) -> dict[str, np.ndarray]:
    """The observation of ``state`` (an oracle ``TaskState``) in ``trace`` with the RSU
    queues ``busy_until_s`` [n_rsus] (absolute s); ``scales`` = (largest deadline s,
    largest task size Gbit, horizon s)."""
    t, v = float(state.arrival_s), int(state.vehicle)
    p = np.asarray(trace.mobility.position_m(v, t), dtype=np.float64)
    xy = np.asarray(trace.rsu_xy_m, dtype=np.float64)
    cpu, snr = np.asarray(trace.rsu_cpu_ghz), np.asarray(trace.rsu_snr_db)
    cand = np.asarray(state.rsu, dtype=np.int64)
    wait_all = np.maximum(np.asarray(busy_until_s, dtype=np.float64) - t, 0.0)
    dist_c = np.hypot(*(xy[cand] - p).T)
    candidates = RsuBlock(xy[cand] - p, cpu[cand], snr[cand], state.beta, state.tau,
                          state.wait, state.exit_s, dist_c,
                          spectral_efficiency(snr[cand], dist_c))
    ctx = context_rsus(trace, p, _heading(trace.mobility, v, t), cand, layout.n_context)
    beta_ctx = compute_time_s_per_gbit(trace.cycles_per_bit, cpu[ctx])
    zeros = np.zeros(len(ctx))
    context = RsuBlock(xy[ctx] - p, cpu[ctx], snr[ctx], beta_ctx, zeros, wait_all[ctx],
                       zeros, np.hypot(*(xy[ctx] - p).T), zeros)
    task = TaskView(float(state.q_gbit), float(state.deadline_s), float(state.beta0),
                    float(state.w0), float(trace.vehicle_cpu_ghz[v]), float(trace.range_m),
                    t, scales[2], scales[0], scales[1], float(np.mean(wait_all > 0)),
                    float(np.mean(_ratio(wait_all, float(state.deadline_s)))))
    return build_observation(layout, task, candidates, context)
