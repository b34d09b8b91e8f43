"""Learning curves and held-out results of the RL agents (docs/results-rl.md).

    python -m agents.rl.report --runs runs/rl --figures docs/figures [--n-test 200]

Reads ``RUNS/{grlo,ppo}_{vec_n20,laenet_gs2,laenet_gs3}/eval.csv`` (written by
:mod:`agents.rl.train`), draws ``rl_<tag>.png`` (optimality ratio vs env steps and vs
training wall time), then evaluates each run's ``best_model.zip`` on fresh test scenarios
(seed 2,000,000; never seen in training or in the evaluation callback) greedily and with
best-of-16, next to the uniformly random masked policy and the KATO / GADSG checkpoints when
they load, and prints Markdown tables. Ratios divide by the certified optimum (VEC: the
``optimal``-rule optimum over all subsets, no MobCheck); failed outputs score 10.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.rl.common import LAENET_ID, VEC_ID, draw_scenarios, make_env, problem_of

TEST_SEED = 2_000_000
FAIL_RATIO = 10.0
EXPERIMENTS = {  # tag -> (title, env id, test kwargs, supervised methods compared)
    "vec_n20": ("VEC kato2025, n = 20", VEC_ID, {"n_rsus": 20}, ("kato", "kato_plus")),
    "laenet_gs2": ("LAENet gs2_gu4_au2", LAENET_ID, {"scale": "gs2_gu4_au2"}, ("gadsg",)),
    "laenet_gs3": ("LAENet gs3_gu6_au4", LAENET_ID, {"scale": "gs3_gu6_au4"}, ("gadsg",)),
}
LARGER = {  # tag -> larger test sizes for the grlo model (padding permitting)
    "vec_n20": [("n = 30", {"n_rsus": 30}), ("n = 50", {"n_rsus": 50})],
    "laenet_gs3": [("gs6_gu14_au10", {"scale": "gs6_gu14_au10"})],
}


def read_curve(path: Path) -> dict[str, np.ndarray]:
    rows = list(csv.DictReader(path.open()))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def plot_curves(curves: dict[str, dict[str, np.ndarray]], title: str, out: Path,
                refs: dict[str, float] | None = None) -> None:
    """Two panels: mean optimality ratio vs env steps and vs training wall time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for label, c in curves.items():
        axes[0].plot(c["timesteps"], c["ratio_mean"], marker=".", label=label)
        axes[1].plot(c["train_wall_s"] / 60, c["ratio_mean"], marker=".", label=label)
    later = np.concatenate([c["ratio_mean"][1:] for c in curves.values()])
    top = min(3.0, 1.1 * float(later.max())) if later.size else 3.0
    for ax in axes:
        ax.axhline(1.0, color="k", lw=0.8, ls=":", label="optimum")
        for i, (name, value) in enumerate((refs or {}).items()):
            ax.axhline(value, color=f"C{i + 3}", lw=0.8, ls="--", label=name)
        ax.set_ylim(0.98, top)  # the untrained policy (step 0) is usually off the chart
        ax.grid(alpha=0.3)
    axes[0].ticklabel_format(axis="x", style="sci", scilimits=(3, 3))
    axes[0].set_xlabel("environment steps")
    axes[1].set_xlabel("training wall time [min] (2 shared cores)")
    axes[0].set_ylabel("mean cost / optimum (64 eval scenarios)")
    axes[1].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def optimum_costs(problem: str, scenarios: Sequence[Any]) -> np.ndarray:
    """The certified optimum of each scenario (the problem's ``exact`` method)."""
    from offload_gym.core.problem import get_problem
    from offload_gym.core.registry import get_solver

    exact, objective = get_solver(problem, "exact"), get_problem(problem).objective_of
    return np.array([objective(exact(s)) for s in scenarios])


def ratios(problem: str, sols: Sequence[Any], opt: np.ndarray) -> np.ndarray:
    from agents.rl.common import scenario_cost

    cost = np.array([scenario_cost(problem, s) for s in sols])
    return np.where(np.isfinite(cost), cost / opt, FAIL_RATIO)


def random_masked(env_id: str, env_kwargs: dict[str, Any], scenarios: Sequence[Any]
                  ) -> list[Any]:
    """The uniformly random masked policy (one rollout per scenario, seeded)."""
    rng = np.random.default_rng(0)
    env = make_env(env_id, env_kwargs, shaping=False, compute_optimum=False)
    out = []
    for s in scenarios:
        env.reset(options={"scenario": s})
        done = False
        while not done:
            allowed = np.flatnonzero(env.action_masks())
            _, _, done, _, info = env.step(int(rng.choice(allowed)))
        out.append(info["solution"])
    return out


def row(name: str, problem: str, fn: Callable[[], list[Any]], opt: np.ndarray,
        n: int) -> dict[str, Any]:
    start = time.perf_counter()
    sols = fn()
    ms = 1e3 * (time.perf_counter() - start) / n
    r = ratios(problem, sols, opt)
    return {"policy": name, "ratio_mean": r.mean(), "ratio_p90": np.quantile(r, 0.9),
            "accuracy": np.mean(r < 1.1), "failed": np.mean(r >= FAIL_RATIO), "ms": ms}


def to_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| test set | policy | mean ratio | p90 | ratio < 1.1 | failed | ms / instance |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['test']} | {r['policy']} | {r['ratio_mean']:.4f} | "
                     f"{r['ratio_p90']:.4f} | {100 * r['accuracy']:.1f} % | "
                     f"{100 * r['failed']:.1f} % | {r['ms']:.1f} |")
    return "\n".join(lines)


def evaluate_tag(tag: str, runs: Path, n_test: int, k: int) -> list[dict[str, Any]]:
    """Test-set rows of one experiment (and of its larger sizes for grlo)."""
    from agents.rl.policy import RLPolicy
    from offload_gym.core.registry import get_solver

    title, env_id, kwargs, supervised = EXPERIMENTS[tag]
    problem = problem_of(env_id)
    out = []
    sets = [(title, kwargs, n_test)] + [(f"{title.split(',')[0].split(' gs')[0]} {lab}", kw,
                                         max(n_test // 4, 10)) for lab, kw in LARGER.get(tag, [])]
    for test_name, kw, count in sets:
        scenarios = draw_scenarios(env_id, kw, count, TEST_SEED)
        opt = optimum_costs(problem, scenarios)
        cands: list[tuple[str, Callable[[], list[Any]]]] = [
            ("random (masked)", lambda kw=kw, sc=scenarios: random_masked(env_id, kw, sc))]
        for method in ("ppo", "grlo"):
            path = runs / f"{method}_{tag}" / "best_model.zip"
            if not path.is_file():
                continue
            try:
                greedy, best = RLPolicy(path), RLPolicy(path, k=k)
                greedy._check_fits(scenarios)
            except Exception:  # padding too small for this test size
                continue
            cands += [(method, lambda p=greedy, sc=scenarios: p.act_batch(sc)),
                      (f"{method} best-of-{k}", lambda p=best, sc=scenarios: p.act_batch(sc))]
        for name in supervised:
            try:
                solver = get_solver(problem, name)
                solver(scenarios[0])
            except Exception:  # no checkpoint for this size
                continue
            cands.append((name, lambda f=solver, sc=scenarios: [f(s) for s in sc]))
        for name, fn in cands:
            out.append({"test": f"{test_name} ({count})", **row(name, problem, fn, opt,
                                                                 count)})
            print(to_markdown(out[-1:]).splitlines()[-1], flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default="runs/rl")
    ap.add_argument("--figures", default="docs/figures")
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--tags", default=",".join(EXPERIMENTS))
    ap.add_argument("--no-eval", action="store_true", help="figures only")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    runs = Path(args.runs)
    rows: list[dict[str, Any]] = []
    for tag in args.tags.split(","):
        curves = {}
        for path in sorted(runs.glob(f"*_{tag}/eval.csv")):
            run = path.parent.name[: -len(tag) - 1]  # grlo, ppo, ppo_lr3e-4, ...
            method, _, variant = run.partition("_")
            label = {"ppo": "MLP-PPO (masked)", "grlo": "GRLO-style (masked PPO + GATv2)"
                     }.get(method, method)
            curves[label + (f", {variant.replace('lr', 'lr ')}" if variant else "")] = \
                read_curve(path)
        if curves:
            plot_curves(curves, EXPERIMENTS[tag][0], Path(args.figures) / f"rl_{tag}.png")
        if not args.no_eval:
            rows += evaluate_tag(tag, runs, args.n_test, args.k)
    if rows:
        print(to_markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
