"""The one place that creates HiGHS instances and decides their ``threads`` option.

HiGHS keeps ONE thread scheduler per process, started by the first ``run()`` with that
run's ``threads`` option; a later run whose non-zero ``threads`` differs fails at once
(``run()`` returns kError, model status "Not Set"). ``threads = 0`` means "use the scheduler
as it is" and never conflicts. Every HiGHS this package runs, whether created directly
(:func:`new_highs`, the LAENet ``exact`` solver) or by Pyomo (``appsi_highs`` / ``highs``
through :func:`offload_gym.core.pyomo_utils.make_solver`), takes its ``threads`` value from
:func:`threads_option`:

* :data:`PREFERRED_THREADS` (1) when the scheduler is unstarted or already single-threaded:
  the package's own solves then start a single-thread scheduler, which keeps the process
  safe to ``fork`` (a forked child of a multi-thread HiGHS process hangs in its first solve)
  and keeps the dataset workers from over-subscribing the cores;
* 0 when other code in this process (a user's script, a Pyomo model solved without
  ``make_solver``) already started the scheduler with another thread count: our solvers then
  run on that scheduler instead of failing.

A forked child drops the scheduler it inherits (its threads are not copied by ``fork``), so
forking after any HiGHS run is safe; importing :mod:`offload_gym.core` registers that hook.

A run that HiGHS still refuses to start raises :class:`~offload_gym.core.errors.SolverError`
naming the cause (:func:`run_highs`), so it can never pass for a solver result. Every
instance is silent (``output_flag`` and ``log_to_console`` off), and the copyright banner
that highspy >= 1.16 prints to C-level stdout when the first instance of a process is
created is discarded (:func:`new_highs`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from offload_gym.core.errors import SolverError
from offload_gym.core.stdio import redirect_stdout_fd

if TYPE_CHECKING:  # highspy is imported where it is used: importing this module stays light
    import highspy

PREFERRED_THREADS = 1
_SILENT: dict[str, Any] = {"output_flag": False, "log_to_console": False}
_banner_done = False  # set once this module has created a HiGHS (the banner is per process)


@contextlib.contextmanager
def _stdout_discarded() -> Iterator[None]:
    with open(os.devnull, "w") as sink, redirect_stdout_fd(sink.fileno()):
        yield


def _construct() -> highspy.Highs:
    """``highspy.Highs()``; the first one this module makes has its banner discarded."""
    import highspy

    global _banner_done
    if _banner_done:
        return highspy.Highs()
    with _stdout_discarded():
        h = highspy.Highs()
    _banner_done = True
    return h


def _silence(h: highspy.Highs) -> highspy.Highs:
    for key, value in _SILENT.items():
        h.setOptionValue(key, value)
    return h


def _probe(threads: int) -> bool:
    """True when a run with this ``threads`` value is accepted now (a one-variable LP; it
    starts the scheduler with that count when none is started yet)."""
    import highspy

    h = _silence(_construct())
    h.setOptionValue("threads", threads)
    h.addVar(0.0, 1.0)
    return h.run() == highspy.HighsStatus.kOk


def threads_option() -> int:
    """The ``threads`` option for the next HiGHS run of this package (see module docstring):
    :data:`PREFERRED_THREADS` when the process's scheduler accepts it, else 0. Costs a
    trivial HiGHS run (~0.2 ms)."""
    return PREFERRED_THREADS if _probe(PREFERRED_THREADS) else 0


def solver_options() -> dict[str, Any]:
    """The options every HiGHS of this package gets: silent, threads from
    :func:`threads_option`. Pyomo's HiGHS interfaces take them as solver options."""
    return {**_SILENT, "threads": threads_option()}


def new_highs(**options: Any) -> highspy.Highs:
    """A silent ``highspy.Highs`` with the package's ``threads`` value and ``options`` set
    (names as in HiGHS's option list, e.g. ``mip_rel_gap=1e-8``)."""
    h = _construct()
    for key, value in {**solver_options(), **options}.items():
        h.setOptionValue(key, value)
    return h


def _option_value(h: highspy.Highs, name: str) -> Any:
    """An option's value (highspy >= 1.8 returns ``(status, value)``, older ones the value)."""
    got = h.getOptionValue(name)
    return got[1] if isinstance(got, tuple) else got


def run_highs(h: highspy.Highs) -> highspy.HighsStatus:
    """``h.run()``; raises SolverError when HiGHS refuses to start the run (status kError
    with model status "Not Set"), naming the thread-scheduler conflict when that is the
    cause. Other outcomes are returned for the caller to read from the model status."""
    import highspy

    status = h.run()
    if status != highspy.HighsStatus.kError or \
            h.getModelStatus() != highspy.HighsModelStatus.kNotset:
        return status
    asked = int(_option_value(h, "threads"))
    if asked != 0 and not _probe(asked):
        raise SolverError(
            f"HiGHS refused to run with threads={asked}: another HiGHS in this process "
            "already started HiGHS's process-wide thread scheduler with a different thread "
            "count (leave 'threads' to offload_gym.core.highs.new_highs, or call "
            "highspy.Highs.resetGlobalScheduler(True) first)")
    raise SolverError("HiGHS refused to run the model (run() failed before solving, model "
                      "status 'Not Set')")


def _reset_scheduler_after_fork() -> None:
    """In a forked child, drop the scheduler inherited from the parent: its worker threads
    do not exist in the child, and the child's first multi-thread solve would wait for them
    forever (e.g. dataset workers forked after a HiGHS solve). The child's next run starts a
    fresh scheduler."""
    highspy = sys.modules.get("highspy")
    reset = getattr(getattr(highspy, "Highs", None), "resetGlobalScheduler", None)
    if reset is not None:
        reset(False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_scheduler_after_fork)
