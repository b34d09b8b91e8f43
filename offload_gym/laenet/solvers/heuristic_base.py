"""Shared machinery of the LAENet heuristics (SPEC-LAENET.md "Reference solvers", (c)).

Nothing here re-implements a cost formula: server costs Phi_s come from
:func:`~offload_gym.laenet.waterfill.waterfill_batch`, totals from
:func:`~offload_gym.laenet.waterfill.assignment_costs`, and every answer goes through
:func:`~offload_gym.laenet.evaluate.make_solution` (i.e. ``evaluate``).

Dense per-(server, user) tables (:class:`Tables`) hold the feasible edges' data, with
``usable[s, u]`` False for absent or deadline-infeasible edges. Partial assignments use
``UNASSIGNED = -2``; choices use ``LOCAL = -1`` as everywhere else.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from offload_gym.core.status import Status
from offload_gym.laenet.evaluate import make_solution
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import VALID, Solution
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL, assignment_cost, waterfill_batch

UNASSIGNED = -2
IMPROVE_RTOL = 1e-12  # a move must lower the cost by more than this (relative) to count
_BIG = 1e12  # stands for "forbidden" in the assignment matrices (costs are O(1))
CAPACITY_MODES = ("safe", "optimistic")


@dataclasses.dataclass(frozen=True, eq=False)
class Tables:
    """Dense views of :class:`Derived` for the heuristics; shape [S+1, U] unless noted.

    ``usable``: (u, s) is a feasible coverage edge; ``j_tr`` (inf if unusable), ``j_exe`` and
    ``mu`` (0 if unusable); ``j_loc`` [U], ``lam`` [U]; ``forced`` = users with lambda = 0;
    ``options`` [U, S+2] bool: column s < S+1 = server s usable, column S+1 = LOCAL allowed.
    """

    derived: Derived
    usable: np.ndarray
    j_tr: np.ndarray
    j_exe: np.ndarray
    mu: np.ndarray
    j_loc: np.ndarray
    lam: np.ndarray
    forced: np.ndarray
    options: np.ndarray

    @property
    def n_servers(self) -> int:
        return self.derived.n_servers

    @property
    def n_users(self) -> int:
        return self.derived.n_users


def tables(derived: Derived) -> Tables:
    """Build :class:`Tables` from ``derive(scenario)``."""
    d = derived
    shape = (d.n_servers, d.n_users)
    usable = np.zeros(shape, dtype=bool)
    j_tr = np.full(shape, np.inf)
    j_exe = np.zeros(shape)
    mu = np.zeros(shape)
    ok = np.asarray(d.feasible, dtype=bool)
    s, u = d.edge_server[ok], d.edge_user[ok]
    usable[s, u] = True
    j_tr[s, u] = d.j_tr[ok]
    j_exe[s, u] = d.j_exe[ok]
    mu[s, u] = d.mu[ok]
    lam = np.asarray(d.lam, dtype=bool)
    options = np.concatenate([usable.T, lam[:, None]], axis=1)
    return Tables(d, usable, j_tr, j_exe, mu, np.asarray(d.j_loc, dtype=np.float64), lam,
                  np.flatnonzero(~lam), options)


def choice_to_column(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """Map choices (server or LOCAL) to option columns (server or S+1)."""
    return np.where(choice == LOCAL, tb.n_servers, choice)


# ------------------------------------------------------------------ partial assignments
def server_members(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """[S+1, U] bool: user u is on server s in the (possibly partial) ``choice``."""
    return choice[None, :] == np.arange(tb.n_servers)[:, None]


def server_phi(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """Phi_s [S+1] of a (partial) assignment by water-filling (inf on an overfull server)."""
    phi, _ = waterfill_batch(tb.j_exe, tb.mu, server_members(tb, choice))
    return phi


def marginal_costs(tb: Tables, choice: np.ndarray, users: np.ndarray) -> np.ndarray:
    """Marginal cost of each option of each listed (unassigned) user given the partial
    ``choice``: [len(users), S+2]; column s = J_tr + Phi_s(members + u) - Phi_s(members),
    column S+1 = J_loc; inf where the option does not exist or does not fit (sum mu > 1).
    All the (user, server) candidates are water-filled in one batch."""
    users = np.asarray(users, dtype=np.int64)
    out = np.full((users.size, tb.n_servers + 1), np.inf)
    out[:, -1] = np.where(tb.lam[users], tb.j_loc[users], np.inf)
    member = server_members(tb, choice)
    phi0, _ = waterfill_batch(tb.j_exe, tb.mu, member)
    rows, servers = np.nonzero(tb.usable[:, users].T)
    if rows.size:
        mem = member[servers].copy()
        mem[np.arange(rows.size), users[rows]] = True
        phi1, _ = waterfill_batch(tb.j_exe[servers], tb.mu[servers], mem)
        with np.errstate(invalid="ignore"):
            delta = tb.j_tr[servers, users[rows]] + phi1 - phi0[servers]
        out[rows, servers] = np.where(np.isfinite(phi1), delta, np.inf)
    return out


def server_load(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """Sum of mu per server [S+1] of a (partial) assignment."""
    return np.where(server_members(tb, choice), tb.mu, 0.0).sum(axis=1)


def packable(tb: Tables, users: list[int] | np.ndarray, load: np.ndarray) -> bool:
    """Can ``users`` (forced ones: offloading only) all be placed on top of ``load`` with
    sum mu <= 1 per server? Exact DFS (few forced users per instance); users with fewer
    options first, options by ascending mu (as ``feasibility.pack_forced_users``)."""
    opts = []
    for u in users:
        s = np.flatnonzero(tb.usable[:, u])
        if s.size == 0:
            return False
        m = tb.mu[s, u]
        order = np.argsort(m, kind="stable")
        opts.append(list(zip(s[order].tolist(), m[order].tolist(), strict=True)))
    opts.sort(key=len)
    cur = np.asarray(load, dtype=np.float64).copy()

    def dfs(k: int) -> bool:
        if k == len(opts):
            return True
        for s, m in opts[k]:
            if cur[s] + m <= 1.0 + CAPACITY_EPS:
                cur[s] += m
                if dfs(k + 1):
                    return True
                cur[s] -= m
        return False

    return dfs(0)


# ------------------------------------------------------------ fixed-share assignment
def slot_capacity(yhat: np.ndarray, usable: np.ndarray, mode: str = "safe") -> np.ndarray:
    """Per-server user count k_s [S+1] implied by the guessed shares ``yhat`` [S+1, U].

    ``"safe"``: the largest k such that ANY k of the server's usable users fit with their
    guessed shares (the k LARGEST yhat sum to <= 1 + CAPACITY_EPS); a decoded assignment is then
    always feasible. ``"optimistic"``: the largest k such that SOME k users fit (the k SMALLEST
    yhat sum to <= 1); decoded assignments may overflow and are then dropped by the caller."""
    if mode not in CAPACITY_MODES:
        raise ValueError(f"capacity mode must be one of {CAPACITY_MODES}, got {mode!r}")
    if mode == "safe":
        y_sorted = -np.sort(-np.where(usable, yhat, 0.0), axis=1)
    else:
        y_sorted = np.sort(np.where(usable, yhat, np.inf), axis=1)
    fits = np.cumsum(y_sorted, axis=1) <= 1.0 + CAPACITY_EPS
    fits &= np.arange(yhat.shape[1])[None, :] < usable.sum(axis=1)[:, None]
    return fits.sum(axis=1)


def assign_fixed_shares(tb: Tables, yhat: np.ndarray,
                        capacity: str = "safe") -> np.ndarray | None:
    """The min-cost flow source -> user (cap 1) -> {server s (cap k_s), LOCAL} -> sink with
    FIXED guessed shares ``yhat`` [S+1, U]: an offloading arc (u, s) exists iff the edge is
    feasible and yhat >= mu, costs J_tr + J_exe / yhat; LOCAL costs J_loc (lambda = 1 only);
    k_s = :func:`slot_capacity` (``capacity`` mode). With unit user supplies this flow is a
    transportation problem, solved exactly by ``linear_sum_assignment`` on users x (k_s slots
    per server + U local slots). Returns the choice [U] or None if some user cannot be routed
    (a forced user with no arc or no slot left)."""
    n_u = tb.n_users
    ok = tb.usable & (yhat >= tb.mu) & (yhat > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(ok, tb.j_tr + tb.j_exe / np.where(ok, yhat, 1.0), _BIG)
    cap = slot_capacity(yhat, ok, capacity)
    slot_server = np.repeat(np.arange(tb.n_servers), cap)
    local_cost = np.where(tb.lam, tb.j_loc, _BIG)
    matrix = np.concatenate([cost[slot_server].T, np.repeat(local_cost[:, None], n_u, axis=1)],
                            axis=1)
    rows, cols = linear_sum_assignment(matrix)
    if np.any(matrix[rows, cols] >= _BIG):
        return None
    choice = np.full(n_u, LOCAL, dtype=np.int64)
    on_slot = cols < slot_server.size
    choice[rows[on_slot]] = slot_server[cols[on_slot]]
    return choice


def base_guess(tb: Tables) -> np.ndarray:
    """Guess 0 of the share per edge: max(mu_e, 1 / deg_s) with deg_s = the number of
    feasible edges at server s; 0 on unusable edges. [S+1, U]."""
    deg = tb.usable.sum(axis=1)
    inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0)
    return np.where(tb.usable, np.maximum(tb.mu, inv[:, None]), 0.0)


# --------------------------------------------------------------------------- results
def finish(scenario: Scenario, choice: np.ndarray | None, name: str, t0: float) -> Solution:
    """Score ``choice`` with water-filling shares through ``make_solution``. Returns a VALID
    FEASIBLE solution, or a FAILED one (choice None, or anything evaluate does not accept as
    valid as given: never an invalid or repaired answer in disguise)."""
    if choice is not None:
        d = derive(scenario)
        cost, y = assignment_cost(d, np.asarray(choice, dtype=np.int64))
        if math.isfinite(cost):
            share = [None if math.isnan(v) else float(v) for v in y]
            sol = make_solution(scenario, [int(c) for c in choice], share, solver=name,
                                status=Status.FEASIBLE,
                                wall_time_s=time.perf_counter() - t0)
            if sol.validity == VALID:
                return sol
    return make_solution(scenario, None, None, solver=name, status=Status.FAILED,
                         wall_time_s=time.perf_counter() - t0)


def make_rng(seed: int | None) -> np.random.Generator:
    """A numpy Generator from an int seed (None = fresh entropy, not reproducible)."""
    return np.random.default_rng(seed)
