"""Generate a VEC scenario, save it as JSON, solve it exactly and compare the paper's
baselines, under both allocation rules and both MobCheck flavours.

    python examples/vec_solve_and_compare.py [--rsus 20] [--preset mobility_stress] [--fast]
"""

import argparse
import tempfile
from pathlib import Path

from offload_gym import get_solver, load_scenario
from offload_gym.vec import generate

parser = argparse.ArgumentParser()
parser.add_argument("--rsus", type=int, default=20)
parser.add_argument("--preset", default="kato2025", choices=["kato2025", "mobility_stress"])
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--fast", action="store_true", help="small instance (used by the tests)")
args = parser.parse_args()

scenario = generate(5 if args.fast else args.rsus, args.preset, seed=args.seed)
path = Path(tempfile.mkdtemp()) / "scenario.json"
scenario.to_file(path)  # the spec's JSON exchange format; any tool can re-check it
scenario = load_scenario(path)  # the "problem" key picks the VEC loader

for rule in ("optimal", "equal_finish"):
    for mobcheck in (False, True):
        opt = get_solver("vec", "exact")(scenario, rule=rule, mobcheck=mobcheck)
        print(f"rule={rule:12s} mobcheck={mobcheck!s:5s} optimum {opt.completion_time_s:.6f} s "
              f"with RSUs {list(opt.selected)}")
print()
best = get_solver("vec", "exact")(scenario)
for name in ("local", "decc", "all_rsus", "lb"):
    sol = get_solver("vec", name)(scenario)
    ratio = sol.completion_time_s / best.completion_time_s
    print(f"{name:9s} {sol.completion_time_s:10.6f} s  ratio {ratio:7.3f}"
          f"  success={sol.success}")
print("\nexact solution as JSON:\n" + best.to_json())
