"""Results of docs/results-laenet.md: GADSG / GDSG (every shipped checkpoint on every test
scale: the cross-scale matrix) against RE, AO, MCMF and the random feasible policy, all scored
by ``evaluate`` against the certified optima stored in the datasets.

    python -m agents.gadsg.report --data-root DATA --scales gs2_gu4_au2,gs3_gu6_au4 \\
        --limit 200 --json results.json

``DATA/{scale}`` are ``offload-gym dataset`` directories; their TEST split is used. For each
checkpoint the K samples are drawn once and decoded three ways: ``wf`` (capacity-aware greedy
decoding + optimal water-filling shares: the default solver), ``raw`` (the same decoding with
the model's own shares, normalised per server) and ``argmax`` (per-user argmax, no capacity
check, water-filling shares: measures how often the spec's repair is needed).
Latency: model = sampling time per instance (batched over the split), decode = decoding +
scoring through ``make_solution``; with ``--single N`` also both for N instances given one at
a time (own-scale models, ``wf``); baselines: wall time per instance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.gadsg import PROBLEM
from agents.gadsg.decode import pick, sample
from agents.gadsg.features import instance_graph
from agents.gadsg.policy import load_model, shipped_checkpoints
from offload_gym.core.status import Status
from offload_gym.evaluation.metrics import summarise
from offload_gym.laenet.evaluate import make_solution
from offload_gym.laenet.physics import derive
from offload_gym.laenet.scoring import score_instances

VARIANTS = {"wf": ("waterfill", "greedy"), "raw": ("model", "greedy"),
            "argmax": ("waterfill", "argmax")}
BASELINES = ("re", "ao", "mcmf", "random")


def single_latency(path: Path, scenarios: Sequence[Any], seed: int = 0
                   ) -> tuple[float, float]:
    """(model s, decode s) per instance when instances come ONE AT A TIME (batch of one:
    the K samples of one graph; default ``wf`` decoding + ``make_solution``), mean over
    ``scenarios``."""
    model, diffusion, norm, ckpt = load_model(str(path))
    k, steps = ckpt["inference"]["samples"], ckpt["inference"]["steps"]
    shares, decode = VARIANTS["wf"]
    model_s = decode_s = 0.0
    for sc in scenarios:
        t0 = time.perf_counter()
        d = derive(sc)
        g = instance_graph(d, norm)
        p1, y_edge, offs = sample(model, diffusion, [g], k, steps,
                                  torch.Generator().manual_seed(seed))
        t1 = time.perf_counter()
        dec = pick(d, g, p1, y_edge, offs, 0, 1, k, shares, decode)
        make_solution(sc, dec.choice, dec.share, solver=ckpt["method"],
                      status=Status.FEASIBLE, wall_time_s=0.0)
        model_s += t1 - t0
        decode_s += time.perf_counter() - t1
    n = max(len(scenarios), 1)
    return model_s / n, decode_s / n


def run_diffusion(path: Path, scenarios: Sequence[Any], seed: int = 0
                  ) -> dict[str, tuple[list[Any], float, float]]:
    """variant -> (solutions, model s / instance, decode s / instance), the K samples of
    every instance drawn in ONE batch (model time = batched sampling / n)."""
    model, diffusion, norm, ckpt = load_model(str(path))
    derived = [derive(s) for s in scenarios]
    graphs = [instance_graph(d, norm) for d in derived]
    k, steps, n = ckpt["inference"]["samples"], ckpt["inference"]["steps"], len(scenarios)
    t0 = time.perf_counter()
    p1, y_edge, offs = sample(model, diffusion, graphs, k, steps,
                              torch.Generator().manual_seed(seed))
    model_s = (time.perf_counter() - t0) / n
    out = {}
    for name, (shares, decode) in VARIANTS.items():
        t1 = time.perf_counter()
        sols = []
        for b, (sc, d, g) in enumerate(zip(scenarios, derived, graphs, strict=True)):
            dec = pick(d, g, p1, y_edge, offs, b, n, k, shares, decode)
            sols.append(make_solution(sc, dec.choice, dec.share, solver=ckpt["method"],
                                      status=Status.FEASIBLE, wall_time_s=0.0))
        out[name] = (sols, model_s, (time.perf_counter() - t1) / n)
    return out


def run_baseline(name: str, scenarios: Sequence[Any]) -> tuple[list[Any], float]:
    from offload_gym.core.registry import get_solver
    from offload_gym.laenet.policies import LaenetRandomPolicy

    fn = LaenetRandomPolicy(seed=0).act if name == "random" else get_solver(PROBLEM, name)
    t0 = time.perf_counter()
    sols = [fn(s) for s in scenarios]
    return sols, (time.perf_counter() - t0) / len(scenarios)


def row(method: str, scale: str, trained_on: str, scenarios, sols, ref, model_s: float,
        decode_s: float, single: tuple[float, float] | None = None) -> dict[str, Any]:
    r = summarise(score_instances(scenarios, sols, ref), PROBLEM)
    out = {"method": method, "test_scale": scale, "trained_on": trained_on,
           **{k: r[k] for k in ("n", "ratio_mean", "ratio_p90", "ratio_max", "accuracy",
                                "valid_rate", "repaired_rate", "failed_rate",
                                "share_quality")},
           "model_ms": 1e3 * model_s, "decode_ms": 1e3 * decode_s}
    if single is not None:
        out["model_ms_single"], out["decode_ms_single"] = (1e3 * v for v in single)
    return out


def evaluate_all(data_root: Path, scales: Sequence[str], limit: int | None,
                 baselines: Sequence[str] = BASELINES,
                 models: Sequence[str] = ("gadsg", "gdsg"),
                 trained_on: Sequence[str] | None = None,
                 n_single: int = 0) -> list[dict[str, Any]]:
    """Every row of the tables; ``n_single`` > 0 also times that many instances one at a
    time for each model on its own training scale (:func:`single_latency`)."""
    from offload_gym.datasets import load

    rows = []
    for scale in scales:
        ds = load(data_root / scale, "test").subset(limit)
        scs, ref = ds.scenarios(), ds.reference_cost()
        for method in models:
            for counts, path in shipped_checkpoints(method).items():
                trained = "gs{}_gu{}_au{}".format(*counts)
                if trained_on and trained not in trained_on:
                    continue
                single = single_latency(path, scs[:n_single]) \
                    if n_single and trained == scale else None
                for variant, (sols, m_s, d_s) in run_diffusion(path, scs).items():
                    rows.append(row(f"{method}-{variant}", scale, trained, scs, sols, ref,
                                    m_s, d_s, single if variant == "wf" else None))
                    print(_fmt(rows[-1]), file=sys.stderr)
        for name in baselines:
            sols, wall = run_baseline(name, scs)
            rows.append(row(name, scale, "-", scs, sols, ref, 0.0, wall))
            print(_fmt(rows[-1]), file=sys.stderr)
    return rows


def _fmt(r: dict[str, Any]) -> str:
    return (f"| {r['method']} | {r['test_scale']} | {r['trained_on']} | {r['n']:.0f} | "
            f"{r['ratio_mean']:.4f} | {r['ratio_p90']:.4f} | {r['accuracy']:.3f} | "
            f"{r['valid_rate']:.3f} | {r['repaired_rate']:.3f} | {r['failed_rate']:.3f} | "
            f"{r['share_quality']:.4f} | {r['model_ms']:.1f} | {r['decode_ms']:.1f} | "
            f"{_ms(r.get('model_ms_single'))} | {_ms(r.get('decode_ms_single'))} |")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = ("| method | test scale | trained on | n | mean ratio | p90 ratio | accuracy (<1.1) | "
          "valid | repaired | failed | share quality | model ms | decode/solver ms | "
          "model ms (single) | decode ms (single) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def plot_rows(rows: Sequence[dict[str, Any]], out_dir: str | Path) -> list[Path]:
    """Figures of the rows: per method, the cross-scale heat map of the mean ratio (wf
    decoding; train scale x test scale), and the per-scale bars (mean ratio, accuracy) of the
    own-scale models (wf) next to the baselines."""
    from offload_gym.evaluation.plots import plot_heatmap, plot_scale_table

    out_dir = Path(out_dir)
    scales = list(dict.fromkeys(r["test_scale"] for r in rows))
    paths = []
    for method in dict.fromkeys(r["method"].split("-")[0] for r in rows
                                if r["method"].endswith("-wf")):
        cell = {(r["trained_on"], r["test_scale"]): r["ratio_mean"] for r in rows
                if r["method"] == f"{method}-wf"}
        trained = [s for s in scales if any(t == s for t, _ in cell)]
        matrix = np.array([[cell.get((t, s), np.nan) for s in scales] for t in trained])
        paths.append(plot_heatmap(
            trained, scales, matrix, out_dir / f"laenet_{method}_cross_scale.png",
            title=f"{method.upper()} mean cost ratio to the certified optimum (200 test "
                  "instances per scale)", xlabel="test scale", ylabel="training scale"))
    bars = []
    for r in rows:
        own = r["method"].endswith("-wf") and r["trained_on"] == r["test_scale"]
        if own or r["trained_on"] == "-":
            name = r["method"].split("-")[0].upper() if own else r["method"]
            bars.append({"dataset": r["test_scale"], "policy": name,
                         "ratio_mean": min(r["ratio_mean"], 2.0), "accuracy": r["accuracy"]})
    if bars:
        paths.append(plot_scale_table(bars, out_dir / "laenet_models_per_scale.png"))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", type=Path, default=None,
                   help="directory of one dataset per scale (needed unless --rows-in)")
    p.add_argument("--scales", default="gs2_gu4_au2,gs3_gu6_au4")
    p.add_argument("--limit", type=int, default=None, help="first N test instances")
    p.add_argument("--baselines", default=",".join(BASELINES))
    p.add_argument("--models", default="gadsg,gdsg")
    p.add_argument("--trained-on", default="", help="only checkpoints of these scales")
    p.add_argument("--json", default=None, help="write the rows here")
    p.add_argument("--single", type=int, default=0,
                   help="also time N instances one at a time (own-scale models)")
    p.add_argument("--plots", default=None, help="write the figures into this directory")
    p.add_argument("--rows-in", default=None,
                   help="plot / print rows of earlier --json files (A.json,B.json) instead "
                        "of evaluating")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if not args.rows_in and args.data_root is None:
        p.error("--data-root is required unless --rows-in is given")
    if args.rows_in:
        rows = [r for f in args.rows_in.split(",") for r in json.loads(Path(f).read_text())]
    else:
        rows = evaluate_all(args.data_root, args.scales.split(","), args.limit,
                            [b for b in args.baselines.split(",") if b],
                            [m for m in args.models.split(",") if m],
                            [t for t in args.trained_on.split(",") if t] or None, args.single)
    print(HEADER)
    for r in rows:
        print(_fmt(r))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=float) + "\n")
    if args.plots:
        for path in plot_rows(rows, args.plots):
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
