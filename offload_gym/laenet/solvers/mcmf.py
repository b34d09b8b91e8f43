"""MCMF: the paper's label generator (SPEC-LAENET.md "Reference solvers", (c)).

For K share guesses yhat per edge (default K = 64): guess 0 is yhat_e = max(mu_e, 1/deg_s)
(deg_s = number of feasible edges at server s); guesses 1..K-1 multiply it by independent
log-uniform factors in [1/3, 3] per edge (seeded), capped at 1. For each guess, solve the
min-cost flow

    source -> user u (cap 1) -> server s  cost J_tr + J_exe / yhat_(u,s)  (only if yhat >= mu)
                             -> LOCAL     cost J_loc_u                   (only if lambda_u = 1)
                             -> sink,

decode the assignment, re-optimise the shares by water-filling, drop infeasible results and
keep the cheapest.

Our reading of the server capacity (the paper does not spell it out). A flow with unit user
supplies and uncapacitated servers would just give every user its cheapest option, which at
the guessed shares ignores contention entirely (the spec measures that this "stand-alone best"
assignment is jointly infeasible in 100 % of instances). The guessed shares are what carry the
capacity: a server can host a set of users only if their yhat sum to <= 1. A sum constraint is a
knapsack, not a flow, so we turn it into an integer arc capacity k_s on server -> sink, in two
readings (``heuristic_base.slot_capacity``):

- "safe": k_s = the largest k such that the k LARGEST guessed shares on s sum to <= 1. Any k_s
  users then fit with their guessed shares, so every decoded assignment is realisable at the
  guessed shares (sum mu <= sum yhat <= 1) and its water-filled cost is <= the flow's cost.
- "optimistic": k_s = the largest k such that the k SMALLEST guessed shares sum to <= 1 (the
  most users s could host). Decoded assignments may overflow; the spec's "drop the result if
  it is infeasible" step removes them.

By default (``capacity="both"``) each guess is solved under both readings, 2K flows in all.
Measured (64 guesses, ratio to the 1-move/swap local-search cost): "optimistic" is better on
gs2 (1.03 vs 1.06 mean ratio to the optimum at gs2_gu5_au3) but at gs6/gs9 85 % of its decodes
overflow and "safe" wins; "both" takes the better of the two at twice the flow solves. With
guess 0 and no mu above 1/deg_s both readings give k_s = deg_s (the whole neighbourhood fits).
The flow itself is a transportation problem, solved exactly by
``scipy.optimize.linear_sum_assignment`` on users x (k_s slots per server + U local slots).

A guess fails if a forced user (lambda = 0) finds no usable arc or slot; if all K fail, the
solver says so (Status.FAILED) rather than inventing an answer.
"""

from __future__ import annotations

import time

import numpy as np

from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.solvers.heuristic_base import (
    CAPACITY_MODES,
    assign_fixed_shares,
    base_guess,
    finish,
    make_rng,
    tables,
)
from offload_gym.laenet.waterfill import assignment_costs

NAME = "mcmf"
PERTURB_FACTOR = 3.0  # guesses 1..K-1: yhat0 * exp(U(-ln 3, ln 3)) per edge, capped at 1


def share_guesses(base: np.ndarray, usable: np.ndarray, n_guesses: int,
                  rng: np.random.Generator) -> np.ndarray:
    """[K, S+1, U] guesses: row 0 = ``base``, the rest log-uniform perturbations of it."""
    k = max(int(n_guesses), 1)
    log_f = rng.uniform(-np.log(PERTURB_FACTOR), np.log(PERTURB_FACTOR),
                        size=(k - 1, *base.shape))
    pert = np.minimum(base[None] * np.exp(log_f), 1.0)
    return np.where(usable[None], np.concatenate([base[None], pert]), 0.0)


def solve_mcmf(scenario: Scenario, *, seed: int | None = 0, n_guesses: int = 64,
               capacity: str = "both") -> Solution:
    """The paper's MCMF label generator with ``n_guesses`` share guesses (see the module
    docstring). ``capacity``: "safe", "optimistic" or "both" (each guess solved with both
    capacity readings). Deterministic for a given ``seed``. Status FEASIBLE (valid) or
    FAILED."""
    t0 = time.perf_counter()
    d = derive(scenario)
    tb = tables(d)
    modes = CAPACITY_MODES if capacity == "both" else (capacity,)
    if any(m not in CAPACITY_MODES for m in modes):
        raise ValueError(f"capacity must be 'both' or one of {CAPACITY_MODES}, got {capacity!r}")
    guesses = share_guesses(base_guess(tb), tb.usable, n_guesses, make_rng(seed))
    decoded = [c for m in modes for c in (assign_fixed_shares(tb, g, m) for g in guesses)
               if c is not None]
    if not decoded:
        return finish(scenario, None, NAME, t0)
    choices = np.unique(np.stack(decoded), axis=0)
    costs, _ = assignment_costs(d, choices)
    best = int(np.argmin(costs))
    if not np.isfinite(costs[best]):
        return finish(scenario, None, NAME, t0)
    return finish(scenario, choices[best], NAME, t0)
