"""Solver statuses shared by every solver of both problems.

A solver maps its backend's termination condition onto exactly one of these. Only
``OPTIMAL`` certifies optimality; a time limit, an infeasible model or a backend error is
never reported as ``OPTIMAL``.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPTIMAL = "optimal"  # certified optimum (exact solvers)
    FEASIBLE = "feasible"  # a valid solution without an optimality certificate (heuristics)
    TIME_LIMIT = "time_limit"  # stopped by the time limit; best solution so far (may be none)
    INFEASIBLE = "infeasible"  # proven: no solution satisfies the constraints
    FAILED = "failed"  # a heuristic or policy found no valid solution
    ERROR = "error"  # the backend failed (crash, numerical trouble, unknown status)
