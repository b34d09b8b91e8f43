"""Deprecated names kept for one release: a module whose names moved defines its
``__getattr__`` with :func:`moved`, so reading an old name warns (DeprecationWarning) naming
the new place and returns the new object (used by ``offload_gym.envs`` and the dataset
modules whose problem-specific code moved to ``offload_gym/{vec,laenet}/dataset.py``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

from offload_gym.core.problem import load_ref


def moved(module: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving ``table`` (old name -> ``"module:attr"``) with a
    DeprecationWarning naming the new place."""
    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        ref = table[name]
        warnings.warn(f"{module}.{name} is deprecated; use {ref.replace(':', '.')}",
                      DeprecationWarning, stacklevel=2)
        return load_ref(ref)
    return __getattr__
