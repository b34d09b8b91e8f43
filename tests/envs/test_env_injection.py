"""Injectable generator= and viewer=, and the named feature indices of observation.py."""

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401
from offload_gym.core.errors import ScenarioError
from offload_gym.laenet import observation as lobs
from offload_gym.laenet.generator import generate as laenet_generate
from offload_gym.vec import observation as vobs
from offload_gym.vec.generator import generate as vec_generate

VEC, LAENET = "offload_gym/VEC-v0", "offload_gym/LAENet-v0"


def _recording(make):
    drawn = []

    def generator(rng):
        drawn.append(make(rng))
        return drawn[-1]

    return generator, drawn


@pytest.mark.parametrize("env_id,kwargs,make", [
    (VEC, {"n_rsus": 4}, lambda rng: vec_generate(4, "mobility_stress", rng)),
    (LAENET, {"scale": "gs2_gu4_au2"}, lambda rng: laenet_generate("gs2_gu4_au2", seed=rng)),
])
def test_injected_generator_supplies_episodes(env_id, kwargs, make):
    gen, drawn = _recording(make)
    env = gym.make(env_id, generator=gen, compute_optimum=False, **kwargs).unwrapped
    env.reset(seed=5)
    env.reset()
    assert len(drawn) == 2 and env.scenario is drawn[1]
    again, drawn2 = _recording(make)
    other = gym.make(env_id, generator=again, compute_optimum=False, **kwargs).unwrapped
    other.reset(seed=5)
    other.reset()
    assert drawn2[0].to_dict() == drawn[0].to_dict()  # the env's np_random feeds it
    # options["scenario"] still wins over the generator
    env.reset(options={"scenario": drawn[0]})
    assert env.scenario is drawn[0] and len(drawn) == 2


def test_injected_generator_must_fit_and_be_callable():
    env = gym.make(VEC, n_rsus=3, generator=lambda rng: vec_generate(6, "kato2025", rng))
    with pytest.raises(ScenarioError, match="n_rsus_max"):
        env.reset(seed=0)
    with pytest.raises(ValueError, match="generator"):
        gym.make(LAENET, generator="gadsg2025")


class _FakeViewer:
    def __init__(self):
        self.calls = []

    def render_rgb(self, scenario, *args, **state):
        self.calls.append(("rgb", scenario, state))
        return np.zeros((2, 3, 3), dtype=np.uint8)

    def render_human(self, scenario, *args, fig=None, **state):
        self.calls.append(("human", scenario, state))
        return "fig"

    def close(self, fig):
        self.calls.append(("close", fig, {}))


@pytest.mark.parametrize("env_id,kwargs", [(VEC, {"n_rsus": 4}),
                                           (LAENET, {"scale": "gs2_gu4_au2"})])
def test_injected_viewer(env_id, kwargs):
    viewer = _FakeViewer()
    env = gym.make(env_id, viewer=viewer, render_mode="rgb_array", compute_optimum=False,
                   **kwargs).unwrapped
    env.reset(seed=0)
    assert env.render().shape == (2, 3, 3)
    assert viewer.calls[0][0] == "rgb" and viewer.calls[0][1] is env.scenario
    human = gym.make(env_id, viewer=viewer, render_mode="human", compute_optimum=False,
                     **kwargs).unwrapped
    human.reset(seed=0)
    assert human.render() is None
    human.close()
    assert [c[0] for c in viewer.calls] == ["rgb", "human", "close"]
    with pytest.raises(ValueError, match="viewer"):
        gym.make(env_id, viewer=object())


def test_named_indices_match_the_schema():
    assert vobs.NODE_FEATURES[vobs.N_SELECTED] == "selected"
    assert vobs.GLOBAL_FEATURES[vobs.G_TIME] == "time"
    assert vobs.EDGE_FEATURES[vobs.E_REVERSE] == "reverse"
    assert lobs.NODE_FEATURES[lobs.N_USED_MU] == "used_mu"
    assert lobs.EDGE_FEATURES[lobs.E_CHOSEN] == "chosen"
    assert lobs.GLOBAL_FEATURES[lobs.G_NSERVERS] == "n_servers"
    obs, _ = gym.make(VEC, n_rsus=4, compute_optimum=False).reset(seed=0)
    assert obs["global_features"][vobs.G_TIME] == 1.0  # T_eff(empty) / T_local, no deadline
    assert obs["node_features"][0, vobs.N_IS_VEHICLE] == 1.0
    obs, _ = gym.make(LAENET, scale="gs2_gu4_au2", compute_optimum=False).reset(seed=0)
    assert obs["global_features"][lobs.G_COST] == 0.0
    assert obs["node_features"][0, lobs.N_IS_HAP] == 1.0
