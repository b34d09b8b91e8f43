"""``physics.compute_derived`` (dense-grid, few numpy calls) against a frozen copy of the
former per-link-kind implementation: every field of ``Derived`` bit for bit (same bytes,
dtype and shape), every array read-only; on generated instances of every Table II scale and
on hand-made scenarios (given ``edges``, users without edges, clamped distances, infeasible
edges, zero rates, NaN channel gains)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from offload_gym.laenet import SCALES, Scenario, generate_batch
from offload_gym.laenet import physics as ph

from .laenet_helpers import hand_dict

# ---------------------------------------------------------------- frozen reference (old)
_C = 299_792_458.0
_THETA = {"hap": 0, "gs": 1, "au": 2, "gu": 3}


def _ref_distance_3d_m(dx_m, dy_m, dz_m):
    return np.maximum(np.sqrt(dx_m**2 + dy_m**2 + dz_m**2), 1.0)


def _ref_elevation_deg(horizontal_m, dz_m):
    return np.degrees(np.arctan2(np.abs(dz_m), horizontal_m))


def _ref_los_probability(elev_deg, k1, k2):
    return 1.0 / (1.0 + k1 * np.exp(-k2 * (elev_deg - k1)))


def _ref_path_gain_g2g(distance_m, g0):
    return g0 / distance_m**2


def _ref_path_gain_air(distance_m, elev_deg, carrier_hz, eta_los_db, eta_nlos_db, k1, k2):
    rho = _ref_los_probability(elev_deg, k1, k2)
    fspl = 20.0 * np.log10(4.0 * math.pi * carrier_hz * distance_m / _C)
    loss = fspl + rho * eta_los_db + (1.0 - rho) * eta_nlos_db
    return 10.0 ** (-loss / 10.0)


def _ref_path_gain_a2h(distance_m, carrier_hz):
    loss = 32.45 + 20.0 * np.log10(carrier_hz / 1e6) + 20.0 * np.log10(distance_m / 1e3)
    return 10.0 ** (-loss / 10.0)


def _ref_rate_bps(bandwidth_hz, tx_power_w, gain, noise_w):
    return bandwidth_hz * np.log1p(tx_power_w * gain / noise_w) / math.log(2.0)


def _ref_coverage_edges(scenario):
    if scenario.edges is not None:
        pairs = np.array(sorted(scenario.edges), dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0].copy(), pairs[:, 1].copy()
    dx = scenario.user_x_m[:, None] - scenario.server_x_m[None, :]
    dy = scenario.user_y_m[:, None] - scenario.server_y_m[None, :]
    dz = scenario.user_z_m[:, None] - scenario.server_z_m[None, :]
    covered = np.sqrt(dx**2 + dy**2 + dz**2) <= scenario.coverage_m
    covered[:, 0] = True
    users, servers = np.nonzero(covered)
    return users.astype(np.int64), servers.astype(np.int64)


def _ro(array):
    out = np.array(array, copy=True)
    out.setflags(write=False)
    return out


def reference_compute_derived(sc: Scenario) -> dict[str, Any]:
    """The former ``physics.compute_derived`` (commit 479d71c), returning its fields."""
    a, tau = sc.cycles_per_bit, sc.deadline_s
    n_servers, n_users = sc.n_servers, sc.n_users
    d_bits, f_u, w = sc.user_data_bits, sc.user_cpu_hz, sc.user_delay_weight

    t_loc = a * d_bits / f_u
    e_loc = sc.kappa * f_u**2 * a * d_bits
    j_loc = w * t_loc + (1.0 - w) * e_loc
    lam = t_loc <= tau

    eu, es = _ref_coverage_edges(sc)
    user_is_au = np.array([t == "au" for t in sc.user_type], dtype=bool)
    server_is_hap = np.arange(n_servers) == 0
    au, hap = user_is_au[eu], server_is_hap[es]
    link = np.where(au, np.where(hap, 3, 2), np.where(hap, 1, 0))
    dx = sc.user_x_m[eu] - sc.server_x_m[es]
    dy = sc.user_y_m[eu] - sc.server_y_m[es]
    dz = sc.user_z_m[eu] - sc.server_z_m[es]
    dist = _ref_distance_3d_m(dx, dy, dz)
    elev = _ref_elevation_deg(np.hypot(dx, dy), dz)
    gain = np.empty_like(dist)
    m = link == 0
    gain[m] = _ref_path_gain_g2g(dist[m], sc.g0)
    m = (link == 1) | (link == 2)
    gain[m] = _ref_path_gain_air(dist[m], elev[m], sc.carrier_hz, sc.eta_los_db,
                                 sc.eta_nlos_db, sc.los_k1, sc.los_k2)
    m = link == 3
    gain[m] = _ref_path_gain_a2h(dist[m], sc.carrier_hz)
    rate = _ref_rate_bps(sc.bandwidth_hz, sc.user_tx_power_w[eu], gain, sc.noise_w)

    d_e, w_e = d_bits[eu], w[eu]
    f_s = sc.server_cpu_hz[es]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_tr = np.where(rate > 0, d_e / rate, np.inf)
        e_tr = sc.user_tx_power_w[eu] * t_tr
        j_tr = w_e * t_tr + (1.0 - w_e) * e_tr
        t_exe = a * d_e / f_s
        e_exe = sc.server_active_power_w[es] * t_exe
        j_exe = w_e * t_exe + (1.0 - w_e) * e_exe
        slack_s = tau - t_tr
        mu_raw = np.where(slack_s > 0, a * d_e / (slack_s * f_s), np.inf)
    feasible = (t_tr < tau) & (mu_raw <= 1.0)
    mu = np.where(feasible, mu_raw, 0.0)

    n_edges = eu.size
    edge_id = np.full((n_users, n_servers), -1, dtype=np.int64)
    edge_id[eu, es] = np.arange(n_edges)
    starts = np.searchsorted(eu, np.arange(n_users + 1))
    user_edges = tuple(_ro(np.arange(starts[u], starts[u + 1])) for u in range(n_users))

    theta = np.array([_THETA[t] for t in (*sc.server_type, *sc.user_type)], dtype=np.float64)
    node_features = np.column_stack([
        theta,
        np.concatenate([np.zeros(n_servers), d_bits]),
        np.concatenate([sc.server_cpu_hz, f_u]),
        np.concatenate([np.zeros(n_servers), w]),
    ])
    edge_features = np.column_stack([
        np.ones(n_edges), j_loc[eu], j_tr, j_exe, lam[eu].astype(np.float64), mu,
    ]).reshape(n_edges, 6)

    return dict(
        n_servers=n_servers, n_users=n_users, n_edges=n_edges, deadline_s=tau,
        t_loc=_ro(t_loc), e_loc=_ro(e_loc), j_loc=_ro(j_loc), lam=_ro(lam),
        edge_user=_ro(eu), edge_server=_ro(es), link=_ro(link.astype(np.int64)),
        distance_m=_ro(dist), elevation_deg=_ro(elev), gain=_ro(gain), rate_bps=_ro(rate),
        t_tr=_ro(t_tr), e_tr=_ro(e_tr), j_tr=_ro(j_tr),
        t_exe=_ro(t_exe), e_exe=_ro(e_exe), j_exe=_ro(j_exe),
        mu=_ro(mu), feasible=_ro(feasible), user_edges=user_edges, edge_id=_ro(edge_id),
        node_features=_ro(node_features), edge_features=_ro(edge_features),
    )


# --------------------------------------------------------------------------- checks
def _same_array(got: np.ndarray, want: np.ndarray, name: str) -> None:
    assert isinstance(got, np.ndarray), name
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert not got.flags.writeable, f"{name} is writeable"
    assert np.array_equal(got, want, equal_nan=got.dtype.kind == "f"), name
    # bit for bit (signed zeros, NaN payloads), in logical (C) order
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), name


def assert_same_derived(sc: Scenario) -> None:
    got = ph.compute_derived(sc)
    assert type(got) is ph.Derived
    want = reference_compute_derived(sc)
    fields = [f.name for f in dataclasses.fields(ph.Derived)]
    assert list(want) == fields
    for name in fields:
        g, w = getattr(got, name), want[name]
        if isinstance(w, np.ndarray):
            _same_array(g, w, name)
        elif isinstance(w, tuple):
            assert isinstance(g, tuple) and len(g) == len(w), name
            for u, (gu, wu) in enumerate(zip(g, w, strict=True)):
                _same_array(gu, wu, f"{name}[{u}]")
        else:
            assert type(g) is type(w) and g == w, (name, g, w)
    for arr in (got.t_loc, got.gain, got.user_edges[0] if got.n_users else got.lam):
        with pytest.raises(ValueError):
            arr[...] = 0


# 296 generated instances: 37 per Table II scale.
@pytest.mark.parametrize("scale", list(SCALES))
def test_generated_instances_bit_identical(scale: str) -> None:
    for sc in generate_batch(37, scale, seed=sum(map(ord, scale))):
        assert_same_derived(sc)


def _users() -> list[dict[str, Any]]:
    return [
        {"x": 100.0, "y": 0.0, "cpu_hz": 4e9},            # on top of GS 0: distance clamped
        {"x": 300.0, "y": 50.0, "cpu_hz": 1e9},           # forced (T_loc > tau)
        {"x": 5000.0, "y": 0.0, "cpu_hz": 5e9, "w": 0.0},  # out of range of the GSs
        {"type": "au", "x": 0.0, "y": 0.0, "data_bits": 6e6, "w": 1.0},  # below the HAP
        {"type": "au", "x": 250.0, "y": -80.0, "data_bits": 2e6, "cpu_hz": 1.5e9},
    ]


HAND: dict[str, dict[str, Any]] = {
    "coverage": hand_dict(_users(), n_gs=3),
    "edges": hand_dict(_users(), n_gs=3, edges=[[4, 3], [0, 0], [0, 2], [3, 1], [3, 0],
                                                [1, 1], [2, 0], [4, 0]]),
    "edges_user_without_edges": hand_dict(_users(), n_gs=2,
                                          edges=[[0, 1], [2, 0], [4, 2], [4, 0]]),
    "no_edges": hand_dict(_users(), n_gs=1, edges=[]),
    "gu_only": hand_dict(_users()[:3], n_gs=2),
    "au_only": hand_dict(_users()[3:], n_gs=2),
    "one_user": hand_dict(_users()[1:2], n_gs=1),
    "tight_deadline": hand_dict(_users(), n_gs=3, deadline_s=0.05),  # infeasible edges
    "huge_data": hand_dict([{**u, "data_bits": 1e12} for u in _users()], n_gs=2),
    # the farthest users from_dict accepts (|coordinates| <= 1e100): R = 0, T_tr = inf
    "far_users": hand_dict([{"x": 1e100, "y": 0.0}, {"type": "au", "x": -1e100, "y": 1e100}],
                           n_gs=1, edges=[[0, 0], [0, 1], [1, 0], [1, 1]]),
    "nan_los": hand_dict(_users(), n_gs=3, los_k1=0.0, los_k2=-50.0),  # rho = 0 * inf
    "zero_kappa_wide_coverage": hand_dict(_users(), n_gs=3, kappa=0.0, coverage_m=1e5),
    "zero_kappa": hand_dict(_users(), n_gs=3, kappa=0.0, los_k1=0.0),
    "negative_zero_kappa": hand_dict(_users(), n_gs=3, kappa=-0.0, los_k1=-0.0),  # E_loc = -0
}


@pytest.mark.parametrize("name", list(HAND))
def test_hand_made_scenarios_bit_identical(name: str) -> None:
    assert_same_derived(Scenario.from_dict(HAND[name]))


def test_farther_than_validation_allows_still_bit_identical() -> None:
    """Coordinates of 1e150 / 1e300 m (squared distances overflow) are refused by from_dict
    (docs/laenet.md "Validation") but a Scenario built directly may hold them: the fast
    physics must still match the reference there."""
    base = Scenario.from_dict(HAND["far_users"])
    far = np.array([1e150, -1e300]), np.array([0.0, 1e300])
    for arr in far:
        arr.setflags(write=False)
    assert_same_derived(dataclasses.replace(base, user_x_m=far[0], user_y_m=far[1]))


def test_signed_zero_scalars_are_not_mixed_up() -> None:
    # the same scalars up to the sign of zero, one after the other (constants are cached)
    for name in ("zero_kappa", "negative_zero_kappa", "zero_kappa"):
        assert_same_derived(Scenario.from_dict(HAND[name]))
    d = ph.compute_derived(Scenario.from_dict(HAND["negative_zero_kappa"]))
    assert np.signbit(d.e_loc).all()


def test_derive_is_cached_compute_derived() -> None:
    sc = Scenario.from_dict(HAND["edges"])
    assert ph.derive(sc) is ph.derive(sc)
    assert_same_derived(sc)
