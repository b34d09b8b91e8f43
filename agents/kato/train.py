"""Supervised training of the VEC selectors (KATO, SA, MLP) on certified optimal labels.

As in the KATO paper: binary cross-entropy between p and the optimal selection, Adam,
lr 1e-3, 20 epochs, a 70/15/15 train/val/test split. The label is the optimum of the
paper's problem: MobCheck first, then the best equal-finish selection
(``solve_exact_batch(batch, "equal_finish", mobcheck=True)``). Seeded end to end.

Command line (``offload-gym train {kato,kato_plus,sa,mlp} ...`` calls :func:`main`; the exact
command is stored in the checkpoint)::

    offload-gym train kato --preset kato2025 --size 20 --count 100000 --epochs 20 \\
        --seed 0 --out agents/checkpoints/vec_kato_kato2025_n20.pt
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from agents.cli_common import add_size_argument, parse_sizes, run_trainer
from agents.kato import PROBLEM
from agents.kato.features import build_inputs
from agents.kato.model import AttenSelect
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.generator import generate_batch
from offload_gym.vec.solvers.exact import solve_exact_batch

SPLIT = (0.70, 0.15, 0.15)


# The named models: architecture, input features and decoding (see agents.kato.model).
METHODS: dict[str, dict[str, str]] = {
    "kato": {"variant": "kato", "features": "paper", "decode": "threshold"},
    "kato_plus": {"variant": "kato", "features": "physical", "decode": "prefix"},
    "sa": {"variant": "sa", "features": "paper", "decode": "threshold"},
    "mlp": {"variant": "mlp", "features": "paper", "decode": "threshold"},
}


@dataclass
class TrainConfig:
    method: str = "kato"
    decoder: str = "shared"
    hidden: int = 5
    n_rsus: int | tuple[int, ...] = 20  # a tuple trains one model on mixed sizes
    preset: str = "kato2025"
    count: int = 20_000
    epochs: int = 20
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0


@dataclass
class TrainResult:
    model: AttenSelect
    config: TrainConfig
    history: list[dict] = field(default_factory=list)
    test_batch: ScenarioBatch | None = None
    wall_time_s: float = 0.0


def label_batch(batch: ScenarioBatch, features: str = "paper"):
    """(rows [B, 1+n, 4], valid [B, n], labels [B, n]) as float32, sorted like the rows."""
    inputs = build_inputs(batch, features)
    mask = solve_exact_batch(batch, "equal_finish", mobcheck=True).selected_mask
    labels = np.take_along_axis(mask, inputs.order, axis=1).astype(np.float32)
    return inputs.rows, inputs.survivor.astype(np.float32), labels


def label_mixed(batches: list[ScenarioBatch], features: str):
    """Label batches of different sizes and pad them to the largest n (valid = 0 there)."""
    parts = [label_batch(b, features) for b in batches]
    n_max = max(p[1].shape[1] for p in parts)
    pad = lambda a, axis_len: np.pad(  # noqa: E731
        a, [(0, 0), (0, n_max - axis_len)] + [(0, 0)] * (a.ndim - 2))
    rows = np.concatenate([pad(r, v.shape[1]) for r, v, _ in parts])
    valid = np.concatenate([pad(v, v.shape[1]) for _, v, _ in parts])
    labels = np.concatenate([pad(y, v.shape[1]) for _, v, y in parts])
    return rows, valid, labels


def split_indices(count: int, split=SPLIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contiguous 70/15/15 split (instances are i.i.d., so contiguous is unbiased)."""
    a = round(split[0] * count)
    b = a + round(split[1] * count)
    idx = np.arange(count)
    return idx[:a], idx[a:b], idx[b:]


def _take(batch: ScenarioBatch, idx: np.ndarray) -> ScenarioBatch:
    return ScenarioBatch(**{k: v[idx] for k, v in vars(batch).items()})


def train(config: TrainConfig, batch: ScenarioBatch | None = None, progress: bool = True,
          split: tuple[float, float, float] = SPLIT) -> TrainResult:
    """Train one selector on ``config.count`` generated instances, or on ``batch`` (kept
    in its order, so a dataset's contiguous train/val/test ranges are respected)."""
    start = time.perf_counter()
    if config.method not in METHODS:
        raise ValueError(f"method: unknown {config.method!r} (known: {sorted(METHODS)})")
    spec = METHODS[config.method]
    torch.manual_seed(config.seed)
    sizes = (config.n_rsus,) if isinstance(config.n_rsus, int) else tuple(config.n_rsus)
    if batch is None:
        rng = np.random.default_rng(config.seed)
        batches = [generate_batch(config.count // len(sizes), n, config.preset, seed=rng)
                   for n in sizes]
    else:
        batches = [batch]
    rows_np, valid_np, labels_np = label_mixed(batches, spec["features"])
    # generated sizes are shuffled together (seeded) before the contiguous split
    perm = (np.random.default_rng(config.seed).permutation(len(rows_np)) if batch is None
            else np.arange(len(rows_np)))
    rows, valid, y = (torch.from_numpy(a[perm]) for a in (rows_np, valid_np, labels_np))
    tr, va, te = split_indices(len(rows), split)
    model = AttenSelect(spec["variant"], config.hidden, config.decoder,
                        n_max=valid.shape[1] if config.decoder == "dense" else None)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    gen = torch.Generator().manual_seed(config.seed)
    history = []

    def masked_loss(idx):
        logits = model(rows[idx], valid[idx])
        return (loss_fn(logits, y[idx]) * valid[idx]).sum() / valid[idx].sum().clamp(min=1)

    bar = tqdm(range(config.epochs), desc=f"train {config.method}", disable=not progress)
    tr_t = torch.from_numpy(tr)
    for epoch in bar:
        model.train()
        epoch_order = tr_t[torch.randperm(len(tr_t), generator=gen)]
        total = 0.0
        for i in range(0, len(epoch_order), config.batch_size):
            idx = epoch_order[i:i + config.batch_size]
            loss = masked_loss(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        with torch.no_grad():
            val_loss = float(masked_loss(torch.from_numpy(va)))
        history.append({"epoch": epoch + 1, "train_loss": total / len(tr), "val_loss": val_loss})
        bar.set_postfix(train=f"{total / len(tr):.4f}", val=f"{val_loss:.4f}")
    test = None
    if len(batches) == 1:  # the test split as scenarios, for evaluation by the caller
        test = _take(batches[0], perm[te])
    return TrainResult(model, config, history, test, time.perf_counter() - start)


def save_checkpoint(result: TrainResult, path: str | Path, command: str = "") -> None:
    """A few-KB file: weights, model config, training config and the producing command."""
    torch.save({"state_dict": result.model.state_dict(), "model": result.model.config(),
                "method": METHODS[result.config.method] | {"name": result.config.method},
                "train": vars(result.config), "history": result.history,
                "command": command}, path)


def load_checkpoint(path: str | Path) -> tuple[AttenSelect, dict]:
    """(model in eval mode, checkpoint dict with "method", "train", "command")."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model = AttenSelect(**ckpt["model"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt


# ---------------------------------------------------------------------------- command line
_CLI_DOC = """``offload-gym train {kato,kato_plus,sa,mlp} ...``: train a VEC selector on certified
optimal labels and save a small checkpoint (the exact command is stored inside it)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("--preset", default="kato2025")
    add_size_argument(parser, PROBLEM,
                      extra_help="; a comma list (20,50) trains one model on mixed sizes")
    parser.add_argument("--count", type=int, default=100_000,
                        help="instances generated and labelled (70/15/15 split)")
    parser.add_argument("--data", default=None,
                        help="train on a dataset made by `offload-gym dataset --problem vec` "
                             "(its train/val splits; --preset/--size/--count are then unused)")
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
    sizes = parse_sizes(PROBLEM, args.size)
    config = TrainConfig(method=args.method, decoder=args.decoder,
                         n_rsus=sizes[0] if len(sizes) == 1 else sizes, preset=args.preset,
                         count=args.count, epochs=args.epochs, lr=args.lr,
                         batch_size=args.batch_size, seed=args.seed)
    batch, split = None, (0.70, 0.15, 0.15)
    if args.data:
        from offload_gym.datasets import load

        dataset = load(args.data, "all")
        if dataset.problem != PROBLEM:
            raise SystemExit(f"--data: {args.data} holds a {dataset.problem} dataset, "
                             f"not {PROBLEM}")
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
    return run_trainer(_CLI_DOC, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
