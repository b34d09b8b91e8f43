"""agents/rl/cleanrl_ppo.py: the single-file masked PPO learns on the native VEC-v0 vector env.

Measured (64 fixed scenarios, n_rsus = 5, eval seeds 10000..10063): uniform-random masked
policy 1.38 / 1.73 / 2.07 (seeds 2 / 0 / 1), untrained greedy 5.3 - 7.9, 3072 training steps
-> 1.046 (seeds 0, 1, 2: "offload to every RSU"; 16k steps reach 1.013). The assertion
(<= 1.10 and >= 0.25 below random) fails for the random and the untrained policies.
"""

import json

import numpy as np
import pytest
import torch

from agents.rl import cleanrl_ppo as crl

ENV = "offload_gym/VEC-v0"
KW = {"n_rsus": 5}
EVAL_EPISODES, EVAL_SEED = 64, 10_000


def _passes(ratio: float, random_ratio: float) -> bool:
    return ratio <= 1.10 and ratio <= random_ratio - 0.25


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("cleanrl")
    argv = ["--n-rsus", "5", "--num-envs", "64", "--timesteps", "3072",
            "--eval-episodes", str(EVAL_EPISODES), "--out", str(out)]
    assert crl.main(argv) == 0
    return out


def test_learns_beyond_random_and_untrained(trained):
    agent, meta = crl.load_checkpoint(trained / "model.pt")
    ratio = crl.evaluate(ENV, KW, crl.greedy_policy(agent), EVAL_EPISODES, EVAL_SEED)
    rand = crl.evaluate(ENV, KW, crl.random_policy(0), EVAL_EPISODES, EVAL_SEED)
    assert ratio == pytest.approx(meta["eval"]["greedy_optimality_ratio"])
    assert _passes(ratio, rand), (ratio, rand)
    # the same bar rejects the random policy and an untrained network
    assert not _passes(rand, rand)
    envs = crl.make_vector_env(ENV, 1, KW)
    torch.manual_seed(0)
    fresh = crl.Agent(envs.single_observation_space, 2, "graph", 32, [0])
    untrained = crl.evaluate(ENV, KW, crl.greedy_policy(fresh), EVAL_EPISODES, EVAL_SEED)
    assert not _passes(untrained, rand), untrained


def test_harness_adapter_matches_vector_rollout(trained):
    """The single-env adapter plays the same scenarios as the vector env seeded the same way
    and returns the greedy policy's solutions (same completion times)."""
    from agents.rl.common import draw_scenarios

    n = 8
    policy = crl.CleanRLPolicy(trained / "model.pt")
    sols = policy.act_batch(draw_scenarios(ENV, KW, n, EVAL_SEED))
    assert [s.solver for s in sols] == ["cleanrl"] * n and all(s.success for s in sols)
    envs = crl.make_vector_env(ENV, n, KW)
    obs, _ = envs.reset(seed=EVAL_SEED)
    act = crl.greedy_policy(policy.agent)
    times = np.full(n, np.nan)
    while np.isnan(times).any():
        obs, _, term, _, info = envs.step(act(obs, envs.unwrapped.action_masks()))
        if term.any():
            times[term] = info["completion_time_s"][term]
    assert [s.completion_time_s for s in sols] == pytest.approx(times.tolist(), rel=1e-12)


def test_checkpoint_metadata(trained):
    meta = json.loads((trained / "metadata.json").read_text())
    assert meta["algo"] == "cleanrl_ppo" and meta["env_id"] == ENV
    assert meta["command"].startswith("python -m agents.rl.cleanrl_ppo --n-rsus 5")
    assert meta["stats"]["env_steps"] == 3072 and meta["stats"]["steps_per_s"] > 0
    assert meta["config"]["num_envs"] == 64


def test_masked_actions_never_sampled():
    envs = crl.make_vector_env(ENV, 8, KW)
    obs, _ = envs.reset(seed=0)
    agent = crl.Agent(envs.single_observation_space, 2, "mlp", 16)
    mask = torch.tensor([[True, False], [False, True]] * 4)
    with torch.no_grad():
        for _ in range(20):
            action, logp, ent, _ = agent.act(crl.obs_to_torch(obs), mask)
            assert torch.equal(action, mask[:, 1].long())
            assert torch.allclose(logp, torch.zeros(8)) and torch.allclose(ent, torch.zeros(8))
    # an all-false row (terminal observation) allows every action instead of NaN
    assert crl.masks_to_torch(np.zeros((2, 2), bool)).all()


def test_gae_cuts_at_episode_end():
    rewards = torch.tensor([[0.0], [1.0], [5.0]])
    values = torch.tensor([[0.5], [0.5], [0.5]])
    dones = torch.tensor([[0.0], [1.0], [0.0]])
    adv = crl._gae(rewards, values, dones, torch.tensor([2.0]), 1.0, 1.0)
    assert adv[:, 0].tolist() == pytest.approx([0.5, 0.5, 6.5])
