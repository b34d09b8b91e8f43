"""JSON helpers: strict parsing (NaN/Infinity literals rejected) and numpy-aware dumping.

Every JSON file the package reads from a user (scenario files, scenario sets for the envs,
dataset cards) goes through :func:`load_file` or :func:`load_jsonl`: the file must be
UTF-8 text (a leading byte-order mark is ignored), and every problem (missing,
unreadable, not UTF-8, malformed, nested deeper than the decoder can go) raises a
:class:`ScenarioError` whose one-line message names the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError


def _where(source: str | None) -> str:
    return f" in {source}" if source else ""


def loads(text: str, source: str | None = None) -> Any:
    """Parse JSON text; malformed or too deeply nested text raises ScenarioError('json',
    ...), naming ``source`` (a file name) when given."""
    def reject_constant(name: str) -> Any:
        raise ScenarioError("json", f"non-standard literal {name} is not allowed"
                                    f"{_where(source)}")

    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError("json", f"malformed JSON{_where(source)} ({exc.msg} at line "
                                    f"{exc.lineno} column {exc.colno})") from None
    except RecursionError:  # the decoder recurses once per level of [ or {
        raise ScenarioError("json", f"arrays/objects nested too deeply{_where(source)}"
                            ) from None


def decode_utf8(data: bytes, source: str) -> str:
    """UTF-8 text of ``data`` (a leading byte-order mark is dropped); anything else raises
    ScenarioError('json', ...) naming ``source`` and the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError("json", f"{source} is not UTF-8 text (byte "
                                    f"0x{data[exc.start]:02x} at offset {exc.start}: "
                                    f"{exc.reason})") from None


def read_text(path: str | Path) -> str:
    """The UTF-8 text of a file; a missing, unreadable or non-UTF-8 file raises
    ScenarioError('path' or 'json', ...) naming it."""
    p = Path(path)
    if p.is_dir():
        raise ScenarioError("path", f"{p} is a directory, not a JSON file")
    if not p.is_file():
        raise ScenarioError("path", f"no such file: {p}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScenarioError("path", f"cannot read {p} ({exc.strerror or exc})") from None
    return decode_utf8(data, str(p))


def load_file(path: str | Path) -> Any:
    """Read and parse a JSON file (see the module docstring for what is refused)."""
    return loads(read_text(path), source=str(path))


def load_jsonl(path: str | Path) -> list[Any]:
    """Read a JSON-lines file: one JSON value per non-blank line; errors name the file
    and line (``file.jsonl line 3``)."""
    out = []
    for i, line in enumerate(read_text(path).splitlines(), start=1):
        if line.strip():
            out.append(loads(line, source=f"{path} line {i}"))
    return out


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays and tuples into plain JSON types.

    Infinite floats become ``None`` (JSON has no infinity); callers document where that
    applies (e.g. an infinite deadline is ``null`` in the spec's format)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        x = float(obj)
        return None if math.isinf(x) or math.isnan(x) else x
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)
