"""The contract suite runs every test once per registered problem.

The problems are the registry's (``offload_gym.core.problem.problems()``: the built-ins, the
``offload_gym.problems`` entry points) plus the toy third problem of ``tests/toy_problem``,
which registers itself on import. A new problem inherits the whole suite by registering.
The toy is registered only while these tests run, so the rest of the suite sees the
shipped problems alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from offload_gym.core.problem import (
    Problem,
    get_problem,
    problems,
    register_problem,
    unregister_problem,
)


def _collect() -> tuple[Problem, list[str]]:
    import tests.toy_problem as toy  # registers the toy problem

    names = [p.name for p in problems()]
    unregister_problem(toy.PROBLEM.name)
    return toy.PROBLEM, names


TOY, PROBLEM_NAMES = _collect()


@pytest.fixture(scope="package", autouse=True)
def _toy_registered() -> Iterator[None]:
    register_problem(TOY)
    yield
    unregister_problem(TOY.name)


@contextlib.contextmanager
def toy_registered() -> Iterator[None]:
    """The toy problem registered for the duration (collection-time listings)."""
    register_problem(TOY)
    try:
        yield
    finally:
        unregister_problem(TOY.name)


def method_pairs(hook: str | None = None) -> list[tuple[str, str]]:
    """Every (problem, method) of the registry (with ``hook`` if given), toy included."""
    from offload_gym.core.registry import methods

    with toy_registered():
        return [(p, m.name) for p in PROBLEM_NAMES for m in methods(p)
                if hook is None or getattr(m, hook)]


def env_pairs() -> list[tuple[str, str]]:
    """Every (problem, Gymnasium id) of the registered problems, toy included."""
    with toy_registered():
        return [(p, env_id) for p in PROBLEM_NAMES for env_id in get_problem(p).env_ids]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "problem" in metafunc.fixturenames and "method_name" not in metafunc.fixturenames:
        metafunc.parametrize("problem", PROBLEM_NAMES, indirect=True)


@pytest.fixture
def problem(request: pytest.FixtureRequest) -> Problem:
    return get_problem(request.param)


def small(problem: Problem, seed: int = 0, **overrides: Any) -> Any:
    """A small generated scenario of ``problem`` (its ``size.small``, default preset)."""
    return problem.make(problem.small_size, problem.default_preset, seed, **overrides)
