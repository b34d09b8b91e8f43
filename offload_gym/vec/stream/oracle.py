"""Per-task decision problem of VECStream and its exact myopic oracle (SPEC-STREAM).

A :class:`TaskState` is everything needed to time one task given the current queues: the
task (Q, D), the vehicle (beta_0, wait w_0) and the candidate RSUs in slot order (nearest
first): RSU index, beta_i, tau_i (s/Gbit with the whole band, at the task's arrival), wait
w_i and exit time e_i, all relative to the task's arrival.

:func:`myopic_exact` minimises T_S over all subsets S of the candidates: for a fixed band
share m and time T the best S is the top m candidates by g_i(T), and the total capacity is
non-decreasing in T, so per m a bisection on T finds the least feasible T; the winning set is
then timed exactly by :func:`allocation.finish_time`, and the best m wins (ties: smaller m,
local computing first). :func:`brute` enumerates every subset (tests, small sets).
:func:`lower_bound_state` zeroes every wait (the empty-queue optimum of the same task).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from offload_gym.vec.stream.allocation import finish_time, rsu_capacity_gbit, vehicle_capacity_gbit

_BISECTION_STEPS = 60


def _vec(x) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64).reshape(-1)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class TaskState:
    """One task's decision problem given the queues (times relative to its arrival).

    Per-candidate arrays (slot order, nearest RSU first) all have length ``n_candidates``."""

    q_gbit: float
    deadline_s: float
    beta0: float                  # vehicle compute time, s/Gbit
    w0: float                     # vehicle queue wait, s
    rsu: np.ndarray               # int RSU index of each candidate slot
    beta: np.ndarray              # s/Gbit
    tau: np.ndarray               # s/Gbit with the whole band, at the arrival
    wait: np.ndarray              # s
    exit_s: np.ndarray            # s (relative exit time)
    distance_m: np.ndarray = field(default_factory=lambda: _vec([]))
    task_index: int = -1
    vehicle: int = -1
    arrival_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("beta", "tau", "wait", "exit_s"):
            object.__setattr__(self, name, _vec(getattr(self, name)))
        rsu = np.asarray(self.rsu, dtype=np.int64).reshape(-1)
        rsu.setflags(write=False)
        object.__setattr__(self, "rsu", rsu)
        dist = _vec(self.distance_m)
        if dist.size == 0 and rsu.size:
            dist = _vec(np.full(rsu.size, np.nan))
        object.__setattr__(self, "distance_m", dist)
        n = rsu.size
        for name in ("beta", "tau", "wait", "exit_s", "distance_m"):
            if getattr(self, name).size != n:
                raise ValueError(f"{name}: expected {n} entries (one per candidate), "
                                 f"got {getattr(self, name).size}")

    @property
    def n_candidates(self) -> int:
        return int(self.rsu.size)

    @property
    def local_time_s(self) -> float:
        """T of local computing: w_0 + Q beta_0."""
        return float(self.w0 + self.q_gbit * self.beta0)


@dataclass(frozen=True, eq=False)
class Decision:
    """A timed selection: candidate slot positions (sorted), T_s, vehicle share q0 and the
    RSU shares q (aligned with ``selected``), success = T_s <= deadline."""

    selected: tuple[int, ...]
    T_s: float
    q0: float
    q: np.ndarray
    success: bool


def evaluate(state: TaskState, selected) -> Decision:
    """Time a given selection (candidate slot positions; duplicates not allowed)."""
    pos = np.asarray(sorted(int(p) for p in selected), dtype=np.int64)
    t, q0, q = finish_time(state.q_gbit, state.beta0, state.w0, state.beta[pos],
                           state.tau[pos], state.wait[pos], state.exit_s[pos])
    t = float(t)
    return Decision(tuple(int(p) for p in pos), t, float(q0), np.asarray(q), t <= state.deadline_s)


def brute(state: TaskState) -> Decision:
    """Best selection by enumerating every subset (2^n finish-time evaluations; n <= ~12).

    Ties: the first subset in (size, lexicographic) order."""
    best = evaluate(state, ())
    n = state.n_candidates
    for m in range(1, n + 1):
        for subset in itertools.combinations(range(n), m):
            d = evaluate(state, subset)
            if d.T_s < best.T_s:
                best = d
    return best


def _total_capacity_top_m(state: TaskState, t: np.ndarray, m: np.ndarray) -> np.ndarray:
    """g_0(t) + sum of the top-m g_i(t) for every band share m (t, m: shape [M])."""
    g = rsu_capacity_gbit(t[:, None], state.beta, state.tau, state.wait, state.exit_s,
                          m[:, None].astype(np.float64))  # [M, n]
    srt = -np.sort(-g, axis=-1)
    top = np.take_along_axis(np.cumsum(srt, axis=-1), (m - 1)[:, None], axis=-1)[:, 0]
    return vehicle_capacity_gbit(t, state.beta0, state.w0) + top


def myopic_exact(state: TaskState) -> Decision:
    """The per-task optimum (least T_S over every subset) given the current queues."""
    best = evaluate(state, ())
    n = state.n_candidates
    if n == 0:
        return best
    m = np.arange(1, n + 1)
    lo = np.zeros(n)
    hi = np.full(n, best.T_s)  # local computing is always feasible
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        ok = _total_capacity_top_m(state, mid, m) >= state.q_gbit
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    g = rsu_capacity_gbit(hi[:, None], state.beta, state.tau, state.wait, state.exit_s,
                          m[:, None].astype(np.float64))
    order = np.argsort(-g, axis=-1, kind="stable")
    for k in range(n):
        if hi[k] >= best.T_s:
            continue
        d = evaluate(state, order[k, :k + 1])
        if d.T_s < best.T_s:
            best = d
    return best


def lower_bound_state(state: TaskState) -> TaskState:
    """The same task with every queue empty (w_0 = w_i = 0): its optimum bounds any policy."""
    return replace(state, w0=0.0, wait=np.zeros(state.n_candidates))


def reward(T_s: float, deadline_s: float, fail_penalty: float) -> float:
    """Step reward: -T / D on success (T <= D), -fail_penalty otherwise."""
    return -T_s / deadline_s if T_s <= deadline_s else -float(fail_penalty)


def lower_bound_reward(state: TaskState, fail_penalty: float) -> float:
    """Best reward any selection can get for this task with empty queues (>= every policy's
    reward on it, since waits only delay and the reward does not increase with T)."""
    d = myopic_exact(lower_bound_state(state))
    return max(reward(d.T_s, state.deadline_s, fail_penalty), -float(fail_penalty))


__all__ = [
    "Decision",
    "TaskState",
    "brute",
    "evaluate",
    "lower_bound_reward",
    "lower_bound_state",
    "myopic_exact",
    "reward",
]
