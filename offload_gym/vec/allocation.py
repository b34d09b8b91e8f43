"""Allocation rules for a given RSU selection S (SPEC-VEC "Two allocation rules").

Both rules are vectorised over any number of selections: ``mask`` has shape ``[..., n]``
(True = RSU selected) and broadcasts against the physics arrays; results have shape
``[...]`` (times) and ``[..., n + 1]`` (allocations, vehicle first).

``equal_finish`` (KATO Lemma 1)::

    T_S = Q / (1/beta_0 + sum_{i in S} 1/c_i(m)),   q_0 = T_S / beta_0,  q_i = T_S / c_i(m)

It fails when T_S > deadline or T_S > e_i for a selected RSU (it left range first).

``optimal`` (the best allocation for problem P)::

    T_S = min T  such that  T/beta_0 + sum_{i in S} min(T, e_i)/c_i(m) >= Q,
    q_i = min(T_S, e_i)/c_i(m)

A selected RSU that would leave early gets only what it can finish in time, so this rule
fails only when T_S > deadline. The left-hand side G(T) is continuous, increasing and
piecewise linear with kinks at the exit times, so T_S is found exactly: evaluate G at the
sorted exit times, find the first one with G >= Q, and solve the linear piece before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from offload_gym.vec.physics import VecPhysics

Rule = Literal["optimal", "equal_finish"]
RULES: tuple[str, ...] = ("optimal", "equal_finish")


@dataclass(frozen=True)
class Allocation:
    """Result of a rule applied to selections: shapes ``[...]`` and ``[..., n + 1]``."""

    time_s: np.ndarray
    allocation_gbit: np.ndarray  # vehicle first, then every RSU (0 where not selected)
    mobility_ok: np.ndarray  # no selected RSU leaves range before finishing its share
    success: np.ndarray  # mobility_ok and time_s <= deadline


def check_rule(rule: str) -> str:
    if rule not in RULES:
        from offload_gym.core.errors import SolverError

        raise SolverError(f"unknown allocation rule {rule!r} (known: {', '.join(RULES)})")
    return rule


def _inverse_costs(phys: VecPhysics, mask: np.ndarray) -> np.ndarray:
    """w_i = 1/c_i(m) for selected RSUs, 0 otherwise (m = |S| per selection)."""
    m = mask.sum(axis=-1)
    c = phys.cost(m)
    return np.where(mask, 1.0 / c, 0.0)


def _scalar(x: np.ndarray) -> np.ndarray:
    """Per-instance scalar broadcast against a trailing RSU axis."""
    return np.asarray(x)[..., None]


def equal_finish_time(phys: VecPhysics, rate_sum: np.ndarray | float) -> np.ndarray | float:
    """KATO Lemma 1's common finish time T_S = Q / (1/beta_0 + sum_{i in S} 1/c_i(m)), given
    ``rate_sum`` = sum_{i in S} 1/c_i(m) (shape [...], or a float for one instance).

    The one place of this formula: :func:`equal_finish` and the VEC env (which keeps the
    sums incrementally) both call it. ``phys`` needs only ``size_gbit`` and
    ``beta0_s_per_gbit`` (the env passes an object holding them as Python floats)."""
    return phys.size_gbit / (1.0 / phys.beta0_s_per_gbit + rate_sum)


def equal_finish(phys: VecPhysics, mask: np.ndarray) -> Allocation:
    """The closed form of KATO Lemma 1 (see module docstring)."""
    mask = np.asarray(mask, dtype=bool)
    w = _inverse_costs(phys, mask)
    rate0 = 1.0 / phys.beta0_s_per_gbit
    t = equal_finish_time(phys, w.sum(axis=-1))
    q_rsu = _scalar(t) * w
    q0 = t * rate0
    alloc = np.concatenate([np.broadcast_to(q0, t.shape)[..., None], q_rsu], axis=-1)
    mobility_ok = np.all(~mask | (_scalar(t) <= phys.exit_time_s), axis=-1)
    return Allocation(t, alloc, mobility_ok, mobility_ok & (t <= phys.deadline_s))


def equal_finish_iterative(phys: VecPhysics, selected: list[int] | np.ndarray) -> Allocation:
    """KATO eqs. (6)-(7) in their iterative form, for ONE selection (a reference for tests).

    Our reading of the paper's procedure: the vehicle and the RSUs selected so far are merged
    into one equivalent processor of rate g_k = g_{k-1} + 1/c_k(m) (g_0 = 1/beta_0), eq. (6);
    then, going back from k = m to 1, the work Q_k given to the first k RSUs and the vehicle
    is split so that RSU k and the equivalent processor finish together: q_k = (Q_k/g_k)/c_k,
    Q_{k-1} = Q_k - q_k, eq. (7); finally q_0 = Q_0. The result equals the closed form."""
    selected = [int(i) for i in selected]
    m = len(selected)
    beta0 = float(phys.beta0_s_per_gbit)
    c = [float(phys.beta_s_per_gbit[i] + m * phys.tau_s_per_gbit[i]) for i in selected]
    rates = [1.0 / beta0]
    for ck in c:
        rates.append(rates[-1] + 1.0 / ck)
    q = np.zeros(phys.n_rsus + 1)
    remaining = float(phys.size_gbit)
    for k in range(m, 0, -1):
        finish = remaining / rates[k]
        q[selected[k - 1] + 1] = finish / c[k - 1]
        remaining -= q[selected[k - 1] + 1]
    q[0] = remaining
    t = float(phys.size_gbit) / rates[-1]
    mask = np.zeros(phys.n_rsus, dtype=bool)
    mask[selected] = True
    mobility_ok = bool(np.all(~mask | (t <= phys.exit_time_s)))
    return Allocation(np.asarray(t), q, np.asarray(mobility_ok),
                      np.asarray(mobility_ok and t <= float(phys.deadline_s)))


def optimal(phys: VecPhysics, mask: np.ndarray) -> Allocation:
    """Exact least completion time of a selection when RSUs may take less work so as to
    finish before leaving range (see module docstring)."""
    mask = np.asarray(mask, dtype=bool)
    w = _inverse_costs(phys, mask)
    shape = w.shape
    exit_s = np.broadcast_to(phys.exit_time_s, shape)
    order = np.argsort(exit_s, axis=-1, kind="stable")
    e_sorted = np.take_along_axis(exit_s, order, axis=-1)
    w_sorted = np.take_along_axis(w, order, axis=-1)
    with np.errstate(invalid="ignore"):  # inf exit time * 0 weight -> masked out
        ew_sorted = np.where(w_sorted > 0, e_sorted * w_sorted, 0.0)
    zeros = np.zeros((*shape[:-1], 1))
    prefix_w = np.concatenate([zeros, np.cumsum(w_sorted, axis=-1)], axis=-1)  # [..., n+1]
    prefix_ew = np.concatenate([zeros, np.cumsum(ew_sorted, axis=-1)], axis=-1)
    total_w = prefix_w[..., -1:]
    rate0 = _scalar(1.0 / phys.beta0_s_per_gbit)
    # G at the j-th smallest exit time: e_(j) (1/beta_0 + W - P_w[j]) + P_ew[j]
    with np.errstate(invalid="ignore"):
        g_at_exit = e_sorted * (rate0 + total_w - prefix_w[..., :-1]) + prefix_ew[..., :-1]
    reached = g_at_exit >= _scalar(phys.size_gbit)
    # first piece whose right end reaches Q (n = every selected RSU capped; also n = 0)
    first = reached.argmax(axis=-1) if shape[-1] else np.zeros(shape[:-1], dtype=np.int64)
    j = np.where(reached.any(axis=-1), first, shape[-1])[..., None]
    t = ((_scalar(phys.size_gbit) - np.take_along_axis(prefix_ew, j, axis=-1))
         / (rate0 + total_w - np.take_along_axis(prefix_w, j, axis=-1)))[..., 0]
    q_rsu = np.minimum(_scalar(t), exit_s) * w
    q0 = t * (1.0 / phys.beta0_s_per_gbit)
    alloc = np.concatenate([np.broadcast_to(q0, t.shape)[..., None], q_rsu], axis=-1)
    ok = np.ones(t.shape, dtype=bool)
    return Allocation(t, alloc, ok, t <= phys.deadline_s)


def allocate(phys: VecPhysics, mask: np.ndarray, rule: str) -> Allocation:
    """Apply ``rule`` ("optimal" or "equal_finish") to selection masks."""
    return optimal(phys, mask) if check_rule(rule) == "optimal" else equal_finish(phys, mask)
