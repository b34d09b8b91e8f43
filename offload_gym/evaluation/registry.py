"""Policy names usable from the CLI and the harness, resolved lazily.

``get_policy(problem, "decc", rule="equal_finish")`` -> a :class:`Policy`. Entries map a
name to ``"module:factory"`` plus default keyword arguments; the factory is called as
``factory(problem=problem, **defaults, **kwargs)`` and imported only then.

Built-in names: VEC ``exact``, ``milp``, ``decc``, ``lb``, ``local``, ``all_rsus``,
``random``; LAENet ``exact``, ``brute``, ``mcmf``, ``greedy``, ``local-search``, ``re``,
``ao``, ``random``.

Hook for other packages (the ``agents`` package registers KATO, GADSG, SB3 agents)::

    from offload_gym.evaluation import register_policy
    register_policy("kato", "agents.kato:load_policy", problem="vec")

``offload_gym`` never imports ``agents`` at import time. When a name is unknown, the
registry imports the plug-in modules (``agents.policies`` by default, plus any listed in the
environment variable ``OFFLOAD_GYM_POLICY_PLUGINS``, comma-separated) once, so that their
``register_policy`` calls run, and looks again (a plug-in that fails to import is reported
with a warning and skipped). A spec may also name a factory directly:
``"agents.kato:load_policy"``.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import warnings
from typing import Any

from offload_gym.core.errors import SolverError

DEFAULT_PLUGINS = ("agents.policies",)
PLUGIN_ENV = "OFFLOAD_GYM_POLICY_PLUGINS"
_POLICY = "offload_gym.evaluation.policy"


@dataclasses.dataclass(frozen=True)
class PolicyEntry:
    name: str
    problem: str | None  # None: any problem
    target: str  # "module:factory"
    defaults: tuple[tuple[str, Any], ...] = ()
    description: str = ""

    def load(self) -> Any:
        return _import_target(self.target)


_REGISTRY: dict[tuple[str | None, str], PolicyEntry] = {}
_plugins_loaded = False


def _import_target(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def register_policy(name: str, target: str, problem: str | None = None,
                    description: str = "", **defaults: Any) -> None:
    """Register (idempotently) ``name`` -> ``"module:factory"`` for ``problem`` (None: all)."""
    _REGISTRY[(problem, name)] = PolicyEntry(name, problem, target,
                                             tuple(sorted(defaults.items())), description)


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    extra = [m.strip() for m in os.environ.get(PLUGIN_ENV, "").split(",") if m.strip()]
    for mod in (*DEFAULT_PLUGINS, *extra):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is not None and mod.startswith(exc.name):
                continue  # no such plug-in installed: nothing to register
            warnings.warn(f"policy plug-in {mod!r} could not be imported: {exc}", stacklevel=3)
        except ImportError as exc:  # a broken plug-in must not hide the built-in policies
            warnings.warn(f"policy plug-in {mod!r} could not be imported: {exc}", stacklevel=3)


def _find(problem: str, name: str) -> PolicyEntry | None:
    return _REGISTRY.get((problem, name)) or _REGISTRY.get((None, name))


def policy_entries(problem: str | None = None) -> list[PolicyEntry]:
    """Registered entries (for listing), plug-ins included."""
    _load_plugins()
    return [e for (p, _), e in sorted(_REGISTRY.items(), key=lambda kv: (str(kv[0][0]),
                                                                          kv[0][1]))
            if problem is None or p in (None, problem)]


def policy_names(problem: str) -> list[str]:
    return sorted({e.name for e in policy_entries(problem)})


def parse_policy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"decc:rule=equal_finish:mobcheck=true"`` -> ``("decc", {"rule": "equal_finish",
    "mobcheck": True})``. Values are read as JSON when they parse (numbers, true/false),
    else as strings. ``"pkg.mod:factory[:k=v...]"`` names a factory directly."""
    parts = spec.split(":")
    name, rest = parts[0], parts[1:]
    if rest and "=" not in rest[0] and "." in name:  # a direct "module:factory" target
        name, rest = f"{name}:{rest[0]}", rest[1:]
    kwargs: dict[str, Any] = {}
    for item in rest:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise SolverError(f"bad policy option {item!r} in {spec!r} (expected key=value)")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return name, kwargs


def get_policy(problem: str, spec: str, **kwargs: Any) -> Any:
    """A policy for ``problem`` from a name or spec string (see :func:`parse_policy_spec`).
    Its ``name`` is the spec string unless ``name=`` is given."""
    name, parsed = parse_policy_spec(spec)
    parsed.update(kwargs)
    parsed.setdefault("name", spec)
    if ":" in name:  # direct factory
        return _import_target(name)(problem=problem, **parsed)
    entry = _find(problem, name)
    if entry is None:
        _load_plugins()
        entry = _find(problem, name)
    if entry is None:
        raise SolverError(f"unknown policy {name!r} for problem {problem!r} (known: "
                          f"{', '.join(policy_names(problem))})")
    return entry.load()(problem=problem, **{**dict(entry.defaults), **parsed})


def _register_builtins() -> None:
    solver = f"{_POLICY}:SolverPolicy"
    vec = {"milp": "Pyomo MILP (HiGHS)", "decc": "best single RSU (DECC)",
           "lb": "load balancing by CPU (LB)", "local": "vehicle only",
           "all_rsus": "vehicle + every RSU"}
    register_policy("exact", f"{_POLICY}:VecExactPolicy", "vec",
                    "certified optimum (batched exact solver)")
    for name, desc in vec.items():
        register_policy(name, solver, "vec", desc, solver_name=name)
    register_policy("random", f"{_POLICY}:VecRandomPolicy", "vec",
                    "random selection, optimal-rule allocation")
    laenet = {"exact": "certified optimum (OA-MILP)", "brute": "enumeration (tiny scales)",
              "mcmf": "min-cost-flow heuristic", "greedy": "greedy by regret",
              "local-search": "1-move/swap local search", "re": "best of 8 random (RE)",
              "ao": "alternating optimisation (AO)"}
    for name, desc in laenet.items():
        register_policy(name, solver, "laenet", desc, solver_name=name)
    register_policy("random", f"{_POLICY}:LaenetRandomPolicy", "laenet",
                    "random feasible assignment, water-filling shares")


_register_builtins()
