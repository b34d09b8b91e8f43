"""Figures (matplotlib with the Agg backend, PNG). matplotlib is imported lazily.

- :func:`plot_summary`: mean ratio and accuracy per policy for evaluation rows.
- :func:`plot_success_vs_speed`: KATO Fig. 3 analogue.
- :func:`plot_metric_vs_size`: KATO Fig. 4 (ratio vs n) and Fig. 5 (time vs n) analogues.
- :func:`plot_scale_table`: GADSG Tables IV/V analogue (ratio and accuracy per scale).
- :func:`plot_heatmap`: generalisation matrices (KATO Fig. 6 / GADSG Fig. 6 analogues).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | Path) -> Path:
    """Lay out, write (110 dpi, parent folders created) and close a figure; its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot().close(fig)
    return path


def plot_summary(rows: Sequence[dict[str, Any]], out_dir: str | Path,
                 name: str = "summary.png") -> Path:
    """Bars of mean ratio and accuracy per (dataset, policy)."""
    plt = pyplot()
    labels = [f"{r['dataset']}\n{r['policy']}" for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(max(6, 0.9 * len(rows) + 2), 3.6))
    x = np.arange(len(rows))
    axes[0].bar(x, [r["ratio_mean"] for r in rows], color="tab:blue")
    axes[0].axhline(1.0, color="k", lw=0.8)
    axes[0].set_ylabel("mean ratio to optimum")
    axes[1].bar(x, [100 * r["accuracy"] for r in rows], color="tab:green")
    axes[1].set_ylabel("accuracy (ratio < 1.1) [%]")
    for ax in axes:
        ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)
    return save_figure(fig, Path(out_dir) / name)


def plot_success_vs_speed(results: Mapping[str, Mapping[str, np.ndarray]],
                          speeds_mps: Sequence[float], path: str | Path) -> Path:
    """One panel per preset: success rate (%) vs speed, one line per method."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 3.8), squeeze=False)
    for ax, (preset, by_method) in zip(axes[0], results.items(), strict=True):
        for k, (method, rates) in enumerate(by_method.items()):
            style = "--" if "mobcheck" in method or "+MC" in method else "-"
            ax.plot(speeds_mps, 100 * np.asarray(rates), style, marker="os^vdx<>p*"[k % 10],
                    label=method)
        ax.set_title(preset)
        ax.set_xlabel("vehicle speed [m/s]")
        ax.set_ylabel("task success rate [%]")
        ax.set_ylim(-5, 105)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower left")
    return save_figure(fig, path)


def plot_metric_vs_size(values: Mapping[str, Sequence[float]], sizes: Sequence[Any],
                        ylabel: str, path: str | Path, *, logy: bool = False,
                        xlabel: str = "number of RSUs n", title: str = "") -> Path:
    """One line per method of a metric against the instance size."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    for k, (method, ys) in enumerate(values.items()):
        ax.plot(list(sizes), list(ys), marker="os^vdx<>p*"[k % 10], label=method)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_scale_table(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Grouped bars per scale: mean cost ratio (left) and accuracy (right) per method."""
    plt = pyplot()
    scales = list(dict.fromkeys(r["dataset"] for r in rows))
    methods = list(dict.fromkeys(r["policy"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(scales))
    for k, m in enumerate(methods):
        by = {r["dataset"]: r for r in rows if r["policy"] == m}
        ratio = [by[s]["ratio_mean"] if s in by else np.nan for s in scales]
        acc = [100 * by[s]["accuracy"] if s in by else np.nan for s in scales]
        axes[0].bar(x + k * width, ratio, width, label=m)
        axes[1].bar(x + k * width, acc, width, label=m)
    axes[0].axhline(1.0, color="k", lw=0.8)
    axes[0].set_ylabel("mean cost ratio to optimum")
    axes[1].set_ylabel("accuracy (ratio < 1.1) [%]")
    for ax in axes:
        ax.set_xticks(x + 0.4 - width / 2, scales, fontsize=8)
    axes[1].set_ylim(0, 128)
    axes[1].legend(fontsize=7, ncol=3, loc="upper center")
    return save_figure(fig, path)


def plot_heatmap(rows: Sequence[str], cols: Sequence[str], matrix: np.ndarray,
                 path: str | Path, *, title: str = "", xlabel: str = "test",
                 ylabel: str = "train") -> Path:
    """Annotated heat map of a generalisation matrix."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 2.5, 0.55 * len(rows) + 1.8))
    im = ax.imshow(matrix, cmap="viridis_r", aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    lo, hi = np.nanmin(matrix), np.nanmax(matrix)
    for i in range(len(rows)):
        for j in range(len(cols)):
            dark = hi > lo and (matrix[i, j] - lo) / (hi - lo) > 0.5
            ax.text(j, i, f"{matrix[i, j]:.3f}", ha="center", va="center", fontsize=7,
                    color="w" if dark else "k")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax)
    return save_figure(fig, path)
