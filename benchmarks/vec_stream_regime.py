"""Is the VECStream preset CONTENDED? (SPEC-STREAM "Preset regime"; docs/stream.md).

For a preset, on seeded episodes (highway mobility):

1. the myopic oracle's fail rate and its mean return against ``lower_bound`` (the rule:
   >= 5 % of tasks fail, or the mean return is >= 10 % below the bound);
2. the non-myopic ``priced`` policy: its price is tuned on TRAINING seeds (0..), then it is
   compared with myopic on disjoint EVALUATION seeds (1000..), episode by episode on the same
   traces: mean margin of the return with a 95 % t-interval.

    python benchmarks/vec_stream_regime.py                       # contended, 20 episodes
    python benchmarks/vec_stream_regime.py --preset light --episodes 20
    python benchmarks/vec_stream_regime.py --prices 0.1,0.3 --tune-episodes 3 \
        --set task_rate_hz=0.6 --set "deadline_s=(0.5,2.0)"      # try other numbers

Prints a Markdown report (and writes it with ``--out FILE``).
"""

from __future__ import annotations

import argparse
import ast
import sys
import time

import numpy as np

from offload_gym.vec.stream.evaluate import paired_margin, run_episode, t_interval95
from offload_gym.vec.stream.policies import PricedPolicy, make_stream_policy
from offload_gym.vec.stream.presets import get_preset
from offload_gym.vec.stream.simulator import StreamSimulator
from offload_gym.vec.stream.trace import generate_trace

EVAL_SEED = 1000  # evaluation seeds (disjoint from the tuning seeds 0..)


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.strip()] = ast.literal_eval(value.strip())
    return out


def tune_price(preset, prices: list[float], episodes: int) -> tuple[float, dict[float, float]]:
    """The price with the best mean return on the tuning seeds 0 .. episodes - 1."""
    sims = [StreamSimulator(generate_trace(preset, seed)) for seed in range(episodes)]
    means = {p: float(np.mean([run_episode(PricedPolicy(price=p), s).episode_return
                               for s in sims])) for p in prices}
    return max(means, key=means.get), means


def measure(preset, price: float, episodes: int) -> dict:
    """Myopic vs priced on the evaluation seeds."""
    my, pr = [], []
    for seed in range(EVAL_SEED, EVAL_SEED + episodes):
        sim = StreamSimulator(generate_trace(preset, seed))
        my.append(run_episode(make_stream_policy("myopic"), sim))
        pr.append(run_episode(PricedPolicy(price=price), sim))
    tasks = sum(r.n_tasks for r in my)
    lb = np.array([r.lower_bound for r in my])
    my_ret = np.array([r.episode_return for r in my])
    return {
        "episodes": episodes, "tasks_per_episode": tasks / episodes,
        "myopic_fail_rate": 1 - sum(r.successes for r in my) / tasks,
        "priced_fail_rate": 1 - sum(r.successes for r in pr) / sum(r.n_tasks for r in pr),
        "lower_bound": t_interval95(lb),
        "myopic_return": t_interval95(my_ret),
        "priced_return": t_interval95([r.episode_return for r in pr]),
        # how far myopic is below the bound, relative to |bound| (per episode, then mean)
        "myopic_gap": t_interval95((lb - my_ret) / np.abs(lb)),
        "margin": paired_margin([r.episode_return for r in pr], my_ret),
    }


def report(name: str, preset, price: float, tuning: dict[float, float], m: dict,
           wall_s: float, tune_episodes: int) -> str:
    mar = m["margin"]
    contended = m["myopic_fail_rate"] >= 0.05 or m["myopic_gap"][0] >= 0.10
    lines = [
        f"### preset `{name}`", "",
        f"overrides / values: `{preset}`", "",
        f"- price tuning (mean return on seeds 0..{tune_episodes - 1}): "
        + ", ".join(f"{p:g} -> {v:.1f}" for p, v in tuning.items()) + f"; chosen {price:g}",
        f"- evaluation: {m['episodes']} episodes (seeds {EVAL_SEED}..), "
        f"{m['tasks_per_episode']:.0f} tasks per episode",
        "",
        "| quantity | value |", "|---|---|",
        f"| lower_bound (mean return bound) | {m['lower_bound'][0]:.1f} |",
        f"| myopic mean return | {m['myopic_return'][0]:.1f} +- {m['myopic_return'][1]:.1f} |",
        f"| myopic fail rate | {100 * m['myopic_fail_rate']:.2f} % |",
        f"| myopic gap below lower_bound | {100 * m['myopic_gap'][0]:.1f} % "
        f"+- {100 * m['myopic_gap'][1]:.1f} |",
        f"| priced (price {price:g}) mean return | {m['priced_return'][0]:.1f} "
        f"+- {m['priced_return'][1]:.1f} |",
        f"| priced fail rate | {100 * m['priced_fail_rate']:.2f} % |",
        f"| margin priced - myopic (paired) | {mar['margin']:.2f}, 95 % CI "
        f"[{mar['ci_low']:.2f}, {mar['ci_high']:.2f}] ({100 * mar['relative']:.1f} % of "
        f"myopic's return) |",
        f"| contended (fail >= 5 % or gap >= 10 %) | {'yes' if contended else 'no'} |",
        f"| priced beats myopic (CI above 0) | {'yes' if mar['ci_low'] > 0 else 'no'} |",
        "", f"(wall time {wall_s:.0f} s)", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="contended")
    ap.add_argument("--episodes", type=int, default=20, help="evaluation episodes")
    ap.add_argument("--tune-episodes", type=int, default=4, help="price-tuning episodes")
    ap.add_argument("--prices", default="0.03,0.1,0.3,1.0", help="candidate prices")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="preset override (Python literal), repeatable")
    ap.add_argument("--out", default=None, help="also write the report here")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    preset = get_preset(args.preset, **_overrides(args.set))
    prices = [float(p) for p in args.prices.split(",") if p]
    price, tuning = tune_price(preset, prices, args.tune_episodes) if len(prices) > 1 \
        else (prices[0], {})
    m = measure(preset, price, args.episodes)
    text = report(args.preset, preset, price, tuning, m, time.perf_counter() - start,
                  args.tune_episodes)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
