"""Channels, rates, costs, lambda / mu and features (SPEC-LAENET.md "Channels and rates",
"Costs", "Graph features"), checked against hand-written scalar formulas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from offload_gym.laenet import Scenario, derive, generate
from offload_gym.laenet import physics as ph
from offload_gym.laenet.physics import padded_edge_features

from .laenet_helpers import hand_dict

C = 299_792_458.0


def _air_gain(l_m: float, phi_deg: float, fc: float = 1e8) -> float:
    rho = 1.0 / (1.0 + 10.0 * math.exp(-0.6 * (phi_deg - 10.0)))
    loss = 20 * math.log10(4 * math.pi * fc * l_m / C) + rho * 0.1 + (1 - rho) * 21.0
    return 10 ** (-loss / 10)


def test_channel_formulas_scalar() -> None:
    dist = np.array([1.0, 500.0, 20_000.0])
    assert np.allclose(ph.path_gain_g2g(dist, 1e-5), 1e-5 / dist**2, rtol=1e-14)
    elev = np.array([90.0, 21.8, 45.0])
    want = [_air_gain(a, b) for a, b in zip(dist, elev, strict=True)]
    assert np.allclose(ph.path_gain_air(dist, elev, 1e8, 0.1, 21.0, 10.0, 0.6), want, rtol=1e-12)
    a2h = [10 ** (-(32.45 + 20 * math.log10(100.0) + 20 * math.log10(x / 1e3)) / 10) for x in dist]
    assert np.allclose(ph.path_gain_a2h(dist, 1e8), a2h, rtol=1e-12)
    assert ph.elevation_deg(np.array([0.0, 100.0]), np.array([-200.0, 100.0])) == \
        pytest.approx([90.0, 45.0])
    assert ph.distance_3d_m(np.array([0.0]), np.array([0.0]), np.array([0.3]))[0] == 1.0
    snr = 0.2 * 1e-9 / 7.96159e-13
    assert ph.rate_bps(1e7, np.array(0.2), np.array(1e-9), 7.96159e-13) == \
        pytest.approx(1e7 * math.log2(1 + snr), rel=1e-14)


def test_derived_values_by_hand() -> None:
    # GU 0 right below the HAP and 30 m from the GS at (100, 0); AU 1 at (100, 0, 200).
    sc = Scenario.from_dict(hand_dict([
        {"x": 70.0, "y": 0.0, "data_bits": 4e6, "cpu_hz": 4e9, "w": 0.4},
        {"type": "au", "x": 100.0, "y": 0.0, "data_bits": 3e6, "cpu_hz": 1e9, "w": 0.6},
    ]))
    d = derive(sc)
    assert d.edge_user.tolist() == [0, 0, 1, 1] and d.edge_server.tolist() == [0, 1, 0, 1]
    assert d.link.tolist() == [ph.LINK_G2H, ph.LINK_G2G, ph.LINK_A2H, ph.LINK_A2G]
    l_hap0 = math.sqrt(70**2 + 20_000**2)
    g = [_air_gain(l_hap0, math.degrees(math.atan2(20_000, 70))), 1e-5 / 30.0**2,
         10 ** (-(32.45 + 40 + 20 * math.log10(math.hypot(100, 19_800) / 1e3)) / 10),
         _air_gain(200.0, 90.0)]
    assert np.allclose(d.gain, g, rtol=1e-12)
    p = np.array([0.2, 0.2, 0.15, 0.15])
    rate = 1e7 * np.log2(1 + p * np.array(g) / 7.96159e-13)
    assert np.allclose(d.rate_bps, rate, rtol=1e-12)
    bits = np.array([4e6, 4e6, 3e6, 3e6])
    w = np.array([0.4, 0.4, 0.6, 0.6])
    f_s = np.array([0.5e10, 1.2e10, 0.5e10, 1.2e10])
    p_act = np.array([30.0, 120.0, 30.0, 120.0])
    t_tr = bits / rate
    assert np.allclose(d.t_tr, t_tr, rtol=1e-12)
    assert np.allclose(d.j_tr, w * t_tr + (1 - w) * p * t_tr, rtol=1e-12)
    t_exe = 1000 * bits / f_s
    assert np.allclose(d.j_exe, w * t_exe + (1 - w) * p_act * t_exe, rtol=1e-12)
    assert np.allclose(d.mu, 1000 * bits / ((2.0 - t_tr) * f_s), rtol=1e-12)
    assert d.feasible.all()
    assert d.t_loc.tolist() == pytest.approx([1.0, 3.0])
    assert d.lam.tolist() == [True, False]
    e_loc = 1e-27 * np.array([4e9, 1e9]) ** 2 * 1000 * np.array([4e6, 3e6])
    assert np.allclose(d.e_loc, e_loc, rtol=1e-12)
    assert np.allclose(d.j_loc, [0.4 * 1 + 0.6 * e_loc[0], 0.6 * 3 + 0.4 * e_loc[1]])
    # Features.
    assert d.node_features.shape == (4, 4)
    assert d.node_features[:, 0].tolist() == [0, 1, 3, 2]
    assert d.node_features[0].tolist() == [0, 0, 0.5e10, 0]
    assert d.node_features[3].tolist() == [2, 3e6, 1e9, 0.6]
    assert d.edge_features.shape == (4, 6)
    assert d.edge_features[3].tolist() == pytest.approx(
        [1, d.j_loc[1], d.j_tr[3], d.j_exe[3], 0.0, d.mu[3]])
    pad = padded_edge_features(d, 9.0, 8.0, 7.0)
    assert pad.shape == (2, 2, 6) and np.array_equal(pad[1, 1], d.edge_features[3])


def test_infeasible_edge_has_mu_zero_and_stays_in_graph() -> None:
    # A GU far from the HAP with a huge task: T_tr on the HAP exceeds the deadline budget.
    sc = Scenario.from_dict(hand_dict([{"x": 0.0, "data_bits": 9e6, "cpu_hz": 4e9}],
                                      deadline_s=1.5))
    d = derive(sc)
    hap = d.edge_id[0, 0]
    assert not d.feasible[hap] and d.mu[hap] == 0.0 and d.edge_features[hap, 0] == 1.0
    assert d.options(0) == ([-1] if d.lam[0] else []) + [
        int(s) for s in d.edge_server[d.user_edges[0]] if d.feasible[d.edge_id[0, s]]]


def test_coverage_radius_and_hap_edges() -> None:
    sc = generate("gs6_gu14_au10", seed=3)
    d = derive(sc)
    for u in range(sc.n_users):
        for s in range(sc.n_servers):
            dist = math.dist((sc.user_x_m[u], sc.user_y_m[u], sc.user_z_m[u]),
                             (sc.server_x_m[s], sc.server_y_m[s], sc.server_z_m[s]))
            assert (d.edge_id[u, s] >= 0) == (s == 0 or dist <= 1000.0)
    order = list(zip(d.edge_user.tolist(), d.edge_server.tolist(), strict=True))
    assert order == sorted(order)
    for u, edges in enumerate(d.user_edges):
        assert (d.edge_user[edges] == u).all()


def test_derive_is_cached(small_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(small_dict)
    assert derive(sc) is derive(sc) is sc.derived
