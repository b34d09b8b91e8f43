"""Matplotlib pictures of a VEC instance and the current decisions (the VEC envs' render).

The road (y = y0), the vehicle at t = 0 and at the completion time T (x0 + v T), the range
circle of radius xi around both, and the RSUs as discs whose area grows with their CPU
frequency: selected RSUs in red, MobCheck-removed ones greyed with a cross, the RSU being
decided outlined in black. Works headless: figures are drawn on an Agg canvas; ``human``
mode uses pyplot and shows nothing when there is no display.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from offload_gym.core import viewer as core_viewer
from offload_gym.vec.physics import VecPhysics
from offload_gym.vec.scenario import Scenario

FIGSIZE_IN = (6.4, 4.8)
DPI = 100


def draw(ax: Any, scenario: Scenario, phys: VecPhysics, selected: np.ndarray,
         available: np.ndarray | None = None, current: int | None = None,
         completion_time_s: float | None = None, rule: str = "") -> None:
    """Draw the instance on a matplotlib Axes."""
    from matplotlib.patches import Circle

    sc = scenario
    n = sc.n_rsus
    selected = np.zeros(n, dtype=bool) if selected is None else np.asarray(selected, bool)
    available = np.ones(n, dtype=bool) if available is None else np.asarray(available, bool)
    x0, y0, xi = sc.vehicle_x_m, sc.vehicle_y_m, sc.range_m
    t_end = phys.local_time_s if completion_time_s is None else completion_time_s
    x_end = x0 + sc.speed_mps * float(t_end)

    ax.axhline(y0, color="0.75", lw=8, zorder=0)
    ax.axhline(y0, color="white", lw=1, ls="--", zorder=1)
    ax.add_patch(Circle((x0, y0), xi, fill=False, ls="-", color="tab:blue", alpha=0.6))
    ax.add_patch(Circle((x_end, y0), xi, fill=False, ls=":", color="tab:blue", alpha=0.6))
    ax.plot([x0], [y0], marker=">", ms=12, color="tab:blue", zorder=5, label="vehicle t=0")
    ax.plot([x_end], [y0], marker=">", ms=12, color="tab:blue", alpha=0.4, zorder=5,
            label=f"vehicle t=T={float(t_end):.3g} s")
    size = 20 + 25 * sc.rsu_cpu_ghz
    colors = np.where(selected, "tab:red", np.where(available, "tab:gray", "0.85"))
    ax.scatter(sc.rsu_x_m, sc.rsu_y_m, s=size, c=list(colors), edgecolors="none", zorder=3)
    off = ~available
    if off.any():
        ax.scatter(sc.rsu_x_m[off], sc.rsu_y_m[off], s=40, marker="x", c="0.4", zorder=4)
    for i in np.flatnonzero(selected):
        ax.plot([x0, sc.rsu_x_m[i]], [y0, sc.rsu_y_m[i]], color="tab:red", lw=0.8,
                alpha=0.6, zorder=2)
    if current is not None:
        ax.scatter([sc.rsu_x_m[current]], [sc.rsu_y_m[current]], s=size[current] + 80,
                   facecolors="none", edgecolors="black", lw=1.5, zorder=4)
    ax.scatter([], [], c="tab:red", label="selected RSU")
    ax.scatter([], [], c="tab:gray", label="RSU (size ~ CPU)")
    ax.set_aspect("equal")
    ax.set_xlim(min(x0, x_end) - xi * 1.05, max(x0, x_end) + xi * 1.05)
    ax.set_ylim(y0 - xi * 1.05, y0 + xi * 1.05)
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_title(f"VEC: {int(selected.sum())}/{n} RSUs selected"
                 + (f", rule {rule}" if rule else ""), fontsize=10)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)


def render_rgb(scenario: Scenario, phys: VecPhysics, **state: Any) -> np.ndarray:
    """An H x W x 3 uint8 picture (Agg canvas, no pyplot state)."""
    return core_viewer.render_rgb(lambda ax: draw(ax, scenario, phys, **state), FIGSIZE_IN, DPI)


def render_human(scenario: Scenario, phys: VecPhysics, fig: Any = None, **state: Any) -> Any:
    """Draw into a pyplot window (non-blocking); returns the figure to reuse. Without a
    display this draws off-screen and shows nothing."""
    return core_viewer.render_human(lambda ax: draw(ax, scenario, phys, **state), FIGSIZE_IN, DPI,
                                    fig)


close = core_viewer.close
