"""The figures of docs/figures (README): KATO Figs. 3-6 and GADSG Tables IV/V + Fig. 6
analogues, for the methods that need no training (learned agents plug in by policy name).

    python examples/make_figures.py            # writes docs/figures/*.png (~2-3 min, 2 cores)
    python examples/make_figures.py --fast     # tiny counts, into a temporary directory

Every number comes from the evaluation harness: datasets are built with
``build_dataset`` (certified labels) and every output is re-checked by ``evaluate()``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from offload_gym.datasets import DatasetSpec, build_dataset, load
from offload_gym.evaluation import evaluate_policy, get_policy, to_markdown
from offload_gym.evaluation.experiments import generalisation_matrix
from offload_gym.evaluation.plots import (
    plot_heatmap,
    plot_metric_vs_size,
    plot_scale_table,
    plot_success_vs_speed,
)
from offload_gym.vec.experiments import success_vs_speed

REPO = Path(__file__).resolve().parent.parent
SPEEDS_MPS = [13, 14, 15, 16, 17, 18, 19]
FIG3_METHODS = {  # label -> policy spec
    "exact (optimal rule)": "exact",
    "exact equal-finish": "exact:rule=equal_finish",
    "exact equal-finish +MC": "exact:rule=equal_finish:mobcheck=true",
    "DECC": "decc:rule=equal_finish",
    "DECC +MC": "decc:rule=equal_finish:mobcheck=true",
    "LB": "lb",
    "LB +MC": "lb:mobcheck=true",
    "all RSUs": "all_rsus:rule=equal_finish",
    "all RSUs +MC": "all_rsus:rule=equal_finish:mobcheck=true",
}
FIG4_METHODS = {
    "paper Optimal (equal-finish +MC)": "exact:rule=equal_finish:mobcheck=true",
    "DECC +MC": "decc:rule=equal_finish:mobcheck=true",
    "LB +MC": "lb:mobcheck=true",
    "all RSUs +MC": "all_rsus:rule=equal_finish:mobcheck=true",
    "random": "random",
}
LAENET_METHODS = ["mcmf", "greedy", "local-search", "ao", "re", "random"]


def _policy(problem: str, label: str, spec: str):
    return get_policy(problem, spec, name=label)


def vec_figures(out: Path, data: Path, fast: bool) -> None:
    count = 8 if fast else 200
    # Fig. 3: success rate vs speed, with and without MobCheck
    policies = [_policy("vec", k, v) for k, v in FIG3_METHODS.items()]
    speeds = SPEEDS_MPS[::3] if fast else SPEEDS_MPS
    results = {preset: success_vs_speed(policies, preset, speeds, n_rsus=20,
                                        count=count, seed=3)
               for preset in ("kato2025", "mobility_stress")}
    print(plot_success_vs_speed(results, speeds, out / "vec_success_vs_speed.png"))

    # Figs. 4 and 5: optimality ratio and time per method for n = 20..50
    sizes = [20, 30, 40, 50]
    sets = {}
    for n in sizes:
        spec = DatasetSpec("vec", "kato2025", count, seed=n, size=n, shard_size=count,
                           split=(0.0, 0.0, 1.0))
        build_dataset(spec, data / f"vec_n{n}", workers=2, progress=False)
        sets[n] = load(data / f"vec_n{n}", "test")
    ratio = {k: [] for k in FIG4_METHODS}
    latency = {k: [] for k in ["exact (batched)", "exact (one by one)", *FIG4_METHODS]}
    latency["MILP (HiGHS)"] = []
    rows = []
    for ds in sets.values():
        scs = ds.scenarios()
        for label, spec in FIG4_METHODS.items():
            row = evaluate_policy(_policy("vec", label, spec), ds, scenarios=scs).row
            ratio[label].append(row["ratio_mean"])
            latency[label].append(row["latency_batch_ms"])
            rows.append(row)
        row = evaluate_policy(_policy("vec", "exact", "exact"), ds, scenarios=scs).row
        latency["exact (batched)"].append(row["latency_batch_ms"])
        latency["exact (one by one)"].append(row["latency_single_ms"])
        k = 1 if fast else 5
        start = time.perf_counter()
        for s in scs[:k]:
            get_policy("vec", "milp").act(s)
        latency["MILP (HiGHS)"].append(1e3 * (time.perf_counter() - start) / k)
    print(to_markdown(rows))
    print(plot_metric_vs_size(ratio, sizes, "mean completion-time ratio to the optimum",
                              out / "vec_ratio_vs_n.png", logy=True,
                              title="kato2025; reference: exact optimum of P (optimal rule)"))
    print(plot_metric_vs_size(latency, sizes, "time per instance [ms]",
                              out / "vec_time_vs_n.png", logy=True,
                              title="kato2025; 2-core machine shared with other jobs"))

    # Fig. 6: generalisation to other n (baseline: the same policy on every row)
    decc = _policy("vec", "DECC +MC", FIG4_METHODS["DECC +MC"])
    r, c, m = generalisation_matrix({f"n{n}": decc for n in reversed(sizes)},
                                    {f"n{n}": ds for n, ds in sets.items()})
    print(plot_heatmap(r, c, m, out / "vec_generalisation.png",
                       title="DECC +MC mean ratio; no training, so every 'train n' row is the "
                             "same\n(learned agents: one row per training size)",
                       xlabel="test n", ylabel="train n"))


def laenet_figures(out: Path, data: Path, fast: bool) -> None:
    scales = ["gs2_gu4_au2", "gs2_gu5_au3"] if fast else \
        ["gs2_gu4_au2", "gs2_gu5_au3", "gs3_gu6_au4"]
    count = 3 if fast else 40
    sets = {}
    for scale in scales:
        spec = DatasetSpec("laenet", "gadsg2025", count, seed=1, scale=scale,
                           shard_size=max(count // 2, 1), split=(0.0, 0.0, 1.0))
        build_dataset(spec, data / scale, workers=2, progress=False)
        sets[scale] = load(data / scale, "test")
    rows = []
    for ds in sets.values():
        scs = ds.scenarios()
        for name in LAENET_METHODS:
            rows.append(evaluate_policy(get_policy("laenet", name), ds, scenarios=scs).row)
    print(to_markdown(rows))
    print(plot_scale_table(rows, out / "laenet_ratio_accuracy_per_scale.png"))
    greedy = get_policy("laenet", "greedy")
    r, c, m = generalisation_matrix({s: greedy for s in scales}, sets)
    print(plot_heatmap(r, c, m, out / "laenet_generalisation.png",
                       title="greedy mean cost ratio; a heuristic has no training scale, so "
                             "every row is the same\n(learned agents: one row per training "
                             "scale)", xlabel="test scale", ylabel="train scale"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fast", action="store_true", help="tiny counts, temporary directory")
    ap.add_argument("--out", default=None, help="figure directory (default docs/figures)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="offload-gym-figs-"))
    out = Path(args.out) if args.out else (tmp / "figures" if args.fast
                                           else REPO / "docs" / "figures")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    np.seterr(all="ignore")
    vec_figures(out, tmp, args.fast)
    laenet_figures(out, tmp, args.fast)
    print(f"figures in {out} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
