"""Reward functions of the VEC envs, injectable with ``gym.make(id, reward_fn=...)``.

A reward function is called after every step as ``fn(env, prev_time_s, time_s, reward)``:
``prev_time_s`` / ``time_s`` are T_eff before and after the step (the completion time of
the selection, or the failure time ``failure_time_factor * T_local`` when the task fails)
and ``reward`` is the default reward below; it returns the reward the env hands out.

- ``"objective"`` (default, :func:`time_decrease`): r_k = T_eff(S_{k-1}) - T_eff(S_k) [s]
  (divided by T_local with ``reward_scale="local"``); the return telescopes to
  T_eff(empty) - T_eff(S_final).
- ``"log_time"`` (alias ``"shaped"``, :func:`log_time`; what the RL agents train on):
  r_k = log T_eff(S_{k-1}) - log T_eff(S_k) with the times read as the observation's
  ``global_features[G_TIME]`` (T_eff / T_local, float32); the return is
  log(T_local / T_final), so two policies' returns differ by exactly the log of their time
  ratio. It keeps each instance's optimal policy.
"""

from __future__ import annotations

import math
from typing import Any

from offload_gym.core.graph import FEATURE_DTYPE

__all__ = ["DEFAULT_REWARD_FN", "REWARD_FNS", "log_time", "time_decrease"]


def time_decrease(env: Any, prev_time_s: float, time_s: float, reward: float) -> float:
    """The default reward: the decrease of T_eff (already computed by the env)."""
    return reward


def _time_feature(time_s: float, local_time_s: float) -> float:
    """T_eff / T_local as the observation carries it (rounded to float32)."""
    return float(FEATURE_DTYPE(time_s / local_time_s))


def log_time(env: Any, prev_time_s: float, time_s: float, reward: float) -> float:
    """log T_eff(S_{k-1}) - log T_eff(S_k), from the observation's time feature."""
    t_local = env.unwrapped.episode.local_time_s
    prev = _time_feature(prev_time_s, t_local)
    cur = _time_feature(time_s, t_local)
    return math.log(max(prev, 1e-12)) - math.log(max(cur, 1e-12))


DEFAULT_REWARD_FN = time_decrease
REWARD_FNS = {"objective": time_decrease, "log_time": log_time, "shaped": log_time}
