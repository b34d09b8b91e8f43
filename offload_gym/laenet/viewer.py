"""Matplotlib pictures of a LAENet instance and the current assignment (the LAENet envs'
render).

Top view of the area: the HAP (star, at the centre, 20 km up), the ground servers (squares)
with their coverage discs (3-D radius R_cov at ground level), ground users (circles) and
aerial users (triangles). A chosen link is a line from the user to its server, in the
server's colour; users running LOCAL are drawn filled black; undecided users hollow; the
user being decided is outlined in red. Headless: figures use an Agg canvas, and ``human``
mode shows nothing without a display.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from offload_gym.core import viewer as core_viewer
from offload_gym.laenet.scenario import Scenario

FIGSIZE_IN = (6.4, 5.6)
DPI = 100
_LOCAL, _UNDECIDED = -1, -2


def draw(ax: Any, scenario: Scenario, choice: np.ndarray | None = None,
         current: int | None = None, cost: float | None = None) -> None:
    """Draw the instance and ``choice`` (per user: server, -1 LOCAL, -2 undecided)."""
    import matplotlib as mpl
    from matplotlib.patches import Circle

    sc = scenario
    n_s, n_u = sc.n_servers, sc.n_users
    choice = np.full(n_u, _UNDECIDED) if choice is None else np.asarray(choice)
    colors = mpl.colormaps["tab10"](np.arange(n_s) % 10)
    sx, sy = sc.server_x_m, sc.server_y_m
    ux, uy = sc.user_x_m, sc.user_y_m
    for s in range(1, n_s):
        ax.add_patch(Circle((sx[s], sy[s]), sc.coverage_m, color=colors[s], alpha=0.08))
        ax.add_patch(Circle((sx[s], sy[s]), sc.coverage_m, fill=False, color=colors[s],
                            alpha=0.4, lw=0.8))
    for u in range(n_u):
        c = int(choice[u])
        if c >= 0:
            ax.plot([ux[u], sx[c]], [uy[u], sy[c]], color=colors[c], lw=1.2, alpha=0.8,
                    ls="--" if c == 0 else "-", zorder=2)
    ax.scatter([sx[0]], [sy[0]], marker="*", s=300, color=colors[0], edgecolors="k",
               zorder=5, label="HAP (20 km)")
    ax.scatter(sx[1:], sy[1:], marker="s", s=120, c=colors[1:n_s], edgecolors="k", zorder=5,
               label="GS")
    is_au = np.array([t == "au" for t in sc.user_type], dtype=bool)
    for kind, marker, label in ((~is_au, "o", "GU"), (is_au, "^", "AU")):
        idx = np.flatnonzero(kind)
        if not idx.size:
            continue
        face = [("k" if choice[u] == _LOCAL else "white" if choice[u] == _UNDECIDED
                 else colors[int(choice[u])]) for u in idx]
        ax.scatter(ux[idx], uy[idx], marker=marker, s=70, c=face, edgecolors="k", zorder=6,
                   label=label)
    if current is not None:
        ax.scatter([ux[current]], [uy[current]], s=260, facecolors="none",
                   edgecolors="tab:red", lw=2, zorder=7)
    ax.scatter([], [], c="k", s=40, label="LOCAL")
    side = max(float(np.max(np.r_[sx, ux])), float(np.max(np.r_[sy, uy])), 1.0)
    ax.set_xlim(-0.05 * side, 1.05 * side)
    ax.set_ylim(-0.05 * side, 1.05 * side)
    ax.set_aspect("equal")
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    decided = int(np.sum(choice != _UNDECIDED))
    title = f"LAENet: {n_s - 1} GS + HAP, {n_u} users, {decided} decided"
    if cost is not None and np.isfinite(cost):
        title += f", cost {cost:.4g}"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)


def render_rgb(scenario: Scenario, **state: Any) -> np.ndarray:
    """An H x W x 3 uint8 picture (Agg canvas, no pyplot state)."""
    return core_viewer.render_rgb(lambda ax: draw(ax, scenario, **state), FIGSIZE_IN, DPI)


def render_human(scenario: Scenario, fig: Any = None, **state: Any) -> Any:
    """Draw into a pyplot window (non-blocking); returns the figure to reuse. Without a
    display this draws off-screen and shows nothing."""
    return core_viewer.render_human(lambda ax: draw(ax, scenario, **state), FIGSIZE_IN, DPI,
                                    fig)


close = core_viewer.close
