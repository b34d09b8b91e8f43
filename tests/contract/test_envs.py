"""Both env checkers (Gymnasium's and stable-baselines3's) on every env id of every problem,
at the problem's small size."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest

from offload_gym.core.problem import get_problem

from .conftest import env_pairs

ENVS = env_pairs()


def _make(problem_name: str, env_id: str) -> gym.Env:
    import offload_gym  # noqa: F401  (registers the Gymnasium ids)

    problem = get_problem(problem_name)
    assert problem.env_ids[env_id], env_id
    return gym.make(env_id, **{problem.size.name: problem.small_size})


@pytest.mark.parametrize(("problem_name", "env_id"), ENVS, ids=[e for _, e in ENVS])
def test_gymnasium_check_env(problem_name, env_id):
    from gymnasium.utils.env_checker import check_env

    env = _make(problem_name, env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Box observation space (min|max)imum.*")
        check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize(("problem_name", "env_id"), ENVS, ids=[e for _, e in ENVS])
def test_sb3_check_env(problem_name, env_id):
    from stable_baselines3.common.env_checker import check_env

    env = _make(problem_name, env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*unconventional shape.*")
        check_env(env.unwrapped)


@pytest.mark.parametrize(("problem_name", "env_id"), ENVS, ids=[e for _, e in ENVS])
def test_env_id_points_at_the_registered_entry_point(problem_name, env_id):
    import offload_gym  # noqa: F401

    assert gym.spec(env_id).entry_point == get_problem(problem_name).env_ids[env_id]
