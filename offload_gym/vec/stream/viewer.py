"""Matplotlib picture of a VECStream state (``render_mode="rgb_array"`` / ``"human"``).

The road network (the highway: a grey band from x = 0 to L; any backend: the vehicles'
positions), the RSUs as squares coloured by their queue (remaining busy time in s, colour
bar), every vehicle on the road at the current task's arrival as a small triangle, the
current task's vehicle larger with its range circle, dashed links to its candidate RSUs, and
the RSUs selected for the previous task outlined in red (its result is in the title).
Headless (Agg canvas).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from offload_gym.core import viewer as core_viewer

FIGSIZE_IN = (10.0, 3.6)
DPI = 100
QUEUE_CMAP = "YlOrRd"


def _queue_s(trace: Any, sim: Any, t_s: float) -> np.ndarray:
    """Remaining busy time of every RSU at t_s (s)."""
    return np.maximum(np.asarray(sim.rsu_busy_until_s, dtype=float) - t_s, 0.0)


def draw(ax: Any, trace: Any, sim: Any, state: Any = None, last: dict | None = None) -> None:
    """Draw the current state of ``sim`` on a matplotlib Axes."""
    from matplotlib.patches import Circle

    rsu = np.asarray(trace.rsu_xy_m, dtype=float)
    k = sim.task_index
    t_s = float(trace.task_arrival_s[k]) if state is not None else \
        float(trace.task_arrival_s[-1]) if len(trace.task_arrival_s) else 0.0
    road_m = float(getattr(trace, "road_length_m", rsu[:, 0].max() + rsu[:, 0].min()))
    ax.axhspan(-8, 8, xmin=0, xmax=1, color="0.85", zorder=0)
    queue = _queue_s(trace, sim, t_s)
    vmax = max(float(queue.max()), 1.0)
    sc = ax.scatter(rsu[:, 0], rsu[:, 1], c=queue, cmap=QUEUE_CMAP, vmin=0.0, vmax=vmax,
                    marker="s", s=60, edgecolors="0.3", linewidths=0.6, zorder=3)
    ax.figure.colorbar(sc, ax=ax, pad=0.01, fraction=0.04, label="RSU queue [s]")
    pos = np.asarray(trace.mobility.positions_m(t_s), dtype=float)
    on = np.isfinite(pos).all(axis=1)
    ax.scatter(pos[on, 0], pos[on, 1], marker=">", s=18, c="tab:blue", alpha=0.6, zorder=4)
    if state is not None:
        v = int(trace.task_vehicle[k])
        p = np.asarray(trace.mobility.position_m(v, t_s), dtype=float)
        ax.add_patch(Circle(tuple(p), float(trace.range_m), fill=False, color="tab:blue",
                            alpha=0.4, ls=":"))
        for i in np.asarray(state.rsu, dtype=int):
            ax.plot([p[0], rsu[i, 0]], [p[1], rsu[i, 1]], color="tab:blue", lw=0.8, ls="--",
                    zorder=2)
        ax.plot([p[0]], [p[1]], marker=">", ms=11, color="navy", zorder=5)
    title = f"VECStream t = {t_s:.1f} s, task {min(k, len(trace.task_arrival_s))}"
    if last is not None:
        prev = last["state"]
        chosen = [int(prev.rsu[j]) for j in last["positions"]]
        res = last["result"]
        for i in chosen:
            ax.scatter([rsu[i, 0]], [rsu[i, 1]], marker="s", s=140, facecolors="none",
                       edgecolors="tab:red", linewidths=1.5, zorder=4)
        title += (f" | previous task: {len(chosen)} RSU(s), T = {float(res.T_s):.2f} s, "
                  f"{'success' if res.success else 'FAILED'}")
    ax.plot([], [], ">", color="tab:blue", alpha=0.6, ls="none", label="vehicles")
    ax.plot([], [], ">", color="navy", ms=9, ls="none", label="task's vehicle (range dotted)")
    ax.plot([], [], color="tab:blue", ls="--", lw=0.8, label="candidate links")
    ax.scatter([], [], marker="s", facecolors="none", edgecolors="tab:red",
               label="selected for the previous task")
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8, ncol=4)
    ax.set_xlim(-0.02 * road_m, 1.02 * road_m)
    span = max(float(np.abs(rsu[:, 1]).max()), 10.0) * 1.5
    ax.set_ylim(-span, span)
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_title(title, fontsize=9)


def render_rgb(trace: Any, sim: Any, **state: Any) -> np.ndarray:
    """An H x W x 3 uint8 picture (Agg canvas, no pyplot state)."""
    return core_viewer.render_rgb(lambda ax: draw(ax, trace, sim, **state), FIGSIZE_IN, DPI)


def render_human(trace: Any, sim: Any, fig: Any = None, **state: Any) -> Any:
    """Draw into a pyplot window (non-blocking); returns the figure to reuse."""
    return core_viewer.render_human(lambda ax: draw(ax, trace, sim, **state), FIGSIZE_IN, DPI,
                                    fig)


close = core_viewer.close
