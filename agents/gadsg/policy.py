"""GADSG / GDSG as solvers (``offload-gym solve --solver gadsg``) and evaluation policies.

Checkpoints: ``agents/checkpoints/laenet_{method}_{scale}.pt``. Without an explicit
checkpoint, each scenario uses the shipped checkpoint of the NEAREST scale: the smallest
|U - U_c| (users), ties broken by |S - S_c| (ground servers), then by the smaller scale;
``solve_gadsg`` names the file it used on stderr. Every output is scored by
``offload_gym.laenet.evaluate`` (through ``make_solution``): valid, repaired (the spec's
repair rule) or failed.

Options of :class:`DiffusionPolicy`: ``shares`` = "waterfill" (model + optimal shares, the
default) or "model" (raw model shares, normalised per server); ``decode`` = "greedy"
(capacity-aware, default) or "argmax"; ``samples`` / ``steps`` default to the checkpoint's
(8 parallel samples, 5 DDIM steps); ``dense`` switches to padded graphs (same outputs).
``timings`` collects (model_s, decode_s) per instance of the last ``act_batch``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from agents import CHECKPOINT_DIR
from agents.gadsg import METHODS, PROBLEM
from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status

METHOD_NAMES = tuple(METHODS)


def shipped_checkpoints(method: str) -> dict[tuple[int, int, int], Path]:
    """(S, Y, Z) -> path of the shipped checkpoints of ``method``."""
    from offload_gym.laenet.generator import parse_scale_name

    out = {}
    for path in sorted(CHECKPOINT_DIR.glob(f"laenet_{method}_*.pt")):
        counts = parse_scale_name(path.stem.removeprefix(f"laenet_{method}_"))
        if counts is not None:
            out[counts] = path
    return out


def nearest_checkpoint(method: str, n_gs: int, n_users: int) -> Path:
    """The shipped checkpoint whose scale is nearest (users first, then servers)."""
    ckpts = shipped_checkpoints(method)
    if not ckpts:
        raise SolverError(f"no shipped checkpoint for {method!r} in {CHECKPOINT_DIR}; train "
                          f"one with `offload-gym train {method} --size gs3_gu6_au4 --out "
                          f"{CHECKPOINT_DIR}/laenet_{method}_gs3_gu6_au4.pt`")
    key = min(ckpts, key=lambda c: (abs(c[1] + c[2] - n_users), abs(c[0] - n_gs), c))
    return ckpts[key]


class DiffusionPolicy:
    """A trained GADSG / GDSG model (see the module docstring)."""

    problem = PROBLEM

    def __init__(self, method: str = "gadsg", checkpoint: str | Path | None = None, *,
                 name: str | None = None, samples: int | None = None,
                 steps: int | None = None, shares: str = "waterfill", decode: str = "greedy",
                 dense: bool = False, seed: int = 0) -> None:
        self.method = method
        self.name = name or method
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.samples, self.steps = samples, steps
        self.shares, self.decode, self.dense, self.seed = shares, decode, dense, seed
        self.timings: list[tuple[float, float]] = []

    def checkpoint_for(self, scenario: Any) -> Path:
        if self.checkpoint is not None:
            return self.checkpoint
        return nearest_checkpoint(self.method, scenario.n_servers - 1, scenario.n_users)

    def act(self, scenario: Any) -> Any:
        return self.act_batch([scenario])[0]

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        from agents.gadsg.decode import solve_batch
        from offload_gym.laenet.evaluate import make_solution

        groups: dict[Path, list[int]] = {}
        for i, sc in enumerate(scenarios):
            groups.setdefault(self.checkpoint_for(sc), []).append(i)
        out: list[Any] = [None] * len(scenarios)
        self.timings = [(0.0, 0.0)] * len(scenarios)
        for path, idx in groups.items():
            model, diffusion, norm, ckpt = load_model(str(path))
            decoded = solve_batch(
                model, diffusion, [scenarios[i] for i in idx], norm,
                samples=self.samples or ckpt["inference"]["samples"],
                steps=self.steps or ckpt["inference"]["steps"], shares=self.shares,
                decode=self.decode, dense=self.dense, seed=self.seed)
            for i, dec in zip(idx, decoded, strict=True):
                t0 = time.perf_counter()
                sol = make_solution(scenarios[i], dec.choice, dec.share, solver=self.name,
                                    status=Status.FEASIBLE, wall_time_s=0.0)
                decode_s = dec.decode_s + time.perf_counter() - t0
                self.timings[i] = (dec.model_s, decode_s)
                out[i] = _with_wall(sol, dec.model_s + decode_s)
        return out


def _with_wall(sol: Any, wall: float) -> Any:
    import dataclasses

    return dataclasses.replace(sol, wall_time_s=float(wall))


@lru_cache(maxsize=16)
def load_model(path: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    """(model, diffusion, normalisation, checkpoint dict), cached per path."""
    import torch

    from agents.gadsg.train import load_checkpoint

    if not Path(path).is_file():
        raise SolverError(f"no checkpoint at {path}")
    torch.set_num_threads(1)
    return load_checkpoint(path)


@lru_cache(maxsize=64)
def _announce(method: str, path: str, scale: str, n_gs: int, n_users: int) -> None:
    """Name the checkpoint used, once per (method, checkpoint, size) and process."""
    print(f"{method}: checkpoint {Path(path).name} (trained on {scale}; nearest scale to "
          f"S={n_gs}, U={n_users})", file=sys.stderr)


def _solve(method: str, scenario: Any, seed: int | None) -> Any:
    policy = DiffusionPolicy(method, seed=0 if seed is None else seed)
    path = policy.checkpoint_for(scenario)
    _, _, _, ckpt = load_model(str(path))
    _announce(method, str(path), ckpt["scale"], scenario.n_servers - 1, scenario.n_users)
    return policy.act(scenario)


def solve_gadsg(scenario: Any, seed: int | None = None) -> Any:
    """GADSG: graph-attention hybrid diffusion + best-of-K decoding + optimal shares."""
    return _solve("gadsg", scenario, seed)


def solve_gdsg(scenario: Any, seed: int | None = None) -> Any:
    """GDSG: the same diffusion with the gated-GCN encoder."""
    return _solve("gdsg", scenario, seed)


def policy_factory(problem: str = PROBLEM, method: str = "gadsg", name: str | None = None,
                   checkpoint: str | None = None, **kwargs: Any) -> DiffusionPolicy:
    """Factory for the evaluation harness (``offload-gym evaluate --policy gadsg``)."""
    if problem != PROBLEM:
        raise SolverError(f"{method} is a {PROBLEM} policy, not for problem {problem!r}")
    if method not in METHOD_NAMES:
        raise SolverError(f"unknown method {method!r} (known: {METHOD_NAMES})")
    return DiffusionPolicy(method, checkpoint, name=name, **kwargs)
