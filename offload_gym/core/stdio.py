"""File-descriptor-level stdout redirection: catches what C extensions (HiGHS, ...) print,
which Python's ``sys.stdout`` redirection cannot."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


def _flush_c_stdout() -> None:
    """Flush C's stdio buffers (HiGHS writes through them), where libc is reachable."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no libc handle (e.g. Windows): nothing to do
        pass


@contextlib.contextmanager
def redirect_stdout_fd(target_fd: int) -> Iterator[None]:
    """Point file descriptor 1 at ``target_fd`` for the block (C-level output included; what
    Python's ``sys.stdout`` redirection cannot catch), then restore it. Python's and C's
    buffers are flushed on both edges so nothing crosses over. When fd 1 cannot be
    duplicated (closed), the block runs unchanged."""
    _flush_python_stdout()
    saved = _redirect(target_fd)
    if saved is None:  # fd 1 or the target is not usable: run unchanged
        yield
        return
    try:
        yield
    finally:
        _flush_python_stdout()
        _flush_c_stdout()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_python_stdout() -> None:
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):  # None, closed or detached
        pass


def _redirect(target_fd: int) -> int | None:
    """Duplicate fd 1, then point it at ``target_fd``; the saved copy, or None on failure."""
    try:
        saved = os.dup(1)
    except OSError:
        return None
    _flush_c_stdout()
    try:
        os.dup2(target_fd, 1)
    except OSError:
        os.close(saved)
        return None
    return saved


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Everything written to stdout inside the block (Python or C) goes to stderr instead;
    for commands whose stdout must be exactly their machine-readable result."""
    with redirect_stdout_fd(2):
        yield
