"""GADSG / GDSG on a generated LAENet instance, compared with the certified optimum.

    python examples/laenet_gadsg.py [--scale gs3_gu6_au4] [--seed 7] [--fast]

Loads the shipped checkpoints (``agents/checkpoints/laenet_{gadsg,gdsg}_{scale}.pt``, the
nearest scale is used), solves one instance with "model + optimal shares" and with the raw
model shares, and prints each assignment's cost ratio to the exact solver's optimum.
``--fast`` solves with GADSG only and 4 samples.
"""

from __future__ import annotations

import argparse
import time

from agents.gadsg.policy import DiffusionPolicy
from offload_gym.core.registry import get_solver
from offload_gym.laenet import evaluate, generate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="gs3_gu6_au4")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--fast", action="store_true", help="GADSG only, 4 samples")
    args = p.parse_args()

    scenario = generate(args.scale, args.seed)
    start = time.perf_counter()
    exact = get_solver("laenet", "exact")(scenario)
    print(f"{args.scale} seed {args.seed}: exact cost {exact.cost:.6f} "
          f"({time.perf_counter() - start:.2f} s), choice {list(exact.choice)}")
    methods = ("gadsg",) if args.fast else ("gadsg", "gdsg")
    for method in methods:
        for shares in ("waterfill", "model"):
            policy = DiffusionPolicy(method, shares=shares, samples=4 if args.fast else None)
            start = time.perf_counter()
            sol = policy.act(scenario)
            wall = time.perf_counter() - start
            ev = evaluate(scenario, sol.choice, sol.share)  # the one checker
            print(f"{method:5s} shares={shares:9s}: cost {ev.cost:.6f}, ratio "
                  f"{ev.cost / exact.cost:.4f}, {ev.validity}, {wall:.2f} s "
                  f"(checkpoint {policy.checkpoint_for(scenario).name}), "
                  f"choice {list(sol.choice)}")


if __name__ == "__main__":
    main()
