"""Policy names usable from the CLI and the harness: a view of the one methods registry
(:mod:`offload_gym.core.registry`).

``get_policy(problem, "decc:rule=equal_finish")`` -> a :class:`Policy`: the method's
``policy`` hook called as ``factory(problem=problem, name=spec, **policy_defaults,
**kwargs)`` when it has one, else a :class:`~offload_gym.evaluation.policy.SolverPolicy`
over its ``solve`` / ``solve_batch`` hooks. A spec may also name a factory directly:
``"agents.kato:load_policy"``.

Outside packages (the ``agents`` package registers KATO, GADSG, SB3 agents) register their
methods through the ``offload_gym.methods`` entry-point group; see docs/architecture.md,
"Methods registry". ``offload_gym`` never imports them at import time.
"""

from __future__ import annotations

import json
from typing import Any

from offload_gym.core import registry as _core
from offload_gym.core.errors import SolverError
from offload_gym.core.problem import load_ref
from offload_gym.core.registry import PLUGIN_ENV, Method, policy_names, register_policy

PolicyEntry = Method  # the old entry type (kept one release)

__all__ = ["PLUGIN_ENV", "PolicyEntry", "get_policy", "parse_policy_spec", "policy_entries",
           "policy_names", "register_policy"]


def policy_entries(problem: str | None = None) -> list[Method]:
    """Registered methods a policy can be built from (for listing), plug-ins included."""
    return [m for m in _core.methods(problem) if m.solve or m.policy]


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
    from offload_gym.evaluation.policy import SolverPolicy

    name, parsed = parse_policy_spec(spec)
    parsed.update(kwargs)
    parsed.setdefault("name", spec)
    if ":" in name:  # direct factory
        return load_ref(name)(problem=problem, **parsed)
    try:
        method = _core.get_method(problem, name)
    except SolverError:
        raise SolverError(f"unknown policy {name!r} for problem {problem!r} (known: "
                          f"{', '.join(policy_names(problem))})") from None
    if method.policy:
        return method.hook("policy")(problem=problem, **{**dict(method.policy_defaults),
                                                         **parsed})
    if method.solve:
        return SolverPolicy(problem, name, **parsed)
    raise SolverError(f"method {name!r} of problem {problem!r} has no policy or solve hook")
