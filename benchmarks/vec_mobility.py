"""How often does mobility bind? Prints, per preset and n, the share of instances whose
optimum (``optimal`` rule) changes when exit times are ignored (vehicle speed set to 0 for
the comparison), the mean slowdown it causes, how often the equal-finish optimum is slower
than the optimal-rule optimum, and how often MobCheck's restriction costs time.

    python benchmarks/vec_mobility.py [--count 2000] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from offload_gym.vec import generate_batch
from offload_gym.vec.solvers.exact import solve_exact_batch

REL = 1e-9


def measure(preset: str, n: int, count: int, seed: int = 0) -> dict[str, float]:
    batch = generate_batch(count, n, preset, seed=seed)
    opt = solve_exact_batch(batch, "optimal").completion_time_s
    ignore = solve_exact_batch(dataclasses.replace(batch, speed_mps=np.zeros(count)),
                               "optimal").completion_time_s
    ef = solve_exact_batch(batch, "equal_finish").completion_time_s
    mc = solve_exact_batch(batch, "optimal", mobcheck=True).completion_time_s
    return {"binds": float(np.mean(opt > ignore * (1 + REL))),
            "slowdown": float(np.mean(opt / ignore - 1)),
            "ef_slower": float(np.mean(ef > opt * (1 + REL))),
            "mobcheck_slower": float(np.mean(mc > opt * (1 + REL)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 100 if args.quick else args.count
    print(f"| preset | n | mobility binds | mean slowdown vs ignoring exits | equal_finish "
          f"slower | MobCheck slower |   ({count} instances each, seed 0)")
    print("|---|---|---|---|---|---|")
    for preset in ("kato2025", "mobility_stress"):
        for n in (5, 10, 20, 50):
            r = measure(preset, n, count)
            print(f"| {preset} | {n} | {100 * r['binds']:.1f} % | {100 * r['slowdown']:.2f} % | "
                  f"{100 * r['ef_slower']:.1f} % | {100 * r['mobcheck_slower']:.1f} % |")


if __name__ == "__main__":
    main()
