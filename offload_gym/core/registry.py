"""The one methods registry: ``(problem, name) -> Method``, every hook imported lazily.

A *method* is anything that answers a problem's scenarios: an exact solver, a heuristic, a
baseline, a learned agent. Each ``(problem, name)`` is registered ONCE, with every hook it
has (all ``"module:attr"`` strings, imported on first use, so registering imports nothing):

============  =====================================================================
hook          signature
============  =====================================================================
solve         ``solve(scenario, **options) -> Solution`` (``offload-gym solve``)
solve_batch   ``solve_batch(scenarios, **options) -> list[Solution]`` (vectorised)
policy        ``factory(problem=..., name=..., **policy_defaults, **kwargs) -> Policy``
trainer       ``main(argv) -> int`` (``offload-gym train NAME ...``, argv[0] == NAME)
============  =====================================================================

A method without a ``policy`` hook is evaluated through
:class:`~offload_gym.evaluation.policy.SolverPolicy` over its ``solve`` (and
``solve_batch`` when given). ``problem=None`` registers a method for every problem.

Who registers: each problem's ``methods`` hook module (``Problem.methods``, imported on
the first query), and every callable of the ``offload_gym.methods`` entry-point group
(``pyproject.toml``; the ``agents`` package registers there), called once, on the first
query. ``import offload_gym`` registers nothing and imports neither torch nor Pyomo.
See docs/architecture.md, section "Methods registry".
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from offload_gym.core.errors import SolverError
from offload_gym.core.problem import load_ref, problems

ENTRY_POINT_GROUP = "offload_gym.methods"
# Deprecated (one release): comma-separated modules imported for their registration calls.
PLUGIN_ENV = "OFFLOAD_GYM_POLICY_PLUGINS"
# Fallback while the agents package has no entry point yet (source checkouts, old installs).
_LEGACY_PLUGINS = ("agents", "agents.policies")
HOOKS = ("solve", "solve_batch", "policy", "trainer")


class MethodRegistrationError(ValueError):
    """A ``(problem, name)`` registered a second time with different hooks."""


@dataclasses.dataclass(frozen=True)
class Method:
    """One registered method (see the module docstring for the hooks)."""

    problem: str | None  # None: every problem
    name: str
    description: str = ""
    solve: str | None = None
    solve_batch: str | None = None
    policy: str | None = None
    policy_defaults: tuple[tuple[str, Any], ...] = ()
    trainer: str | None = None
    train_description: str = ""

    def hook(self, field: str) -> Any:
        """The object a hook names, imported now (SolverError if the method lacks it)."""
        ref = getattr(self, field)
        if ref is None:
            raise SolverError(f"method {self.name!r} has no {field!r} hook")
        return load_ref(ref)

    # the pre-registry SolverEntry interface ------------------------------------------
    @property
    def target(self) -> str | None:
        return self.solve

    def load(self) -> Callable[..., Any]:
        """The solve function."""
        return self.hook("solve")


SolverEntry = Method  # the old name of a registry entry (kept one release)


@dataclasses.dataclass(frozen=True)
class Alias:
    problem: str | None
    name: str
    target: str
    deprecated: bool


_METHODS: dict[tuple[str | None, str], Method] = {}
_ALIASES: dict[tuple[str | None, str], Alias] = {}
_problem_modules_loaded: set[str] = set()
_plugins_loaded = False


# ---------------------------------------------------------------------------- registering
def register_method(problem: str | None, name: str, *, description: str = "",
                    solve: str | None = None, solve_batch: str | None = None,
                    policy: str | None = None,
                    policy_defaults: Mapping[str, Any] | None = None,
                    trainer: str | None = None, train_description: str = "") -> Method:
    """Register ``name`` for ``problem`` (None: every problem) with its hooks; returns it.

    Registering the same method again with the same hooks is a no-op; with different hooks
    it raises :class:`MethodRegistrationError` (each name is registered once)."""
    if not name or ":" in name or "," in name:
        raise MethodRegistrationError(f"method name: expected a plain name, got {name!r}")
    if not any((solve, solve_batch, policy, trainer)):
        raise MethodRegistrationError(f"method {name!r}: give at least one of {HOOKS}")
    method = Method(problem, name, description, solve, solve_batch, policy,
                    tuple(sorted((policy_defaults or {}).items())), trainer, train_description)
    old = _METHODS.get((problem, name))
    if old is not None and old != method:
        raise MethodRegistrationError(
            f"method {name!r} is already registered for problem {problem!r} with other hooks "
            f"({_hooks_text(old)}); each name is registered once")
    _METHODS[(problem, name)] = method
    return method


def register_alias(problem: str | None, name: str, target: str, *,
                   deprecated: bool = True) -> None:
    """``name`` resolves to the method ``target`` (a DeprecationWarning on use when
    ``deprecated``). Aliases are not listed by :func:`methods`."""
    _ALIASES[(problem, name)] = Alias(problem, name, target, deprecated)


def _hooks_text(m: Method) -> str:
    return ", ".join(f"{h}={getattr(m, h)}" for h in HOOKS if getattr(m, h))


def _merge(problem: str | None, name: str, **changes: Any) -> None:
    """Add hooks to a method (the deprecated one-hook-at-a-time functions below)."""
    old = _METHODS.get((problem, name)) or Method(problem, name)
    _METHODS[(problem, name)] = dataclasses.replace(
        old, **{k: v for k, v in changes.items() if v not in (None, "", ())})


def register_solver(problem: str, name: str, target: str, description: str = "") -> None:
    """Deprecated: ``register_method(problem, name, solve=target, description=...)``."""
    _merge(problem, name, solve=target, description=description)


def register_policy(name: str, target: str, problem: str | None = None,
                    description: str = "", **defaults: Any) -> None:
    """Deprecated: ``register_method(problem, name, policy=target, policy_defaults=...)``."""
    _merge(problem, name, policy=target, description=description,
           policy_defaults=tuple(sorted(defaults.items())))


def register_trainer(name: str, target: str, description: str = "") -> None:
    """Deprecated: give ``trainer=`` to :func:`register_method`. Adds the trainer to every
    method called ``name`` (or registers a problem-less one)."""
    keys = [k for k in _METHODS if k[1] == name] or [(None, name)]
    for problem, _ in keys:
        _merge(problem, name, trainer=target, train_description=description)


# ------------------------------------------------------------------------------- loading
def load_methods() -> None:
    """Import every registered problem's methods module (new problems included) and, once,
    call the ``offload_gym.methods`` entry points (plus the deprecated plug-in modules)."""
    for problem in problems():
        if problem.name not in _problem_modules_loaded:
            _problem_modules_loaded.add(problem.name)
            importlib.import_module(problem.methods)
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    found = {ep.value.partition(":")[0].split(".")[0]
             for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        _run_plugin(ep.value, lambda ep=ep: ep.load())
    legacy = [m for m in _LEGACY_PLUGINS if m.split(".")[0] not in found]
    extra = [m.strip() for m in os.environ.get(PLUGIN_ENV, "").split(",") if m.strip()]
    if extra:
        warnings.warn(f"{PLUGIN_ENV} is deprecated: register methods through the "
                      f"{ENTRY_POINT_GROUP!r} entry-point group", DeprecationWarning,
                      stacklevel=3)
    for mod in (*legacy, *extra):
        _run_plugin(mod, lambda mod=mod: importlib.import_module(mod))


def _run_plugin(ref: str, load: Callable[[], Any]) -> None:
    """Load one plug-in (calling it when it is a function); a plug-in that is not installed
    is skipped, a broken one is reported with a warning (it must not hide the others)."""
    try:
        obj = load()
        if callable(obj):
            obj()
    except ModuleNotFoundError as exc:
        if exc.name is not None and ref.startswith(exc.name):
            return  # not installed: nothing to register
        warnings.warn(f"method plug-in {ref!r} could not be loaded: {exc}", stacklevel=4)
    except (ImportError, MethodRegistrationError) as exc:
        warnings.warn(f"method plug-in {ref!r} could not be loaded: {exc}", stacklevel=4)


# ------------------------------------------------------------------------------- queries
def _lookup(problem: str, name: str) -> Method | None:
    for key in ((problem, name), (None, name)):
        if key in _METHODS:
            return _METHODS[key]
    for key in ((problem, name), (None, name)):
        alias = _ALIASES.get(key)
        if alias is not None:
            if alias.deprecated:
                warnings.warn(f"method name {name!r} ({problem}) is deprecated: use "
                              f"{alias.target!r}", DeprecationWarning, stacklevel=4)
            return _lookup(problem, alias.target)
    return None


def methods(problem: str | None = None, hook: str | None = None) -> list[Method]:
    """Registered methods of ``problem`` (None: all), those with ``hook`` only if given;
    sorted by (problem, name). Problem-less methods are listed under every problem."""
    load_methods()
    out = [m for (p, _), m in _METHODS.items()
           if (problem is None or p in (None, problem)) and (hook is None or getattr(m, hook))]
    return sorted(out, key=lambda m: (str(m.problem or ""), m.name))


def get_method(problem: str, name: str) -> Method:
    """The method ``name`` of ``problem``; unknown names raise SolverError listing the known."""
    load_methods()
    method = _lookup(problem, name)
    if method is None:
        known = ", ".join(sorted({m.name for m in methods(problem)})) or "none"
        raise SolverError(f"unknown method {name!r} for problem {problem!r} (known: {known})")
    return method


def _aliases_of(problem: str, hook: str) -> list[str]:
    out = []
    for (p, name), alias in _ALIASES.items():
        target = _lookup(problem, alias.target) if p in (None, problem) else None
        if target is not None and getattr(target, hook) and not alias.deprecated:
            out.append(name)
    return out


def solver_names(problem: str) -> list[str]:
    """Names with a ``solve`` hook (what ``offload-gym solve --solver`` accepts)."""
    return sorted(m.name for m in methods(problem, "solve"))


def entries(problem: str | None = None) -> list[Method]:
    """Methods with a ``solve`` hook (``offload-gym solvers``, the demo)."""
    return methods(problem, "solve")


def get_solver(problem: str, name: str) -> Callable[..., Any]:
    """The solve function; unknown names raise SolverError listing the known solvers."""
    load_methods()
    method = _lookup(problem, name)
    if method is None or method.solve is None:
        known = ", ".join(solver_names(problem)) or "none"
        raise SolverError(f"unknown solver {name!r} for problem {problem!r} (known: {known})")
    return method.load()


def policy_names(problem: str) -> list[str]:
    """Every name ``get_policy`` accepts for ``problem`` (every method with a solve or
    policy hook, plus the non-deprecated aliases)."""
    names = {m.name for m in methods(problem) if m.solve or m.policy}
    return sorted(names | set(_aliases_of(problem, "solve")))


def trainer_entries() -> list[Method]:
    """One entry per trainer name (``offload-gym train list``)."""
    seen: dict[str, Method] = {}
    for m in methods(hook="trainer"):
        seen.setdefault(m.name, m)
    return [seen[k] for k in sorted(seen)]


def get_trainer(name: str) -> Callable[..., Any]:
    """``offload-gym train NAME`` -> the trainer's ``main(argv)``."""
    for m in trainer_entries():
        if m.name == name:
            return m.hook("trainer")
    known = ", ".join(m.name for m in trainer_entries()) or "none"
    raise SolverError(f"unknown training method {name!r} (known: {known})")
