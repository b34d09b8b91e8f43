"""The one ``Policy`` protocol every method is evaluated through, and its adapters.

A policy has a ``name``, a ``problem`` (a registered problem's name), ``act(scenario) ->
Solution`` and ``act_batch(scenarios) -> list[Solution]``. :class:`BasePolicy` gives the
default ``act_batch`` (a loop); vectorised methods override it.

:class:`SolverPolicy` wraps any registered method's ``solve`` hook, and its ``solve_batch``
hook when the method has one (the VEC exact solver does). Problem-specific policies (the
random baselines) live with their problem (``offload_gym/<problem>/policies.py``) and are
registered as the method's ``policy`` hook; agents (``agents/``) implement the same
protocol. See :mod:`offload_gym.core.registry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from offload_gym.core.problem import load_ref


@runtime_checkable
class Policy(Protocol):
    """What the evaluation harness needs from a method."""

    name: str
    problem: str

    def act(self, scenario: Any) -> Any:
        """One scenario -> the problem's Solution."""
        ...

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        """Many scenarios -> one Solution each, in order."""
        ...


class BasePolicy:
    """Convenience base: ``act_batch`` loops over ``act``."""

    name: str = "policy"
    problem: str = ""

    def act(self, scenario: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        return [self.act(s) for s in scenarios]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, problem={self.problem!r})"


def has_batched_act(policy: Any) -> bool:
    """True if ``policy`` has a real batched path: its ``batched`` attribute when it has
    one, else whether it overrides the looping ``act_batch`` of :class:`BasePolicy`."""
    flag = getattr(policy, "batched", None)
    if flag is not None:
        return bool(flag)
    impl = getattr(type(policy), "act_batch", None)
    return impl is not None and impl is not BasePolicy.act_batch


class SolverPolicy(BasePolicy):
    """Any registered solver as a policy: ``act(s) = get_solver(problem, solver)(s, **kw)``.

    The solver function is looked up on first use, so constructing the policy never imports
    a solver module."""

    def __init__(self, problem: str, solver_name: str, name: str | None = None,
                 **solver_kwargs: Any) -> None:
        self.problem = problem
        self.solver_name = solver_name
        self.solver_kwargs = solver_kwargs
        self.name = name or solver_name
        self._fn: Any = None
        self._batch_fn: Any = None

    @property
    def fn(self) -> Any:
        if self._fn is None:
            from offload_gym.core.registry import get_solver

            self._fn = get_solver(self.problem, self.solver_name)
        return self._fn

    @property
    def batch_fn(self) -> Any:
        """The method's ``solve_batch`` hook, or None (``act_batch`` then loops)."""
        if self._batch_fn is None:
            from offload_gym.core.registry import get_method

            ref = get_method(self.problem, self.solver_name).solve_batch
            self._batch_fn = load_ref(ref) if ref else False
        return self._batch_fn or None

    @property
    def batched(self) -> bool:
        """True when the method has a vectorised ``solve_batch`` hook."""
        return self.batch_fn is not None

    def act(self, scenario: Any) -> Any:
        return self.fn(scenario, **self.solver_kwargs)

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        if self.batch_fn is None:
            return super().act_batch(scenarios)
        return list(self.batch_fn(list(scenarios), **self.solver_kwargs))



# Moved to their problem packages; the old names keep working one release.
_MOVED = {"VecExactPolicy": "offload_gym.vec.policies",
          "VecRandomPolicy": "offload_gym.vec.policies",
          "LaenetRandomPolicy": "offload_gym.laenet.policies"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib
        import warnings

        warnings.warn(f"offload_gym.evaluation.policy.{name} moved to {_MOVED[name]}",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
