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

from dataclasses import dataclass, field, replace

import numpy as np

from offload_gym.vec.physics import cost_s_per_gbit
from offload_gym.vec.stream.allocation import finish_time

_BISECTION_STEPS = 52  # bracket / 2^52: T within ~1e-15 relative; the final T is exact


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


def subset_times(state: TaskState) -> tuple[np.ndarray, np.ndarray]:
    """T_S of EVERY subset in one batched :func:`finish_time` call: returns the masks
    [2^n, n] (row r: the bits of r, slot 0 = lowest bit) and their times [2^n]."""
    n = state.n_candidates
    masks = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    size = masks.sum(-1)
    rows = np.ones((masks.shape[0], 1))
    t, _, _ = finish_time(np.full(masks.shape[0], state.q_gbit),
                          np.full(masks.shape[0], state.beta0), np.full(masks.shape[0], state.w0),
                          state.beta * rows, state.tau * rows, state.wait * rows,
                          np.where(masks, state.exit_s, 0.0), m=size)
    t[0] = state.local_time_s
    return masks, t


def brute(state: TaskState) -> Decision:
    """Best selection by enumerating every subset (2^n sets timed at once; n <= ~12).

    Ties: the subset with fewer RSUs, then the smaller bit pattern."""
    masks, t = subset_times(state)
    size = masks.sum(-1)
    best = int(np.lexsort((np.arange(t.size), size, t))[0])
    return evaluate(state, np.flatnonzero(masks[best]))


def _top_m_sets(state: TaskState) -> np.ndarray:
    """For every band share m = 1..n, bisection on T of F_m(T) = g_0(T) + the top-m sum of
    g_i(T) (non-decreasing in T); returns the candidate order [n, n] by g_i at the feasible
    end (row m - 1: the best set of size m is its first m entries)."""
    n = state.n_candidates
    m = np.arange(1, n + 1, dtype=np.float64)[:, None]
    inv_c = 1.0 / cost_s_per_gbit(state.beta, state.tau, m)  # [n(m), n]
    inv_beta = 1.0 / state.beta
    rank = np.arange(n)[None, :] < m  # top-m indicator on the sorted axis
    rate0, w0, q = 1.0 / state.beta0, state.w0, state.q_gbit
    exit_s, wait = state.exit_s, state.wait

    def capacity(t: np.ndarray) -> np.ndarray:  # g_i(t) for each m: [n(m), n]
        h = np.minimum(t[:, None], exit_s)
        return np.minimum(h * inv_c, np.maximum(h - wait, 0.0) * inv_beta)

    lo = np.zeros(n)
    hi = np.full(n, state.local_time_s)  # local computing is always feasible
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        g = -np.sort(-capacity(mid), axis=-1)
        ok = np.maximum(mid - w0, 0.0) * rate0 + (g * rank).sum(-1) >= q
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return np.argsort(-capacity(hi), axis=-1, kind="stable")


def myopic_exact(state: TaskState) -> Decision:
    """The per-task optimum (least T_S over every subset) given the current queues.

    Per m the top-m set at the bisection's feasible end is timed exactly (one batched
    :func:`finish_time` call over all m); the least T wins (ties: fewer RSUs; local
    computing when no RSU set is strictly faster)."""
    n = state.n_candidates
    if n == 0:
        return evaluate(state, ())
    order = _top_m_sets(state)  # [n, n]
    chosen = np.arange(n)[None, :] < np.arange(1, n + 1)[:, None]  # row m-1: first m slots
    pick = lambda a: np.take(a, order)  # noqa: E731  (values in each row's order)
    exit_s = np.where(chosen, pick(state.exit_s), 0.0)  # unchosen slots: zero capacity
    t, _, _ = finish_time(np.full(n, state.q_gbit), np.full(n, state.beta0),
                          np.full(n, state.w0), pick(state.beta), pick(state.tau),
                          pick(state.wait), exit_s, m=np.arange(1, n + 1))
    best_m = int(np.argmin(t))  # first minimum: the smallest m
    local = state.local_time_s
    if not t[best_m] < local:
        return evaluate(state, ())
    return evaluate(state, order[best_m, :best_m + 1])


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
