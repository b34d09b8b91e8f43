"""A stable-baselines3 ``VecEnv`` over a native vector env (docs/envs.md "Native vector
envs"): ``offload_gym.make_sb3_vec(id, n_envs=64, **kwargs)``.

The native env runs in ``SAME_STEP`` autoreset mode, SB3's convention: a finished
sub-env's step returns the next episode's first observation, with the last one in
``infos[i]["terminal_observation"]``. ``env_method("action_masks")`` gives one mask row per
sub-env, which is how sb3-contrib's ``get_action_masks`` asks for them. Importing this
module imports stable-baselines3 (and torch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import VecEnv

__all__ = ["NativeSB3VecEnv", "make_sb3_vec"]


class NativeSB3VecEnv(VecEnv):
    """SB3 ``VecEnv`` view of a native offload-gym vector env (module docstring)."""

    def __init__(self, venv: Any) -> None:
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space,
                         venv.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> dict[str, np.ndarray]:
        seeds = [s for s in self._seeds]
        seed = None if all(s is None for s in seeds) else seeds
        obs, _ = self.venv.reset(seed=seed)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        infos = _info_rows(info, self.num_envs)
        done = terminated | truncated
        if done.any():
            final_info = info.get("final_info", {})
            final_rows = _info_rows(final_info, self.num_envs) if final_info else None
            for i in np.flatnonzero(done).tolist():
                infos[i] = dict(final_rows[i]) if final_rows else {}
                infos[i]["terminal_observation"] = info["final_obs"][i]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, rewards.astype(np.float32), done, infos

    def close(self) -> None:
        self.venv.close()

    def _indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        return [indices] if isinstance(indices, int) else list(indices)

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        value = getattr(self.venv, attr_name)
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None,
                   **method_kwargs: Any) -> list[Any]:
        """``action_masks`` gives one row per sub-env; other methods are called once on the
        native env and the result is repeated."""
        rows = self._indices(indices)
        result = getattr(self.venv, method_name)(*method_args, **method_kwargs)
        if method_name == "action_masks":
            return [result[i] for i in rows]
        return [result for _ in rows]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None] * self.num_envs


def _info_rows(info: dict[str, Any], num_envs: int) -> list[dict[str, Any]]:
    """Per-sub-env dicts of a vector info (keys without ``_`` masks, ``final_*`` dropped)."""
    rows: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, arr in info.items():
        if key.startswith("_") or key in ("final_obs", "final_info") or isinstance(arr, dict):
            continue
        values = arr.tolist()
        for i in np.flatnonzero(info[f"_{key}"]).tolist():
            rows[i][key] = values[i]
    return rows


def make_sb3_vec(env_id: str, n_envs: int = 64, **kwargs: Any) -> NativeSB3VecEnv:
    """An SB3 ``VecEnv`` of ``n_envs`` sub-envs of ``env_id``'s native vector env (the
    single env's kwargs)."""
    import offload_gym.registration  # noqa: F401  (registers the ids)

    venv = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point",
                        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP, **kwargs)
    return NativeSB3VecEnv(venv)
