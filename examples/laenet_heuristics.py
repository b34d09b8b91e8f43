"""Run every LAENet heuristic on one generated instance and compare it with the optimum.

    python examples/laenet_heuristics.py [--scale gs3_gu6_au4] [--seed 0] [--fast]

The reference is the certified exact solver (registry name "exact"); if it is not
available, brute force is used when the instance is tiny enough, otherwise ratios are
omitted. ``--fast`` uses the small gs2_gu4_au2 scale (unless --scale is given).
"""

from __future__ import annotations

import argparse
import math

from offload_gym.core.registry import get_solver
from offload_gym.laenet import Scenario, Solution, generate
from offload_gym.laenet.solvers.brute import options_product, solve_brute
from offload_gym.laenet.solvers.heuristics import HEURISTICS


def reference(scenario: Scenario) -> Solution | None:
    """The exact optimum: the OA/partition MILP, else brute force on tiny instances."""
    try:
        return get_solver("laenet", "exact")(scenario)
    except Exception:  # the exact solver may not be importable in every checkout
        if options_product(scenario) <= 200_000:
            return solve_brute(scenario)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="small scale (gs2_gu4_au2)")
    args = parser.parse_args()
    scale = args.scale or ("gs2_gu4_au2" if args.fast else "gs3_gu6_au4")

    scenario = generate(scale, seed=args.seed)
    print(f"{scenario}  seed={args.seed}")
    ref = reference(scenario)
    if ref is not None:
        print(f"reference: {ref.solver} ({ref.status}), cost {ref.cost:.4f}, "
              f"{1e3 * ref.wall_time_s:.1f} ms\n")
    print(f"{'heuristic':13s} {'cost':>11s} {'ratio':>7s} {'validity':>9s} {'status':>9s} "
          f"{'ms':>7s}  offloaded")
    for name in HEURISTICS:
        sol = get_solver("laenet", name)(scenario)
        ratio = sol.cost / ref.cost if ref is not None and math.isfinite(sol.cost) else math.nan
        n_off = sum(c >= 0 for c in sol.choice)
        print(f"{name:13s} {sol.cost:11.4f} {ratio:7.4f} {sol.validity:>9s} "
              f"{sol.status!s:>9s} {1e3 * sol.wall_time_s:7.1f}  {n_off}/{scenario.n_users}")


if __name__ == "__main__":
    main()
