"""Greedy by regret and 1-move / swap local search (SPEC-LAENET.md "Reference solvers", (c)).

Greedy: users are placed one at a time, the forced users (lambda = 0) first. At each step
every unplaced user of the current group gets the marginal cost of each of its options
given the partial assignment (LOCAL: J_loc; server s: J_tr + Phi_s(members + u) -
Phi_s(members), Phi by water-filling, inf if the server would overflow: sum mu > 1). The user
with the largest regret (second-best minus best marginal cost; inf if it has one option left)
takes its best option. Feasibility is kept: a forced user may only take a server if the
forced users still unplaced can then be packed (exact DFS); other users can always go LOCAL.

Local search: from the greedy solution (or ``start``), evaluate the whole neighbourhood in
one vectorised batch (``assignment_costs``): every 1-move (a user to another of its options)
and every swap (two users with different choices exchange them, when each choice is an
option of the other user); infeasible neighbours cost inf. Best improvement: take the
cheapest neighbour while it lowers the cost by more than a relative 1e-12; stop at a local
optimum or after ``max_rounds`` moves. The result is never worse than the start.
"""

from __future__ import annotations

import time

import numpy as np

from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.solvers.heuristic_base import (
    IMPROVE_RTOL,
    UNASSIGNED,
    Tables,
    choice_to_column,
    finish,
    marginal_costs,
    packable,
    server_load,
    tables,
)
from offload_gym.laenet.waterfill import LOCAL, assignment_cost, assignment_costs

GREEDY = "greedy"
LOCAL_SEARCH = "local-search"


def greedy_choice(tb: Tables) -> np.ndarray | None:
    """The regret-greedy assignment [U] (see the module docstring), or None if a forced user
    cannot be placed (which happens only if the instance is infeasible)."""
    n_s = tb.n_servers
    choice = np.full(tb.n_users, UNASSIGNED, dtype=np.int64)
    forced = set(tb.forced.tolist())
    groups = [sorted(forced), [u for u in range(tb.n_users) if u not in forced]]
    for is_forced, group in zip((True, False), groups, strict=True):
        if is_forced and not packable(tb, group, np.zeros(n_s)):
            return None
        remaining = list(group)
        while remaining:
            users = np.array(remaining, dtype=np.int64)
            mc = marginal_costs(tb, choice, users)
            if is_forced:
                _keep_forced_packable(tb, choice, users, mc)
            best = mc.min(axis=1)
            if not np.all(np.isfinite(best)):
                return None
            second = np.partition(mc, 1, axis=1)[:, 1] if mc.shape[1] > 1 else best + np.inf
            regret = np.where(np.isfinite(second), second - best, np.inf)
            # Largest regret; ties: the cheaper best option, then the lower index.
            k = int(np.lexsort((users, best, -regret))[0])
            col = int(np.argmin(mc[k]))
            choice[users[k]] = LOCAL if col == n_s else col
            remaining.remove(int(users[k]))
    return choice


def _keep_forced_packable(tb: Tables, choice: np.ndarray, users: np.ndarray,
                          mc: np.ndarray) -> None:
    """Set mc[i, s] = inf where putting forced user users[i] on s would leave the other
    unplaced forced users unpackable (in place)."""
    load = server_load(tb, choice)
    for i, u in enumerate(users.tolist()):
        others = [int(v) for v in users if v != u]
        for s in np.flatnonzero(np.isfinite(mc[i, :-1])):
            trial = load.copy()
            trial[s] += tb.mu[s, u]
            if not packable(tb, others, trial):
                mc[i, s] = np.inf


def neighbours(tb: Tables, choice: np.ndarray) -> np.ndarray:
    """All 1-move and swap neighbours of a full assignment: [N, U] (may contain infeasible
    rows; they cost inf in ``assignment_costs``)."""
    n_s, n_u = tb.n_servers, tb.n_users
    col = choice_to_column(tb, choice)
    # 1-moves: every option column other than the current one.
    allowed = tb.options.copy()
    allowed[np.arange(n_u), col] = False
    mu_, mc_ = np.nonzero(allowed)
    moves = np.repeat(choice[None, :], mu_.size, axis=0)
    moves[np.arange(mu_.size), mu_] = np.where(mc_ == n_s, LOCAL, mc_)
    # Swaps: u < v, different choices, each choice an option of the other user.
    uu, vv = np.triu_indices(n_u, k=1)
    ok = (col[uu] != col[vv]) & tb.options[uu, col[vv]] & tb.options[vv, col[uu]]
    uu, vv = uu[ok], vv[ok]
    swaps = np.repeat(choice[None, :], uu.size, axis=0)
    idx = np.arange(uu.size)
    swaps[idx, uu] = choice[vv]
    swaps[idx, vv] = choice[uu]
    return np.concatenate([moves, swaps], axis=0)


def local_search_choice(tb: Tables, start: np.ndarray,
                        max_rounds: int = 1000) -> tuple[np.ndarray, float, int]:
    """Best-improvement 1-move/swap descent from a feasible ``start``.
    Returns (choice, cost, moves made)."""
    d = tb.derived
    choice = np.asarray(start, dtype=np.int64).copy()
    cost, _ = assignment_cost(d, choice)
    rounds = 0
    while rounds < max_rounds:
        cand = neighbours(tb, choice)
        if cand.shape[0] == 0:
            break
        costs, _ = assignment_costs(d, cand)
        k = int(np.argmin(costs))
        if not costs[k] < cost - IMPROVE_RTOL * max(1.0, abs(cost)):
            break
        choice, cost = cand[k], float(costs[k])
        rounds += 1
    return choice, cost, rounds


def solve_greedy(scenario: Scenario) -> Solution:
    """Greedy by regret (module docstring). Status FEASIBLE (valid) or FAILED."""
    t0 = time.perf_counter()
    return finish(scenario, greedy_choice(tables(derive(scenario))), GREEDY, t0)


def solve_local_search(scenario: Scenario, *, start: np.ndarray | list[int] | None = None,
                       max_rounds: int = 1000) -> Solution:
    """1-move/swap best-improvement local search from ``start`` (default: the greedy
    solution; an infeasible ``start`` falls back to greedy). Never worse than its start.
    Status FEASIBLE (valid) or FAILED."""
    t0 = time.perf_counter()
    d = derive(scenario)
    tb = tables(d)
    init = None
    if start is not None:
        init = np.asarray(start, dtype=np.int64).ravel()
        if init.size != d.n_users or not np.isfinite(assignment_cost(d, init)[0]):
            init = None
    if init is None:
        init = greedy_choice(tb)
    if init is None:
        return finish(scenario, None, LOCAL_SEARCH, t0)
    choice, _, _ = local_search_choice(tb, init, max_rounds)
    return finish(scenario, choice, LOCAL_SEARCH, t0)
