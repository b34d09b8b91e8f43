"""Summary rows -> CSV and Markdown (the columns present in the rows, in a fixed order)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

COLUMNS = ("dataset", "split", "policy", "n", "ratio_mean", "ratio_p50", "ratio_p90",
           "ratio_p99", "ratio_max", "accuracy", "success_rate", "valid_rate", "repaired_rate",
           "failed_rate", "share_quality", "latency_single_ms", "latency_batch_ms",
           "reference", "uncertified_references")
_RATES = {"accuracy", "success_rate", "valid_rate", "repaired_rate", "failed_rate"}


def columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    present = {k for r in rows for k in r}
    return [c for c in COLUMNS if c in present]


def _fmt(key: str, value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if key == "n" or key == "uncertified_references":
            return str(int(value))
        if key in _RATES:
            return f"{100 * value:.1f} %"
        if key.startswith("latency"):
            return f"{value:.3g}"
        return f"{value:.4f}"
    return str(value)


def to_markdown(rows: Sequence[dict[str, Any]]) -> str:
    cols = columns(rows)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(c, r.get(c, math.nan)) for c in cols) + " |")
    return "\n".join(lines)


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    cols = columns(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return buf.getvalue()


def write_tables(rows: Sequence[dict[str, Any]], out_dir: str | Path,
                 stem: str = "metrics") -> tuple[Path, Path]:
    """Write ``{stem}.csv`` and ``{stem}.md`` under ``out_dir``; returns both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / f"{stem}.csv", out / f"{stem}.md"
    csv_path.write_text(to_csv(rows))
    md_path.write_text(to_markdown(rows) + "\n")
    return csv_path, md_path
