"""Make labelled datasets and evaluate policies on them (the whole pipeline in one script).

    python examples/make_dataset_and_evaluate.py --fast     # tiny, in a temporary directory
    python examples/make_dataset_and_evaluate.py --out data # 2000 VEC + 500 LAENet instances

Equivalent CLI:

    offload-gym dataset --problem vec --size 20 --count 2000 --out data/vec_n20 --workers 2
    offload-gym evaluate --policy exact,decc,random --data data/vec_n20 --out data/eval
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from offload_gym.datasets import DatasetSpec, build_dataset, load
from offload_gym.evaluation import evaluate_policies, to_markdown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fast", action="store_true", help="tiny datasets in a temp directory")
    ap.add_argument("--out", default=None, help="where to write the datasets")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    root = Path(args.out or tempfile.mkdtemp(prefix="offload-gym-data-"))
    n_vec, n_laenet = (60, 20) if args.fast else (2000, 500)

    vec = DatasetSpec("vec", "mobility_stress", n_vec, seed=0, size=20, shard_size=250)
    laenet = DatasetSpec("laenet", "gadsg2025", n_laenet, seed=0, scale="gs2_gu4_au2",
                         shard_size=100)
    for spec, name in ((vec, "vec_n20"), (laenet, "laenet_gs2_gu4_au2")):
        meta = build_dataset(spec, root / name, workers=args.workers, progress=not args.fast)
        print(f"{root / name}: {meta['counts']}")

    test = load(root / "vec_n20", "test")
    print(f"VEC test split: {len(test)} instances; first scenario has {test.scenario(0).n_rsus}"
          f" RSUs; optimal time {test.reference_cost()[0]:.4f} s")
    print(to_markdown(evaluate_policies(["exact", "decc:rule=equal_finish:mobcheck=true"],
                                        [root / "vec_n20"])))
    print()
    print(to_markdown(evaluate_policies(["greedy", "random"], [root / "laenet_gs2_gu4_au2"])))


if __name__ == "__main__":
    main()
