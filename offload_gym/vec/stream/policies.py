"""VECStream policies and their registry (SPEC-STREAM "Bounds and baselines").

A stream policy answers one task at a time: ``act(sim, state) -> candidate slot positions``
(``state`` is ``sim.task_state()``, the task's decision problem given the queues; ``sim`` is
the :class:`~offload_gym.vec.stream.simulator.StreamSimulator`, for policies that need the
world: positions, speeds). Every selection is timed and scored by the simulator's one step
code, so all policies are compared on equal terms.

Built-in policies (:data:`STREAM_POLICIES`, names usable by the harness and the CLI):

- ``local``: the vehicle computes everything (S = {}).
- ``nearest``: the vehicle + the nearest candidate RSU.
- ``all``: the vehicle + every candidate in range.
- ``myopic``: the exact per-task optimum given the queues (least T_S).
- ``kato`` / ``kato_plus``: the registered VEC methods on the equivalent one-shot scenario
  (``StreamSimulator.equivalent_scenario``: the vehicle at its current position, heading and
  speed, the candidates as RSUs, no queues);
  their selection is then allocated and timed with the real queues by the step code.
- ``priced`` (non-myopic, ours): least ``T_S / D + price * (RSU busy time the task adds)``
  over the selections that meet the deadline. RSU time is the shared resource every later
  task competes for; the price makes a task with slack leave fast RSUs free (computing more
  locally or on fewer RSUs) instead of grabbing every RSU that shortens its own T. With
  ``price = 0`` it is the myopic oracle. The price (reward per RSU-second) is tuned on
  training seeds by ``benchmarks/vec_stream_regime.py``.

Options are given as ``"name:key=value,key=value"`` (e.g. ``priced:price=0.2``).
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.stream.allocation import finish_time
from offload_gym.vec.stream.oracle import TaskState, myopic_exact

if TYPE_CHECKING:
    from offload_gym.vec.stream.simulator import StreamSimulator

DEFAULT_PRICE_PER_S = 0.3  # tuned on training seeds (docs/stream.md "Measured regime")
MAX_ENUMERATED = 8  # priced: every subset of at most this many candidates (2^8 = 256)


@runtime_checkable
class StreamPolicy(Protocol):
    """What the harness and the CLI call: one selection per task."""

    name: str

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        """Candidate slot positions to offload to (the vehicle always takes part)."""
        ...


@dataclass
class LocalPolicy:
    """The vehicle alone."""

    name: str = "local"

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        return ()


@dataclass
class NearestPolicy:
    """The vehicle + the nearest candidate (slot 0: candidates are sorted by distance)."""

    name: str = "nearest"

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        return (0,) if state.n_candidates else ()


@dataclass
class AllPolicy:
    """The vehicle + every candidate in range."""

    name: str = "all"

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        return tuple(range(state.n_candidates))


@dataclass
class MyopicPolicy:
    """The exact per-task optimum given the current queues."""

    name: str = "myopic"

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        return myopic_exact(state).selected


# --------------------------------------------------------------------------- priced
@lru_cache(maxsize=16)
def subset_masks(n: int) -> np.ndarray:
    """Every non-empty subset of n candidates as boolean rows [2^n - 1, n] (by size)."""
    rows = [np.isin(np.arange(n), c) for m in range(1, n + 1)
            for c in itertools.combinations(range(n), m)]
    out = np.array(rows, dtype=bool).reshape(-1, n)
    out.setflags(write=False)
    return out


def subset_outcomes(state: TaskState, masks: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time every selection of ``masks`` [S, n] at once with the exact allocation.

    Returns ``(T_s [S], q [S, n], rsu_busy_s [S, n])``: the finish time, the RSU shares and
    the RSU busy time each selection adds beyond the current queue (commit rule of
    SPEC-STREAM: RSU i is busy until t_k + max(q_i m tau_i, w_i) + q_i beta_i)."""
    m = masks.sum(axis=1).astype(np.float64)
    wide = np.broadcast_to
    shape = masks.shape
    exit_s = np.where(masks, wide(state.exit_s, shape), 0.0)  # exit 0: a dummy, no capacity
    t, _, q = finish_time(np.full(len(m), state.q_gbit), np.full(len(m), state.beta0),
                          np.full(len(m), state.w0), wide(state.beta, shape),
                          wide(state.tau, shape), wide(state.wait, shape), exit_s, m)
    q = np.where(masks, q, 0.0)
    start = np.maximum(q * m[:, None] * state.tau, state.wait)
    busy = np.where(q > 0, start + q * state.beta - state.wait, 0.0)
    return t, q, busy


@dataclass
class PricedPolicy:
    """Non-myopic: least ``T_S / D + price * sum of added RSU busy time`` among the
    selections that meet the deadline (every subset of the nearest ``MAX_ENUMERATED``
    candidates, local computing included). No selection meets the deadline -> local
    (the task fails whatever it picks and a dropped task consumes nothing).

    ``price`` is in reward per RSU-second; ``vehicle_price`` optionally prices the time added
    to the vehicle's own queue (its next tasks wait behind it)."""

    price: float = DEFAULT_PRICE_PER_S
    vehicle_price: float = 0.0
    name: str = "priced"

    def __post_init__(self) -> None:
        for key in ("price", "vehicle_price"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not np.isfinite(value) or value < 0:
                raise ScenarioError(key, f"must be a finite number >= 0, got {value!r}")

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        n = min(state.n_candidates, MAX_ENUMERATED)
        deadline = state.deadline_s
        local_t = state.local_time_s
        best_cost = np.inf
        best: tuple[int, ...] = ()
        if local_t <= deadline:
            best_cost = local_t / deadline + self.vehicle_price * state.q_gbit * state.beta0
        if n == 0:
            return best
        masks = subset_masks(n)
        sub = _head(state, n)
        t, q, busy = subset_outcomes(sub, masks)
        q0 = state.q_gbit - q.sum(axis=1)
        cost = t / deadline + self.price * busy.sum(axis=1) \
            + self.vehicle_price * np.maximum(q0, 0.0) * state.beta0
        cost = np.where(t <= deadline, cost, np.inf)
        k = int(np.argmin(cost))
        if cost[k] < best_cost:
            best = tuple(int(i) for i in np.flatnonzero(masks[k]))
        return best


def _head(state: TaskState, n: int) -> TaskState:
    """The first n candidates of ``state`` (they are sorted by distance)."""
    if n == state.n_candidates:
        return state
    from dataclasses import replace

    return replace(state, rsu=state.rsu[:n], beta=state.beta[:n], tau=state.tau[:n],
                   wait=state.wait[:n], exit_s=state.exit_s[:n],
                   distance_m=state.distance_m[:n])


# ------------------------------------------------------------------ KATO per task
@dataclass
class OneShotMethodPolicy:
    """A registered VEC method (``solve(scenario) -> Solution``) applied per task to the
    equivalent one-shot scenario; its selected RSUs are the candidate slots taken."""

    method: str = "kato"
    name: str = ""
    _solve: Callable[[Any], Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or self.method

    def act(self, sim: StreamSimulator, state: TaskState) -> tuple[int, ...]:
        if state.n_candidates == 0:
            return ()
        if self._solve is None:
            from offload_gym.core.registry import get_solver

            self._solve = get_solver("vec", self.method)
        solution = self._solve(sim.equivalent_scenario(state.task_index))
        return tuple(sorted(int(i) for i in solution.selected))


# ------------------------------------------------------------------------ registry
@dataclass(frozen=True)
class StreamPolicySpec:
    """A registered stream policy: ``factory(**defaults, **options) -> StreamPolicy``."""

    name: str
    factory: str  # "module:attr"
    description: str
    defaults: tuple[tuple[str, Any], ...] = ()
    needs: str = ""  # an optional dependency ("agents": the agents package + torch)


STREAM_POLICIES: dict[str, StreamPolicySpec] = {}


def register_stream_policy(name: str, factory: str, description: str, *, needs: str = "",
                           **defaults: Any) -> None:
    """Register (or re-register with identical hooks) a stream policy under ``name``."""
    spec = StreamPolicySpec(name, factory, description, tuple(sorted(defaults.items())), needs)
    old = STREAM_POLICIES.get(name)
    if old is not None and old != spec:
        raise ScenarioError("policy", f"stream policy {name!r} is already registered "
                                      f"with other hooks")
    STREAM_POLICIES[name] = spec


_M = "offload_gym.vec.stream.policies"
register_stream_policy("local", f"{_M}:LocalPolicy", "vehicle only")
register_stream_policy("nearest", f"{_M}:NearestPolicy", "vehicle + nearest RSU in range")
register_stream_policy("all", f"{_M}:AllPolicy", "vehicle + every RSU in range")
register_stream_policy("myopic", f"{_M}:MyopicPolicy",
                       "exact per-task optimum given the queues (least T)")
register_stream_policy("priced", f"{_M}:PricedPolicy",
                       "non-myopic: least T/D + price x added RSU busy time, deadline met")
register_stream_policy("kato", f"{_M}:OneShotMethodPolicy", "KATO on the one-shot "
                       "scenario of each task (ignores queues)", needs="agents", method="kato")
register_stream_policy("kato_plus", f"{_M}:OneShotMethodPolicy", "KATO+ on the one-shot "
                       "scenario of each task (ignores queues)", needs="agents",
                       method="kato_plus")
register_stream_policy("grlo", "agents.rl.stream:GrloStreamPolicy", "GRLO-style masked-PPO "
                       "graph agent (shipped VECStream checkpoint)", needs="agents")


def stream_policy_names(available_only: bool = False) -> list[str]:
    """Registered stream policy names (``available_only``: those whose optional dependency
    is importable)."""
    names = list(STREAM_POLICIES)
    if available_only:
        names = [n for n in names if _available(STREAM_POLICIES[n].needs)]
    return names


def _available(needs: str) -> bool:
    """Whether an optional dependency is installed (found, not imported: no torch import)."""
    if not needs:
        return True
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in (needs, "torch"))
    except (ImportError, ValueError):
        return False


def _parse_value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_policy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"name:key=value,key=value"`` -> (name, options)."""
    name, _, rest = spec.partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ScenarioError("policy", f"expected key=value in {spec!r}, got {item!r}")
        options[key.strip()] = _parse_value(value)
    return name.strip(), options


def make_stream_policy(spec: str | StreamPolicy, **options: Any) -> StreamPolicy:
    """A policy from its registered name (``"priced:price=0.2"``) or the policy itself."""
    if not isinstance(spec, str):
        return spec
    name, parsed = parse_policy_spec(spec)
    entry = STREAM_POLICIES.get(name)
    if entry is None:
        raise ScenarioError("policy", f"unknown stream policy {name!r}; choose from "
                                      f"{stream_policy_names()}")
    module, _, attr = entry.factory.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    kwargs = {**dict(entry.defaults), **parsed, **options}
    try:
        policy = factory(**kwargs)
    except TypeError as exc:
        raise ScenarioError("policy", f"{name}: {exc}") from None
    if parsed or options:
        label = ",".join(f"{k}={v}" for k, v in {**parsed, **options}.items())
        policy.name = f"{name}:{label}"
    else:
        policy.name = name
    return policy


__all__ = ["STREAM_POLICIES", "AllPolicy", "LocalPolicy", "MyopicPolicy", "NearestPolicy",
           "OneShotMethodPolicy", "PricedPolicy", "StreamPolicy", "StreamPolicySpec",
           "make_stream_policy", "parse_policy_spec",
           "register_stream_policy", "stream_policy_names", "subset_masks", "subset_outcomes"]
