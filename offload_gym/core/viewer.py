"""Matplotlib plumbing shared by the problems' viewers: an RGB array from an Agg canvas
(no pyplot state), and a non-blocking pyplot window for ``render_mode="human"``.

Each problem's viewer only supplies ``draw(ax)``; see ``offload_gym/vec/viewer.py`` and
``offload_gym/laenet/viewer.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_HEADLESS_BACKENDS = ("agg", "pdf", "svg", "ps", "cairo", "template")


def render_rgb(draw: Callable[[Any], None], figsize_in: tuple[float, float], dpi: int
               ) -> np.ndarray:
    """An H x W x 3 uint8 picture of ``draw(ax)``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize_in, dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    draw(fig.add_subplot(1, 1, 1))
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_human(draw: Callable[[Any], None], figsize_in: tuple[float, float], dpi: int,
                 fig: Any = None) -> Any:
    """Draw into a pyplot window (non-blocking); returns the figure to reuse. Without a
    display (non-interactive backend) this draws off-screen and shows nothing."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=figsize_in, dpi=dpi)
    fig.clf()
    draw(fig.add_subplot(1, 1, 1))
    fig.tight_layout()
    if plt.get_backend().lower() not in _HEADLESS_BACKENDS:
        plt.show(block=False)
        plt.pause(0.001)
    return fig


def close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)
