"""VEC envs' pooled instance supply: which scenario each episode plays, per seed, and the
pool's arrays against the per-scenario physics."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from offload_gym.vec import derive, generate
from offload_gym.vec.generator import generate_batch

from .env_helpers import masked_random_action

VEC = "offload_gym/VEC-v0"
SELECT = "offload_gym/VECSelect-v0"
LEAN = {"compute_optimum": False, "solution_info": False}


def _play(env, rng):
    done = False
    while not done:
        _, _, done, _, _ = env.step(masked_random_action(env, rng))


@pytest.mark.parametrize("env_id", [VEC, SELECT])
def test_pool_episodes_are_the_batch_generator_instances(env_id):
    """Episode k of a seed plays instance k of generate_batch(pool_size, n, preset, rng) with
    rng = default_rng(seed) (the env's np_random), refilled from the same stream."""
    env = gym.make(env_id, n_rsus=5, preset="mobility_stress", pool_size=3, **LEAN).unwrapped
    rng = np.random.default_rng(0)
    ref_rng = np.random.default_rng(7)
    ref = generate_batch(3, 5, "mobility_stress", ref_rng).scenarios()
    ref += generate_batch(3, 5, "mobility_stress", ref_rng).scenarios()
    env.reset(seed=7)
    seen = []
    for k in range(6):
        if k:
            env.reset()
        seen.append(env._ep.scenario)
        _play(env, rng)
    assert seen == ref


def test_pool_size_one_reproduces_per_episode_generate():
    """pool_size=1 draws exactly what ``generate(n, preset, np_random)`` per episode did."""
    env = gym.make(VEC, n_rsus=(2, 6), pool_size=1, **LEAN).unwrapped
    ref_rng = np.random.default_rng(11)
    env.reset(seed=11)
    for k in range(5):
        if k:
            env.reset()
        n = int(ref_rng.integers(2, 7))
        assert env._ep.scenario == generate(n, "kato2025", ref_rng)


def test_reseeding_restarts_the_pools():
    env = gym.make(VEC, n_rsus=(3, 5), pool_size=4, **LEAN).unwrapped
    rng = np.random.default_rng(0)

    def scenarios(k):
        out = []
        for _ in range(k):
            out.append(env._ep.scenario)
            _play(env, rng)
            env.reset()
        return out

    env.reset(seed=5)
    a = scenarios(7)
    env.reset(seed=5)
    b = scenarios(7)
    assert a == b
    env.reset(seed=6)
    assert scenarios(1)[0] != a[0]


def test_pool_arrays_match_the_scenario_physics():
    env = gym.make(VEC, n_rsus=7, n_rsus_max=9, preset="mobility_stress", mobcheck=True,
                   pool_size=5, **LEAN).unwrapped
    env.reset(seed=1)
    for _ in range(7):
        ep = env._ep
        sc = ep.scenario
        phys = derive(sc)
        for f in phys.__dataclass_fields__:
            assert np.array_equal(getattr(ep.phys, f), getattr(phys, f)), f
        assert ep.order.tolist() == np.lexsort((np.arange(7), -sc.rsu_cpu_ghz)).tolist()
        assert np.array_equal(ep.avail, phys.mobcheck())
        ref = np.zeros((8, 7))
        ref[1:] = 1.0 / phys.cost(np.arange(1, 8))
        assert np.array_equal(ep.inv_cost, ref)
        assert ep.local_time_s == float(phys.local_time_s)
        env.reset()


def test_observations_do_not_share_memory(rng):
    env = gym.make(VEC, n_rsus=4, **LEAN).unwrapped
    obs = [env.reset(seed=0)[0]]
    done = False
    while not done:
        o, _, done, _, _ = env.step(masked_random_action(env, rng))
        obs.append(o)
    for a, b in itertools.pairwise(obs):
        for k, v in a.items():
            if isinstance(v, np.ndarray):
                assert not np.shares_memory(v, b[k]), k
    # a stored observation is not changed by later steps
    assert obs[0]["node_features"][:, -1].sum() == 1  # "current" flag of the first RSU


def test_bad_pool_size():
    with pytest.raises(ValueError, match="pool_size"):
        gym.make(VEC, pool_size=0)
