"""Solve a thousand VEC instances in one vectorised call and summarise them.

    python examples/vec_batch_solve.py [--count 1000] [--rsus 50] [--fast]
"""

import argparse

import numpy as np

from offload_gym.vec import generate_batch
from offload_gym.vec.solvers.exact import solve_exact_batch

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=1000)
parser.add_argument("--rsus", type=int, default=50)
parser.add_argument("--preset", default="kato2025")
parser.add_argument("--fast", action="store_true")
args = parser.parse_args()

count, n = (50, 10) if args.fast else (args.count, args.rsus)
batch = generate_batch(count, n, args.preset, seed=0)
result = solve_exact_batch(batch, rule="optimal")
print(f"{count} instances, n = {n}: {1e3 * result.wall_time_s / count:.3f} ms per instance")
print(f"mean optimal completion time {result.completion_time_s.mean():.4f} s, "
      f"mean #RSUs used {result.selected_mask.sum(1).mean():.2f}, "
      f"success rate {result.success.mean():.3f}")
first = result.solutions(batch)[0]  # the same Solution type as the single-instance solvers
print("first instance:", first.selected, round(first.completion_time_s, 6))
assert np.all(result.completion_time_s > 0)
