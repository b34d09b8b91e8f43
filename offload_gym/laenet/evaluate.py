"""THE scorer of every LAENet output (SPEC-LAENET.md "Metrics", "Scoring one output").

Every solver, heuristic, env episode and agent result goes through :func:`evaluate`:

* VALID: the output meets every constraint at ``TOL`` = 1e-9 as given (LOCAL only if
  lambda = 1; offloading only via a feasible coverage edge; share y_u >= mu_e - TOL,
  0 < y_u <= 1 + TOL; per server sum y <= 1 + TOL, or sum mu <= 1 when no shares are
  given). It is scored with its own shares, or with water-filling shares if none are given.
* REPAIRED otherwise: (1) users whose choice is not a feasible edge, or LOCAL with
  lambda = 0, go on a list; (2) on every server with sum mu > 1, users are evicted in
  decreasing mu order (ties: the higher user index first) onto the list until the rest
  fits; (3) each listed user, in index order, goes LOCAL if lambda = 1, else to the
  feasible server with the most slack 1 - sum mu that fits it (ties: lower s). All shares
  are then re-water-filled and the repaired cost is scored.
* FAILED if (3) cannot place a user: cost = inf; metrics use ratio ``FAILURE_RATIO`` = 10.

Sums of mu use the project-wide tolerance ``CAPACITY_EPS`` (1e-12) of the water-filling.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.core.status import Status
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.scenario import Scenario
from offload_gym.laenet.solution import FAILED, REPAIRED, VALID, Solution
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL, assignment_cost

TOL = 1e-9
FAILURE_RATIO = 10.0


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The score of one output.

    ``choice`` / ``share``: the scored assignment (repaired if ``validity == "repaired"``;
    the input choice with all-None shares if failed). ``cost``: total objective (inf if
    failed). ``user_time_s`` / ``user_cost``: per user (NaN if failed). ``violations``:
    one string per violated constraint of the output AS GIVEN (empty iff valid).
    ``own_shares``: scored with the output's own shares. ``waterfill_cost``: cost of the
    scored assignment with water-filling shares (``cost / waterfill_cost`` is the spec's
    share-quality ratio for valid outputs). ``repaired_users``: users whose choice changed.
    """

    validity: str
    cost: float
    user_time_s: tuple[float, ...]
    user_cost: tuple[float, ...]
    choice: tuple[int, ...]
    share: tuple[float | None, ...]
    violations: tuple[str, ...]
    own_shares: bool
    waterfill_cost: float
    repaired_users: tuple[int, ...] = ()

    @property
    def valid(self) -> bool:
        return self.validity == VALID

    @property
    def failed(self) -> bool:
        return self.validity == FAILED


def evaluate(scenario: Scenario, choice: Sequence[int] | np.ndarray,
             share: Sequence[float | None] | np.ndarray | None = None) -> Evaluation:
    """Score ``choice`` (server index or -1 = LOCAL per user) and optional ``share`` (per user,
    None/NaN for local users). Malformed input (wrong length, non-integer choice, non-number
    share) raises :class:`ScenarioError`; infeasible but well-formed input is repaired."""
    d = derive(scenario)
    ch = _parse_choice(choice, d.n_users)
    y_in = None if share is None else _parse_share(share, d.n_users)

    violations: list[str] = []
    listed: list[int] = []  # step (1) of the repair rule
    for u, c in enumerate(ch):
        if c == LOCAL:
            if not d.lam[u]:
                violations.append(f"choice[{u}]: LOCAL but T_loc = {d.t_loc[u]:.6g} s > "
                                  f"deadline (lambda = 0)")
                listed.append(u)
            continue
        e = _edge(d, u, c)
        if e < 0:
            violations.append(f"choice[{u}]: ({u}, {c}) is not a coverage edge")
            listed.append(u)
        elif not d.feasible[e]:
            violations.append(f"choice[{u}]: edge ({u}, {c}) cannot meet the deadline")
            listed.append(u)
    on_server = _members(d, ch, set(listed))
    for s, users in enumerate(on_server):
        load = _load(d, ch, users)
        if load > 1.0 + CAPACITY_EPS:
            violations.append(f"server[{s}]: sum of mu = {load:.12g} > 1 (capacity)")

    if y_in is not None and not violations:
        violations.extend(_share_violations(d, ch, y_in, on_server))

    if not violations:
        if y_in is None:
            cost, y = assignment_cost(d, np.array(ch))
            return _scored(d, VALID, ch, y, (), own=False, wf_cost=cost)
        wf_cost, _ = assignment_cost(d, np.array(ch))
        return _scored(d, VALID, ch, y_in, (), own=True, wf_cost=wf_cost)

    repaired = _repair(d, ch, listed)
    if repaired is None:
        nan = (math.nan,) * d.n_users
        return Evaluation(FAILED, math.inf, nan, nan, ch, (None,) * d.n_users,
                          tuple(violations), own_shares=False, waterfill_cost=math.inf)
    cost, y = assignment_cost(d, np.array(repaired))
    changed = tuple(u for u in range(d.n_users) if repaired[u] != ch[u])
    return _scored(d, REPAIRED, repaired, y, tuple(violations), own=False, wf_cost=cost,
                   changed=changed)


_KEYWORD_ONLY = ("solver", "status", "wall_time_s")


def make_solution(
    scenario: Scenario,
    choice: Sequence[int] | np.ndarray | None,
    share: Sequence[float | None] | np.ndarray | None,
    *legacy: Any,
    solver: str | None = None,
    status: Status | str | None = None,
    wall_time_s: float | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    gap: float | None = None,
    iterations: int | None = None,
) -> Solution:
    """A :class:`Solution` scored by :func:`evaluate`. ``choice=None`` (the method produced
    nothing, e.g. INFEASIBLE) gives a failed solution with empty tuples.

    ``solver``, ``status`` and ``wall_time_s`` are required and keyword-only, as in VEC's
    ``make_solution``; the old positional form ``make_solution(scenario, choice, share,
    solver, status, wall_time_s)`` still works for one release with a DeprecationWarning.

    The status is kept, except that a FAILED output is reported with Status.FAILED unless
    the solver said INFEASIBLE / TIME_LIMIT / ERROR, and a REPAIRED output never keeps
    OPTIMAL (it becomes FEASIBLE: the repaired cost is not certified)."""
    solver, status, wall_time_s = _keyword_only(legacy, solver, status, wall_time_s)
    status = Status(status)
    bounds: dict[str, Any] = {"lower_bound": lower_bound, "upper_bound": upper_bound,
                              "gap": gap, "iterations": iterations}
    if choice is None:
        if status in (Status.OPTIMAL, Status.FEASIBLE):
            status = Status.FAILED
        return Solution((), (), math.inf, (), (), FAILED, solver, status, float(wall_time_s),
                        **bounds)
    ev = evaluate(scenario, choice, share)
    if ev.validity == FAILED and status in (Status.OPTIMAL, Status.FEASIBLE):
        status = Status.FAILED
    elif ev.validity == REPAIRED and status == Status.OPTIMAL:
        status = Status.FEASIBLE
    return Solution(ev.choice, ev.share, ev.cost, ev.user_time_s, ev.user_cost, ev.validity,
                    solver, status, float(wall_time_s), **bounds)


def _keyword_only(legacy: tuple[Any, ...], *given: Any) -> tuple[Any, ...]:
    """(solver, status, wall_time_s) of :func:`make_solution`, filled from the deprecated
    positional arguments ``legacy`` where given so; each is required."""
    if len(legacy) > len(_KEYWORD_ONLY):
        raise TypeError(f"make_solution: takes 3 positional arguments (scenario, choice, "
                        f"share), got {3 + len(legacy)}")
    values = list(given)
    if legacy:
        import warnings

        warnings.warn("laenet.make_solution(scenario, choice, share, solver, status, "
                      "wall_time_s) is deprecated: pass solver=, status=, wall_time_s= by "
                      "keyword (as vec.make_solution)", DeprecationWarning, stacklevel=3)
    for i, value in enumerate(legacy):
        if values[i] is not None:
            raise TypeError(f"make_solution: got multiple values for {_KEYWORD_ONLY[i]!r}")
        values[i] = value
    missing = [name for name, value in zip(_KEYWORD_ONLY, values, strict=True) if value is None]
    if missing:
        raise TypeError(f"make_solution: missing keyword argument(s) {', '.join(missing)}")
    return tuple(values)


# ------------------------------------------------------------------------------ helpers
def _parse_choice(choice: Any, n_users: int) -> tuple[int, ...]:
    values = np.asarray(choice).ravel().tolist() if isinstance(choice, np.ndarray) else choice
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ScenarioError("choice", f"expected a list of {n_users} ints, got "
                                      f"{type(choice).__name__}")
    if len(values) != n_users:
        raise ScenarioError("choice", f"expected {n_users} entries, got {len(values)}")
    out = []
    for u, c in enumerate(values):
        if isinstance(c, bool) or not isinstance(c, int | np.integer | float | np.floating) or (
            isinstance(c, float | np.floating) and not (math.isfinite(c) and float(c).is_integer())
        ):
            raise ScenarioError(f"choice[{u}]", f"expected an int (server or -1), got {c!r}")
        out.append(int(c))
    return tuple(out)


def _parse_share(share: Any, n_users: int) -> np.ndarray:
    values = np.asarray(share, dtype=object).ravel().tolist() \
        if isinstance(share, np.ndarray) else share
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ScenarioError("share", f"expected a list of {n_users} numbers or nulls")
    if len(values) != n_users:
        raise ScenarioError("share", f"expected {n_users} entries, got {len(values)}")
    out = np.full(n_users, np.nan)
    for u, y in enumerate(values):
        if y is None:
            continue
        if isinstance(y, bool) or not isinstance(y, int | float | np.integer | np.floating):
            raise ScenarioError(f"share[{u}]", f"expected a number or null, got {y!r}")
        out[u] = float(y)
    return out


def _edge(d: Derived, u: int, s: int) -> int:
    return int(d.edge_id[u, s]) if 0 <= s < d.n_servers else -1


def _members(d: Derived, ch: tuple[int, ...], excluded: set[int]) -> list[list[int]]:
    on_server: list[list[int]] = [[] for _ in range(d.n_servers)]
    for u, c in enumerate(ch):
        if c != LOCAL and u not in excluded:
            on_server[c].append(u)
    return on_server


def _load(d: Derived, ch: Sequence[int], users: list[int]) -> float:
    return float(sum(d.mu[d.edge_id[u, ch[u]]] for u in users))


def _share_violations(d: Derived, ch: tuple[int, ...], y: np.ndarray,
                      on_server: list[list[int]]) -> list[str]:
    out = []
    for s, users in enumerate(on_server):
        for u in users:
            mu = d.mu[d.edge_id[u, s]]
            if not math.isfinite(y[u]):
                out.append(f"share[{u}]: missing for an offloaded user")
            elif y[u] <= 0.0 or y[u] > 1.0 + TOL:
                out.append(f"share[{u}]: {y[u]:.12g} is outside (0, 1]")
            elif y[u] < mu - TOL:
                out.append(f"share[{u}]: {y[u]:.12g} < mu = {mu:.12g} (deadline)")
        total = float(np.sum(y[users])) if users else 0.0
        if users and total > 1.0 + TOL:
            out.append(f"server[{s}]: sum of shares = {total:.12g} > 1 (capacity)")
    return out


def _repair(d: Derived, ch: tuple[int, ...], listed: list[int]) -> tuple[int, ...] | None:
    """The spec's 3-step repair; None if step (3) cannot place a listed user."""
    new = list(ch)
    listed_set = set(listed)
    on_server = _members(d, ch, listed_set)
    load = [0.0] * d.n_servers
    for s, users in enumerate(on_server):
        # (2) evict in decreasing mu (ties: the higher user index goes first).
        keep = sorted(users, key=lambda u: (-d.mu[d.edge_id[u, s]], -u))
        while keep and _load(d, new, keep) > 1.0 + CAPACITY_EPS:
            listed_set.add(keep.pop(0))
        load[s] = _load(d, new, keep)
    for u in sorted(listed_set):  # (3)
        if d.lam[u]:
            new[u] = LOCAL
            continue
        best, best_slack = None, -math.inf
        for e in d.user_edges[u]:
            if not d.feasible[e]:
                continue
            s = int(d.edge_server[e])
            if load[s] + d.mu[e] <= 1.0 + CAPACITY_EPS and 1.0 - load[s] > best_slack:
                best, best_slack = s, 1.0 - load[s]
        if best is None:
            return None
        new[u] = best
        load[best] += float(d.mu[d.edge_id[u, best]])
    return tuple(new)


def _scored(d: Derived, validity: str, ch: tuple[int, ...], y: np.ndarray,
            violations: tuple[str, ...], *, own: bool, wf_cost: float,
            changed: tuple[int, ...] = ()) -> Evaluation:
    time_s = d.t_loc.astype(np.float64).copy()
    cost = d.j_loc.astype(np.float64).copy()
    share: list[float | None] = [None] * d.n_users
    for u, c in enumerate(ch):
        if c == LOCAL:
            continue
        e = d.edge_id[u, c]
        time_s[u] = d.t_tr[e] + d.t_exe[e] / y[u]
        cost[u] = d.j_tr[e] + d.j_exe[e] / y[u]
        share[u] = float(y[u])
    return Evaluation(validity, float(cost.sum()), tuple(time_s.tolist()),
                      tuple(cost.tolist()), ch, tuple(share), violations, own, float(wf_cost),
                      changed)
