"""Run a trained VEC selector (KATO, KATO+, SA, MLP) as a solver / policy.

Pipeline per batch: model inputs -> p per RSU (MobCheck survivors only) -> decoding
(threshold p >= 0.5, or KATO+'s best prefix) -> the spec's ``equal_finish`` allocation ->
the one ``evaluate``. ``solve_kato(scenario)`` etc. return the same ``Solution`` JSON as the
exact solvers (registered as ``kato``, ``kato_plus``, ``sa``, ``mlp``).
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import torch

from agents import CHECKPOINT_DIR
from agents.kato import PROBLEM
from agents.kato.features import build_inputs, unsort
from agents.kato.model import decode_prefix, decode_threshold, predict_probabilities
from agents.kato.train import load_checkpoint
from offload_gym.core.errors import SolverError
from offload_gym.core.status import Status
from offload_gym.vec.allocation import equal_finish
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.evaluate import evaluate_arrays, make_solution
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

DECODERS = {"threshold": decode_threshold, "prefix": decode_prefix}


def default_checkpoint(method: str, preset: str = "kato2025", n_rsus: int = 20) -> Path:
    """The shipped checkpoint ``vec_{method}_{preset}_n{N}.pt`` with the smallest trained
    N >= ``n_rsus`` (models generalise to smaller networks better than to larger ones, as
    the KATO paper reports and docs/results-vec.md measures), else the largest N; the
    n = 20 path when none is shipped."""
    shipped = {}
    for path in CHECKPOINT_DIR.glob(f"vec_{method}_{preset}_n*.pt"):
        size = path.stem.rsplit("_n", 1)[1]
        if size.isdigit():
            shipped[int(size)] = path
    if not shipped:
        return CHECKPOINT_DIR / f"vec_{method}_{preset}_n20.pt"
    at_least = [size for size in shipped if size >= n_rsus]
    return shipped[min(at_least) if at_least else max(shipped)]


class VecSelectorPolicy:
    """A trained selector; ``act_batch`` is fully vectorised."""

    problem = PROBLEM

    def __init__(self, checkpoint: str | Path, mobcheck: bool = True) -> None:
        self.model, ckpt = load_checkpoint(checkpoint)
        self.method = ckpt["method"]
        self.name = self.method["name"] + ("" if mobcheck else "-no-mobcheck")
        self.checkpoint = Path(checkpoint)
        self.mobcheck = mobcheck

    def select(self, batch: ScenarioBatch):
        """(selection masks [B, n] in RSU index order, the batch physics)."""
        inputs = build_inputs(batch, self.method["features"], self.mobcheck)
        prob = predict_probabilities(self.model, inputs)
        masks = unsort(DECODERS[self.method["decode"]](prob, inputs), inputs.order)
        return masks, inputs.physics

    def act_arrays(self, batch: ScenarioBatch):
        """(masks [B, n], allocations [B, 1+n], completion times [B], success [B])."""
        masks, phys = self.select(batch)
        alloc = equal_finish(phys, masks).allocation_gbit
        t, ok = evaluate_arrays(phys, masks, alloc)
        return masks, alloc, t, ok

    def act_batch(self, scenarios: list[Scenario]) -> list[Solution]:
        start = time.perf_counter()
        batch = ScenarioBatch.from_scenarios(scenarios)
        masks, alloc, _, _ = self.act_arrays(batch)
        per = (time.perf_counter() - start) / len(scenarios)
        return [self._solution(s, masks[i], alloc[i], per) for i, s in enumerate(scenarios)]

    def act(self, scenario: Scenario) -> Solution:
        return self.act_batch([scenario])[0]

    def _solution(self, scenario, mask, alloc, wall) -> Solution:
        sol = make_solution(scenario, mask, alloc, rule="equal_finish", solver=self.name,
                            wall_time_s=wall, mobcheck=self.mobcheck,
                            status=Status.FEASIBLE)
        return sol if sol.success else _failed(sol)


def _failed(sol: Solution) -> Solution:
    from dataclasses import replace

    return replace(sol, status=Status.FAILED)


@lru_cache(maxsize=16)
def load_policy(method: str, checkpoint: str | None = None, n_rsus: int = 20
                ) -> VecSelectorPolicy:
    """A cached policy: ``checkpoint``, or the shipped one nearest to ``n_rsus``."""
    path = Path(checkpoint) if checkpoint else default_checkpoint(method, n_rsus=n_rsus)
    if not path.is_file():
        raise SolverError(f"no checkpoint for {method!r} at {path}; train one with "
                          f"`offload-gym train {method} --out {path}`")
    torch.set_num_threads(1)
    return VecSelectorPolicy(path)


def solve_kato(scenario: Scenario) -> Solution:
    """KATO (faithful): AttenSelect + p >= 0.5 + equal-finish allocation."""
    return load_policy("kato", n_rsus=scenario.n_rsus).act(scenario)


def solve_kato_plus(scenario: Scenario) -> Solution:
    """KATO+ (ours): physical features + best-prefix decoding."""
    return load_policy("kato_plus", n_rsus=scenario.n_rsus).act(scenario)


def solve_sa(scenario: Scenario) -> Solution:
    """SA ablation: standard attention (no prefix knowledge)."""
    return load_policy("sa", n_rsus=scenario.n_rsus).act(scenario)


def solve_mlp(scenario: Scenario) -> Solution:
    """MLP baseline: one hidden layer of 5 units."""
    return load_policy("mlp", n_rsus=scenario.n_rsus).act(scenario)


def policy_factory(problem: str = PROBLEM, method: str = "kato", name: str | None = None,
                   checkpoint: str | None = None, mobcheck: bool = True) -> VecSelectorPolicy:
    """Factory for the evaluation harness (``offload-gym evaluate --policy kato`` or
    ``kato:mobcheck=false``)."""
    if problem != PROBLEM:
        raise SolverError(f"{method} is a {PROBLEM} policy, not for problem {problem!r}")
    policy = load_policy(method, checkpoint)
    if name or not mobcheck:
        policy = VecSelectorPolicy(policy.checkpoint, mobcheck=mobcheck)
        policy.name = name or policy.name
    return policy
