"""Solve one VEC scenario with the fast exact algorithm and with the Pyomo MILP, and compare.

    python examples/vec_milp_vs_exact.py            # n = 20 RSUs, both presets and rules
    python examples/vec_milp_vs_exact.py --fast     # n = 6, one preset: a few seconds
    python examples/vec_milp_vs_exact.py --solver scip_direct

Both solvers return the same Solution type (selected RSUs, allocation with the vehicle's share
first, completion time, success, status, wall time), so they can be compared directly.
The first MILP's wall time includes importing Pyomo and the backend (about a second).
"""

from __future__ import annotations

import argparse

from offload_gym.vec import generate
from offload_gym.vec.solvers.exact import solve_exact
from offload_gym.vec.solvers.milp import solve_milp


def show(label: str, sol) -> None:
    print(f"  {label:<6} T = {sol.completion_time_s:.9f} s  success={sol.success}  "
          f"status={sol.status.value}  wall={1e3 * sol.wall_time_s:.1f} ms  "
          f"RSUs={list(sol.selected)}  vehicle share={sol.allocation_gbit[0]:.4f} Gbit")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="exact vs MILP on one VEC scenario")
    parser.add_argument("--fast", action="store_true", help="tiny quick run")
    parser.add_argument("--n", type=int, default=None, help="number of RSUs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default="appsi_highs", help="Pyomo solver name")
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (6 if args.fast else 20)
    presets = ["kato2025"] if args.fast else ["kato2025", "mobility_stress"]
    rules = ["optimal"] if args.fast else ["optimal", "equal_finish"]

    for preset in presets:
        scenario = generate(n, preset, seed=args.seed)
        print(f"{preset}: {n} RSUs, vehicle at x = {scenario.vehicle_x_m:.1f} m, "
              f"v = {scenario.speed_mps:.1f} m/s, f0 = {scenario.vehicle_cpu_ghz:.2f} GHz")
        for rule in rules:
            print(f" rule = {rule}")
            exact = solve_exact(scenario, rule)
            milp = solve_milp(scenario, rule, pyomo_solver=args.solver)
            show("exact", exact)
            show("milp", milp)
            rel = abs(milp.completion_time_s - exact.completion_time_s) / exact.completion_time_s
            print(f"  relative difference: {rel:.1e}")


if __name__ == "__main__":
    main()
