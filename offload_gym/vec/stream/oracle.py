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


def myopic_times(q_gbit, beta0, w0, beta, tau, wait, exit_s, valid=None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched myopic optimum over K tasks with n candidate slots each (padded).

    Per band share m = 1..n, bisection on T of F_m(T) = g_0(T) + the top-m sum of g_i(T)
    (non-decreasing in T); the top-m set at the feasible end is then timed exactly by one
    batched :func:`finish_time`. Args have shape [K] (task) and [K, n] (slots); ``valid``
    [K, n] marks real candidates (default all). Returns ``(T [K], order [K, n, n],
    best_m [K])``: the least T, the slot order per m (row m - 1: the best set of size m is its
    first m entries) and the winning m (0 = local computing, also on ties)."""
    q, b0, w0 = (np.asarray(x, dtype=np.float64) for x in (q_gbit, beta0, w0))
    beta, tau, wait, exit_s = (np.asarray(x, dtype=np.float64) for x in (beta, tau, wait, exit_s))
    k, n = beta.shape
    valid = np.ones((k, n), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    local = w0 + q * b0
    if n == 0:
        return local, np.zeros((k, 0, 0), dtype=np.int64), np.zeros(k, dtype=np.int64)
    beta = np.where(valid, beta, 1.0)
    tau = np.where(valid, tau, 1.0)
    wait = np.where(valid, wait, 0.0)
    exit_s = np.where(valid, exit_s, 0.0)  # padded slots: zero capacity
    m = np.arange(1, n + 1, dtype=np.float64)
    inv_c = 1.0 / cost_s_per_gbit(beta[:, None, :], tau[:, None, :], m[None, :, None])
    inv_beta = (1.0 / beta)[:, None, :]
    rank = (np.arange(n)[None, :] < m[:, None])[None]  # [1, n(m), n] top-m indicator
    rate0 = 1.0 / b0[:, None]
    e3, w3 = exit_s[:, None, :], wait[:, None, :]

    def capacity(t: np.ndarray) -> np.ndarray:  # g_i(t) per task and m: [K, n(m), n]
        h = np.minimum(t[..., None], e3)
        return np.minimum(h * inv_c, np.maximum(h - w3, 0.0) * inv_beta)

    lo = np.zeros((k, n))
    hi = np.repeat(local[:, None], n, axis=1)  # local computing is always feasible
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        g = -np.sort(-capacity(mid), axis=-1)
        ok = np.maximum(mid - w0[:, None], 0.0) * rate0 + (g * rank).sum(-1) >= q[:, None]
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    order = np.argsort(-capacity(hi), axis=-1, kind="stable")  # [K, n(m), n]
    chosen = np.broadcast_to(rank, order.shape)
    pick = lambda a: np.take_along_axis(np.broadcast_to(a[:, None, :], order.shape),  # noqa: E731
                                        order, axis=-1)
    t, _, _ = finish_time(q[:, None], b0[:, None], w0[:, None], pick(beta), pick(tau),
                          pick(wait), np.where(chosen, pick(exit_s), 0.0), m=m[None, :])
    t = np.where(m[None, :] <= valid.sum(-1)[:, None], t, np.inf)  # no padded slot chosen
    best = np.argmin(t, axis=-1)  # first minimum: the smallest m
    t_best = t[np.arange(k), best]
    use = t_best < local
    return np.where(use, t_best, local), order, np.where(use, best + 1, 0)


def myopic_exact(state: TaskState) -> Decision:
    """The per-task optimum (least T_S over every subset) given the current queues
    (:func:`myopic_times` on one task; ties: fewer RSUs, local computing first)."""
    if state.n_candidates == 0:
        return evaluate(state, ())
    _, order, best_m = myopic_times(
        np.array([state.q_gbit]), np.array([state.beta0]), np.array([state.w0]),
        state.beta[None], state.tau[None], state.wait[None], state.exit_s[None])
    m = int(best_m[0])
    return evaluate(state, order[0, m - 1, :m] if m else ())


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
