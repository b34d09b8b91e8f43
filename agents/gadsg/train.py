"""Training of GADSG / GDSG on certified optimal labels (paper Algorithm 1).

    offload-gym train gadsg --size gs3_gu6_au4 --count 3000 --config small --epochs 40 \\
        --seed 0 --out agents/checkpoints/laenet_gadsg_gs3_gu6_au4.pt

(``offload-gym train gadsg ...`` calls :func:`main` with the words after ``train``.)
Labels: the exact solver's optimum ``(choice, share)``; with ``--data DIR`` a dataset of
``offload-gym dataset`` (its train split; the normalisation constants come from its
metadata), otherwise ``--count`` instances are generated (``--seed``) and labelled in-process
(90 % train / 10 % validation).

Algorithm 1, per minibatch: t ~ U{1..T} per graph; x_t ~ Cat(x_0 Qbar_t) on every slot;
z_0 = 2 y - 1 (y = optimal share on the chosen server slot, 0 elsewhere), z_t = sqrt(abar_t)
z_0 + sqrt(1 - abar_t) eps; loss = CE(p(x_0 | x_t, z_t, t), x_0) + MSE(eps_hat, eps) over the
real slots (flag = 1). Adam. Training uses sparse graphs (padded slots are inert).

Configs: ``paper`` = Table III (lr 1e-4, 10 layers, hidden 256, 4 heads, T = 200, 5 inference
steps); ``small`` (hidden 48, 3 layers, 4 heads, lr 1e-3, same T and steps) trains on a 2-core
CPU in minutes and is what the tests and the shipped checkpoints use.

Checkpoints: ``--out`` gets the final model (weights stored as float16, a few hundred KB) with
the producing command, the normalisation constants, the configs and the loss history;
``--out``.partial (every ``--save-every`` epochs) holds the full training state and the labels,
so ``--resume`` continues exactly (epoch e is shuffled and noised by seed * 1000 + e).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from agents.cli_common import add_size_argument, parse_size
from agents.gadsg import PROBLEM
from agents.gadsg.diffusion import HybridDiffusion
from agents.gadsg.encoders import DenoiserNet
from agents.gadsg.features import InstanceGraph, Normalisation, collate, instance_graph
from offload_gym.laenet.physics import derive

METHODS = {"gadsg": "gat", "gdsg": "gcn"}
CONFIGS: dict[str, dict[str, Any]] = {
    "small": {"hidden": 48, "layers": 3, "heads": 4, "lr": 1e-3, "n_steps": 200,
              "inference_steps": 5, "samples": 8, "batch_size": 64, "epochs": 40},
    "paper": {"hidden": 256, "layers": 10, "heads": 4, "lr": 1e-4, "n_steps": 200,
              "inference_steps": 5, "samples": 8, "batch_size": 64, "epochs": 50},
}
VAL_FRACTION = 0.1


@dataclasses.dataclass
class TrainConfig:
    method: str = "gadsg"
    scale: str = "gs3_gu6_au4"
    config: str = "small"
    count: int = 3000
    epochs: int | None = None
    seed: int = 0
    data: str | None = None
    save_every: int = 5
    pos_enc: str = "index"

    def hyper(self) -> dict[str, Any]:
        h = dict(CONFIGS[self.config])
        if self.epochs is not None:
            h["epochs"] = self.epochs
        return h


@dataclasses.dataclass
class LabelledSet:
    """Scenarios with their optimal labels (choice and share per user)."""

    scenarios: list[Any]
    choice: np.ndarray
    share: np.ndarray
    cost: np.ndarray


def label_scenarios(scenarios: Sequence[Any], progress: bool = True) -> LabelledSet:
    """Solve every scenario exactly (the certified optimum) and keep the labels."""
    from offload_gym.core.registry import get_solver

    exact = get_solver(PROBLEM, "exact")
    n, n_users = len(scenarios), scenarios[0].n_users
    choice = np.full((n, n_users), -1, dtype=np.int64)
    share = np.full((n, n_users), np.nan)
    cost = np.full(n, np.nan)
    for i, sc in enumerate(tqdm(scenarios, desc="label (exact)", disable=not progress)):
        sol = exact(sc)
        choice[i] = sol.choice
        share[i] = [np.nan if y is None else y for y in sol.share]
        cost[i] = sol.cost
    return LabelledSet(list(scenarios), choice, share, cost)


def generated_data(scale: str, count: int, seed: int, progress: bool = True,
                   labels: dict[str, np.ndarray] | None = None) -> LabelledSet:
    """``count`` generated instances (``seed``), labelled now or from stored ``labels``."""
    from offload_gym.laenet.generator import generate_batch

    if labels is not None:
        scenarios = generate_batch(count, scale, seed=seed)
        return LabelledSet(scenarios, labels["choice"], labels["share"], labels["cost"])
    return _labelled(scale, count, seed, progress)


@lru_cache(maxsize=4)
def _labelled(scale: str, count: int, seed: int, progress: bool) -> LabelledSet:
    """Generated and labelled once per process (scenarios are immutable)."""
    from offload_gym.laenet.generator import generate_batch

    return label_scenarios(generate_batch(count, scale, seed=seed), progress)


def dataset_data(directory: str, split: str) -> tuple[LabelledSet, Normalisation]:
    """A split of an ``offload-gym dataset`` directory and its normalisation constants.

    ``directory`` may list several datasets of one scale, comma-separated: their splits are
    concatenated and the constants are computed from the concatenated split (for one
    directory they are its metadata's, computed the same way from its train split)."""
    from offload_gym.datasets import load

    dirs = [d for d in directory.split(",") if d]
    parts = [load(d, split) for d in dirs]
    data = LabelledSet([s for ds in parts for s in ds.scenarios()],
                       *(np.concatenate([ds.arrays[k] for ds in parts])
                         for k in ("label_choice", "label_share", "label_cost")))
    if len(parts) == 1:
        return data, Normalisation.from_metadata(parts[0].metadata)
    return data, Normalisation.from_derived([derive(s) for s in data.scenarios])


def dataset_commands(directory: str) -> str:
    """The ``offload-gym dataset`` commands that rebuild the datasets of ``--data`` (from
    their metadata), joined by " && "."""
    from offload_gym.datasets import DatasetSpec
    from offload_gym.datasets.metadata import read_metadata

    return " && ".join(DatasetSpec.from_dict(read_metadata(Path(d))["spec"]).command(d)
                       for d in directory.split(",") if d)


def build_graphs(data: LabelledSet, norm: Normalisation, dense: bool = False
                 ) -> list[InstanceGraph]:
    return [instance_graph(derive(s), norm, dense, data.choice[i], data.share[i])
            for i, s in enumerate(data.scenarios)]


def diffusion_loss(model: DenoiserNet, diffusion: HybridDiffusion, graphs: Sequence[
        InstanceGraph], generator: torch.Generator) -> torch.Tensor:
    """Algorithm 1's loss on one minibatch: CE on x_0 + MSE on eps (real slots only)."""
    batch = collate(graphs)
    t = torch.randint(1, diffusion.n_steps + 1, (batch.n_graphs,), generator=generator)
    t_edge = t[batch.edge_graph]
    x_t = diffusion.noise_categorical(batch.x0, t_edge, generator)
    z_t, eps = diffusion.noise_gaussian(2 * batch.share - 1, t_edge, generator)
    logits, eps_hat = model(batch, x_t, z_t, t)
    real = batch.flag > 0
    ce = torch.nn.functional.cross_entropy(logits[real], batch.x0[real])
    return ce + torch.mean((eps_hat[real] - eps[real]) ** 2)


def _split(n: int) -> tuple[np.ndarray, np.ndarray]:
    n_val = max(1, round(VAL_FRACTION * n)) if n > 1 else 0
    return np.arange(n - n_val), np.arange(n - n_val, n)


def train(cfg: TrainConfig, out: str | Path | None = None, *, resume: bool = False,
          progress: bool = True, command: str = "") -> dict[str, Any]:
    """Train one model; returns the final checkpoint dict (also saved to ``out``)."""
    start = time.perf_counter()
    if cfg.method not in METHODS:
        raise ValueError(f"method: unknown {cfg.method!r} (known: {sorted(METHODS)})")
    hp = cfg.hyper()
    partial = Path(f"{out}.partial") if out else None
    state = None
    if resume and partial is not None and partial.is_file():
        state = torch.load(partial, map_location="cpu", weights_only=False)
    if cfg.data:
        train_set, norm = dataset_data(cfg.data, "train")
        val_set, _ = dataset_data(cfg.data, "val")
    else:
        labels = state["labels"] if state else None
        data = generated_data(cfg.scale, cfg.count, cfg.seed, progress, labels)
        tr, va = _split(len(data.scenarios))
        take = lambda idx: LabelledSet([data.scenarios[i] for i in idx],  # noqa: E731
                                       data.choice[idx], data.share[idx], data.cost[idx])
        train_set, val_set = take(tr), take(va)
        norm = Normalisation.from_derived([derive(s) for s in train_set.scenarios])
    graphs_tr, graphs_va = build_graphs(train_set, norm), build_graphs(val_set, norm)
    torch.manual_seed(cfg.seed)
    model = DenoiserNet(METHODS[cfg.method], hp["hidden"], hp["layers"], hp["heads"],
                        cfg.pos_enc)
    diffusion = HybridDiffusion(hp["n_steps"])
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    history: list[dict[str, float]] = []
    first = 0
    if state:
        model.load_state_dict(state["state_dict"])
        opt.load_state_dict(state["optimizer"])
        history, first = state["history"], state["epoch"]
    bar = tqdm(range(first, hp["epochs"]), desc=f"train {cfg.method} {cfg.scale}",
               disable=not progress, initial=first, total=hp["epochs"])
    for epoch in bar:
        gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
        order = torch.randperm(len(graphs_tr), generator=gen).tolist()
        model.train()
        total = 0.0
        for i in range(0, len(order), hp["batch_size"]):
            idx = order[i:i + hp["batch_size"]]
            loss = diffusion_loss(model, diffusion, [graphs_tr[j] for j in idx], gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        with torch.no_grad():
            val = float(diffusion_loss(model, diffusion, graphs_va,
                                       torch.Generator().manual_seed(cfg.seed))) \
                if graphs_va else float("nan")
        history.append({"epoch": epoch + 1, "train_loss": total / len(graphs_tr),
                        "val_loss": val})
        bar.set_postfix(train=f"{total / len(graphs_tr):.4f}", val=f"{val:.4f}")
        if partial is not None and ((epoch + 1) % cfg.save_every == 0
                                    or epoch + 1 == hp["epochs"]):
            _save_partial(partial, model, opt, epoch + 1, history, cfg, train_set, val_set)
    ckpt = {
        "format": "offload-gym-laenet-diffusion", "method": cfg.method, "scale": cfg.scale,
        "model": model.hparams, "state_dict": {k: v.half() if v.is_floating_point() else v
                                               for k, v in model.state_dict().items()},
        "diffusion": {"n_steps": hp["n_steps"], "schedule": "cosine"},
        "inference": {"steps": hp["inference_steps"], "samples": hp["samples"]},
        "norm": dataclasses.asdict(norm), "train": dataclasses.asdict(cfg) | {"hyper": hp},
        "n_train": len(graphs_tr), "n_val": len(graphs_va), "history": history,
        "command": command, "wall_time_s": time.perf_counter() - start,
    }
    if cfg.data:
        ckpt["data_command"] = dataset_commands(cfg.data)
    if out is not None:
        torch.save(ckpt, out)
    return ckpt


def _save_partial(path: Path, model, opt, epoch, history, cfg, train_set, val_set) -> None:
    labels = None
    if not cfg.data:  # generated data: keep the labels so a resume needs no re-solving
        labels = {k: np.concatenate([getattr(train_set, k), getattr(val_set, k)])
                  for k in ("choice", "share", "cost")}
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": model.state_dict(), "optimizer": opt.state_dict(),
                "epoch": epoch, "history": history, "labels": labels,
                "train": dataclasses.asdict(cfg)}, tmp)
    tmp.replace(path)


def load_checkpoint(path: str | Path) -> tuple[DenoiserNet, HybridDiffusion, Normalisation,
                                               dict[str, Any]]:
    """(model in eval mode (float32), diffusion, normalisation, checkpoint dict)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = DenoiserNet(**ckpt["model"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in ckpt["state_dict"].items()})
    model.eval()
    return (model, HybridDiffusion(ckpt["diffusion"]["n_steps"]),
            Normalisation(**ckpt["norm"]), ckpt)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="offload-gym train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("method", choices=sorted(METHODS))
    add_size_argument(p, PROBLEM)
    p.add_argument("--data", default=None,
                   help="dataset directory (offload-gym dataset); several of one scale: "
                        "DIR1,DIR2 (train / val splits concatenated)")
    p.add_argument("--count", type=int, default=3000,
                   help="instances generated and labelled when --data is absent")
    p.add_argument("--config", choices=sorted(CONFIGS), default="small")
    p.add_argument("--epochs", type=int, default=None, help="default: the config's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save-every", type=int, default=5, help="epochs between .partial saves")
    p.add_argument("--pos-enc", choices=["index", "none"], default="index")
    p.add_argument("--out", required=True, help="checkpoint path (.pt)")
    p.add_argument("--resume", action="store_true", help="continue from OUT.partial")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``offload-gym train gadsg|gdsg ...`` (argv starts with the method)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)  # small graphs: one thread is fastest and reproducible
    cfg = TrainConfig(method=args.method, scale=parse_size(PROBLEM, args.size),
                      config=args.config, count=args.count, epochs=args.epochs,
                      seed=args.seed, data=args.data, save_every=args.save_every,
                      pos_enc=args.pos_enc)
    command = "offload-gym train " + " ".join(shlex.quote(a) for a in argv)
    ckpt = train(cfg, args.out, resume=args.resume, progress=not args.quiet, command=command)
    last = ckpt["history"][-1]
    print(f"saved {args.out}: train loss {last['train_loss']:.4f}, val loss "
          f"{last['val_loss']:.4f}, {ckpt['n_train']} train instances, "
          f"{ckpt['wall_time_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
