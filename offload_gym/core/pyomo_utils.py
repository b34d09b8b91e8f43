"""Problem-agnostic helpers for the Pyomo models of both problems (VEC and LAENet).

``make_solver(name, time_limit_s)`` creates a Pyomo solver by name through the legacy
``SolverFactory`` API, whichever interface family the name belongs to:

- APPSI (``appsi_highs``, the default),
- the newer ``pyomo.contrib.solver`` interfaces (``highs``, ``scip_direct``,
  ``scip_persistent``; SCIP through pyscipopt),
- the classic shell/direct interfaces (``gurobi``, ``gurobi_direct``, ``cplex``,
  ``cplex_direct``, ``cbc``, ``glpk``).

An unknown or unavailable name raises :class:`~offload_gym.core.errors.SolverError` that
names it and lists the solvers usable on this machine. Time limit and relative MIP gap are
set through each backend's own option name (``_TIME_LIMIT_OPTION``, ``_MIP_GAP_OPTION``).
The HiGHS interfaces also get the package-wide HiGHS options (silent, one ``threads`` value
for every HiGHS of the process; :mod:`offload_gym.core.highs`).

``solve_model(model, solver)`` solves and maps Pyomo's termination condition onto
:class:`~offload_gym.core.status.Status` explicitly:

=====================================  ======================================================
Pyomo termination condition            Status
=====================================  ======================================================
``optimal`` (with a solution)          ``OPTIMAL``
``maxTimeLimit``                       ``TIME_LIMIT`` (objective/bound/gap when the backend
                                       reports them; objective None when no incumbent)
``infeasible``                         ``INFEASIBLE``
``infeasibleOrUnbounded``              ``INFEASIBLE`` only if the caller says the model is
                                       bounded (``bounded=True``), else ``ERROR``
anything else, or an exception         ``ERROR`` (message says why)
=====================================  ======================================================

An infeasible or non-optimal solve therefore never looks ``OPTIMAL``. Pyomo is imported
lazily, inside the functions, so importing this module stays light.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status

# The Pyomo solver names that run HiGHS (:mod:`offload_gym.core.highs` sets their options).
PYOMO_HIGHS_SOLVERS = frozenset({"appsi_highs", "highs"})
DEFAULT_SOLVER = "appsi_highs"

# Every name this module knows, in the order they are listed to the user.
KNOWN_SOLVERS: tuple[str, ...] = (
    "appsi_highs", "highs", "scip_direct", "scip_persistent", "gurobi", "gurobi_direct",
    "cplex", "cplex_direct", "cbc", "glpk",
)

# Each backend's own name for the wall-clock limit (seconds) ...
_TIME_LIMIT_OPTION: dict[str, str] = {
    "appsi_highs": "time_limit", "highs": "time_limit",
    "scip_direct": "limits/time", "scip_persistent": "limits/time",
    "gurobi": "TimeLimit", "gurobi_direct": "TimeLimit",
    "cplex": "timelimit", "cplex_direct": "timelimit",
    "cbc": "sec", "glpk": "tmlim",
}
# ... and for the relative MIP gap at which it may stop and call the incumbent optimal.
_MIP_GAP_OPTION: dict[str, str] = {
    "appsi_highs": "mip_rel_gap", "highs": "mip_rel_gap",
    "scip_direct": "limits/gap", "scip_persistent": "limits/gap",
    "gurobi": "MIPGap", "gurobi_direct": "MIPGap",
    "cplex": "mipgap", "cplex_direct": "mip_tolerances_mipgap",
    "cbc": "ratio", "glpk": "mipgap",
}
# glpk takes whole seconds
_INTEGER_SECONDS = frozenset({"glpk"})
_NAME_ATTR = "_offload_gym_solver_name"


@dataclass(frozen=True)
class SolveOutcome:
    """What one solve gave, backend-independent.

    ``objective``: the incumbent's objective (its values are loaded into the model), None
    when there is none. ``bound``: the best proven bound on the objective (a lower bound
    when minimising), None when unknown. ``gap``: |objective - bound| / max(|objective|,
    1e-12), None when either is missing. ``termination``: Pyomo's raw termination condition.
    """

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    message: str
    termination: str = ""


def _factory_available(name: str) -> bool:
    """True when Pyomo knows ``name`` and the backend is installed and licensed."""
    import pyomo.environ as pyo

    try:
        solver = pyo.SolverFactory(name)
        if solver is None or type(solver).__name__ == "UnknownSolver":
            return False
        return bool(solver.available(exception_flag=False))
    except Exception:  # a broken installation counts as unavailable
        return False


def available_solvers() -> list[str]:
    """The names in :data:`KNOWN_SOLVERS` that can be used on this machine."""
    return [name for name in KNOWN_SOLVERS if _factory_available(name)]


def make_solver(name: str = DEFAULT_SOLVER, time_limit_s: float | None = None,
                mip_rel_gap: float | None = None, options: dict[str, Any] | None = None
                ) -> Any:
    """A Pyomo solver object (legacy ``SolverFactory`` API) for ``name``.

    ``time_limit_s`` and ``mip_rel_gap`` are passed under the backend's own option name;
    ``options`` are further backend options, passed as given. Raises SolverError for a name
    outside :data:`KNOWN_SOLVERS` or a backend that is not available here."""
    import pyomo.environ as pyo

    if name not in KNOWN_SOLVERS:
        raise SolverError(f"unknown Pyomo solver {name!r} (known: {', '.join(KNOWN_SOLVERS)}; "
                          f"available here: {', '.join(available_solvers()) or 'none'})")
    if not _factory_available(name):
        raise SolverError(f"Pyomo solver {name!r} is not available on this machine "
                          f"(available here: {', '.join(available_solvers()) or 'none'})")
    solver = pyo.SolverFactory(name)
    object.__setattr__(solver, _NAME_ATTR, name)
    _set_highs_options(solver)
    if mip_rel_gap is not None:
        solver.options[_MIP_GAP_OPTION[name]] = float(mip_rel_gap)
    set_time_limit(solver, time_limit_s)
    for key, value in (options or {}).items():
        solver.options[key] = value
    return solver


def _set_highs_options(solver: Any) -> None:
    """For the HiGHS interfaces: the package-wide HiGHS options (silent; ``threads`` from
    :func:`offload_gym.core.highs.threads_option`, so a Pyomo HiGHS and a direct highspy one
    in the same process never ask HiGHS's per-process scheduler for different counts)."""
    if solver_name(solver) not in PYOMO_HIGHS_SOLVERS:
        return
    from offload_gym.core.highs import solver_options

    for key, value in solver_options().items():
        solver.options[key] = value


def solver_name(solver: Any) -> str:
    """The name a solver was made with by :func:`make_solver`."""
    try:
        return getattr(solver, _NAME_ATTR)
    except AttributeError:
        raise SolverError("solver objects must come from offload_gym.core.pyomo_utils."
                          "make_solver") from None


def set_time_limit(solver: Any, time_limit_s: float | None) -> None:
    """Set (or, with None, remove) the wall-clock limit under the backend's option name."""
    key = _TIME_LIMIT_OPTION[solver_name(solver)]
    if time_limit_s is None:
        if key in solver.options:
            del solver.options[key]
        return
    if not time_limit_s > 0:
        raise SolverError(f"time_limit_s must be > 0, got {time_limit_s}")
    value: float | int = float(time_limit_s)
    if solver_name(solver) in _INTEGER_SECONDS:
        value = max(1, math.ceil(value))
    solver.options[key] = value


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence one logger's warnings for the duration of the block."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _objective(model: Any) -> Any:
    import pyomo.environ as pyo

    objs = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objs) != 1:
        raise SolverError(f"the model must have exactly one active objective, has {len(objs)}")
    return objs[0]


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-12), or None if either is missing."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-12)


def solve_model(model: Any, solver: Any, *, time_limit_s: float | None = None,
                tee: bool = False, bounded: bool = False) -> SolveOutcome:
    """Solve ``model`` and report a :class:`SolveOutcome` (mapping in the module docstring).

    ``time_limit_s`` (when given) replaces the solver's limit for this solve. ``bounded``:
    the caller guarantees the objective is bounded on the feasible set (e.g. every variable
    has finite bounds), so ``infeasibleOrUnbounded`` can only mean infeasible. Exceptions
    raised by the backend become ``Status.ERROR``; nothing here raises for a failed solve."""
    import pyomo.environ as pyo
    from pyomo.opt import TerminationCondition as TC

    obj = _objective(model)
    minimise = obj.sense == pyo.minimize
    if time_limit_s is not None:
        set_time_limit(solver, time_limit_s)
    name = solver_name(solver)
    _set_highs_options(solver)  # the scheduler may have been started since make_solver
    try:
        results = solver.solve(model, load_solutions=False, tee=tee)
    except Exception as exc:  # the backend crashed or refused the model
        return SolveOutcome(Status.ERROR, None, None, None,
                            f"{name} raised {type(exc).__name__}: {exc}", "exception")
    tc = results.solver.termination_condition
    term = str(tc.value if hasattr(tc, "value") else tc)
    message = f"{name}: termination condition {term!r}"
    extra = getattr(results.solver, "termination_message", None) or getattr(
        results.solver, "message", None)
    if extra and term not in str(extra):
        message += f" ({extra})"

    if tc == TC.infeasible or (tc == TC.infeasibleOrUnbounded and bounded):
        return SolveOutcome(Status.INFEASIBLE, None, None, None, message, term)
    if tc not in (TC.optimal, TC.maxTimeLimit):
        return SolveOutcome(Status.ERROR, None, None, None, message, term)

    objective = None
    if len(results.solution) > 0:
        try:
            with _quiet("pyomo.core"):  # "loading ... an 'aborted' status": expected here
                model.solutions.load_from(results)
            objective = _finite(pyo.value(obj, exception=False))
        except Exception as exc:
            return SolveOutcome(Status.ERROR, None, None, None,
                                f"{message}; loading the solution failed: {exc}", term)
    problem = results.problem
    bound = _finite(problem.lower_bound if minimise else problem.upper_bound)
    if tc == TC.optimal:
        if objective is None:
            return SolveOutcome(Status.ERROR, None, bound, None,
                                f"{message}, but no solution was returned", term)
        if bound is None:
            bound = objective
        return SolveOutcome(Status.OPTIMAL, objective, bound, relative_gap(objective, bound),
                            message, term)
    return SolveOutcome(Status.TIME_LIMIT, objective, bound, relative_gap(objective, bound),
                        message, term)
