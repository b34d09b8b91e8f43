"""Water-filling == scipy on random single-server problems, and assignment costs
(SPEC-LAENET.md "Exact structure")."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from offload_gym.laenet import assignment_cost, assignment_costs, derive, generate, waterfill
from offload_gym.laenet.waterfill import waterfill_batch


def _scipy_shares(c: np.ndarray, mu: np.ndarray) -> np.ndarray:
    k = c.size
    x0 = mu + (1.0 - mu.sum()) / k
    scale = c.sum()
    res = minimize(
        lambda y: float(np.sum(c / y)) / scale, x0,
        jac=lambda y: -c / y**2 / scale,
        bounds=[(m, 1.0) for m in mu],
        constraints=[{"type": "ineq", "fun": lambda y: 1.0 - y.sum(),
                      "jac": lambda y: -np.ones_like(y)}],
        method="SLSQP", options={"ftol": 1e-16, "maxiter": 2000},
    )
    y = np.clip(res.x, mu, 1.0)
    excess = y.sum() - 1.0
    if excess > 0:  # project back onto sum y <= 1 (SLSQP overshoots by ~1e-9)
        free = y - mu
        y = mu + free * (1.0 - excess / free.sum())
    return y


def test_waterfill_matches_scipy_on_200_cases() -> None:
    rng = np.random.default_rng(12345)
    n_clamped = 0
    for _ in range(200):
        k = int(rng.integers(1, 7))
        c = np.exp(rng.normal(0.0, 1.5, k))
        mu = rng.uniform(0.01, 1.0, k)
        mu *= rng.uniform(0.2, 0.999) / mu.sum()
        phi, y = waterfill(c, mu)
        # Own consistency: shares feasible, cost = sum c / y, KKT.
        assert y.sum() <= 1.0 + 1e-12 and (y >= mu).all()
        assert phi == pytest.approx(float(np.sum(c / y)), rel=1e-12)
        free = y > mu * (1 + 1e-12)
        clamped = ~free
        n_clamped += int(clamped.sum())
        nu = c[free] / y[free] ** 2
        assert np.allclose(nu, nu[0], rtol=1e-9)
        assert (c[clamped] / mu[clamped] ** 2 <= nu[0] * (1 + 1e-9)).all()
        # Against scipy: the same optimum to 1e-9 relative.
        y_sp = _scipy_shares(c, mu)
        phi_sp = float(np.sum(c / y_sp))
        assert phi <= phi_sp * (1 + 1e-12)
        assert abs(phi - phi_sp) <= 1e-9 * phi, (phi, phi_sp)
    assert n_clamped > 20  # the clamp branch was exercised


def test_waterfill_closed_forms_and_edge_cases() -> None:
    phi, y = waterfill([1.0, 4.0], [0.1, 0.1])
    assert phi == pytest.approx(9.0) and y.tolist() == pytest.approx([1 / 3, 2 / 3])
    phi, y = waterfill([1.0, 1.0], [0.7, 0.2])  # clamp user 0 at 0.7
    assert y.tolist() == pytest.approx([0.7, 0.3]) and phi == pytest.approx(1 / 0.7 + 1 / 0.3)
    phi, y = waterfill([1.0, 1.0], [0.6, 0.5])  # infeasible: no exception
    assert math.isinf(phi) and np.isnan(y).all()
    assert waterfill([], []) == (0.0, pytest.approx(np.zeros(0)))
    phi, y = waterfill([2.0, 3.0], [0.4, 0.6])  # sum mu == 1 exactly: y = mu
    assert y.tolist() == pytest.approx([0.4, 0.6]) and math.isfinite(phi)
    with pytest.raises(ValueError):
        waterfill([1.0], [0.1, 0.2])
    with pytest.raises(ValueError):
        waterfill([-1.0], [0.1])


def test_batch_equals_single() -> None:
    rng = np.random.default_rng(7)
    c = np.exp(rng.normal(size=(50, 5)))
    mu = rng.uniform(0.0, 0.4, (50, 5))
    member = rng.random((50, 5)) < 0.7
    phi, y = waterfill_batch(c, mu, member)
    for i in range(50):
        p1, y1 = waterfill(c[i, member[i]], mu[i, member[i]])
        if math.isinf(p1):
            assert math.isinf(phi[i])
            continue
        assert phi[i] == pytest.approx(p1, rel=1e-13)
        assert np.allclose(y[i, member[i]], y1, rtol=1e-13)
        assert (y[i, ~member[i]] == 0).all()


def test_assignment_cost_matches_per_server_waterfill() -> None:
    sc = generate("gs2_gu4_au2", seed=11)
    d = derive(sc)
    opts = [d.options(u) for u in range(d.n_users)]
    combos = np.array(list(itertools.product(*opts)))
    costs, shares = assignment_costs(d, combos)
    for row in range(0, len(combos), max(1, len(combos) // 40)):
        ch = combos[row]
        total = 0.0
        for u, s in enumerate(ch):
            total += d.j_loc[u] if s == -1 else d.j_tr[d.edge_id[u, s]]
        for s in range(d.n_servers):
            users = [u for u in range(d.n_users) if ch[u] == s]
            e = d.edge_id[users, s]
            total += waterfill(d.j_exe[e], d.mu[e])[0]
        one, y = assignment_cost(d, ch)
        assert costs[row] == pytest.approx(total, rel=1e-12) and one == costs[row]
        assert np.array_equal(np.isnan(y), ch == -1) or math.isinf(one)
        assert np.array_equal(y, shares[row], equal_nan=True)
    # Infeasible choices give inf.
    bad = np.full(d.n_users, -1)
    if not d.lam.all():
        assert math.isinf(assignment_cost(d, bad)[0])
    bad = np.array(combos[0])
    bad[0] = 99
    assert math.isinf(assignment_cost(d, bad)[0])
    with pytest.raises(ValueError):
        assignment_cost(d, np.zeros(d.n_users + 1, dtype=int))
