"""Optimal CPU shares for a fixed assignment: water-filling (SPEC-LAENET.md "Exact structure").

For one server with users k (c_k = J_exe_k > 0, mu_k = least share meeting the deadline):

    Phi = min sum_k c_k / y_k   s.t.  sum_k y_k <= 1,  y_k >= mu_k.

It is feasible iff sum mu_k <= 1 (up to CAPACITY_EPS = 1e-12, the project-wide tolerance
for sums of mu, so that the summation order never flips a verdict). KKT: c_k / y_k^2 = nu on
unclamped k, capacity tight. Sort k by sqrt(c_k)/mu_k ascending; clamp k (y_k = mu_k) while
sqrt(c_k)/mu_k < t, t = (sum_unclamped sqrt c_j) / (1 - sum_clamped mu_j) recomputed after
each clamp (t only grows, one pass suffices). Then y_k = sqrt(c_k)/t on the unclamped k and
Phi = t * sum_unclamped sqrt c_j + sum_clamped c_k/mu_k ( = (sum sqrt c)^2 if none clamped).

Infeasible servers (sum mu > 1) give Phi = +inf and NaN shares; nothing raises.
The per-assignment total cost is sum_u (J_loc_u or J_tr_e) + sum_s Phi_s.
"""

from __future__ import annotations

import math

import numpy as np

from offload_gym.laenet.physics import Derived

LOCAL = -1
CAPACITY_EPS = 1e-12  # a server fits its users iff sum mu <= 1 + CAPACITY_EPS


def waterfill_batch(
    c: np.ndarray, mu: np.ndarray, member: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Water-fill N independent servers at once.

    ``c``, ``mu``: [N, K]; ``member`` [N, K] bool marks the users present on each row's
    server (default: all). Returns ``(phi [N], y [N, K])``: y = 0 for non-members; rows with
    sum mu > 1 + CAPACITY_EPS get phi = inf and y = NaN on their members; empty rows give phi = 0.
    """
    c = np.atleast_2d(np.asarray(c, dtype=np.float64))
    mu = np.atleast_2d(np.asarray(mu, dtype=np.float64))
    member = np.ones(c.shape, dtype=bool) if member is None else np.atleast_2d(member)
    n, k = c.shape
    sc = np.where(member, np.sqrt(np.where(member, c, 0.0)), 0.0)
    m = np.where(member, mu, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(member & (m > 0), sc / np.where(m > 0, m, 1.0), np.inf)
        ratio = np.where(member & (m <= 0), np.inf, ratio)
    order = np.argsort(ratio, axis=1, kind="stable")
    r_s = np.take_along_axis(ratio, order, axis=1)
    sc_s = np.take_along_axis(sc, order, axis=1)
    m_s = np.take_along_axis(m, order, axis=1)
    c_s = sc_s**2
    zeros = np.zeros((n, 1))
    pre_sc = np.concatenate([zeros, np.cumsum(sc_s, axis=1)], axis=1)  # [N, K+1]
    pre_mu = np.concatenate([zeros, np.cumsum(m_s, axis=1)], axis=1)
    total_sc = pre_sc[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_all = (total_sc - pre_sc[:, :k]) / (1.0 - pre_mu[:, :k])  # t with k first clamped
        clamp_next = r_s < t_all
    # The clamped set is the longest prefix on which clamp_next holds.
    n_clamp = np.where(clamp_next.all(axis=1), k, np.argmin(clamp_next, axis=1))
    rows = np.arange(n)
    rem_sc = total_sc[:, 0] - pre_sc[rows, n_clamp]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = rem_sc / (1.0 - pre_mu[rows, n_clamp])
        clamped = np.arange(k)[None, :] < n_clamp[:, None]
        clamped_cost = np.where(clamped & (m_s > 0), c_s / np.where(m_s > 0, m_s, 1.0), 0.0)
        phi = np.where(rem_sc > 0, t * rem_sc, 0.0) + clamped_cost.sum(axis=1)
        y_s = np.where(clamped, m_s, np.where(t[:, None] > 0, sc_s / t[:, None], m_s))
    y = np.empty_like(y_s)
    np.put_along_axis(y, order, y_s, axis=1)
    y = np.where(member, y, 0.0)
    infeasible = m.sum(axis=1) > 1.0 + CAPACITY_EPS
    phi = np.where(infeasible, np.inf, phi)
    y = np.where(infeasible[:, None] & member, np.nan, y)
    return phi, y


def _div(a: float, b: float) -> float:
    """a / b with numpy's float semantics (+-inf or NaN instead of ZeroDivisionError)."""
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _pairwise_sum(a: list[float]) -> float:
    """``np.sum`` of a 1-D float64 array, bit for bit (numpy's pairwise summation: a plain
    loop below 8 entries, 8 interleaved accumulators up to 128, halving above)."""
    n = len(a)
    if n < 8:
        res = 0.0
        for x in a:
            res += x
        return res
    if n <= 128:
        r = a[:8]
        i = 8
        stop = n - n % 8
        while i < stop:
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for x in a[i:]:
            res += x
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_sum(a[:n2]) + _pairwise_sum(a[n2:])


def waterfill_small(c: list[float], mu: list[float]) -> tuple[float, list[float]]:
    """Water-fill ONE server in plain Python floats, for the few users of an env step.

    The same arithmetic, in the same order, as :func:`waterfill_batch` on one row with
    every user a member (numpy's stable sort, sequential cumulative sums, pairwise sums), so
    the results are bit-identical (tests check it on random cases); about 10x faster than
    the batch function for fewer than ~20 users. ``c``, ``mu``: finite, >= 0, equal
    lengths (unchecked). Returns ``(phi, y)``: ``(inf, [nan] * K)`` when sum mu > 1 +
    CAPACITY_EPS, ``(0.0, [])`` for no user."""
    k = len(c)
    if k == 0:
        return 0.0, []
    inf = math.inf
    sc = [math.sqrt(x) for x in c]
    ratio = [s / m if m > 0.0 else inf for s, m in zip(sc, mu, strict=True)]
    order = sorted(range(k), key=ratio.__getitem__)  # stable, like argsort(kind="stable")
    pre_sc = [0.0] * (k + 1)
    pre_mu = [0.0] * (k + 1)
    acc_sc = acc_mu = 0.0
    for j, i in enumerate(order):
        acc_sc += sc[i]
        acc_mu += mu[i]
        pre_sc[j + 1] = acc_sc
        pre_mu[j + 1] = acc_mu
    total = acc_sc
    n_clamp = k
    for j in range(k):  # the clamped set: longest prefix with ratio < t
        if not ratio[order[j]] < _div(total - pre_sc[j], 1.0 - pre_mu[j]):
            n_clamp = j
            break
    rem = total - pre_sc[n_clamp]
    t = _div(rem, 1.0 - pre_mu[n_clamp])
    clamped_cost = [0.0] * k
    y = [0.0] * k
    for j, i in enumerate(order):
        m = mu[i]
        if j < n_clamp:
            if m > 0.0:
                clamped_cost[j] = (sc[i] * sc[i]) / m
            y[i] = m
        else:
            y[i] = sc[i] / t if t > 0.0 else m
    phi = (t * rem if rem > 0.0 else 0.0) + _pairwise_sum(clamped_cost)
    if _pairwise_sum(list(mu)) > 1.0 + CAPACITY_EPS:
        return inf, [math.nan] * k
    return phi, y


def waterfill(c: np.ndarray, mu: np.ndarray) -> tuple[float, np.ndarray]:
    """Optimal shares on ONE server: ``(phi, y)``. If sum mu > 1 (+ CAPACITY_EPS) the server
    is infeasible: phi = inf and y is all NaN (no exception). An empty server: (0.0, [])."""
    c = np.asarray(c, dtype=np.float64).ravel()
    mu = np.asarray(mu, dtype=np.float64).ravel()
    if c.shape != mu.shape:
        raise ValueError(f"c and mu differ in length: {c.size} vs {mu.size}")
    if c.size == 0:
        return 0.0, np.zeros(0)
    if np.any(c < 0) or np.any(mu < 0) or not (np.all(np.isfinite(c))
                                               and np.all(np.isfinite(mu))):
        raise ValueError("waterfill needs finite c >= 0 and mu >= 0")
    phi, y = waterfill_batch(c[None, :], mu[None, :])
    return float(phi[0]), y[0]


def assignment_costs(derived: Derived, choices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total cost of N full assignments at once, with optimal (water-filling) shares.

    ``choices`` [N, U] ints: a server index or -1 (LOCAL). Returns ``(cost [N], share [N, U])``
    where share is NaN for local users. A row is infeasible (cost inf, all shares NaN) if a
    user is LOCAL with lambda = 0, picks a server that is not one of its feasible edges
    (including out-of-range indices), or a server's sum of mu exceeds 1.
    """
    d = derived
    choices = np.atleast_2d(np.asarray(choices))
    if choices.shape[1] != d.n_users:
        raise ValueError(f"expected {d.n_users} choices per row, got {choices.shape[1]}")
    choices = choices.astype(np.int64)
    n = choices.shape[0]
    local = choices == LOCAL
    in_range = (choices >= 0) & (choices < d.n_servers)
    users = np.arange(d.n_users)[None, :]
    e = np.where(in_range, d.edge_id[users, np.where(in_range, choices, 0)], -1)
    e_safe = np.maximum(e, 0)
    offload_ok = (e >= 0) & (d.feasible[e_safe] if d.n_edges else False)
    ok_row = np.all((local & d.lam[None, :]) | offload_ok, axis=1)
    if d.n_edges:
        fixed = np.where(local, d.j_loc[None, :], d.j_tr[e_safe]).sum(axis=1)
    else:
        fixed = np.where(local, d.j_loc[None, :], 0.0).sum(axis=1)
    cost = fixed.astype(np.float64)
    share = np.full((n, d.n_users), np.nan)
    for s in range(d.n_servers):
        cols = np.flatnonzero(d.edge_id[:, s] >= 0)
        if cols.size == 0:
            continue
        member = (choices[:, cols] == s) & offload_ok[:, cols]
        if not member.any():
            continue
        es = d.edge_id[cols, s]
        c = np.broadcast_to(d.j_exe[es], member.shape)
        mu = np.broadcast_to(d.mu[es], member.shape)
        phi, y = waterfill_batch(c, mu, member)
        cost += phi
        sub = share[:, cols]
        sub[member] = y[member]
        share[:, cols] = sub
    cost = np.where(ok_row, cost, np.inf)
    share[~np.isfinite(cost)] = np.nan
    return cost, share


def assignment_cost(derived: Derived, choice: np.ndarray) -> tuple[float, np.ndarray]:
    """Total cost of one assignment (``choice[u]`` = server or -1) and the optimal shares
    per user (NaN when local). Infeasible assignments give (inf, all-NaN); see
    :func:`assignment_costs`."""
    cost, share = assignment_costs(derived, np.asarray(choice)[None, :])
    return float(cost[0]), share[0]
