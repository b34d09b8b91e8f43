"""Forward time of the GRLO extractor (agents/rl/extractor.py), PyG path vs dense path, on
the same weights and the same batch of 64 observations (random masked rollouts), one thread.

    python benchmarks/extractor_dense.py
"""

from __future__ import annotations

import time

import torch

import offload_gym  # noqa: F401
from agents.rl.extractor import GraphExtractor
from tests.agents.test_extractor_dense import _observations, _tensors

CASES = [("VEC-v0 n=20", "offload_gym/VEC-v0", {"n_rsus": 20}, None),
         ("LAENet-v0 gs3_gu6_au4", "offload_gym/LAENet-v0", {"scale": "gs3_gu6_au4"},
          [0, 1, 2, 3])]


def _ms(fn, repeats: int = 200) -> float:
    for _ in range(10):
        fn()
    best = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeats // 5):
            fn()
        best.append((time.process_time() - start) / (repeats // 5))
    return 1e3 * min(best)


def main() -> int:
    torch.set_num_threads(1)
    print("| observations | batch | PyG path ms | dense path ms | speed-up | "
          "PyG fwd+bwd ms | dense fwd+bwd ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, env_id, kwargs, ptr in CASES:
        env, batch = _observations(env_id, 64, **kwargs)
        obs = _tensors(env, batch)
        ext = GraphExtractor(env.observation_space, pointer_slots=ptr)
        times = {}
        for dense in (False, True):
            ext.set_dense(dense)
            with torch.no_grad():
                fwd = _ms(lambda e=ext, o=obs: e(o))
            bwd = _ms(lambda e=ext, o=obs: e(o).sum().backward(), 100)
            times[dense] = (fwd, bwd)
        (pf, pb), (df, db) = times[False], times[True]
        print(f"| {name} | 64 | {pf:.2f} | {df:.2f} | {pf / df:.1f}x | {pb:.2f} | {db:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
