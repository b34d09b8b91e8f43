"""The skeleton of the native vector envs (docs/envs.md "Native vector envs").

A native vector env steps B instances of one problem in lock-step with numpy arrays. Each
sub-env owns its own ``np_random`` and instance pool exactly like a single env, so sub-env
i seeded s_i plays the same episodes, bit for bit, as ``gym.make(id)`` reset with s_i.

This module owns what does not depend on the problem: per-sub-env seeding, Gymnasium 1.x
autoreset (``NEXT_STEP``, the default of Gymnasium's ``SyncVectorEnv``; ``SAME_STEP`` on
request), and the vector ``info`` convention (a dict of [B] arrays with ``_key`` masks,
the dtypes ``SyncVectorEnv`` gives). A problem's class implements ``_reset_rows(rows)``
and ``_step_rows(rows, actions)``, each returning an :class:`InfoBatch`, and ``_obs()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode

from offload_gym.core.env_args import check_seed

AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
__all__ = ["AUTORESET_MODES", "InfoBatch", "OffloadVectorEnv", "seed_list"]


def seed_list(seed: int | Sequence[int | None] | None, num_envs: int) -> list[int | None]:
    """Per-sub-env seeds as ``SyncVectorEnv.reset`` makes them: an int s gives s, s+1, ...;
    a sequence gives one per sub-env; None gives None for each."""
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, int | np.integer):
        return [int(seed) + i for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"seed must be an int or {num_envs} seeds, got {len(seeds)}")
    return seeds


def _info_dtype(value: Any) -> Any:
    """The dtype Gymnasium's ``VectorEnv._add_info`` gives an info key of this value."""
    if type(value) in (int, float, bool) or isinstance(value, np.number):
        return type(value)
    return object


class InfoBatch:
    """A vector ``info`` under construction: ``put(key, rows, values)`` sets the key for the
    given sub-env rows (values: an array or a list, one per row)."""

    def __init__(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self.data: dict[str, np.ndarray] = {}

    def put(self, key: str, rows: np.ndarray, values: Any) -> None:
        if len(rows) == 0:
            return
        if key not in self.data:
            first = values[0]
            first = first.item() if isinstance(values, np.ndarray) and values.dtype != object \
                and not isinstance(first, np.number) else first
            dtype = _info_dtype(first)
            self.data[key] = (np.full(self.num_envs, None, dtype=object) if dtype is object
                              else np.zeros(self.num_envs, dtype=dtype))
            self.data[f"_{key}"] = np.zeros(self.num_envs, dtype=bool)
        if self.data[key].dtype == object and isinstance(values, np.ndarray):
            values = values.tolist()
        if isinstance(values, list) and self.data[key].dtype == object:
            for r, v in zip(rows.tolist(), values, strict=True):
                self.data[key][r] = v
        else:
            self.data[key][rows] = values
        self.data[f"_{key}"][rows] = True

    def merge(self, other: InfoBatch) -> None:
        """Add ``other``'s keys (its rows win)."""
        for key, arr in other.data.items():
            if key.startswith("_") and key[1:] in other.data:
                continue
            rows = np.flatnonzero(other.data[f"_{key}"])
            self.put(key, rows, arr[rows] if arr.dtype != object else list(arr[rows]))

    def row(self, i: int) -> dict[str, Any]:
        """Sub-env i's info as a single env's dict."""
        return {k: v[i] for k, v in self.data.items()
                if not k.startswith("_") and self.data[f"_{k}"][i]}


class OffloadVectorEnv(gym.vector.VectorEnv):
    """Seeding, autoreset and the info convention of every native vector env (module
    docstring). Subclasses set the spaces and implement the row hooks."""

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.NEXT_STEP,
                                          "render_modes": []}

    def _init_vector(self, num_envs: int, seed: int | None, autoreset_mode: Any) -> None:
        if not isinstance(num_envs, int | np.integer) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.num_envs = int(num_envs)
        mode = AutoresetMode(autoreset_mode)
        if mode not in AUTORESET_MODES:
            raise ValueError(f"autoreset_mode must be one of {[m.value for m in AUTORESET_MODES]}"
                             f", got {autoreset_mode!r}")
        self.autoreset_mode = mode
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self._init_seed = check_seed(seed)
        self._rngs: list[np.random.Generator] = [seeding.np_random(None)[0]
                                                 for _ in range(self.num_envs)]
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._started = False
        self.copy_obs = True  # False: observations are views of the env's buffers

    # ------------------------------------------------------------------ hooks
    def _drop_pools(self, rows: np.ndarray) -> None:
        """Forget the generated instances of these sub-envs (they got a new seed)."""
        raise NotImplementedError

    def _reset_rows(self, rows: np.ndarray) -> InfoBatch:
        raise NotImplementedError

    def _step_rows(self, rows: np.ndarray, actions: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, InfoBatch]:
        """Step these sub-envs; returns (rewards [R], terminated [R], info)."""
        raise NotImplementedError

    def _obs(self, copy: bool = True) -> dict[str, np.ndarray]:
        """The batched observation (``copy=False``: views of the env's buffers)."""
        raise NotImplementedError

    def action_masks(self) -> np.ndarray:
        raise NotImplementedError

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | Sequence[int | None] | None = None,
              options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Reset every sub-env (``seed``: an int s seeds sub-env i with s + i, a list one
        seed each; the constructor's ``seed`` is used by every sub-env on the first reset
        without one, as ``make_vec`` with that kwarg does)."""
        if options:
            raise ValueError("options are not supported by the native vector envs "
                             "(use gym.make_vec(..., vectorization_mode='sync'))")
        if seed is None and self._init_seed is not None:
            seeds: list[int | None] = [self._init_seed] * self.num_envs
            self._init_seed = None
        else:
            seeds = seed_list(seed, self.num_envs)
        reseeded = [i for i, s in enumerate(seeds) if s is not None]
        for i in reseeded:
            self._rngs[i] = seeding.np_random(seeds[i])[0]
        if reseeded:
            self._drop_pools(np.asarray(reseeded))
        self._autoreset[:] = False
        self._started = True
        info = self._reset_rows(np.arange(self.num_envs))
        return self._obs(self.copy_obs), info.data

    def step(self, actions: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray,
                                          np.ndarray, dict[str, Any]]:
        """Step every sub-env; Gymnasium 1.x autoreset in :attr:`autoreset_mode`."""
        if not self._started:
            raise RuntimeError("call reset() first")
        b = self.num_envs
        rewards = np.zeros(b, dtype=np.float64)
        terminated = np.zeros(b, dtype=bool)
        truncated = np.zeros(b, dtype=bool)
        info = InfoBatch(b)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            resetting = np.flatnonzero(self._autoreset)
            active = np.flatnonzero(~self._autoreset)
            if active.size:
                r, t, step_info = self._step_rows(active, actions)
                rewards[active], terminated[active] = r, t
                info.merge(step_info)
            if resetting.size:
                info.merge(self._reset_rows(resetting))
            self._autoreset = terminated | truncated
            return self._obs(self.copy_obs), rewards, terminated, truncated, info.data
        rows = np.arange(b)
        rewards[:], terminated[:], step_info = self._step_rows(rows, actions)
        done = np.flatnonzero(terminated | truncated)
        if done.size == 0:
            return self._obs(self.copy_obs), rewards, terminated, truncated, step_info.data
        final_obs = self._obs()
        final_info = InfoBatch(b)
        for key, arr in step_info.data.items():
            if not key.startswith("_"):
                rows = done[step_info.data[f"_{key}"][done]]
                final_info.put(key, rows, arr[rows] if arr.dtype != object else list(arr[rows]))
        reset_info = self._reset_rows(done)
        info = InfoBatch(b)  # done sub-envs report their reset info (as SyncVectorEnv)
        for key, arr in step_info.data.items():
            if not key.startswith("_"):
                rows = np.flatnonzero(step_info.data[f"_{key}"] & ~(terminated | truncated))
                info.put(key, rows, arr[rows] if arr.dtype != object else list(arr[rows]))
        info.merge(reset_info)
        info.put("final_obs", done, [{k: v[i] for k, v in final_obs.items()} for i in done])
        info.data["final_info"], info.data["_final_info"] = final_info.data, \
            np.isin(np.arange(b), done)
        return self._obs(self.copy_obs), rewards, terminated, truncated, info.data

    def close_extras(self, **kwargs: Any) -> None:
        return None
