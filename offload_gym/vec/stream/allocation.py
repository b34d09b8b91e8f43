"""Allocation of one task given the queues (SPEC-STREAM "Allocation for the chosen set S").

For a task with size Q, vehicle compute time beta_0 (s/Gbit) and vehicle queue wait w_0,
and a chosen set S of m candidate RSUs with compute time beta_i, whole-band transmit time
tau_i (s/Gbit), queue wait w_i and exit time e_i (all relative to the task's arrival):

- c_i(m) = beta_i + m tau_i                               (vec.physics.cost_s_per_gbit)
- g_i(T) = min( min(T, e_i) / c_i(m), (min(T, e_i) - w_i)^+ / beta_i )   RSU capacity
- g_0(T) = (T - w_0)^+ / beta_0                                          vehicle capacity
- T_S    = min T with g_0(T) + sum_{i in S} g_i(T) >= Q;  q_0 = g_0(T_S), q_i = g_i(T_S).

Every g is piecewise linear in T with breakpoints {0, w_0} for the vehicle and
{w_i, e_i, w_i c_i / (m tau_i)} for an RSU (the last is where the two terms of the min
cross), so T_S is found EXACTLY by a breakpoint search: evaluate the total capacity at every
breakpoint, find the segment where it reaches Q and solve the linear equation there.
Everything is vectorised over leading batch axes.
"""

from __future__ import annotations

import numpy as np

from offload_gym.vec.physics import cost_s_per_gbit


def vehicle_capacity_gbit(t_s, beta0_s_per_gbit, w0_s) -> np.ndarray:
    """g_0(T) = (T - w_0)^+ / beta_0: Gbit the vehicle can finish by relative time T."""
    return np.maximum(np.asarray(t_s) - w0_s, 0.0) / beta0_s_per_gbit


def rsu_capacity_gbit(t_s, beta_s_per_gbit, tau_s_per_gbit, wait_s, exit_s, m) -> np.ndarray:
    """g_i(T) = min(min(T, e_i) / c_i(m), (min(T, e_i) - w_i)^+ / beta_i), elementwise.

    The RSU receives q_i during [0, q_i m tau_i], starts computing at max(q_i m tau_i, w_i)
    and must finish by min(T, e_i). ``m`` is the number of RSUs sharing the band."""
    horizon = np.minimum(t_s, exit_s)
    c = cost_s_per_gbit(beta_s_per_gbit, tau_s_per_gbit, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_link = np.where(horizon > 0, horizon / c, 0.0)
        by_queue = np.maximum(horizon - wait_s, 0.0) / beta_s_per_gbit
    return np.maximum(np.minimum(by_link, by_queue), 0.0)


def _breakpoints(beta0, w0, beta, tau, wait, exit_s, m, q_gbit) -> np.ndarray:
    """Sorted candidate breakpoints [..., K] of the total capacity, incl. 0 and a point where
    the vehicle alone already reaches Q (so the answer is always bracketed)."""
    c = cost_s_per_gbit(beta, tau, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = wait * c / (c - beta)  # (T/c = (T - w)/beta)
    pts = np.concatenate([np.broadcast_to(x, np.broadcast_shapes(
        np.shape(x), np.shape(wait))) for x in (wait, exit_s, cross)], axis=-1)
    pts = np.where(np.isfinite(pts) & (pts > 0), pts, 0.0)
    w0 = np.asarray(w0, dtype=np.float64)
    top = w0 + np.asarray(q_gbit) * beta0  # g_0 alone reaches Q here
    pts = np.concatenate([pts, np.zeros_like(top)[..., None], w0[..., None], top[..., None]],
                         axis=-1)
    pts = np.minimum(pts, top[..., None])  # beyond `top` nothing matters
    return np.sort(pts, axis=-1)


def total_capacity_gbit(t_s, beta0, w0, beta, tau, wait, exit_s, m) -> np.ndarray:
    """g_0(T) + sum_i g_i(T); ``t_s`` has shape [..., K] (evaluated at K times at once)."""
    t = np.asarray(t_s, dtype=np.float64)
    g0 = vehicle_capacity_gbit(t, np.asarray(beta0)[..., None], np.asarray(w0)[..., None])
    gi = rsu_capacity_gbit(t[..., :, None], beta[..., None, :], tau[..., None, :],
                           wait[..., None, :], exit_s[..., None, :],
                           np.asarray(m, dtype=np.float64)[..., None, None])
    return g0 + gi.sum(-1)


def finish_time(q_gbit, beta0, w0, beta, tau, wait, exit_s, m=None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact T_S and the allocation for one chosen set (SPEC-STREAM), batched.

    Args:
        q_gbit, beta0, w0: task size, vehicle s/Gbit and vehicle wait, shape [...].
        beta, tau, wait, exit_s: the chosen RSUs' values, shape [..., m] (m may be 0).
        m: band share (default ``beta.shape[-1]``); pass it explicitly when padding a batch
           with dummy RSUs (``exit_s = 0`` gives a dummy zero capacity).
    Returns:
        ``(T_s [...], q0 [...], q [..., m])`` with q0 + sum(q) == Q up to rounding.
        With no RSU, T = w_0 + Q beta_0 exactly.
    """
    q_gbit = np.asarray(q_gbit, dtype=np.float64)
    beta0 = np.asarray(beta0, dtype=np.float64)
    w0 = np.asarray(w0, dtype=np.float64)
    beta, tau, wait, exit_s = (np.asarray(x, dtype=np.float64) for x in (beta, tau, wait, exit_s))
    if m is None:
        m = beta.shape[-1]
    m = np.asarray(m, dtype=np.float64)
    batch = np.broadcast_shapes(q_gbit.shape, beta0.shape, w0.shape, m.shape,
                                beta.shape[:-1], tau.shape[:-1], wait.shape[:-1],
                                exit_s.shape[:-1])
    q_gbit, beta0, w0, m = (np.broadcast_to(x, batch) for x in (q_gbit, beta0, w0, m))
    beta, tau, wait, exit_s = (np.broadcast_to(x, (*batch, x.shape[-1]))
                               for x in (beta, tau, wait, exit_s))
    if beta.shape[-1] == 0:
        t = w0 + q_gbit * beta0
        return t, q_gbit * np.ones_like(t), np.zeros((*np.shape(t), 0))
    mm = m[..., None] if m.ndim else m
    pts = _breakpoints(beta0, w0, beta, tau, wait, exit_s, mm, q_gbit)  # [..., K]
    cap = total_capacity_gbit(pts, beta0, w0, beta, tau, wait, exit_s, m)  # [..., K]
    # first breakpoint where the capacity reaches Q (the last one always does)
    k = np.argmax(cap >= q_gbit[..., None] * (1 - 1e-15), axis=-1)
    k = np.maximum(k, 1)
    t_lo = np.take_along_axis(pts, (k - 1)[..., None], -1)[..., 0]
    t_hi = np.take_along_axis(pts, k[..., None], -1)[..., 0]
    c_lo = np.take_along_axis(cap, (k - 1)[..., None], -1)[..., 0]
    c_hi = np.take_along_axis(cap, k[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(c_hi > c_lo, (q_gbit - c_lo) / (c_hi - c_lo), 1.0)
    t = t_lo + np.clip(frac, 0.0, 1.0) * (t_hi - t_lo)
    t = np.where(c_lo >= q_gbit, t_lo, t)
    q0 = vehicle_capacity_gbit(t, beta0, w0)
    q = rsu_capacity_gbit(t[..., None], beta, tau, wait, exit_s, mm)
    return t, q0, q
