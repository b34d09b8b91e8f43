"""rl-zoo3 hyperparameter files shipped with offload-gym (docs/envs.md "Outside clients").

``python -m offload_gym.hyperparams ppo`` prints the path of ``ppo.yml``, for rl-zoo3's
``-conf`` after a pip install (in a checkout, ``offload_gym/hyperparams/ppo.yml``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALGOS = tuple(sorted(p.stem for p in HERE.glob("*.yml")))


def config_path(algo: str = "ppo") -> Path:
    """The rl-zoo3 hyperparameter file of ``algo`` (ValueError naming the known ones)."""
    if algo not in ALGOS:
        raise ValueError(f"algo must be one of {ALGOS}, got {algo!r}")
    return HERE / f"{algo}.yml"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        print(config_path(*args[:1]))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
