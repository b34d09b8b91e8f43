"""Error types shared by both problems.

Every validation failure raises :class:`ScenarioError`, a ``ValueError`` whose message starts
with the offending field's dotted path (e.g. ``rsus.cpu_ghz[3]: must be > 0, got -1.0``), so
that a user can find the bad entry in a JSON file at once.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or solver input) is malformed; ``field`` names the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class SolverError(RuntimeError):
    """A solver could not run (unknown name, solver not installed, instance too large...)."""


class InvalidActionError(ValueError):
    """An action outside the env's action space (any mode), or a masked one under
    ``invalid_action="raise"`` (re-exported by :mod:`offload_gym.envs`)."""
