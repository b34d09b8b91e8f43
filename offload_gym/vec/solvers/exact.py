"""Exact solvers of problem P (SPEC-VEC "Exact solution of P"), vectorised over a batch.

For a band share m, c_i(m) does not depend on which other RSUs are chosen. Let
T0(m) = Q / (1/beta_0 + top-m sum of 1/c_i(m)) be the best time when exit times are
ignored, reached by the m RSUs with the largest 1/c_i(m).

Fast path (both rules): if every one of those m RSUs stays in range until T0(m)
(T0(m) <= min e_i over them) the mobility constraint does not bind and T0(m) is the optimum
for that m (exit times can only make things slower). This covers almost every m in the
``kato2025`` preset, and every m after MobCheck.

Slow path, ``optimal`` rule: for a fixed T the best S of size m is the top m by
min(T, e_i)/c_i(m), and F_m(T) = T/beta_0 + that top-m sum is continuous and increasing, so
the least T with F_m(T) >= Q is found by bisection (64 halvings) in [T0(m), best so far];
the selection found there is then timed exactly by :func:`allocation.optimal`.

Slow path, ``equal_finish`` rule: bisection is wrong here (the admissible set shrinks as T
grows). For each threshold theta among the exit times we take the top m by 1/c_i(m) among
the RSUs with e_i >= theta and keep the candidate if T_S <= min_{i in S} e_i: O(n^3) worst
case, but only for the (instance, m) pairs the fast path could not settle and whose T0(m)
beats the best time already found.

``mobcheck=True`` first drops the RSUs that fail MobCheck (the paper's flavour).
The final selection of every instance is re-timed by the allocation rule and re-checked by
:func:`offload_gym.vec.evaluate.evaluate`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from offload_gym.vec.allocation import allocate, check_rule
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.evaluate import evaluate_arrays, make_solution
from offload_gym.vec.physics import VecPhysics, derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

_BISECTION_STEPS = 48  # bracket / 2^48 ~ 4e-15 relative; the final time is exact
_CHUNK_PAIRS = 1024  # (instance, m) pairs per slow-path chunk (bounds memory at n^2 per pair)


@dataclass(frozen=True)
class BatchResult:
    """Solutions of a batch as arrays (``[B, n]`` masks, ``[B, 1 + n]`` allocations)."""

    selected_mask: np.ndarray
    allocation_gbit: np.ndarray
    completion_time_s: np.ndarray
    success: np.ndarray
    rule: str
    mobcheck: bool
    wall_time_s: float

    def solutions(self, batch: ScenarioBatch, solver: str = "exact") -> list[Solution]:
        per = self.wall_time_s / max(len(batch), 1)
        return [make_solution(batch.scenario(i), self.selected_mask[i], self.allocation_gbit[i],
                              rule=self.rule, solver=solver, wall_time_s=per,
                              mobcheck=self.mobcheck) for i in range(len(batch))]


def _available(phys: VecPhysics, mobcheck: bool) -> np.ndarray:
    shape = phys.beta_s_per_gbit.shape
    return phys.mobcheck() if mobcheck else np.ones(shape, dtype=bool)


def _top_m_sum(values: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Sum of the m largest entries of each row (values [P, n] >= 0, m [P] >= 1)."""
    srt = -np.sort(-values, axis=-1)
    return np.take_along_axis(np.cumsum(srt, axis=-1), (m - 1)[:, None], axis=-1)[:, 0]


def _slow_optimal(phys, inv_c, avail, b_idx, m, lo, hi):
    """Least T for pairs (instance b_idx, band share m) by bisection; returns masks [P, n]
    (top m by min(T, e)/c at the feasible end) and a keep flag (T(m) < hi)."""
    e = phys.exit_time_s[b_idx]
    inv = inv_c  # [P, n], zero where unavailable
    rate0 = 1.0 / phys.beta0_s_per_gbit[b_idx]
    size = phys.size_gbit[b_idx]

    def feasible(t):
        return t * rate0 + _top_m_sum(np.minimum(t[:, None], e) * inv, m) >= size

    keep = feasible(hi)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        ok = feasible(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    key = np.where(avail[b_idx], np.minimum(hi[:, None], e) * inv, -1.0)
    order = np.argsort(-key, axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1)
    return rank < m[:, None], keep


def _slow_equal_finish(phys, inv_c, avail, b_idx, m):
    """Best equal-finish selection of size m for each pair by the exit-time threshold
    enumeration; returns masks [P, n] and times [P] (inf when no admissible selection)."""
    e = phys.exit_time_s[b_idx]  # [P, n]
    order = np.argsort(-inv_c, axis=-1, kind="stable")  # by 1/c_i(m), descending
    inv_s = np.take_along_axis(inv_c, order, axis=-1)
    e_s = np.take_along_axis(e, order, axis=-1)
    av_s = np.take_along_axis(avail[b_idx], order, axis=-1)
    # admissible[p, theta, i]: RSU i (sorted) has e >= theta-th exit time
    adm = av_s[:, None, :] & (e_s[:, None, :] >= e[:, :, None])
    count = np.cumsum(adm, axis=-1)
    chosen = adm & (count <= m[:, None, None])
    enough = count[..., -1] >= m[:, None]
    rate0 = 1.0 / phys.beta0_s_per_gbit[b_idx]
    t = phys.size_gbit[b_idx][:, None] / (rate0[:, None] + (chosen * inv_s[:, None, :]).sum(-1))
    min_exit = np.where(chosen, e_s[:, None, :], np.inf).min(axis=-1)
    t = np.where(enough & (t <= min_exit), t, np.inf)
    best = t.argmin(axis=-1)
    pick = np.take_along_axis(chosen, best[:, None, None], axis=1)[:, 0]
    mask = np.zeros_like(pick)
    np.put_along_axis(mask, order, pick, axis=-1)
    return mask, t[np.arange(len(best)), best]


def _settle_pairs(phys, inv, t0, avail, rule, b_idx, m_pos, best_t, best_mask) -> None:
    """Solve the slow-path pairs (instance b_idx, band share m_pos + 1) in chunks and keep,
    per instance, the best selection that beats ``best_t`` (updated in place)."""
    for start in range(0, len(b_idx), _CHUNK_PAIRS):
        bi, mp = b_idx[start:start + _CHUNK_PAIRS], m_pos[start:start + _CHUNK_PAIRS]
        m = mp + 1
        inv_c = inv[bi, mp]
        if rule == "optimal":
            masks, keep = _slow_optimal(phys, inv_c, avail, bi, m, t0[bi, mp].copy(),
                                        best_t[bi].copy())
            times = np.where(keep, allocate(phys.take(bi), masks, "optimal").time_s, np.inf)
        else:
            masks, times = _slow_equal_finish(phys, inv_c, avail, bi, m)
        # the best pair of each instance within this chunk (ties: the smaller m)
        o = np.lexsort((mp, times, bi))
        first = o[np.r_[True, bi[o][1:] != bi[o][:-1]]]
        first = first[times[first] < best_t[bi[first]]]
        best_t[bi[first]] = times[first]
        best_mask[bi[first]] = masks[first]


def exact_masks(phys: VecPhysics, rule: str = "optimal", mobcheck: bool = False) -> np.ndarray:
    """Optimal selection masks [B, n] for batched physics ([B, n] RSU arrays)."""
    check_rule(rule)
    n_inst, n = phys.beta_s_per_gbit.shape
    avail = _available(phys, mobcheck)
    t_local = phys.local_time_s
    best_t = t_local.copy()
    best_mask = np.zeros((n_inst, n), dtype=bool)
    if n == 0:
        return best_mask
    ms = np.arange(1, n + 1)
    c = phys.beta_s_per_gbit[:, None, :] + ms[None, :, None] * phys.tau_s_per_gbit[:, None, :]
    inv = np.where(avail[:, None, :], 1.0 / c, 0.0)  # [B, M, n]: 1/c_i(m)
    inv_sorted = -np.sort(-inv, axis=-1)
    top_sum = np.diagonal(np.cumsum(inv_sorted, axis=-1), axis1=1, axis2=2)  # [B, M]
    m_ok = ms[None, :] <= avail.sum(axis=-1)[:, None]
    t0 = np.where(m_ok, phys.size_gbit[:, None]
                  / (1.0 / phys.beta0_s_per_gbit[:, None] + top_sum), np.inf)  # [B, M]
    # Mobility can only bind in instances where some available RSU leaves before T_loc
    # (every optimum is faster than the vehicle alone); only those need the exit check.
    fast = m_ok.copy()
    maybe = np.flatnonzero(np.where(avail, phys.exit_time_s, np.inf).min(axis=-1) < t_local)
    if maybe.size:
        order = np.argsort(-inv[maybe], axis=-1)
        e_sorted = np.take_along_axis(
            np.broadcast_to(phys.exit_time_s[maybe, None, :], order.shape), order, axis=-1)
        min_exit = np.diagonal(np.minimum.accumulate(e_sorted, axis=-1), axis1=1, axis2=2)
        fast[maybe] &= t0[maybe] <= min_exit
    t_fast = np.where(fast, t0, np.inf)
    m_best = t_fast.argmin(axis=-1)
    rows = np.flatnonzero(t_fast[np.arange(n_inst), m_best] < best_t)
    best_t[rows] = t_fast[rows, m_best[rows]]
    # the winning selection: the top m_best + 1 RSUs by 1/c_i(m)
    rank = np.argsort(np.argsort(-inv[rows, m_best[rows]], axis=-1), axis=-1)
    best_mask[rows] = rank <= m_best[rows][:, None]

    # Slow path: (instance, m) pairs whose mobility binds and whose relaxed time T0(m) beats
    # the best time so far. Two rounds: first each instance's most promising pair (least
    # T0), which usually settles the optimum, then only the pairs that can still beat it.
    slow = m_ok & ~fast & (t0 < best_t[:, None])
    rows = np.flatnonzero(slow.any(axis=1))
    first_m = np.where(slow[rows], t0[rows], np.inf).argmin(axis=1)
    _settle_pairs(phys, inv, t0, avail, rule, rows, first_m, best_t, best_mask)
    slow[rows, first_m] = False
    b_idx, m_pos = np.nonzero(slow & (t0 < best_t[:, None]))
    _settle_pairs(phys, inv, t0, avail, rule, b_idx, m_pos, best_t, best_mask)
    return best_mask


def solve_exact_batch(batch: ScenarioBatch, rule: str = "optimal", mobcheck: bool = False
                      ) -> BatchResult:
    """Solve many instances (same n) in one vectorised call."""
    start = time.perf_counter()
    phys = batch.physics()
    masks = exact_masks(phys, rule, mobcheck)
    alloc = allocate(phys, masks, rule)
    t, success = evaluate_arrays(phys, masks, alloc.allocation_gbit)
    return BatchResult(masks, alloc.allocation_gbit, t, success, rule, mobcheck,
                       time.perf_counter() - start)


def solve_exact(scenario: Scenario, rule: str = "optimal", mobcheck: bool = False) -> Solution:
    """Certified optimum of one scenario under ``rule`` (status INFEASIBLE when even the best
    selection misses the deadline; the returned solution is then the fastest one)."""
    start = time.perf_counter()
    phys = derive(scenario)
    mask = exact_masks(phys.take(None), rule, mobcheck)[0]
    alloc = allocate(phys, mask, rule).allocation_gbit
    return make_solution(scenario, mask, alloc, rule=rule, solver="exact",
                         wall_time_s=time.perf_counter() - start, mobcheck=mobcheck, phys=phys)
