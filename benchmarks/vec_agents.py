"""KATO paper results (Figs. 3-6 analogues) for the learned VEC selectors and baselines.

Prints Markdown tables:
  1. ratio to the paper's optimum (MobCheck + equal finish) and to the true optimum of P,
     accuracy (ratio < 1.1), success and batched throughput, per method and n (Figs. 4-5);
  2. generalisation of the n = 50 models to smaller and larger networks (Fig. 6);
  3. task success rate vs speed with and without MobCheck (Fig. 3), on both presets.

    python benchmarks/vec_agents.py [--count 2000] [--quick]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from agents.kato.policy import CHECKPOINT_DIR, VecSelectorPolicy, load_policy
from offload_gym.vec import generate_batch
from offload_gym.vec.allocation import equal_finish
from offload_gym.vec.evaluate import evaluate_arrays
from offload_gym.vec.solvers.exact import solve_exact_batch

SEED = 1234  # test instances; training used seed 0


def _row(name, times, ok, ref_paper, ref_true, wall, count):
    r = times / ref_paper
    return (f"| {name} | {r.mean():.4f} | {np.quantile(r, 0.99):.4f} | {(r < 1.1).mean():.3f} | "
            f"{(times / ref_true).mean():.4f} | {ok.mean():.3f} | {count / wall:,.0f} |")


def _baseline_masks(name, batch, phys, rng):
    survivors = phys.mobcheck()
    if name == "random":
        return survivors & (rng.random(survivors.shape) < 0.5)
    if name == "all (LB set)":
        return survivors
    raise ValueError(name)


def table_methods(ns, count, methods):
    print("\n### Ratio to the optimum per method and n (KATO Figs. 4-5)\n")
    print("ratio = completion time / the paper's optimum (MobCheck + equal finish, exact); "
          "true = ratio to the optimum of problem P (no MobCheck, optimal rule); "
          "inst/s = batched, including allocation and evaluation\n")
    for n in ns:
        batch = generate_batch(count, n, "kato2025", seed=SEED + n)
        paper = solve_exact_batch(batch, "equal_finish", mobcheck=True)
        true = solve_exact_batch(batch, "optimal").completion_time_s
        print(f"\n**n = {n}**\n")
        print("| method | mean ratio | p99 | accuracy | mean true ratio | success | inst/s |")
        print("|---|---|---|---|---|---|---|")
        print(_row("Optimal (exact, batched)", paper.completion_time_s, paper.success,
                   paper.completion_time_s, true, paper.wall_time_s, count))
        for method in methods:
            pol = load_policy(method, n_rsus=n)  # the shipped model the CLI would use
            name = f"{method} ({pol.checkpoint.stem.rsplit('_', 1)[1]})"
            pol.act_arrays(batch)  # warm-up (threads, caches)
            start, cpu_start = time.perf_counter(), time.process_time()
            _, _, t, ok = pol.act_arrays(batch)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            print(_row(name, t, ok, paper.completion_time_s, true, wall, count))
            print(f"|   ... CPU time | | | | | | {count / cpu:,.0f} |")
        rng = np.random.default_rng(0)
        phys = batch.physics()
        for name in ("random", "all (LB set)"):
            start = time.perf_counter()
            masks = _baseline_masks(name, batch, phys, rng)
            t, ok = evaluate_arrays(phys, masks, equal_finish(phys, masks).allocation_gbit)
            print(_row(name, t, ok, paper.completion_time_s, true,
                       time.perf_counter() - start, count))


def table_generalisation(ns, count, policies):
    print("\n### Generalisation (KATO Fig. 6): mean ratio to the paper's optimum\n")
    print("| model | " + " | ".join(f"n = {n}" for n in ns) + " |")
    print("|---|" + "---|" * len(ns))
    batches = {n: generate_batch(count, n, "kato2025", seed=SEED + n) for n in ns}
    refs = {n: solve_exact_batch(b, "equal_finish", mobcheck=True).completion_time_s
            for n, b in batches.items()}
    for name, pol in policies.items():
        cells = [f"{(pol.act_arrays(batches[n])[2] / refs[n]).mean():.4f}" for n in ns]
        print(f"| {name} | " + " | ".join(cells) + " |")


def table_speed(count, policies_by_preset):
    print("\n### Task success rate vs speed (KATO Fig. 3), n = 20\n")
    speeds = (13, 15, 17, 19) if count < 1000 else (13, 14, 15, 16, 17, 18, 19)
    print("| preset | method | " + " | ".join(f"{v} m/s" for v in speeds) + " |")
    print("|---|---|" + "---|" * len(speeds))
    for preset, pol_path in policies_by_preset.items():
        for mobcheck in (True, False):
            pol = VecSelectorPolicy(pol_path, mobcheck=mobcheck)
            cells = []
            for v in speeds:
                batch = generate_batch(count, 20, preset, seed=SEED + v, speed_mps=float(v))
                cells.append(f"{pol.act_arrays(batch)[3].mean():.3f}")
            print(f"| {preset} | {pol.name} | " + " | ".join(cells) + " |")
        for mobcheck in (True, False):
            cells = []
            for v in speeds:
                batch = generate_batch(count, 20, preset, seed=SEED + v, speed_mps=float(v))
                res = solve_exact_batch(batch, "equal_finish", mobcheck=mobcheck)
                cells.append(f"{res.success.mean():.3f}")
            label = "Optimal (equal finish" + (", MobCheck)" if mobcheck else ", all RSUs)")
            print(f"| {preset} | {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    count = 200 if args.quick else args.count
    ck = CHECKPOINT_DIR
    n20 = {m: VecSelectorPolicy(ck / f"vec_{m}_kato2025_n20.pt")
           for m in ("kato", "kato_plus", "sa", "mlp")
           if (ck / f"vec_{m}_kato2025_n20.pt").is_file()}
    ns = (20, 50) if args.quick else (10, 20, 30, 40, 50)
    print(f"{count} instances per cell, test seed {SEED}+; each method uses the shipped "
          "model for that size (`agents/checkpoints/vec_*_kato2025_n<N>.pt`, N in brackets)")
    table_methods(ns, count, list(n20))
    n50 = {f"{m} (trained n=50)": VecSelectorPolicy(p) for m in ("kato", "kato_plus")
           if (p := ck / f"vec_{m}_kato2025_n50.pt").is_file()}
    n50.update({f"{m} (trained n=20)": pol for m, pol in n20.items()
                if m in ("kato", "kato_plus")})
    gen_ns = (10, 30, 50) if args.quick else (10, 20, 30, 40, 50, 70, 100)
    table_generalisation(gen_ns, count, n50)
    by_preset = {p: path for p in ("kato2025", "mobility_stress")
                 if (path := ck / f"vec_kato_{p}_n20.pt").is_file()}
    table_speed(min(count, 1000), {k: Path(v) for k, v in by_preset.items()})


if __name__ == "__main__":
    main()
