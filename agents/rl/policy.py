"""Trained RL agents (``grlo``, ``ppo``; :mod:`agents.rl.train`) as solvers and as policies of
the evaluation harness.

A policy rolls the env the agent was trained on (same kwargs, hence the same padding) with
the given scenario (``reset(options={"scenario": s})``), many scenarios in lockstep (one
batched forward per step), and returns the env's final Solution (checked by the problem's
``evaluate``). ``k=1``: deterministic (greedy) actions. ``k > 1``: GRLO's "enhanced
exploration": the greedy rollout plus ``k`` sampled ones, the cheapest kept.

    offload-gym solve s.json --solver grlo                    # VEC or LAENet (shipped models)
    offload-gym evaluate --policy grlo,grlo:k=16,ppo --data data/vec_n20
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from agents import CHECKPOINT_DIR
from agents.rl.common import (
    env_profile,
    load_model,
    make_env,
    problem_of,
    rollout_batch,
    scenario_cost,
)
from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status
from offload_gym.evaluation.policy import BasePolicy

DEFAULT_CHECKPOINTS = {
    ("grlo", "vec"): "rl_grlo_vec_kato2025_n20.zip",
    ("grlo", "laenet"): "rl_grlo_laenet_gs3_gu6_au4.zip",
    ("ppo", "vec"): "rl_ppo_vec_kato2025_n20.zip",
    ("ppo", "laenet"): "rl_ppo_laenet_gs3_gu6_au4.zip",
}


def default_checkpoint(method: str, problem: str) -> Path:
    return CHECKPOINT_DIR / DEFAULT_CHECKPOINTS[(method, problem)]


class RLPolicy(BasePolicy):
    """A trained SB3 agent behind the ``Policy`` protocol (module docstring).

    :param checkpoint: a ``model.zip`` written by :mod:`agents.rl.train`.
    :param k: 1 = greedy; > 1 = best of the greedy rollout and ``k`` sampled ones.
    :param seed: seed of the sampled rollouts (each ``act_batch`` call restarts from it).
    :param batch_size: scenarios rolled in lockstep.
    """

    def __init__(self, checkpoint: str | Path, name: str | None = None, k: int = 1,
                 seed: int = 0, batch_size: int = 64) -> None:
        import torch

        torch.set_num_threads(1)
        self.checkpoint = Path(checkpoint)
        self.model, self.meta = load_model(self.checkpoint)
        self.env_id = self.meta["env_id"]
        self.problem = problem_of(self.env_id)
        self.method = self.meta.get("method", "rl")
        self.k, self.seed, self.batch_size = int(k), int(seed), int(batch_size)
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.name = name or (self.method if self.k == 1 else f"{self.method}:k={self.k}")
        self._envs: list[Any] = []

    def _pool(self, n: int) -> list[Any]:
        while len(self._envs) < n:
            self._envs.append(make_env(self.env_id, self.meta.get("env_kwargs", {}),
                                       shaping=False, compute_optimum=False,
                                       solution_info=True))
        return self._envs[:n]

    def _check_fits(self, scenarios: Sequence[Any]) -> None:
        env = self._pool(1)[0].unwrapped
        too_large = env_profile(self.env_id).too_large
        for s in scenarios:
            why = too_large(env, s)
            if why is not None:
                raise SolverError(f"{self.name}: {why}")

    def _solutions(self, scenarios: Sequence[Any], deterministic: bool) -> list[Any]:
        out: list[Any] = []
        for lo in range(0, len(scenarios), self.batch_size):
            chunk = list(scenarios[lo:lo + self.batch_size])
            res = rollout_batch(self.model, self._pool(len(chunk)), chunk, deterministic)
            out.extend(r.info["solution"] for r in res)
        return out

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        import torch

        if not scenarios:
            return []
        self._check_fits(scenarios)
        start = time.perf_counter()
        best = self._solutions(scenarios, deterministic=True)
        if self.k > 1:
            costs = np.array([scenario_cost(self.problem, s) for s in best])
            with torch.random.fork_rng():
                torch.manual_seed(self.seed)
                for _ in range(self.k):
                    for i, sol in enumerate(self._solutions(scenarios, deterministic=False)):
                        c = scenario_cost(self.problem, sol)
                        if c < costs[i]:
                            best[i], costs[i] = sol, c
        per = (time.perf_counter() - start) / len(scenarios)
        return [self._finish(s, per) for s in best]

    def act(self, scenario: Any) -> Any:
        return self.act_batch([scenario])[0]

    def _finish(self, sol: Any, wall: float) -> Any:
        status = sol.status
        if env_profile(self.env_id).failed(sol):
            status = Status.FAILED
        return dataclasses.replace(sol, solver=self.name, wall_time_s=wall, status=status)


@lru_cache(maxsize=16)
def load_policy(method: str, problem: str, checkpoint: str | None = None, k: int = 1,
                seed: int = 0) -> RLPolicy:
    """A cached :class:`RLPolicy` (the shipped checkpoint unless ``checkpoint``)."""
    path = Path(checkpoint) if checkpoint else default_checkpoint(method, problem)
    if not path.is_file():
        raise SolverError(f"no {method} checkpoint for {problem} at {path}; train one with "
                          f"`offload-gym train {method} --env ... --out DIR` (docs/results-rl.md)")
    policy = RLPolicy(path, k=k, seed=seed)
    if policy.problem != problem:
        raise SolverError(f"{path} is a {policy.problem} agent, not {problem}")
    return policy


def solve_grlo(scenario: Any) -> Any:
    """GRLO-style masked-PPO graph agent (greedy rollout; shipped checkpoint)."""
    return load_policy("grlo", scenario.problem).act(scenario)


def solve_ppo(scenario: Any) -> Any:
    """Masked PPO with an MLP on the flattened observation (shipped checkpoint)."""
    return load_policy("ppo", scenario.problem).act(scenario)


def policy_factory(problem: str, method: str = "grlo", name: str | None = None,
                   checkpoint: str | None = None, k: int = 1, seed: int = 0) -> RLPolicy:
    """Harness factory: ``grlo``, ``grlo:k=16``, ``ppo:checkpoint=runs/x/model.zip``."""
    policy = load_policy(method, problem, checkpoint, int(k), int(seed))
    if name and name != policy.name:
        policy = copy.copy(policy)  # shares the model and the env pool
        policy.name = name
    return policy
