"""Helpers for the tests that run the ``offload-gym`` command line in-process."""

from __future__ import annotations


def one_error_line(capsys) -> str:
    """The single stderr line of a failed command (asserts there is exactly one, that it
    is the CLI's error line, that there is no traceback and that stdout stayed empty)."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("offload-gym: error: ")
    assert captured.out == ""
    return lines[0]
