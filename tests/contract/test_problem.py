"""The Problem descriptor of every registered problem: hooks, presets, sizes, JSON, seeds."""

from __future__ import annotations

import dataclasses
import json

import pytest

from offload_gym.core.problem import SizeSpec, get_problem, load_ref, problem_names

from .conftest import small

HOOKS = ("scenario", "solution", "generate", "evaluate", "methods", "check")
OPTIONAL_HOOKS = ("dataset", "scoring")


def test_required_hooks_import(problem):
    for field in HOOKS:
        assert problem.hook(field) is not None, field
    assert problem.objective, "objective: name the Solution attribute that is minimised"


def test_optional_hooks_import_when_given(problem):
    given = [f for f in OPTIONAL_HOOKS if getattr(problem, f) is not None]
    for field in given:
        assert problem.hook(field) is not None, field
    for target in problem.env_ids.values():
        assert callable(load_ref(target)), target


def test_registry_finds_the_problem_by_name(problem):
    assert problem.name in problem_names()
    assert get_problem(problem.name) is problem


def test_presets_and_sizes(problem):
    assert problem.default_preset in problem.presets
    assert problem.check_preset(problem.default_preset) == problem.default_preset
    with pytest.raises(ValueError, match="preset"):
        problem.check_preset("no-such-preset")
    assert isinstance(problem.size, SizeSpec)
    label = problem.size.label(problem.small_size)
    assert isinstance(label, str) and label
    # the CLI text of a size parses back to the size
    assert problem.size.parse(str(problem.small_size)) == problem.small_size


def test_scenario_json_round_trip(problem):
    sc = small(problem, seed=1)
    text = sc.to_json()
    back = problem.scenario_from_dict(json.loads(text))
    assert back == sc
    assert back.to_json() == text


def test_same_seed_same_scenario_other_seed_other_scenario(problem):
    assert small(problem, seed=7).to_json() == small(problem, seed=7).to_json()
    assert small(problem, seed=7).to_json() != small(problem, seed=8).to_json()


def test_every_preset_generates(problem):
    for preset in problem.presets:
        sc = problem.make(problem.small_size, preset, 0)
        assert isinstance(sc, problem.scenario_type())


def test_solution_json_round_trip(problem):
    from offload_gym.core.registry import get_solver

    sc = small(problem, seed=2)
    sol = get_solver(problem.name, "exact")(sc)
    assert isinstance(sol, problem.solution_type())
    back = problem.solution_type().from_dict(json.loads(sol.to_json()))
    assert dataclasses.asdict(back) == dataclasses.asdict(sol)
    assert back.to_json() == sol.to_json()


def test_check_flags_a_tampered_objective(problem):
    from offload_gym.core.registry import get_solver

    sc = small(problem, seed=3)
    sol = get_solver(problem.name, "exact")(sc)
    assert problem.check_solution(sc, sol) == []
    worse = problem.objective_of(sol) * 1.5 + 1.0
    tampered = dataclasses.replace(sol, **{problem.objective: worse})
    assert problem.check_solution(sc, tampered), "check() must notice a wrong objective"
