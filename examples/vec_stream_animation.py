"""Animate a VECStream-v0 episode played by the exact myopic oracle: one frame per task
(road, RSUs coloured by queue, vehicles, the current task's links), saved as a GIF with
matplotlib's PillowWriter. ``--png`` also saves one frame (docs/stream-vec.png is made so).

    python examples/vec_stream_animation.py [--frames 60] [--out stream.gif] [--png PATH]
    python examples/vec_stream_animation.py --fast      (6 frames, to a temporary folder)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import gymnasium as gym
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.animation import PillowWriter

import offload_gym  # noqa: F401  (registers the ids)
from offload_gym.vec.stream.oracle import myopic_exact


def myopic_action(env: gym.Env) -> np.ndarray:
    """The myopic oracle's selection as the MultiBinary action over candidate slots."""
    u = env.unwrapped
    action = np.zeros(u.action_space.n, dtype=np.int8)
    state = u.task_state()
    if state is not None:
        action[list(myopic_exact(state).selected)] = 1
    return action


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60, help="tasks to animate")
    ap.add_argument("--skip", type=int, default=200, help="tasks played before the first frame")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="GIF path (default vec_stream.gif)")
    ap.add_argument("--png", default=None, help="also save the middle frame as this PNG")
    ap.add_argument("--fast", action="store_true", help="6 frames, to a temporary folder")
    args = ap.parse_args()
    frames_n, skip = (6, 20) if args.fast else (args.frames, args.skip)
    out = Path(args.out) if args.out else (
        Path(tempfile.mkdtemp(prefix="offload_gym_stream_")) if args.fast else Path(".")
    ) / "vec_stream.gif"
    env = gym.make("offload_gym/VECStream-v0", render_mode="rgb_array", myopic_info=False)
    env.reset(seed=args.seed)
    for _ in range(skip):  # let the queues fill
        *_, trunc, _ = env.step(myopic_action(env))
        if trunc:
            env.reset()
    fig = plt.figure(figsize=(10, 3.6), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    image = None
    rewards, middle = [], None
    writer = PillowWriter(fps=4)
    with writer.saving(fig, str(out), dpi=100):
        for k in range(frames_n):
            frame = env.render()
            if image is None:
                image = ax.imshow(frame)
            else:
                image.set_data(frame)
            writer.grab_frame()
            if k == frames_n // 2:
                middle = frame
            _, reward, _, trunc, _ = env.step(myopic_action(env))
            rewards.append(reward)
            if trunc:
                env.reset()
    if args.png:
        plt.imsave(args.png, middle)
    print(f"wrote {out} ({frames_n} frames, mean reward {np.mean(rewards):.3f})"
          + (f" and {args.png}" if args.png else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
