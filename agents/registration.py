"""Registers every learned method of the ``agents`` package with ``offload_gym``.

One function, :func:`register`, the ``offload_gym.methods`` entry point of this distribution
(``pyproject.toml``): ``offload_gym.core.registry`` calls it once per process, on its first
query, so ``offload_gym`` never imports this package at import time.

Each method package (``agents/kato``, ``agents/gadsg``, ``agents/rl``) declares, in its
``__init__``, without importing torch:

- ``METHODS``: method name -> one-line description (each name is a method, once);
- ``PROBLEMS``: the problems its methods solve;
- ``POLICY_MODULE``: the module defining ``solve_<method>(scenario)`` and
  ``policy_factory(problem, method, name=None, checkpoint=None, ...)``;
- ``TRAINER``: ``"module:main"`` behind ``offload-gym train <method> ...`` and
  ``TRAINER_DESCRIPTIONS`` (method -> description of the trainer).

Adding a method package = one folder with those names + one entry in :data:`METHOD_PACKAGES`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

METHOD_PACKAGES = ("agents.kato", "agents.gadsg", "agents.rl")


def method_packages() -> list[ModuleType]:
    """The method packages (their ``__init__`` only: cheap, no torch)."""
    return [importlib.import_module(name) for name in METHOD_PACKAGES]


def register() -> None:
    """Register every method once, with all its hooks: ``solve``, ``policy`` (the harness's
    factory, called with ``method=<name>``) and ``trainer`` (idempotent)."""
    from offload_gym.core.registry import register_method

    for pkg in method_packages():
        for method, description in pkg.METHODS.items():
            for problem in pkg.PROBLEMS:
                register_method(problem, method, description=description,
                                solve=f"{pkg.POLICY_MODULE}:solve_{method}",
                                policy=f"{pkg.POLICY_MODULE}:policy_factory",
                                policy_defaults={"method": method}, trainer=pkg.TRAINER,
                                train_description=pkg.TRAINER_DESCRIPTIONS[method])
