"""Reward functions of the LAENet envs, injectable with ``gym.make(id, reward_fn=...)``.

A reward function is called after every step as ``fn(env, prev_cost, cost, reward)``:
``prev_cost`` / ``cost`` are the partial cost C_{k-1} / C_k before and after the step
(C_0 = 0; the final cost, or the failure cost C_fail, at the end) and ``reward`` is the
default reward below; it returns the reward the env hands out.

- ``"objective"`` (default, :func:`cost_decrease`): r_k = -(C_k - C_{k-1}); the return is
  -C, the objective of problem P.
- ``"lower_bound"`` (alias ``"shaped"``, :func:`lower_bound`; what the RL agents train
  on): r_k / C_lb with C_lb the env's ``lower_bound_cost()`` (each user alone on its best
  option); the return is -C / C_lb, comparable across instances. It keeps each instance's
  optimal policy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_REWARD_FN", "REWARD_FNS", "cost_decrease", "lower_bound"]


def cost_decrease(env: Any, prev_cost: float, cost: float, reward: float) -> float:
    """The default reward: -(C_k - C_{k-1}) (already computed by the env)."""
    return reward


def lower_bound(env: Any, prev_cost: float, cost: float, reward: float) -> float:
    """The default reward divided by the instance's lower bound C_lb (floored at 1e-12)."""
    return float(reward) / max(float(env.unwrapped.lower_bound_cost()), 1e-12)


DEFAULT_REWARD_FN = cost_decrease
REWARD_FNS = {"objective": cost_decrease, "lower_bound": lower_bound, "shaped": lower_bound}
