"""The shipped VECStream-v0 GRLO agent (agents.rl.stream): the checkpoint loads, the stream
policy ``grlo`` sees exactly the env's observation and acts validly, and it beats the
``local`` policy (and a uniformly random selection) on a fixed short trace."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import offload_gym  # noqa: F401
from agents import CHECKPOINT_DIR
from agents.rl.common import STREAM_ID, read_metadata
from agents.rl.stream import DEFAULT_STREAM_CHECKPOINT, GrloStreamPolicy, act_bits
from offload_gym.vec.stream.evaluate import evaluate_stream
from offload_gym.vec.stream.policies import make_stream_policy, stream_policy_names
from offload_gym.vec.stream.presets import get_preset
from offload_gym.vec.stream.simulator import StreamSimulator
from offload_gym.vec.stream.trace import generate_trace

torch.set_num_threads(1)
CHECKPOINT = CHECKPOINT_DIR / DEFAULT_STREAM_CHECKPOINT
SEED = 0
HORIZON_S = 10.0
# measured on this trace (see test_beats_local_and_random): the margins below keep ~half of
# what the shipped agent gets.
MARGIN_OVER_LOCAL = 350.0   # grlo's return - local's return must exceed this
MARGIN_OVER_RANDOM = 40.0   # grlo's return - a uniformly random selection's


class _RandomBits:
    name = "random"

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def act(self, sim, state):
        bits = self.rng.random(state.n_candidates) < 0.5
        return tuple(int(i) for i in np.flatnonzero(bits))


@pytest.fixture(scope="module")
def trace():
    return generate_trace(get_preset("contended", horizon_s=HORIZON_S), SEED)


@pytest.fixture(scope="module")
def policy():
    return GrloStreamPolicy()


def test_checkpoint_small_and_recorded():
    assert CHECKPOINT.stat().st_size < 1_000_000
    meta = read_metadata(CHECKPOINT)
    assert meta["env_id"] == STREAM_ID and meta["method"] == "grlo"
    assert meta["command"].startswith("offload-gym train grlo --env offload_gym/VECStream-v0")
    assert meta["timesteps"] > 0


def test_checkpoint_spaces_match_the_env(policy):
    """The stored spaces equal the env's current ones (a layout change is caught here)."""
    env = gym.make(STREAM_ID, **read_metadata(CHECKPOINT)["env_kwargs"])
    assert policy.model.observation_space == env.observation_space
    assert policy.model.action_space == env.action_space


def test_registered_and_made_by_name():
    assert "grlo" in stream_policy_names()
    p = make_stream_policy("grlo")
    assert isinstance(p, GrloStreamPolicy) and p.name == "grlo"


def test_sees_the_env_observation_and_acts_validly(policy, trace):
    """Env and simulator side by side on the same trace: the policy's observation equals the
    env's at every task, its selection is a set of real candidate slots, and the env played
    with the policy's bits gives the same return as the simulator."""
    env = gym.make(STREAM_ID, myopic_info=False)
    obs, _ = env.reset(options={"trace": trace})
    sim = StreamSimulator(trace)
    total, steps, done = 0.0, 0, False
    while not done:
        state = sim.task_state()
        mine = policy.observe(sim, state)
        assert mine.keys() == obs.keys()
        for key in obs:
            np.testing.assert_array_equal(mine[key], obs[key], err_msg=key)
        picked = policy.act(sim, state)
        assert all(0 <= p < state.n_candidates for p in picked)
        bits = act_bits(policy.model, [obs])[0]
        assert tuple(np.flatnonzero(bits[:state.n_candidates])) == picked
        assert not bits[state.n_candidates:].any()  # masked slots never set
        sim.step(picked)
        obs, reward, _, done, info = env.step(bits)
        total += reward
        steps += 1
    assert steps == trace.n_tasks and info["n_ignored"] == 0
    assert total == pytest.approx(sim.episode_return)
    assert info["episode_return"] == pytest.approx(sim.episode_return)


def test_beats_local_and_random(trace):
    rows, _ = evaluate_stream(["grlo", "local", _RandomBits()], [trace])
    ret = {r["policy"]: r["mean_return"] for r in rows}
    assert ret["grlo"] - ret["local"] > MARGIN_OVER_LOCAL
    assert ret["grlo"] - ret["random"] > MARGIN_OVER_RANDOM
    assert ret["grlo"] <= rows[0]["lower_bound"] + 1e-9
