"""Solver registry: ``(problem, name) -> "module:function"``, imported lazily.

Each problem package registers its solvers at import; the CLI and the evaluation harness
look solvers up here, so ``import offload_gym`` stays light (no Pyomo, no torch) and the
agents package can add learned solvers without the library importing it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offload_gym.core.errors import SolverError


@dataclass(frozen=True)
class SolverEntry:
    problem: str
    name: str
    target: str  # "package.module:function"
    description: str

    def load(self) -> Callable[..., Any]:
        module_name, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module_name), attr)


_REGISTRY: dict[tuple[str, str], SolverEntry] = {}


def register_solver(problem: str, name: str, target: str, description: str = "") -> None:
    """Register (or re-register, idempotently) a solver under ``(problem, name)``."""
    _REGISTRY[(problem, name)] = SolverEntry(problem, name, target, description)


def solver_names(problem: str) -> list[str]:
    _ensure_problems_loaded()
    return sorted(name for (p, name) in _REGISTRY if p == problem)


def get_solver(problem: str, name: str) -> Callable[..., Any]:
    """Return the solver function; unknown names raise SolverError listing the known ones."""
    _ensure_problems_loaded()
    entry = _REGISTRY.get((problem, name))
    if entry is None:
        known = ", ".join(solver_names(problem)) or "none"
        raise SolverError(f"unknown solver {name!r} for problem {problem!r} (known: {known})")
    return entry.load()


def entries(problem: str | None = None) -> list[SolverEntry]:
    _ensure_problems_loaded()
    return [e for (p, _), e in sorted(_REGISTRY.items()) if problem in (None, p)]


_TRAINERS: dict[str, SolverEntry] = {}


def register_trainer(name: str, target: str, description: str = "") -> None:
    """Register ``offload-gym train NAME`` -> ``"module:main"`` (``main(argv) -> int``,
    where argv starts with NAME)."""
    _TRAINERS[name] = SolverEntry("train", name, target, description)


def trainer_entries() -> list[SolverEntry]:
    _ensure_problems_loaded()
    return [e for _, e in sorted(_TRAINERS.items())]


def get_trainer(name: str) -> Callable[..., Any]:
    _ensure_problems_loaded()
    entry = _TRAINERS.get(name)
    if entry is None:
        known = ", ".join(sorted(_TRAINERS)) or "none"
        raise SolverError(f"unknown training method {name!r} (known: {known})")
    return entry.load()


def _ensure_problems_loaded() -> None:
    # Importing the problem packages runs their register_solver calls; the top-level
    # ``agents`` package (same distribution, optional) registers the learned solvers.
    for mod in ("offload_gym.vec", "offload_gym.laenet", "agents"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a problem package still under construction
            if exc.name != mod:
                raise
