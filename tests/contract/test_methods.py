"""Every registered method of every problem answers through the problem's evaluate()."""

from __future__ import annotations

import math

import pytest

from offload_gym.core.problem import get_problem

from .conftest import method_pairs, small

PAIRS = method_pairs()
BATCHED = method_pairs("solve_batch")
SEEDS = (0, 1)
# learned methods registered without a shipped checkpoint (they answer only with a user's
# own checkpoint): skipped by name, so that a checkpoint that goes missing still fails
NO_SHIPPED_CHECKPOINT = {("laenet", "ppo")}


def _scenarios(problem, method_name: str) -> list:
    """Small scenarios, or default-size ones for a learned method that ships a checkpoint
    for the default size only (its policy refuses the small size with a SolverError)."""
    from offload_gym.core.errors import SolverError
    from offload_gym.evaluation.registry import get_policy

    scenarios = [small(problem, seed=s) for s in SEEDS]
    try:
        get_policy(problem.name, method_name).act(scenarios[0])
    except SolverError as exc:
        if "checkpoint" not in str(exc):
            raise
        scenarios = [problem.make(seed=s) for s in SEEDS]
        try:
            get_policy(problem.name, method_name).act(scenarios[0])
        except SolverError as exc2:
            if (problem.name, method_name) not in NO_SHIPPED_CHECKPOINT:
                raise
            pytest.skip(f"{method_name} ships no checkpoint for {problem.name}: {exc2}")
    return scenarios


@pytest.mark.parametrize(("problem_name", "method_name"), PAIRS,
                         ids=[f"{p}-{m}" for p, m in PAIRS])
def test_method_output_is_confirmed_by_evaluate(problem_name, method_name):
    from offload_gym.evaluation.registry import get_policy

    problem = get_problem(problem_name)
    policy = None
    for seed, sc in zip(SEEDS, _scenarios(problem, method_name), strict=True):
        policy = policy or get_policy(problem_name, method_name)
        sol = policy.act(sc)
        assert isinstance(sol, problem.solution_type())
        assert problem.check_solution(sc, sol) == [], (method_name, seed)


@pytest.mark.parametrize(("problem_name", "method_name"), BATCHED,
                         ids=[f"{p}-{m}" for p, m in BATCHED])
def test_solve_batch_equals_solve(problem_name, method_name):
    from offload_gym.core.registry import get_method

    problem = get_problem(problem_name)
    method = get_method(problem_name, method_name)
    scenarios = [small(problem, seed=s) for s in SEEDS]
    batch = method.hook("solve_batch")(scenarios)
    for sc, got in zip(scenarios, batch, strict=True):
        want = method.hook("solve")(sc)
        assert problem.check_solution(sc, got) == []
        assert math.isclose(problem.objective_of(got), problem.objective_of(want),
                            rel_tol=1e-9)


@pytest.mark.parametrize("problem_name", sorted({p for p, _ in PAIRS}))
def test_certified_methods_agree(problem_name):
    """Every solve-hook method whose answer is certified OPTIMAL reports the same objective."""
    from offload_gym.core.registry import methods
    from offload_gym.core.status import Status

    problem = get_problem(problem_name)
    sc = small(problem, seed=4)
    optimal = {}
    for m in methods(problem_name, "solve"):
        if m.policy:  # learned agents: not certified, and slower to load
            continue
        sol = m.hook("solve")(sc)
        if sol.status == Status.OPTIMAL:
            optimal[m.name] = problem.objective_of(sol)
    assert "exact" in optimal
    for name, value in optimal.items():
        assert math.isclose(value, optimal["exact"], rel_tol=1e-6), (name, value, optimal)
