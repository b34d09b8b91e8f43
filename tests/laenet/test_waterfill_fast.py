"""The scalar fast path ``waterfill_small`` is bit-identical to ``waterfill_batch`` (one
server, every user a member), and ``truncated_normal`` to its round-by-round reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym.laenet.generator import (
    DATA_BITS,
    USER_CPU_HZ,
    truncated_normal,
    truncated_normal_reference,
)
from offload_gym.laenet.waterfill import _pairwise_sum, waterfill_batch, waterfill_small


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _case(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    kind = rng.integers(5)
    c = rng.uniform(0.01, 20.0, k) * 10.0 ** rng.integers(-3, 3, k)
    if kind == 0:  # typical env loads
        mu = rng.uniform(0.01, 0.5, k)
    elif kind == 1:  # near or over capacity
        mu = rng.dirichlet(np.ones(k)) * rng.uniform(0.9, 1.1)
    elif kind == 2:  # ties in sqrt(c)/mu, zeros
        mu = np.full(k, 1.0 / (k + 1))
        c = np.full(k, c[0])
        if k > 1:
            mu[0] = 0.0
            c[-1] = 0.0
    elif kind == 3:  # heavy clamping: tiny c
        mu = rng.uniform(0.5, 0.9, k) / k
        c[: k // 2] *= 1e-6
    else:
        mu = rng.uniform(0.0, 2.0 / k, k)
    return c, mu


@pytest.mark.parametrize("k_max", [3, 8, 40])
def test_waterfill_small_is_bit_identical(k_max: int) -> None:
    rng = np.random.default_rng(k_max)
    for _ in range(3000):
        k = int(rng.integers(1, k_max + 1))
        c, mu = _case(rng, k)
        phi_ref, y_ref = waterfill_batch(c[None], mu[None])
        phi, y = waterfill_small(c.tolist(), mu.tolist())
        assert _same(phi, float(phi_ref[0])), (c, mu, phi, phi_ref)
        assert len(y) == k
        assert all(_same(a, float(b)) for a, b in zip(y, y_ref[0], strict=True)), (c, mu)


def test_waterfill_small_edge_cases() -> None:
    assert waterfill_small([], []) == (0.0, [])
    phi, y = waterfill_small([4.0, 9.0], [0.7, 0.6])
    assert phi == math.inf and all(math.isnan(v) for v in y)
    phi, y = waterfill_small([4.0], [0.2])
    assert phi == 4.0 and y == [1.0]


def test_pairwise_sum_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    for n in [*range(1, 40), 127, 128, 129, 300, 1000]:
        a = rng.uniform(0, 1, n) * 10.0 ** rng.integers(-8, 8, n)
        assert _pairwise_sum(a.tolist()) == float(np.sum(a[None], axis=1)[0])


@pytest.mark.parametrize("params", [DATA_BITS, USER_CPU_HZ, (0.0, 1.0, 2.5, 3.0)])
def test_truncated_normal_matches_reference_and_rng_state(params) -> None:
    for seed in range(300):
        n = seed % 23
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        x = truncated_normal(a, *params, n)
        y = truncated_normal_reference(b, *params, n)
        assert np.array_equal(x, y) and x.dtype == y.dtype
        assert a.bit_generator.state == b.bit_generator.state
