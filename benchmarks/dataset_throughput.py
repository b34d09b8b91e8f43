"""Label throughput of `offload-gym dataset` (instances/s) with 1 and 2 local workers.

Measures the whole job (generation, labelling, checksummed shard writes, metadata) with
``build_dataset`` into a temporary directory, for VEC n = 50 (kato2025, the three label
sets) and LAENet scales (gadsg2025, the certified ``exact`` solver), then extrapolates the
wall time of the papers' full data sets on this machine (KATO: 100k instances; GADSG:
70-90k per scale). Prints a Markdown table for benchmarks/README.md ("Datasets").

    python benchmarks/dataset_throughput.py            # the README numbers (~3-5 min)
    python benchmarks/dataset_throughput.py --fast     # a smoke run
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from offload_gym.datasets import DatasetSpec, build_dataset


def measure(spec: DatasetSpec, workers: int) -> float:
    """Instances per second of one complete job."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build_dataset(spec, tmp, workers=workers, progress=False)
        return spec.count / (time.perf_counter() - start)


def _hours(n: int, rate: float) -> str:
    h = n / rate / 3600
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.1f} h"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fast", action="store_true", help="tiny counts (smoke test)")
    ap.add_argument("--vec-count", type=int, default=20_000)
    ap.add_argument("--laenet-scales", default="gs2_gu4_au2,gs9_gu20_au13")
    ap.add_argument("--laenet-count", type=int, default=12,
                    help="instances per LAENet scale (gs2 scales use 20x this)")
    args = ap.parse_args()
    vec_count = 400 if args.fast else args.vec_count
    laenet_count = 2 if args.fast else args.laenet_count
    scales = ["gs2_gu4_au2"] if args.fast else args.laenet_scales.split(",")

    jobs = [("VEC n = 50 (kato2025)", 100_000, DatasetSpec(
        "vec", "kato2025", vec_count, size=50, shard_size=max(vec_count // 20, 1)))
        ] if vec_count > 0 else []  # --vec-count 0 skips VEC
    for scale in scales:
        n = laenet_count * (20 if scale.startswith("gs2") else 1)
        jobs.append((f"LAENet {scale} (exact)", 80_000, DatasetSpec(
            "laenet", "gadsg2025", n, scale=scale, shard_size=max(n // 6, 1))))
    print(f"cpus: {os.cpu_count()}, load average at start: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| job | instances | 1 worker [inst/s] | 2 workers [inst/s] | speed-up | "
          "full set | est. wall time (2 workers) |")
    print("|---|---|---|---|---|---|---|")
    for label, full, spec in jobs:
        r1, r2 = measure(spec, 1), measure(spec, 2)
        print(f"| {label} | {spec.count} | {r1:.3g} | {r2:.3g} | {r2 / r1:.2f}x | "
              f"{full // 1000}k | {_hours(full, r2)} |", flush=True)


if __name__ == "__main__":
    main()
