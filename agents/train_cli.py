"""``offload-gym train {kato,kato_plus,sa,mlp} ...``: train a VEC selector on certified
optimal labels and save a small checkpoint (the exact command is stored inside it).

    offload-gym train kato --preset kato2025 --rsus 20 --count 100000 --epochs 20 \\
        --seed 0 --out agents/checkpoints/vec_kato_kato2025_n20.pt
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from agents.cli_common import run_trainer
from agents.kato_train import METHODS, TrainConfig, save_checkpoint, train


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("--preset", default="kato2025")
    parser.add_argument("--rsus", default="20",
                        help="RSUs per instance, or a comma list to train on mixed sizes")
    parser.add_argument("--count", type=int, default=100_000,
                        help="instances generated and labelled (70/15/15 split)")
    parser.add_argument("--data", default=None,
                        help="train on a dataset made by `offload-gym dataset --problem vec` "
                             "(its train/val splits; --preset/--rsus/--count are then unused)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--decoder", choices=["shared", "dense"], default="shared")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="checkpoint path (.pt)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import torch

    torch.set_num_threads(1)  # tiny model: one thread is fastest and reproducible
    sizes = tuple(int(x) for x in str(args.rsus).split(","))
    config = TrainConfig(method=args.method, decoder=args.decoder,
                         n_rsus=sizes[0] if len(sizes) == 1 else sizes, preset=args.preset,
                         count=args.count, epochs=args.epochs, lr=args.lr,
                         batch_size=args.batch_size, seed=args.seed)
    batch, split = None, (0.70, 0.15, 0.15)
    if args.data:
        from offload_gym.datasets import load

        dataset = load(args.data, "all")
        if dataset.problem != "vec":
            raise SystemExit(f"--data: {args.data} holds a {dataset.problem} dataset, not vec")
        batch = dataset.vec_batch()
        split = tuple(dataset.metadata["spec"]["split"])
        config.preset = dataset.metadata["spec"]["preset"]
        config.n_rsus, config.count = batch.n_rsus, len(batch)
    result = train(config, batch=batch, split=split, progress=not args.quiet)
    command = "offload-gym train " + " ".join(shlex.quote(a) for a in argv)
    save_checkpoint(result, args.out, command=command)
    last = result.history[-1]
    print(f"saved {args.out}: train loss {last['train_loss']:.4f}, val loss "
          f"{last['val_loss']:.4f}, {result.wall_time_s:.0f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_trainer(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
