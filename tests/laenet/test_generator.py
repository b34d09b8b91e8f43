"""Generator: seeding, scales, and the spec's measured regime (SPEC-LAENET.md "Parameters",
"Measured with that probe")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_gym.core.errors import ScenarioError
from offload_gym.laenet import SCALES, derive, generate, generate_batch
from offload_gym.laenet.feasibility import pack_forced_users, users_without_options
from offload_gym.laenet.generator import resolve_scale


def test_same_seed_same_scenario() -> None:
    a = generate("gs3_gu6_au4", seed=42)
    b = generate("gs3_gu6_au4", seed=42)
    c = generate("gs3_gu6_au4", seed=43)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()
    assert generate_batch(1, "gs3_gu6_au4", seed=42)[0] == a
    batch1 = generate_batch(5, "gs2_gu4_au2", seed=7)
    batch2 = generate_batch(5, "gs2_gu4_au2", seed=np.random.default_rng(7))
    assert [s.to_dict() for s in batch1] == [s.to_dict() for s in batch2]
    assert len({s.to_json() for s in batch1}) == 5


@pytest.mark.parametrize("name", list(SCALES))
def test_scales_shape_and_geometry(name: str) -> None:
    n_gs, n_gu, n_au = SCALES[name]
    sc = generate(name, seed=0)
    side = 1000.0 * math.sqrt(n_gs)
    assert sc.n_servers == n_gs + 1 and sc.n_users == n_gu + n_au
    assert sc.server_type == ("hap",) + ("gs",) * n_gs
    assert sc.user_type == ("gu",) * n_gu + ("au",) * n_au
    assert (sc.server_x_m[0], sc.server_y_m[0], sc.server_z_m[0]) == (side / 2, side / 2, 2e4)
    assert ((0 <= sc.user_x_m) & (sc.user_x_m <= side)).all()
    assert sc.user_z_m.tolist() == [0.0] * n_gu + [200.0] * n_au
    assert ((2e6 <= sc.user_data_bits) & (sc.user_data_bits <= 6.5e6)).all()
    assert ((1.2e9 <= sc.user_cpu_hz) & (sc.user_cpu_hz <= 7e9)).all()
    assert ((0.3 <= sc.user_delay_weight) & (sc.user_delay_weight <= 0.7)).all()
    assert sc.preset == "gadsg2025" and sc.edges is None


def test_explicit_counts_and_bad_scale() -> None:
    sc = generate((1, 2, 1), seed=0)
    assert sc.n_servers == 2 and sc.n_users == 3
    assert resolve_scale("gs9_gu20_au13") == (9, 20, 13)
    for bad in ["gs3_gu3_au4", "big", (0, 2, 2), (2, 0, 0), (2, 2), (2.0, 2, 2), (True, 2, 2)]:
        with pytest.raises(ScenarioError) as info:
            generate(bad, seed=0)  # type: ignore[arg-type]
        assert info.value.field == "scale"
    with pytest.raises(ScenarioError) as info:
        generate("gs2_gu4_au2", seed=0, preset="kato2025")
    assert info.value.field == "preset"


def test_measured_regime_on_a_seeded_sample() -> None:
    """Spec: 9.6-15.2 % of users locally infeasible, 2.4-3.3 edges per user, no user without
    options, no covered-but-infeasible edge, every instance packable; rejections are rare."""
    for name, n, edges_lo, edges_hi in [("gs2_gu5_au3", 80, 2.2, 2.6),
                                        ("gs3_gu6_au4", 80, 2.55, 3.0),
                                        ("gs6_gu14_au10", 30, 2.85, 3.4)]:
        scs, stats = generate_batch(n, name, seed=2024, return_stats=True)
        ds = [derive(s) for s in scs]
        loc_infeasible = np.mean(np.concatenate([~d.lam for d in ds]))
        edges_per_user = np.mean([d.n_edges / d.n_users for d in ds])
        assert 0.07 <= loc_infeasible <= 0.18, (name, loc_infeasible)
        assert edges_lo <= edges_per_user <= edges_hi, (name, edges_per_user)
        assert all(users_without_options(d).size == 0 for d in ds)
        assert all(d.feasible.all() for d in ds)
        assert all(pack_forced_users(d) is not None for d in ds)
        assert stats.n_generated == n and stats.rejection_rate < 0.2
        t_loc = np.median(np.concatenate([d.t_loc for d in ds]))
        mu_gs = np.median(np.concatenate([d.mu[d.edge_server > 0] for d in ds]))
        mu_hap = np.median(np.concatenate([d.mu[d.edge_server == 0] for d in ds]))
        assert 0.85 <= t_loc <= 1.15 and 0.16 <= mu_gs <= 0.22 and 0.40 <= mu_hap <= 0.50


def test_rejection_is_counted() -> None:
    _, stats = generate_batch(12, "gs9_gu20_au13", seed=1, return_stats=True)
    assert stats.n_generated == 12 and stats.n_rejected >= 0
    assert stats.rejection_rate == stats.n_rejected / (12 + stats.n_rejected)


@pytest.mark.parametrize("old_call", [
    lambda: generate_batch("gs2_gu4_au2", 4, 7),
    lambda: generate_batch("gs2_gu4_au2", 4, seed=7),
    lambda: generate_batch("gs2_gu4_au2", 4, 7, "gadsg2025"),
    lambda: generate_batch("gs2_gu4_au2", 4, seed=7, preset="gadsg2025"),
    lambda: generate_batch((2, 4, 2), 4, np.random.default_rng(7)),
], ids=["positional-seed", "seed-kw", "positional-seed-preset", "keywords", "tuple-rng"])
def test_generate_batch_old_argument_order_warns_and_gives_the_same_instances(old_call) -> None:
    """The order is (count, scale, preset, seed) as VEC's generate_batch; the old order
    (scale first) works one release with a DeprecationWarning and the same instances."""
    new = generate_batch(4, "gs2_gu4_au2", "gadsg2025", 7)
    assert generate_batch(4, "gs2_gu4_au2", seed=7) == new
    with pytest.warns(DeprecationWarning, match=r"generate_batch\(n_instances, scale"):
        old = old_call()
    assert [s.to_dict() for s in old] == [s.to_dict() for s in new]


def test_generate_batch_old_order_with_stats() -> None:
    new, new_stats = generate_batch(3, "gs2_gu4_au2", seed=5, return_stats=True)
    with pytest.warns(DeprecationWarning):
        old, old_stats = generate_batch("gs2_gu4_au2", 3, 5, return_stats=True)
    assert old == new and old_stats == new_stats
