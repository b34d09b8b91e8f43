"""The paper's simple baselines RE and AO (SPEC-LAENET.md "Reference solvers", (c)).

RE (random feasible, best of ``n_candidates`` = 8): each candidate places the forced users
first, then the others, each in a random order; a user takes a uniformly random option among
those that fit (a server only if its sum of mu stays <= 1 and, for a forced user, the forced
users still unplaced can then be packed: exact DFS; LOCAL if lambda = 1). Shares by
water-filling; the cheapest candidate is kept. Seeded and deterministic for a given seed.

AO (alternating optimisation): shares and assignment are optimised in turn.
1. Start from the shares yhat_e = max(mu_e, 1/deg_s) (MCMF's guess 0).
2. Assignment step with the shares fixed: the same capacitated assignment flow as MCMF
   (arc u -> s costs J_tr + J_exe / yhat if yhat >= mu; LOCAL J_loc; server s takes at most
   k_s users, k_s = the most users whose largest guessed shares sum to <= 1), solved exactly.
3. Share step: water-filling for that assignment. The new yhat of a chosen edge is its
   water-filled share; for an edge (u, s) not chosen it is the share u would get if it joined
   s (water-filling of s's users plus u; the arc is closed if s would then overflow).
4. Repeat until an assignment repeats (a fixed point or a cycle) or ``max_iters``; the
   cheapest assignment seen is returned. If step 2 finds no assignment at the start, the
   solver fails (Status.FAILED).
"""

from __future__ import annotations

import time

import numpy as np

from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.solvers.heuristic_base import (
    UNASSIGNED,
    Tables,
    assign_fixed_shares,
    base_guess,
    finish,
    make_rng,
    packable,
    server_members,
    tables,
)
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL, assignment_costs, waterfill_batch

RE = "re"
AO = "ao"


def random_feasible_choice(tb: Tables, rng: np.random.Generator) -> np.ndarray | None:
    """One random feasible assignment (RE's candidate), or None if the forced users cannot
    be packed at all."""
    n_s = tb.n_servers
    load = np.zeros(n_s)
    if not packable(tb, tb.forced, load):
        return None
    choice = np.full(tb.n_users, UNASSIGNED, dtype=np.int64)
    forced = rng.permutation(tb.forced)
    free = rng.permutation(np.flatnonzero(tb.lam))
    for i, u in enumerate(forced.tolist()):
        rest = forced[i + 1:]
        ok = [s for s in np.flatnonzero(tb.usable[:, u]).tolist()
              if load[s] + tb.mu[s, u] <= 1.0 + CAPACITY_EPS
              and packable(tb, rest, _added(load, s, tb.mu[s, u]))]
        s = int(rng.choice(ok))  # non-empty: the forced users were packable before u
        choice[u] = s
        load[s] += tb.mu[s, u]
    for u in free.tolist():
        fits = tb.usable[:, u] & (load + tb.mu[:, u] <= 1.0 + CAPACITY_EPS)
        opts = [LOCAL, *np.flatnonzero(fits).tolist()]
        c = int(opts[int(rng.integers(len(opts)))])
        choice[u] = c
        if c != LOCAL:
            load[c] += tb.mu[c, u]
    return choice


def _added(load: np.ndarray, s: int, m: float) -> np.ndarray:
    out = load.copy()
    out[s] += m
    return out


def solve_re(scenario: Scenario, *, seed: int | None = 0, n_candidates: int = 8) -> Solution:
    """RE baseline: best of ``n_candidates`` random feasible assignments, water-filling
    shares. Deterministic for a given ``seed``. Status FEASIBLE (valid) or FAILED."""
    t0 = time.perf_counter()
    d = derive(scenario)
    tb = tables(d)
    rng = make_rng(seed)
    cands = [random_feasible_choice(tb, rng) for _ in range(max(int(n_candidates), 1))]
    if cands[0] is None:
        return finish(scenario, None, RE, t0)
    choices = np.stack(cands)  # type: ignore[arg-type]
    costs, _ = assignment_costs(d, choices)
    return finish(scenario, choices[int(np.argmin(costs))], RE, t0)


def join_shares(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """[S+1, U] water-filled shares: for (s, u) with u on s, u's share; for a usable (s, u)
    with u elsewhere, the share u would get if it joined s; 0 if unusable or if s would
    overflow. All candidate servers are water-filled in one batch."""
    member = server_members(tb, choice)
    out = np.zeros((tb.n_servers, tb.n_users))
    _, y_now = waterfill_batch(tb.j_exe, tb.mu, member)
    out[member] = y_now[member]
    ss, uu = np.nonzero(tb.usable & ~member)
    if ss.size:
        mem = member[ss].copy()
        mem[np.arange(ss.size), uu] = True
        _, y = waterfill_batch(tb.j_exe[ss], tb.mu[ss], mem)
        out[ss, uu] = y[np.arange(ss.size), uu]
    return np.where(np.isfinite(out), out, 0.0)


def ao_choice(tb: Tables, max_iters: int = 20) -> tuple[np.ndarray | None, int]:
    """AO iterations (module docstring). Returns (the cheapest assignment seen or None,
    iterations run)."""
    d = tb.derived
    yhat = base_guess(tb)
    seen: set[bytes] = set()
    best, best_cost, n_iter = None, np.inf, 0
    while n_iter < max(int(max_iters), 1):
        n_iter += 1
        choice = assign_fixed_shares(tb, yhat)
        if choice is None:
            break
        cost = float(assignment_costs(d, choice[None, :])[0][0])
        if cost < best_cost:
            best, best_cost = choice, cost
        key = choice.tobytes()
        if key in seen:
            break
        seen.add(key)
        yhat = join_shares(tb, choice)
    return best, n_iter


def solve_ao(scenario: Scenario, *, max_iters: int = 20) -> Solution:
    """AO baseline: alternate a fixed-share assignment solve and water-filling until the
    assignment repeats (at most ``max_iters`` rounds). Status FEASIBLE (valid) or FAILED."""
    t0 = time.perf_counter()
    best, _ = ao_choice(tables(derive(scenario)), max_iters)
    return finish(scenario, best, AO, t0)
