"""Generate a LAENet instance, solve it to a certified optimum, print LB / UB / gap and the
solution JSON; without --fast, compare with the OA-MILP and with Pyomo + SCIP (the cone).

    python examples/laenet_exact_solve.py [--scale gs9_gu20_au13] [--seed 0] [--fast]

``solve_exact`` (method "auto") solves the exact set-partition MILP on HiGHS (one column per
server and capacity-feasible user set, water-filling costs, dominated columns dropped);
``method="oa"`` is the spec's outer-approximation loop. Both certify the optimum:
UB - LB <= 1e-7 max(1, UB).
"""

from __future__ import annotations

import argparse

from offload_gym.laenet import generate
from offload_gym.laenet.solution import Solution
from offload_gym.laenet.solvers.exact import solve_exact


def _line(label: str, sol: Solution) -> str:
    lb = "-" if sol.lower_bound is None else f"{sol.lower_bound:.9f}"
    ub = "-" if sol.upper_bound is None else f"{sol.upper_bound:.9f}"
    gap = "-" if sol.gap is None else f"{sol.gap:.2e}"
    return (f"{label:24s} status={sol.status:10s} cost={sol.cost:.9f} LB={lb} UB={ub} "
            f"gap={gap} MILP solves={sol.iterations} wall={sol.wall_time_s:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="gs9_gu20_au13")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--fast", action="store_true",
                        help="a small scale, no comparison with OA / Pyomo")
    args = parser.parse_args()
    scale = "gs3_gu6_au4" if args.fast and args.scale == "gs9_gu20_au13" else args.scale

    scenario = generate(scale, seed=args.seed)
    print(f"{scale}, seed {args.seed}: {scenario.n_users} users, {scenario.n_servers} servers")
    sol = solve_exact(scenario, time_limit_s=args.time_limit)
    print(_line("exact (partition)", sol))
    print(sol.to_json())
    if args.fast:
        return

    from offload_gym.laenet.solvers.pyomo_model import solve_pyomo

    small = scenario.n_users <= 12  # SCIP on the cone takes seconds from gs3 on
    others = [("exact (OA-MILP)", lambda: solve_exact(scenario, method="oa",
                                                      time_limit_s=args.time_limit or 120))]
    if small:
        others.append(("pyomo scip_direct (cone)",
                       lambda: solve_pyomo(scenario, pyomo_solver="scip_direct",
                                           time_limit_s=args.time_limit or 120)))
    for label, run in others:
        other = run()
        print(_line(label, other))
        print(f"{'':24s} same optimum: {abs(other.cost - sol.cost) <= 1e-9 * sol.cost}")


if __name__ == "__main__":
    main()
