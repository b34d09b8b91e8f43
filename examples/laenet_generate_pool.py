"""Draw many LAENet instances at once with ``generate_pool`` and compare with the one-at-a-time
generator: same distribution, physics derived for the whole batch, several times faster.

    python examples/laenet_generate_pool.py [--scale gs3_gu6_au4] [--count 2000] [--fast]

``generate_pool`` is what the LAENet environments use for their instance pools
(docs/envs.md "Instance supply"); ``generate_batch`` defines the datasets' instances (its
seeded stream is part of the dataset format), so keep using it where the exact instances of a
seed matter.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from offload_gym.laenet import generate_batch, generate_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="gs3_gu6_au4")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--fast", action="store_true", help="200 instances")
    args = parser.parse_args()
    count = 200 if args.fast else args.count

    rows = []
    makers = {"generate_batch": lambda: generate_batch(count, args.scale, seed=0,
                                                        return_stats=True),
              "generate_pool": lambda: generate_pool(args.scale, count, seed=0,
                                                     return_stats=True)}
    for name, make in makers.items():
        start = time.perf_counter()
        scenarios, stats = make()
        for sc in scenarios:
            sc.derived  # noqa: B018  (computed here for generate_batch, already there for pools)
        seconds = time.perf_counter() - start
        data = np.concatenate([sc.user_data_bits for sc in scenarios]) / 1e6
        forced = np.mean([(~sc.derived.lam).mean() for sc in scenarios])
        rows.append((name, seconds / count * 1e6, stats.rejection_rate, data.mean(), forced))

    print(f"{count} instances of {args.scale} (scenario + derived physics)")
    print(f"{'method':16s} {'us/instance':>12s} {'rejected':>9s} {'mean D (Mbit)':>14s} "
          f"{'forced users':>13s}")
    for name, us, rej, mean_d, forced in rows:
        print(f"{name:16s} {us:12.0f} {rej:9.3f} {mean_d:14.3f} {forced:13.3f}")


if __name__ == "__main__":
    main()
