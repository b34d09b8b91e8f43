"""Batched generation for the env pools (offload_gym.laenet.pool): physics bit-identical to
``compute_derived``, feasible instances, determinism, and the generator's distribution."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest
from scipy.stats import ks_2samp

import offload_gym  # noqa: F401
from offload_gym.core.errors import ScenarioError
from offload_gym.laenet.feasibility import pack_forced_users, users_without_options
from offload_gym.laenet.generator import generate, generate_batch
from offload_gym.laenet.physics import Derived, cached_derived, compute_derived
from offload_gym.laenet.pool import generate_pool, truncated_normal_array
from offload_gym.laenet.scenario import Scenario


def _same_bits(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "f":
            return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
        return bool(np.array_equal(a, b))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_bits(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("scale", ["gs2_gu4_au2", "gs3_gu6_au4", "gs9_gu20_au13"])
def test_pool_physics_is_compute_derived_bit_for_bit(scale: str) -> None:
    scenarios = generate_pool(scale, 40, seed=1)
    assert len(scenarios) == 40
    for sc in scenarios:
        got = cached_derived(sc)  # filled by the pool, not recomputed
        assert isinstance(got, Derived)
        want = compute_derived(sc)
        for f in dataclasses.fields(Derived):
            assert _same_bits(getattr(got, f.name), getattr(want, f.name)), f.name
            value = getattr(got, f.name)
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, f.name


def test_pool_instances_are_feasible_valid_and_immutable() -> None:
    scenarios, stats = generate_pool("gs6_gu14_au10", 60, seed=2, return_stats=True)
    assert stats.n_generated == 60
    for sc in scenarios:
        d = sc.derived
        assert users_without_options(d).size == 0
        assert pack_forced_users(d) is not None
        assert not sc.user_data_bits.flags.writeable
        assert Scenario.from_dict(sc.to_dict()) == sc  # passes the full validation


def test_pool_is_deterministic_per_seed() -> None:
    a = generate_pool("gs3_gu6_au4", 30, seed=7)
    b = generate_pool("gs3_gu6_au4", 30, seed=np.random.default_rng(7))
    c = generate_pool("gs3_gu6_au4", 30, seed=8)
    assert a == b
    assert a != c


def test_pool_has_the_generators_distribution() -> None:
    pool, pool_stats = generate_pool("gs9_gu20_au13", 1500, seed=11, return_stats=True)
    ref, ref_stats = generate_batch(1500, "gs9_gu20_au13", seed=12, return_stats=True)
    for field in ("user_data_bits", "user_cpu_hz", "user_delay_weight", "user_x_m",
                  "server_y_m"):
        x = np.concatenate([getattr(s, field) for s in pool])
        y = np.concatenate([getattr(s, field) for s in ref])
        assert ks_2samp(x, y).pvalue > 1e-3, field
    lam_pool = np.mean([s.derived.lam.mean() for s in pool])
    lam_ref = np.mean([s.derived.lam.mean() for s in ref])
    assert abs(lam_pool - lam_ref) < 0.01
    assert abs(pool_stats.rejection_rate - ref_stats.rejection_rate) < 0.03


def test_truncated_normal_array_stays_in_range() -> None:
    x = truncated_normal_array(np.random.default_rng(0), 3e6, 1.1e7, 2e6, 6.5e6, (50, 40))
    assert x.shape == (50, 40) and x.min() >= 2e6 and x.max() <= 6.5e6


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"scale": "gs3_gu6_au4", "n": -1}, "n"),
    ({"scale": "gs3_gu6_au4", "n": True}, "n"),
    ({"scale": "nope", "n": 2}, "scale"),
    ({"scale": "gs3_gu6_au4", "n": 2, "preset": "kato2025"}, "preset"),
    ({"scale": "gs3_gu6_au4", "n": 2, "seed": 1.5}, "seed"),
])
def test_pool_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as err:
        generate_pool(**kwargs)
    assert err.value.field == field


def test_env_plays_the_pool_and_pool_size_one_the_generator() -> None:
    env = gym.make("offload_gym/LAENet-v0", scale="gs2_gu4_au2", compute_optimum=False)
    env.reset(seed=3)
    first = env.unwrapped._ep.scenario
    assert first == generate_pool("gs2_gu4_au2", 256, seed=3)[0]
    env.reset()
    assert env.unwrapped._ep.scenario == generate_pool("gs2_gu4_au2", 256, seed=3)[1]
    env.reset(seed=3)  # a new seed drops the pool
    assert env.unwrapped._ep.scenario == first

    old = gym.make("offload_gym/LAENet-v0", scale="gs2_gu4_au2", compute_optimum=False,
                   pool_size=1)
    old.reset(seed=3)
    assert old.unwrapped._ep.scenario == generate("gs2_gu4_au2", 3)
    with pytest.raises(ValueError, match="pool_size"):
        gym.make("offload_gym/LAENet-v0", pool_size=0)


def test_stuck_users_are_redrawn_and_their_grids_recomputed() -> None:
    from offload_gym.laenet.generator import GeneratorStats
    from offload_gym.laenet.pool import _Candidates

    rng = np.random.default_rng(4)
    cand = _Candidates((3, 6, 4), rng, 12)
    # make users 0 and 5 of instances 2 and 7 hopeless: 1e9 bits cannot meet the deadline
    # locally nor be uploaded in time
    for b, u in ((2, 0), (7, 5)):
        cand.d_bits[b, u], cand.cpu_hz[b, u] = 1e9, 1.2e9
    cand.grid = cand._grid(slice(None))
    assert not cand.grid.lam[2, 0] and not cand.grid.lam[7, 5]
    stats = GeneratorStats()
    cand.redraw_stuck_users(rng, stats)
    assert stats.n_user_redraws >= 2
    assert cand.d_bits[2, 0] <= 6.5e6 and cand.d_bits[7, 5] <= 6.5e6
    fresh = cand._grid(slice(None))  # the patched grid equals a full recomputation
    assert cand.grid.buf.tobytes() == fresh.buf.tobytes()
    assert np.array_equal(cand.grid.lam, fresh.lam)
    has_edge = (cand.covered & cand.grid.feasible()).any(axis=-2)
    assert (cand.grid.lam | has_edge).all()
