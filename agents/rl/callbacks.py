"""SB3 training callbacks shared by every RL run (defined lazily: importing this module does
not import stable-baselines3).

:func:`periodic_eval_callback` builds the one evaluation loop both kinds of run use: every
``eval_freq`` env steps (and at the start and end of training) ``measure()`` gives a row of
metrics; the row (with ``timesteps``, ``train_wall_s`` = wall time minus evaluation time,
``wall_s``) is logged, appended to ``OUT/eval.csv``, recorded in the checkpoint metadata,
and ``model.zip`` is saved, ``best_model.zip`` too when ``row[score_key]`` improves.
Training stops after ``max_s`` seconds of training wall time. The one-shot envs score the
optimality ratio (lower is better, :mod:`agents.rl.train`); VECStream the mean return
(higher is better, :mod:`agents.rl.stream`).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def progress_callback(total: int) -> Any:
    """A tqdm progress bar over env steps (SB3's own needs ``rich``)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class ProgressCallback(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.bar: Any = None

        def _on_training_start(self) -> None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=self.num_timesteps, unit="step",
                            dynamic_ncols=True)

        def _on_step(self) -> bool:
            self.bar.update(self.training_env.num_envs)
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    return ProgressCallback()


def append_csv(path: Path, fields: Sequence[str], row: Mapping[str, Any]) -> None:
    """Append ``row`` to a CSV file (header written when the file is new); floats with 6
    significant digits."""
    new = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fields))
        if new:
            writer.writeheader()
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                         for k, v in row.items()})


def periodic_eval_callback(measure: Callable[[Any], dict[str, Any]], *, eval_freq: int,
                           out: Path, meta: dict[str, Any], max_s: float | None,
                           fields: Sequence[str], score_key: str, maximise: bool,
                           best_meta_key: str, eval_meta_key: str,
                           log_keys: Mapping[str, str]) -> Any:
    """The periodic evaluation callback (see the module docstring).

    ``measure(model) -> row``; ``log_keys``: row key -> logger name; ``best_meta_key`` /
    ``eval_meta_key``: where the best and the latest ``row[score_key]`` go in ``meta``."""
    from stable_baselines3.common.callbacks import BaseCallback

    from agents.rl.common import write_metadata

    sign = 1.0 if maximise else -1.0

    class PeriodicEvalCallback(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.wall0 = float(meta.get("train_wall_s", 0.0))
            self.best = float(meta.get(best_meta_key, -sign * np.inf))
            self._next = 0
            self._t0 = 0.0
            self._eval_s = 0.0

        def train_wall(self) -> float:
            return self.wall0 + time.perf_counter() - self._t0 - self._eval_s

        def _on_training_start(self) -> None:
            self._t0 = time.perf_counter()
            self._next = (self.num_timesteps // eval_freq + 1) * eval_freq
            if self.num_timesteps == 0:
                self.evaluate()

        def _on_step(self) -> bool:
            if self.num_timesteps >= self._next:
                self._next += eval_freq
                self.evaluate()
            return max_s is None or self.train_wall() < max_s

        def _on_training_end(self) -> None:
            if meta.get("last_eval_timesteps") != self.num_timesteps:
                self.evaluate()

        def evaluate(self) -> None:
            start = time.perf_counter()
            measured = measure(self.model)
            self._eval_s += time.perf_counter() - start
            row = {"timesteps": self.num_timesteps, "train_wall_s": self.train_wall(),
                   "wall_s": self.wall0 + time.perf_counter() - self._t0, **measured}
            for key, name in log_keys.items():
                self.logger.record(name, float(row[key]))
            self.logger.record("eval/train_wall_s", row["train_wall_s"])
            append_csv(out / "eval.csv", fields, row)
            score = float(row[score_key])
            meta.update(timesteps=self.num_timesteps, train_wall_s=row["train_wall_s"],
                        last_eval_timesteps=self.num_timesteps, **{eval_meta_key: score})
            if sign * score > sign * self.best:
                self.best = score
                meta.update({best_meta_key: score, "best_timesteps": self.num_timesteps})
                self.model.save(out / "best_model.zip")
                write_metadata(out / "best_model.zip", meta)
            self.model.save(out / "model.zip")
            write_metadata(out / "model.zip", meta)

    return PeriodicEvalCallback()
