"""Render one mid-episode picture of VEC-v0 and LAENet-v0 (render_mode="rgb_array") and
save them as PNGs: docs/env-vec.png and docs/env-laenet.png by default.

    python examples/render_envs.py [--out docs] [--fast]   (--fast writes to a temp dir)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import gymnasium as gym
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import offload_gym  # noqa: F401  (registers the ids)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="output folder (default docs/)")
    ap.add_argument("--fast", action="store_true", help="write to a temporary folder")
    args = ap.parse_args()
    if args.out is not None:
        out = Path(args.out)
    elif args.fast:
        out = Path(tempfile.mkdtemp(prefix="offload_gym_render_"))
    else:
        out = Path(__file__).resolve().parent.parent / "docs"
    out.mkdir(parents=True, exist_ok=True)

    # VEC: take the exact optimum's decisions for the 6 fastest RSUs, stop mid-episode
    env = gym.make("offload_gym/VEC-v0", n_rsus=12, preset="mobility_stress",
                   render_mode="rgb_array")
    obs, _ = env.reset(seed=4)
    chosen = env.unwrapped.optimum_solution().selected
    for _ in range(6):
        obs, *_ = env.step(int(obs["decision_index"] - 1 in chosen))
    plt.imsave(out / "env-vec.png", env.render())

    # LAENet: replay the optimum for all but the last two users
    env = gym.make("offload_gym/LAENet-v0", scale="gs3_gu6_au4", render_mode="rgb_array")
    obs, _ = env.reset(seed=2)
    u = env.unwrapped
    choice = u.optimum_solution().choice
    for _ in range(u.scenario.n_users - 2):
        obs, *_ = env.step(1 + choice[obs["decision_index"] - u.n_servers_max])
    plt.imsave(out / "env-laenet.png", env.render())
    print(f"wrote {out / 'env-vec.png'} and {out / 'env-laenet.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
