"""LAENet physics: channels, rates, costs, lambda / mu and graph features, vectorised.

Every formula of SPEC-LAENET.md "Channels and rates", "Costs" and "Graph features" lives
here, once. :func:`derive` is THE entry point (cached per scenario); the small channel
functions are public so that tests and other modules can check them one by one.

The cache of derived physics lives here, not on the Scenario (which stays pure data): a
table keyed by the scenario object's identity, whose entry is dropped when the scenario is
garbage-collected. :func:`remember_derived` lets a batched generator (``laenet.pool``) hand
in physics it already computed. This module imports the Scenario only for type hints, so
``scenario`` -> ``physics`` is the one direction of the dependency.

Edges (coverage, spec "Entities, indices, coverage") are ordered by user, then server.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import struct
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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


# id(scenario) -> (weak reference whose callback drops the entry, the scenario's Derived)
_DERIVED: dict[int, tuple[weakref.ref, Derived]] = {}


def _forget(key: int) -> Callable[[weakref.ref], None]:
    """A callback for a weak reference that drops ``key`` from the cache (id reuse is safe:
    the callback runs before the dead scenario's memory can be handed out again)."""
    def callback(_ref: weakref.ref) -> None:
        _DERIVED.pop(key, None)
    return callback


def derive(scenario: Scenario) -> Derived:
    """All derived physics of ``scenario``, computed once per scenario object and cached
    (see the module docstring)."""
    hit = _DERIVED.get(id(scenario))
    if hit is not None:
        return hit[1]
    return remember_derived(scenario, compute_derived(scenario))


def cached_derived(scenario: Scenario) -> Derived | None:
    """The cached physics of ``scenario``, or None when nothing computed it yet."""
    hit = _DERIVED.get(id(scenario))
    return None if hit is None else hit[1]


def remember_derived(scenario: Scenario, derived: Derived) -> Derived:
    """Cache ``derived`` as the physics of ``scenario`` (it must equal
    ``compute_derived(scenario)``: a batched generator's results); returns ``derived``."""
    key = id(scenario)
    _DERIVED[key] = (weakref.ref(scenario, _forget(key)), derived)
    return derived


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


# Rows of the per-pair work buffer of :func:`compute_derived` ([_N_ROWS, S+1, U], server-major,
# so that pair (u, s) sits at flat position s * U + u). Rows _R_ONES.._R_LAM are the first five
# columns of ``edge_features``, in order; (_R_JLOC, _R_JTR, _R_JEXE) = w (_R_TLOC, _R_TTR,
# _R_TEXE) + (1 - w) (_R_ELOC, _R_ETR, _R_EEXE), three consecutive rows each.
(_R_ONES, _R_JLOC, _R_JTR, _R_JEXE, _R_LAM, _R_MU_RAW, _R_DIST, _R_ELEV, _R_GAIN, _R_RATE,
 _R_TLOC, _R_TTR, _R_TEXE, _R_ELOC, _R_ETR, _R_EEXE) = range(16)
_N_ROWS = 16


@dataclasses.dataclass(frozen=True)
class _TypeConstants:
    """What depends only on the entity types (read-only arrays, shared between scenarios)."""

    link: np.ndarray          # int64 [(S+1) U]: link code of pair (u, s) at s * U + u
    is_g2g: np.ndarray        # bool [S+1, U]
    is_a2h: np.ndarray        # bool [S+1, U]
    node_template: np.ndarray  # [S+1+U, 4]: theta in column 0, zeros elsewhere
    user_range: np.ndarray    # arange(U + 1)


@functools.lru_cache(maxsize=256)
def _type_constants(server_type: tuple[str, ...], user_type: tuple[str, ...]
                    ) -> _TypeConstants:
    n_servers, n_users = len(server_type), len(user_type)
    user_is_au = np.array([t == "au" for t in user_type], dtype=bool)
    server_is_hap = np.arange(n_servers) == 0
    link = np.where(user_is_au[None, :], np.where(server_is_hap[:, None], LINK_A2H, LINK_A2G),
                    np.where(server_is_hap[:, None], LINK_G2H, LINK_G2G)).astype(np.int64)
    node_template = np.zeros((n_servers + n_users, 4))
    node_template[:, 0] = [THETA[t] for t in (*server_type, *user_type)]
    out = _TypeConstants(link=link.reshape(-1), is_g2g=link == LINK_G2G,
                         is_a2h=link == LINK_A2H, node_template=node_template,
                         user_range=np.arange(n_users + 1))
    for array in vars(out).values():
        array.setflags(write=False)
    return out


def _const(value: float) -> np.ndarray:
    """A read-only 0-d float64 array: numpy combines it with an array faster than a Python
    float (no scalar promotion step), with the same float64 operation and result."""
    out = np.array(value, dtype=np.float64)
    out.setflags(write=False)
    return out


_ONE, _TWENTY, _TEN, _ZERO = map(_const, (1.0, 20.0, 10.0, 0.0))
_KM, _C, _LN2, _MIN_D = map(_const, (1e3, SPEED_OF_LIGHT_MPS, math.log(2.0), MIN_DISTANCE_M))


_SCALARS = struct.Struct("11d")
_SCENARIO_CONSTANTS: dict[bytes, tuple[np.ndarray, ...]] = {}


def _scenario_constants(sc: Scenario) -> tuple[np.ndarray, ...]:
    """The scalars of :func:`compute_derived` as 0-d arrays, each the same float as the
    Python expression of the per-edge formulas: a, tau, kappa, B, sigma^2, g0, eta_LoS,
    eta_NLoS, k1, -k2, 4 pi f_c, and 32.45 + 20 log10(f_c / 1 MHz) (A2H loss offset).
    Cached by the scalars' bytes (so -0.0 and 0.0 are different keys)."""
    return scalar_constants(sc.cycles_per_bit, sc.deadline_s, sc.kappa, sc.bandwidth_hz,
                            sc.noise_w, sc.carrier_hz, sc.g0, sc.eta_los_db, sc.eta_nlos_db,
                            sc.los_k1, sc.los_k2)


def scalar_constants(*scalars: float) -> tuple[np.ndarray, ...]:
    """:func:`_scenario_constants` of these 11 scalars (a, tau, kappa, B, sigma^2, f_c, g0,
    eta_LoS, eta_NLoS, k1, k2), for callers that hold arrays rather than a Scenario."""
    key = _SCALARS.pack(*scalars)
    out = _SCENARIO_CONSTANTS.get(key)
    if out is None:
        a, tau, kappa, bandwidth_hz, noise_w, fc, g0, eta_los, eta_nlos, k1, k2 = \
            _SCALARS.unpack(key)
        a2h_offset = 32.45 + 20.0 * np.log10(fc / 1e6)
        out = tuple(map(_const, (a, tau, kappa, bandwidth_hz, noise_w, g0, eta_los, eta_nlos,
                                 k1, -k2, 4.0 * math.pi * fc, a2h_offset)))
        if len(_SCENARIO_CONSTANTS) >= 64:
            _SCENARIO_CONSTANTS.clear()
        _SCENARIO_CONSTANTS[key] = out
    return out


@dataclasses.dataclass(frozen=True)
class PairGrid:
    """Every per-(server, user) quantity of one scenario, or of a batch of same-shape
    scenarios (leading axes ``*B``), as :func:`pair_grid` computes it.

    ``buf`` [*B, 16, S+1, U]: rows ``_R_*`` (read-only); ``raw_distance_m`` [*B, S+1, U]: the
    unclamped distance (the coverage test's); ``lam`` [*B, U]."""

    buf: np.ndarray
    raw_distance_m: np.ndarray
    lam: np.ndarray

    def covered(self, coverage_m: float) -> np.ndarray:
        """bool [*B, S+1, U]: distance <= R_cov, and every user to the HAP (row 0)."""
        out = self.raw_distance_m <= coverage_m
        out[..., 0, :] = True
        return out

    def feasible(self) -> np.ndarray:
        """bool [*B, S+1, U]: mu_raw <= 1 (implies T_tr < tau), on every pair."""
        return self.buf[..., _R_MU_RAW, :, :] <= 1.0


def pair_grid(server_xyz_m: tuple[np.ndarray, np.ndarray, np.ndarray],
              user_xyz_m: tuple[np.ndarray, np.ndarray, np.ndarray],
              d_bits: np.ndarray, f_u: np.ndarray, w: np.ndarray, p_tx: np.ndarray,
              server_cpu_hz: np.ndarray, server_active_power_w: np.ndarray,
              tc: _TypeConstants, constants: tuple[np.ndarray, ...]) -> PairGrid:
    """The per-pair formulas of SPEC-LAENET "Channels and rates" and "Costs" on the dense
    (server, user) grid. Server arrays are [*B, S+1] (or [S+1], shared), user arrays
    [*B, U] (or [U]); every operation is elementwise, so each instance's values are the
    same, bit for bit, whether it is computed alone or inside a batch."""
    def per_user(x: np.ndarray) -> np.ndarray:
        return x[..., None, :]

    def per_server(x: np.ndarray) -> np.ndarray:
        return x[..., :, None]

    a, tau, kappa, bandwidth, noise, g0, eta_los, eta_nlos, k1, minus_k2, four_pi_fc, \
        a2h_offset = constants
    sx, sy, sz = map(per_server, server_xyz_m)
    ux, uy, uz = map(per_user, user_xyz_m)

    # Geometry on the grid [server, user]; coverage uses the unclamped distance (spec).
    dx, dy, dz = ux - sx, uy - sy, uz - sz
    raw = np.sqrt(dx**2 + dy**2 + dz**2)
    buf = np.empty((*raw.shape[:-2], _N_ROWS, *raw.shape[-2:]))

    def row(r: int) -> np.ndarray:
        return buf[..., r, :, :]

    dist = np.maximum(raw, _MIN_D, out=row(_R_DIST))
    np.degrees(np.arctan2(np.abs(dz), np.hypot(dx, dy)), out=row(_R_ELEV))
    elev = row(_R_ELEV)

    # Local execution (spec "Costs"), per user, broadcast over the grid's rows.
    d_u, f_uu, w_u = per_user(d_bits), per_user(f_u), per_user(w)
    ad = a * d_u
    t_loc = np.divide(ad, f_uu, out=row(_R_TLOC))[..., 0, :]
    np.multiply(kappa * f_uu**2 * a, d_u, out=row(_R_ELOC))
    lam = t_loc <= tau

    with np.errstate(all="ignore"):
        # Channels: the G2H / A2G and the A2H losses on the whole grid, the A2H one kept
        # where the link is A2H; then the gain, and G2G's own formula where it is G2G.
        # logs[0] = log10(4 pi f_c l / c) (free-space part), logs[1] = log10(l / 1 km).
        rho = _ONE / (_ONE + k1 * np.exp(minus_k2 * (elev - k1)))
        logs = np.empty((2, *raw.shape))
        np.divide(np.multiply(four_pi_fc, dist, out=logs[0]), _C, out=logs[0])
        np.divide(dist, _KM, out=logs[1])
        logs = np.multiply(_TWENTY, np.log10(logs, out=logs), out=logs)
        loss = logs[0] + rho * eta_los + (_ONE - rho) * eta_nlos
        np.copyto(loss, a2h_offset + logs[1], where=tc.is_a2h)
        gain = np.power(_TEN, np.divide(np.negative(loss, out=loss), _TEN, out=loss),
                        out=row(_R_GAIN))
        np.copyto(gain, g0 / dist**2, where=tc.is_g2g)
        p_tx_u = per_user(p_tx)
        rate = np.divide(bandwidth * np.log1p(p_tx_u * gain / noise), _LN2, out=row(_R_RATE))

        # Offloading costs per pair (spec "Costs"). fmax(x, 0) maps x <= 0 and NaN to +0,
        # so D / fmax(R, 0) = inf where R > 0 fails, and mu_raw = inf where tau - T_tr > 0
        # fails: the "np.where(..., np.inf)" of the per-edge formulas.
        f_s = per_server(server_cpu_hz)
        t_tr = np.divide(d_u, np.fmax(rate, _ZERO), out=row(_R_TTR))
        np.multiply(p_tx_u, t_tr, out=row(_R_ETR))
        np.divide(ad, f_s, out=row(_R_TEXE))
        np.multiply(per_server(server_active_power_w), row(_R_TEXE), out=row(_R_EEXE))
        np.add(w_u[..., None, :, :] * buf[..., _R_TLOC:_R_TEXE + 1, :, :],
               (_ONE - w_u[..., None, :, :]) * buf[..., _R_ELOC:_R_EEXE + 1, :, :],
               out=buf[..., _R_JLOC:_R_JEXE + 1, :, :])
        np.divide(ad, np.fmax(tau - t_tr, _ZERO) * f_s, out=row(_R_MU_RAW))
    row(_R_ONES)[...] = 1.0
    row(_R_LAM)[...] = per_user(lam)
    buf.setflags(write=False)  # the per-user views of the Derived are read-only too
    return PairGrid(buf=buf, raw_distance_m=raw, lam=lam)


def compute_derived(sc: Scenario) -> Derived:
    """Compute :class:`Derived` (call :func:`derive` instead; it caches).

    The formulas are those of the functions above, computed with few, small numpy calls
    (the instances are small, so the calls' fixed cost is what counts): every per-pair
    quantity once on the dense (server, user) grid (:func:`pair_grid`), each link kind's
    loss on the whole grid and then selected by kind, and the edges gathered from the grid
    in one ``take`` (:func:`derived_from_grid`). The values are the per-edge formulas' bit
    for bit: the same elementwise operations on float64 arrays
    (``tests/laenet/test_physics_fast.py`` compares it with the former
    per-link-kind implementation)."""
    tc = _type_constants(sc.server_type, sc.user_type)
    grid = pair_grid((sc.server_x_m, sc.server_y_m, sc.server_z_m),
                     (sc.user_x_m, sc.user_y_m, sc.user_z_m), sc.user_data_bits,
                     sc.user_cpu_hz, sc.user_delay_weight, sc.user_tx_power_w,
                     sc.server_cpu_hz, sc.server_active_power_w, tc, _scenario_constants(sc))
    if sc.edges is None:  # the grid already holds the distances: no second computation
        eu, es = np.nonzero(grid.covered(sc.coverage_m).T)  # by user, then server
    else:
        eu, es = coverage_edges(sc)
    return derived_batch(grid.buf[None], grid.lam[None], np.zeros(eu.size, dtype=np.int64),
                         eu, es, sc.server_cpu_hz, sc.user_data_bits[None],
                         sc.user_cpu_hz[None], sc.user_delay_weight[None], tc,
                         sc.deadline_s)[0]


def derived_batch(buf: np.ndarray, lam: np.ndarray, edge_instance: np.ndarray,
                  edge_user: np.ndarray, edge_server: np.ndarray, server_cpu_hz: np.ndarray,
                  d_bits: np.ndarray, f_u: np.ndarray, w: np.ndarray, tc: _TypeConstants,
                  deadline_s: float) -> list[Derived]:
    """The :class:`Derived` of each of B same-shape instances from their grid (``buf``
    [B, 16, S+1, U], ``lam`` [B, U] of :func:`pair_grid`) and their edges, listed by
    instance, then user, then server (``edge_instance``, ``edge_user``, ``edge_server``).
    Per-user arrays are [B, U]; ``server_cpu_hz`` [S+1] or [B, S+1].

    Every per-edge array is gathered for the whole batch in one call; each instance's
    Derived holds read-only views of them (a batch of one is :func:`compute_derived`)."""
    n_batch, _, n_servers, n_users = buf.shape
    eu, es = edge_user, edge_server
    flat = es * n_users + eu
    grid_flat = buf.transpose(1, 0, 2, 3).reshape(_N_ROWS, -1)  # a view when B = 1
    # The edges, gathered in one call; feasible = (T_tr < tau and mu_raw <= 1), and
    # mu_raw <= 1 already implies T_tr < tau.
    per_edge = grid_flat.take(edge_instance * (n_servers * n_users) + flat, axis=1)
    feasible = per_edge[_R_MU_RAW] <= 1.0
    mu = np.where(feasible, per_edge[_R_MU_RAW], _ZERO)
    edge_features = np.empty((eu.size, 6))
    edge_features[:, :5] = per_edge[:5].T
    edge_features[:, 5] = mu
    link = tc.link.take(flat)

    # Lookups: local edge numbers, edge_id [B, U, S+1], per-user edge ranges.
    counts = np.bincount(edge_instance, minlength=n_batch)
    offsets = np.zeros(n_batch + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    local = np.arange(eu.size) - offsets[edge_instance]
    edge_id = np.full((n_batch, n_users, n_servers), -1, dtype=np.int64)
    edge_id[edge_instance, eu, es] = local
    # first edge of each (instance, user), in the instance's own edge numbers
    first = np.searchsorted(edge_instance * n_users + eu, np.arange(n_batch * n_users))
    starts = (first - np.repeat(offsets[:-1], n_users)).tolist()
    edge_range = np.arange(int(counts.max(initial=0)))

    # Graph features (spec "Graph features"): [theta, D, f, w] per node.
    node_features = np.broadcast_to(tc.node_template,
                                    (n_batch, *tc.node_template.shape)).copy()
    node_features[:, n_servers:, 1] = d_bits
    node_features[:, :n_servers, 2] = server_cpu_hz
    node_features[:, n_servers:, 2] = f_u
    node_features[:, n_servers:, 3] = w

    for array in (buf, per_edge, eu, es, link, mu, feasible, edge_id, node_features,
                  edge_features, edge_range, lam):
        if array.flags.writeable:
            array.setflags(write=False)
    offsets_list = offsets.tolist()
    out = []
    for b in range(n_batch):
        o, p = offsets_list[b], offsets_list[b + 1]
        st = starts[b * n_users:(b + 1) * n_users]
        st.append(p - o)
        user_edges = tuple([edge_range[i:j] for i, j in itertools.pairwise(st)])
        out.append(_new_derived(
            n_servers=n_servers, n_users=n_users, n_edges=p - o, deadline_s=deadline_s,
            t_loc=buf[b, _R_TLOC, 0], e_loc=buf[b, _R_ELOC, 0], j_loc=buf[b, _R_JLOC, 0],
            lam=lam[b], edge_user=eu[o:p], edge_server=es[o:p], link=link[o:p],
            distance_m=per_edge[_R_DIST, o:p], elevation_deg=per_edge[_R_ELEV, o:p],
            gain=per_edge[_R_GAIN, o:p], rate_bps=per_edge[_R_RATE, o:p],
            t_tr=per_edge[_R_TTR, o:p], e_tr=per_edge[_R_ETR, o:p],
            j_tr=per_edge[_R_JTR, o:p], t_exe=per_edge[_R_TEXE, o:p],
            e_exe=per_edge[_R_EEXE, o:p], j_exe=per_edge[_R_JEXE, o:p],
            mu=mu[o:p], feasible=feasible[o:p], user_edges=user_edges, edge_id=edge_id[b],
            node_features=node_features[b], edge_features=edge_features[o:p],
        ))
    return out


def _new_derived(**fields: object) -> Derived:
    """``Derived(**fields)`` without the frozen dataclass's per-field ``object.__setattr__``
    (a tenth of a small instance's derive time); same object, same fields (all of them:
    ``tests/laenet/test_physics_fast.py``)."""
    out = object.__new__(Derived)
    out.__dict__.update(fields)
    return out


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
