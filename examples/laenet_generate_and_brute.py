"""Generate a small LAENet instance, solve it exactly by brute force, and print the result.

    python examples/laenet_generate_and_brute.py [--scale gs2_gu4_au2] [--seed 0] [--fast]

Brute force enumerates every assignment (LOCAL or a feasible edge per user) with optimal
water-filling shares per server, so it is only for tiny scales (gs2_*).
"""

from __future__ import annotations

import argparse

from offload_gym.laenet import derive, evaluate, generate
from offload_gym.laenet.solvers.brute import options_product, solve_brute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="gs2_gu4_au2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="nothing here is slow; accepted "
                        "for uniformity with the other examples")
    args = parser.parse_args()

    scenario = generate(args.scale, seed=args.seed)
    d = derive(scenario)
    print(scenario)
    print(f"forced users (T_loc > deadline): {(~d.lam).sum()} of {d.n_users}; "
          f"{d.n_edges} coverage edges; {options_product(scenario)} assignments to try")

    solution = solve_brute(scenario)
    print(f"\n{solution.solver}: status={solution.status}, cost={solution.cost:.4f}, "
          f"wall time {solution.wall_time_s * 1e3:.1f} ms")
    names = ["HAP"] + [f"GS{s}" for s in range(1, scenario.n_servers)]
    for u, (c, y) in enumerate(zip(solution.choice, solution.share, strict=True)):
        where = "LOCAL" if c == -1 else f"{names[c]} (share {y:.3f})"
        print(f"  user {u} ({scenario.user_type[u].upper()}): {where:22s} "
              f"time {solution.user_time_s[u]:.3f} s, cost {solution.user_cost[u]:.3f}")

    # Every result goes through the one checker (all-LOCAL is repaired if a user is forced).
    naive = evaluate(scenario, [-1] * scenario.n_users)
    print(f"\nall-LOCAL baseline: {naive.validity}, cost {naive.cost:.4f} "
          f"(ratio {naive.cost / solution.cost:.3f})")


if __name__ == "__main__":
    main()
