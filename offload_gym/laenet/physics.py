"""LAENet physics: channels, rates, costs, lambda / mu and graph features, vectorised.

Every formula of SPEC-LAENET.md "Channels and rates", "Costs" and "Graph features" lives
here, once. :func:`derive` is THE entry point (cached per scenario); the small channel
functions are public so that tests and other modules can check them one by one.

Edges (coverage, spec "Entities, indices, coverage") are ordered by user, then server.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from offload_gym.laenet.scenario import Scenario

SPEED_OF_LIGHT_MPS = 299_792_458.0
MIN_DISTANCE_M = 1.0

# Link kinds per edge (``Derived.link``).
LINK_G2G, LINK_G2H, LINK_A2G, LINK_A2H = 0, 1, 2, 3
LINK_NAMES = ("G2G", "G2H", "A2G", "A2H")
# Node type codes theta (spec "Graph features"): 0 HAP, 1 GS, 2 AU, 3 GU.
THETA_HAP, THETA_GS, THETA_AU, THETA_GU = 0, 1, 2, 3
THETA = {"hap": THETA_HAP, "gs": THETA_GS, "au": THETA_AU, "gu": THETA_GU}


# ---------------------------------------------------------------------------- geometry
def distance_3d_m(dx_m: np.ndarray, dy_m: np.ndarray, dz_m: np.ndarray) -> np.ndarray:
    """l = max(||p_u - p_s||, 1 m) (spec "Channels and rates")."""
    return np.maximum(np.sqrt(dx_m**2 + dy_m**2 + dz_m**2), MIN_DISTANCE_M)


def elevation_deg(horizontal_m: np.ndarray, dz_m: np.ndarray) -> np.ndarray:
    """phi = atan2(|dz|, horizontal distance), in DEGREES (spec "Channels and rates")."""
    return np.degrees(np.arctan2(np.abs(dz_m), horizontal_m))


def los_probability(elev_deg: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """Al-Hourani LoS probability rho = 1 / (1 + k1 exp(-k2 (phi - k1))), phi in degrees
    (spec "Channels and rates", paper eqs. (2)-(8))."""
    return 1.0 / (1.0 + k1 * np.exp(-k2 * (elev_deg - k1)))


# ---------------------------------------------------------------------------- channels
def path_gain_g2g(distance_m: np.ndarray, g0: float) -> np.ndarray:
    """G2G (GU-GS): g = g0 / l^2, g0 = gain at 1 m (spec "Channels and rates")."""
    return g0 / distance_m**2


def path_loss_air_db(
    distance_m: np.ndarray,
    elev_deg: np.ndarray,
    carrier_hz: float,
    eta_los_db: float,
    eta_nlos_db: float,
    k1: float,
    k2: float,
) -> np.ndarray:
    """G2H (GU-HAP) and A2G (AU-GS), paper eqs. (2)-(8):
    L = 20 log10(4 pi f_c l / c) + rho eta_LoS + (1 - rho) eta_NLoS  [dB]."""
    rho = los_probability(elev_deg, k1, k2)
    fspl = 20.0 * np.log10(4.0 * math.pi * carrier_hz * distance_m / SPEED_OF_LIGHT_MPS)
    return fspl + rho * eta_los_db + (1.0 - rho) * eta_nlos_db


def path_gain_air(
    distance_m: np.ndarray,
    elev_deg: np.ndarray,
    carrier_hz: float,
    eta_los_db: float,
    eta_nlos_db: float,
    k1: float,
    k2: float,
) -> np.ndarray:
    """g = 10^(-L/10) with L from :func:`path_loss_air_db` (G2H and A2G links)."""
    loss = path_loss_air_db(distance_m, elev_deg, carrier_hz, eta_los_db, eta_nlos_db, k1, k2)
    return 10.0 ** (-loss / 10.0)


def path_loss_a2h_db(distance_m: np.ndarray, carrier_hz: float) -> np.ndarray:
    """A2H (AU-HAP), paper eq. (10): L = 32.45 + 20 log10(f_c / 1 MHz) + 20 log10(l / 1 km)."""
    return 32.45 + 20.0 * np.log10(carrier_hz / 1e6) + 20.0 * np.log10(distance_m / 1e3)


def path_gain_a2h(distance_m: np.ndarray, carrier_hz: float) -> np.ndarray:
    """g = 10^(-L/10) with L from :func:`path_loss_a2h_db`."""
    return 10.0 ** (-path_loss_a2h_db(distance_m, carrier_hz) / 10.0)


def rate_bps(bandwidth_hz: float, tx_power_w: np.ndarray, gain: np.ndarray,
             noise_w: float) -> np.ndarray:
    """R = B log2(1 + P_tx g / sigma^2), sigma^2 the noise POWER in the band (spec)."""
    return bandwidth_hz * np.log1p(tx_power_w * gain / noise_w) / math.log(2.0)


# ---------------------------------------------------------------------------- result
@dataclasses.dataclass(frozen=True, eq=False)
class Derived:
    """Everything derived from a scenario; all arrays read-only, SI units.

    Per user (length U): ``t_loc`` = a D / f_u [s]; ``e_loc`` = kappa f_u^2 a D [J];
    ``j_loc`` = w T_loc + (1-w) E_loc; ``lam`` = (T_loc <= tau) (local run allowed).

    Per coverage edge e = (u, s) (length E, sorted by user then server): ``edge_user``,
    ``edge_server``, ``link`` (LINK_* code), ``distance_m``, ``elevation_deg``, ``gain``,
    ``rate_bps``; ``t_tr`` = D / R, ``e_tr`` = P_tx T_tr, ``j_tr`` = w T_tr + (1-w) E_tr;
    ``t_exe`` = a D / F_s (full-load time), ``e_exe`` = P_act T_exe,
    ``j_exe`` = w T_exe + (1-w) E_exe; ``mu`` = a D / ((tau - T_tr) F_s), the least share
    meeting the deadline, and ``feasible`` = (T_tr < tau and mu <= 1); mu = 0 where
    infeasible (the paper's feature convention).

    Lookups: ``user_edges[u]`` = edge indices of user u (ascending server);
    ``edge_id[u, s]`` = edge index of (u, s) or -1.

    Graph features (spec "Graph features", raw SI): ``node_features`` [S+1+U, 4] rows
    [theta, D, f, w] in node order HAP, GS.., GU.., AU..; ``edge_features`` [E, 6] rows
    [1, J_loc_u, J_tr_e, J_exe_e, lambda_u, mu_e].
    """

    n_servers: int
    n_users: int
    n_edges: int
    deadline_s: float
    t_loc: np.ndarray
    e_loc: np.ndarray
    j_loc: np.ndarray
    lam: np.ndarray
    edge_user: np.ndarray
    edge_server: np.ndarray
    link: np.ndarray
    distance_m: np.ndarray
    elevation_deg: np.ndarray
    gain: np.ndarray
    rate_bps: np.ndarray
    t_tr: np.ndarray
    e_tr: np.ndarray
    j_tr: np.ndarray
    t_exe: np.ndarray
    e_exe: np.ndarray
    j_exe: np.ndarray
    mu: np.ndarray
    feasible: np.ndarray
    user_edges: tuple[np.ndarray, ...]
    edge_id: np.ndarray
    node_features: np.ndarray
    edge_features: np.ndarray

    def options(self, u: int) -> list[int]:
        """User u's choices: -1 (LOCAL) if lambda_u, then the servers of its feasible edges."""
        edges = self.user_edges[u]
        servers = self.edge_server[edges[self.feasible[edges]]].tolist()
        return ([-1] if self.lam[u] else []) + servers


def derive(scenario: Scenario) -> Derived:
    """All derived physics of ``scenario``, computed once and cached on the scenario."""
    return scenario.derived


def coverage_edges(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(edge_user, edge_server) sorted by user then server: ``scenario.edges`` if given,
    else (u, 0) for every user and (u, s >= 1) iff the 3-D distance <= R_cov (spec
    "Entities, indices, coverage"; the coverage test uses the unclamped distance)."""
    if scenario.edges is not None:
        pairs = np.array(sorted(scenario.edges), dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0].copy(), pairs[:, 1].copy()
    dx = scenario.user_x_m[:, None] - scenario.server_x_m[None, :]
    dy = scenario.user_y_m[:, None] - scenario.server_y_m[None, :]
    dz = scenario.user_z_m[:, None] - scenario.server_z_m[None, :]
    covered = np.sqrt(dx**2 + dy**2 + dz**2) <= scenario.coverage_m
    covered[:, 0] = True
    users, servers = np.nonzero(covered)  # row-major: by user, then server
    return users.astype(np.int64), servers.astype(np.int64)


def compute_derived(sc: Scenario) -> Derived:
    """Compute :class:`Derived` (call :func:`derive` instead; it caches)."""
    a, tau = sc.cycles_per_bit, sc.deadline_s
    n_servers, n_users = sc.n_servers, sc.n_users
    d_bits, f_u, w = sc.user_data_bits, sc.user_cpu_hz, sc.user_delay_weight

    # Local execution (spec "Costs").
    t_loc = a * d_bits / f_u
    e_loc = sc.kappa * f_u**2 * a * d_bits
    j_loc = w * t_loc + (1.0 - w) * e_loc
    lam = t_loc <= tau

    # Edges and their channels.
    eu, es = coverage_edges(sc)
    user_is_au = np.array([t == "au" for t in sc.user_type], dtype=bool)
    server_is_hap = np.arange(n_servers) == 0
    au, hap = user_is_au[eu], server_is_hap[es]
    link = np.where(au, np.where(hap, LINK_A2H, LINK_A2G), np.where(hap, LINK_G2H, LINK_G2G))
    dx = sc.user_x_m[eu] - sc.server_x_m[es]
    dy = sc.user_y_m[eu] - sc.server_y_m[es]
    dz = sc.user_z_m[eu] - sc.server_z_m[es]
    dist = distance_3d_m(dx, dy, dz)
    elev = elevation_deg(np.hypot(dx, dy), dz)
    gain = np.empty_like(dist)
    m = link == LINK_G2G
    gain[m] = path_gain_g2g(dist[m], sc.g0)
    m = (link == LINK_G2H) | (link == LINK_A2G)
    gain[m] = path_gain_air(dist[m], elev[m], sc.carrier_hz, sc.eta_los_db, sc.eta_nlos_db,
                            sc.los_k1, sc.los_k2)
    m = link == LINK_A2H
    gain[m] = path_gain_a2h(dist[m], sc.carrier_hz)
    rate = rate_bps(sc.bandwidth_hz, sc.user_tx_power_w[eu], gain, sc.noise_w)

    # Offloading costs per edge (spec "Costs").
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

    # Lookups.
    n_edges = eu.size
    edge_id = np.full((n_users, n_servers), -1, dtype=np.int64)
    edge_id[eu, es] = np.arange(n_edges)
    starts = np.searchsorted(eu, np.arange(n_users + 1))
    user_edges = tuple(_ro(np.arange(starts[u], starts[u + 1])) for u in range(n_users))

    # Graph features (spec "Graph features").
    theta = np.array([THETA[t] for t in (*sc.server_type, *sc.user_type)], dtype=np.float64)
    node_features = np.column_stack([
        theta,
        np.concatenate([np.zeros(n_servers), d_bits]),
        np.concatenate([sc.server_cpu_hz, f_u]),
        np.concatenate([np.zeros(n_servers), w]),
    ])
    edge_features = np.column_stack([
        np.ones(n_edges), j_loc[eu], j_tr, j_exe, lam[eu].astype(np.float64), mu,
    ]).reshape(n_edges, 6)

    return Derived(
        n_servers=n_servers, n_users=n_users, n_edges=n_edges, deadline_s=tau,
        t_loc=_ro(t_loc), e_loc=_ro(e_loc), j_loc=_ro(j_loc), lam=_ro(lam),
        edge_user=_ro(eu), edge_server=_ro(es), link=_ro(link.astype(np.int64)),
        distance_m=_ro(dist), elevation_deg=_ro(elev), gain=_ro(gain), rate_bps=_ro(rate),
        t_tr=_ro(t_tr), e_tr=_ro(e_tr), j_tr=_ro(j_tr),
        t_exe=_ro(t_exe), e_exe=_ro(e_exe), j_exe=_ro(j_exe),
        mu=_ro(mu), feasible=_ro(feasible), user_edges=user_edges, edge_id=_ro(edge_id),
        node_features=_ro(node_features), edge_features=_ro(edge_features),
    )


def padded_edge_features(
    derived: Derived, j_loc_max: float, j_tr_max: float, j_exe_max: float
) -> np.ndarray:
    """Edge features padded to S+1 edges per user: [U, S+1, 6], row (u, s). Missing (u, s)
    get [0, J_loc_max, J_tr_max, J_exe_max, 0, 0] with maxima from the TRAINING split
    (spec "Graph features"; never compute them per test instance)."""
    out = np.empty((derived.n_users, derived.n_servers, 6))
    out[:] = [0.0, j_loc_max, j_tr_max, j_exe_max, 0.0, 0.0]
    out[derived.edge_user, derived.edge_server] = derived.edge_features
    return out


def _ro(array: np.ndarray) -> np.ndarray:
    out = np.array(array, copy=True)
    out.setflags(write=False)
    return out
